"""keras-bert's own model folder: what `keras-bert pretrain`/`finetune` write and
`from_pretrained` and `keras-bert export` read.

    DIR/model.keras      the whole Keras model (encoder or task model), `.keras` format
    DIR/vocab.txt        the WordPiece vocabulary
    DIR/keras_bert.json  metadata: {"format": "keras_bert", "format_version": 1,
                         "task": ..., "lower_case": ..., "max_chars_per_word": ...,
                         "seq_length": ..., plus anything else the writer adds}
"""

import json
import os

import keras

from keras_bert import tasks
from keras_bert.atomic import atomic_copy, atomic_open, atomic_path, remove_partial_files
from keras_bert.finite import check_model_finite
from keras_bert.json_file import read_json_object

MODEL_FILE = "model.keras"
VOCAB_FILE = "vocab.txt"
METADATA_FILE = "keras_bert.json"
FORMAT_VERSION = 1


def is_model_dir(path):
    return os.path.isfile(os.path.join(path, METADATA_FILE))


def save_model_dir(model, path, vocab_file, **metadata):
    """Writes `model`, a copy of `vocab_file` and the metadata into the folder `path`.

    Each file is written whole or not at all (`keras_bert.atomic`), the metadata last, so a
    folder is a model folder only once its model and vocabulary are complete. A model with
    NaN or infinite weights is refused (`NonFiniteError`) and nothing is written.
    """
    if not os.path.isfile(vocab_file):
        raise FileNotFoundError(f"Vocabulary file {vocab_file} does not exist.")
    check_model_finite(model, f"the model to save in {path}")
    os.makedirs(path, exist_ok=True)
    remove_partial_files(path)
    with atomic_path(os.path.join(path, MODEL_FILE)) as tmp:
        model.save(tmp)
    target_vocab = os.path.join(path, VOCAB_FILE)
    if os.path.abspath(vocab_file) != os.path.abspath(target_vocab):
        atomic_copy(vocab_file, target_vocab)
    values = {"format": "keras_bert", "format_version": FORMAT_VERSION}
    values.update(metadata)
    with atomic_open(os.path.join(path, METADATA_FILE)) as f:
        json.dump(values, f, indent=2, sort_keys=True)
        f.write("\n")


def num_segments(metadata):
    """How many texts a model folder's inputs pack: its task's (`keras_bert.tasks`), else 1."""
    task = metadata.get("task")
    return (tasks.get(task).num_segments if task else None) or 1


def read_metadata(path):
    file = os.path.join(path, METADATA_FILE)
    if not os.path.isfile(file):
        raise FileNotFoundError(
            f"{path} is not a keras-bert model folder (no {METADATA_FILE}); point at the --out "
            "folder of `keras-bert pretrain` or `keras-bert finetune`."
        )
    values = read_json_object(file, "keras-bert metadata")
    if values.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written by a newer keras-bert (format {values['format_version']}); "
            "upgrade keras-bert to read it."
        )
    return values


def load_model_dir(path):
    """Returns `(model, metadata)`; the vocabulary is at `os.path.join(path, VOCAB_FILE)`."""
    metadata = read_metadata(path)
    model_file = os.path.join(path, MODEL_FILE)
    if not os.path.isfile(model_file):
        raise FileNotFoundError(f"{path} has {METADATA_FILE} but no {MODEL_FILE}.")
    import keras_bert.models  # noqa: F401, PLC0415 - registers the classes the file names

    try:
        model = keras.saving.load_model(model_file)
    except Exception as error:  # a damaged zip, a truncated file, foreign content
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(
            f"{model_file} is not a readable Keras model ({reason}); the file is damaged or "
            "truncated: write it again (finetune/pretrain into a new --out)."
        ) from error
    check_model_finite(model, model_file)
    return model, metadata
