"""Reading the JSON files keras-bert's folders hold, with one clear error per way they break.

`read_json_object(path, what)` returns the object (a dict) a JSON file holds, and raises a
`ValueError` naming the file when it is not UTF-8, not JSON (with the line and column), or
holds a list or a number where an object is expected.

Examples:

    values = read_json_object("runs/a/keras_bert.json", "keras-bert metadata")
"""

import json
import os

from keras_bert.text_file import read_text


def read_json_object(path, what):
    """The dict in the JSON file `path`; `what` says what the file is, for the errors."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} {path} does not exist.")
    try:
        values = json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise ValueError(
            f"{what} {path} is not valid JSON ({e.msg} at line {e.lineno} column {e.colno}); the "
            "file is damaged or truncated: write or download it again."
        ) from None
    if not isinstance(values, dict):
        raise ValueError(
            f"{what} {path} holds a JSON {type(values).__name__}, not an object of settings; "
            "point at the right file."
        )
    return values
