"""The tokenizer settings a checkpoint folder holds: vocabulary, casing and word-length limit,
as `BertTokenizer` takes them (`BertTokenizer.from_pretrained`).

Each family of checkpoints says them its own way: keras-bert's metadata file, keras-hub's
`tokenizer.json`, Hugging Face's `tokenizer.json` and `tokenizer_config.json`, or, for
google-research/bert's folders, only the folder's name and the vocabulary itself.

Examples:

    settings = read_tokenizer_settings("uncased_L-12_H-768_A-12")
    # {"vocab": ".../vocab.txt", "lower_case": True, "max_chars_per_word": 200}
"""

import json
import os

from keras_bert import model_dir, names
from keras_bert.text.vocab import load_vocab

# The longest word split into pieces rather than `[UNK]`, in characters.
GOOGLE_MAX_CHARS_PER_WORD = 200
HUGGINGFACE_MAX_CHARS_PER_WORD = 100


def read_tokenizer_settings(directory):
    """`BertTokenizer`'s arguments for the checkpoint folder `directory`.

    The folder is recognized as `keras_bert.from_pretrained` recognizes it
    (`keras_bert.checkpoints.formats`); `BertTokenizer.from_pretrained` says what each kind
    of folder gives.

    Returns:
        A dict with `vocab` (a `vocab.txt` path or a list of tokens), `lower_case` and
        `max_chars_per_word`.
    """
    # Imported here: the checkpoint modules import the models, which import this package.
    from keras_bert.checkpoints import formats  # noqa: PLC0415

    found = formats.detect(directory)
    if found is not None and found.format == formats.KERAS_HUB:
        config = _read_json(os.path.join(directory, names.KERAS_HUB_TOKENIZER)).get("config", {})
        return {
            "vocab": os.path.join(directory, *names.KERAS_HUB_VOCAB.split("/")),
            "lower_case": bool(config.get("lowercase", False)),
            "max_chars_per_word": HUGGINGFACE_MAX_CHARS_PER_WORD,
        }
    if found is not None:
        directory = found.model_path
    vocab_file = os.path.join(directory, "vocab.txt")
    has_vocab = os.path.isfile(vocab_file)

    def path(name):
        return os.path.join(directory, name)

    if has_vocab and found is not None and found.format == formats.KERAS_BERT:
        meta = _read_json(path(model_dir.METADATA_FILE))
        return {
            "vocab": vocab_file,
            "lower_case": bool(meta.get("lower_case", True)),
            "max_chars_per_word": int(meta.get("max_chars_per_word", GOOGLE_MAX_CHARS_PER_WORD)),
        }
    if os.path.isfile(path("tokenizer.json")):
        spec = _read_json(path("tokenizer.json"))
        model, norm = spec.get("model") or {}, spec.get("normalizer") or {}
        if model.get("type") != "WordPiece":
            raise ValueError(
                f"{path('tokenizer.json')} describes a {model.get('type')} model; BertTokenizer "
                "needs WordPiece."
            )
        lower_case = bool(norm.get("lowercase", True))
        strip_accents = norm.get("strip_accents")
        if strip_accents is not None and bool(strip_accents) != lower_case:
            raise ValueError(
                f"{path('tokenizer.json')} sets lowercase={lower_case} but "
                f"strip_accents={strip_accents}; BERT ties accent stripping to lower-casing."
            )
        if os.path.isfile(
            path("tokenizer_config.json")
        ):  # its do_lower_case wins, as in transformers
            lower_case = bool(
                _read_json(path("tokenizer_config.json")).get("do_lower_case", lower_case)
            )
        if has_vocab:
            vocab = vocab_file
        else:
            pieces = model.get("vocab") or {}
            vocab = [token for token, _ in sorted(pieces.items(), key=lambda item: item[1])]
        return {
            "vocab": vocab,
            "lower_case": lower_case,
            "max_chars_per_word": int(
                model.get("max_input_chars_per_word", HUGGINGFACE_MAX_CHARS_PER_WORD)
            ),
        }
    if not has_vocab:
        raise FileNotFoundError(
            f"No vocab.txt or tokenizer.json in {directory}; a BERT checkpoint folder needs its "
            "vocabulary."
        )
    if os.path.isfile(path("tokenizer_config.json")):
        config = _read_json(path("tokenizer_config.json"))
        return {
            "vocab": vocab_file,
            "lower_case": bool(config.get("do_lower_case", True)),
            "max_chars_per_word": HUGGINGFACE_MAX_CHARS_PER_WORD,
        }
    name = os.path.basename(os.path.normpath(directory)).lower()
    if "uncased" in name:
        lower_case = True
    elif "cased" in name:
        lower_case = False
    else:
        vocab, _ = load_vocab(vocab_file)
        lower_case = not _vocab_has_upper_case(vocab)
    return {
        "vocab": vocab_file,
        "lower_case": lower_case,
        "max_chars_per_word": GOOGLE_MAX_CHARS_PER_WORD,
    }


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _vocab_has_upper_case(tokens):
    ordinary = (t for t in tokens if not (t.startswith("[") and t.endswith("]")))
    return any(t != t.lower() for t in ordinary)
