"""keras-bert: BERT end to end in Keras 3 / TensorFlow.

The names below load on first use, so `import keras_bert` (and the `keras-bert` command's
`--help`) does not load TensorFlow until a model, a loader or a submodule is asked for.
"""

import importlib
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_bert.version import __version__  # noqa: E402

# name -> the module that defines it
_EXPORTS = {
    "BertConfig": "keras_bert.config",
    "IGNORE_LABEL": "keras_bert.models",
    "INPUT_NAMES": "keras_bert.models",
    "BertClassifier": "keras_bert.models",
    "BertEncoder": "keras_bert.models",
    "BertPretrainer": "keras_bert.models",
    "BertSpanQA": "keras_bert.models",
    "BertTextEmbedder": "keras_bert.models",
    "BertTokenClassifier": "keras_bert.models",
    "split_pretraining_features": "keras_bert.models",
    "bert_optimizer": "keras_bert.optimization",
    "from_pretrained": "keras_bert.pretrained",
    "save_pretrained": "keras_bert.pretrained",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
