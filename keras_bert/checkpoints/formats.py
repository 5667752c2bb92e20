"""What a checkpoint folder holds, told by its files: the one detector that `from_pretrained`
and `BertTokenizer.from_pretrained` share.

    keras_bert   keras_bert.json (+ model.keras, vocab.txt)       keras-bert's own model folder
    keras_hub    config.json naming a Keras class ("registered_name") + model.weights.h5 (or
                 model.weights.json), tokenizer.json, assets/tokenizer/vocabulary.txt:
                 keras-hub's `save_to_preset`
    google       bert_config.json + bert_model.ckpt.index/.data-*, vocab.txt
    huggingface  config.json + model.safetensors (or its shards' index, or pytorch_model.bin),
                 vocab.txt / tokenizer.json; in a sentence-transformers folder, in the module
                 that modules.json names (or 0_Transformer/)
"""

import dataclasses
import json
import os

from keras_bert import model_dir
from keras_bert.checkpoints import google, huggingface
from keras_bert.names import KERAS_HUB_SHARDED_WEIGHTS, KERAS_HUB_WEIGHTS

KERAS_BERT, KERAS_HUB, GOOGLE, HUGGINGFACE = "keras_bert", "keras_hub", "google", "huggingface"


@dataclasses.dataclass(frozen=True)
class CheckpointFolder:
    """A recognized checkpoint folder.

    Attributes:
        format: "keras_bert", "keras_hub", "google" or "huggingface".
        path: the folder.
        model_path: the folder that holds the config and weights: `path`, or a
            sentence-transformers folder's Transformer module.
    """

    format: str
    path: str
    model_path: str


def _is_keras_hub_preset(folder):
    """keras-hub tells its own presets from transformers folders the same way: a config.json
    with `registered_name` (a serialized Keras object)."""
    config = os.path.join(folder, "config.json")
    if not os.path.isfile(config):
        return False
    weights = (KERAS_HUB_WEIGHTS, KERAS_HUB_SHARDED_WEIGHTS)
    if not any(os.path.isfile(os.path.join(folder, f)) for f in weights):
        return False
    with open(config, encoding="utf-8") as f:
        try:
            values = json.load(f)
        except json.JSONDecodeError:
            return False
    return isinstance(values, dict) and "registered_name" in values


def detect(path):
    """The `CheckpointFolder` that `path` is, or None when its files match no format.

    Raises `FileNotFoundError` when `path` is not a folder.
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        what = "is a file, not a folder" if os.path.isfile(path) else "does not exist"
        raise FileNotFoundError(f"Checkpoint folder {path} {what}.")
    if model_dir.is_model_dir(path):
        return CheckpointFolder(KERAS_BERT, path, path)
    if _is_keras_hub_preset(path):
        return CheckpointFolder(KERAS_HUB, path, path)
    if google.is_google_folder(path):
        return CheckpointFolder(GOOGLE, path, path)
    model_path = huggingface.find_model_folder(path)
    if model_path is not None:
        return CheckpointFolder(HUGGINGFACE, path, model_path)
    return None


def require(path):
    """`detect(path)`, with an error naming the formats when the folder is none of them."""
    folder = detect(path)
    if folder is None:
        raise ValueError(
            f"{path} is not a checkpoint keras-bert knows: expected keras_bert.json (keras-bert), "
            "config.json + model.weights.h5 (a keras-hub preset), bert_config.json + "
            "bert_model.ckpt.index (Google) or config.json + model.safetensors or its shards' "
            "model.safetensors.index.json (Hugging Face)."
        )
    return folder
