"""Google's original TF1 BERT checkpoints (google-research/bert `bert_model.ckpt`).

A folder holds `bert_config.json`, `bert_model.ckpt.index` + `bert_model.ckpt.data-*` and
`vocab.txt`. Variable names are the canonical names of `mapping.bert_weights`
(`bert/embeddings/word_embeddings`, `bert/encoder/layer_N/attention/self/query/kernel`, ...,
`cls/predictions/...`, `cls/seq_relationship/...`). Checkpoints saved during training also hold
Adam's slots (`.../adam_m`, `.../adam_v`) and `global_step`: skipped on purpose. Checkpoints
fine-tuned by `run_classifier.py` / `run_squad.py` also hold their task head (`output_weights`,
`cls/squad/...`): an encoder (or pretrainer) loads from them without it.
"""

import glob
import json
import os

import numpy as np
import tensorflow as tf

from keras_bert.checkpoints.mapping import (
    HEAD_KEYS,
    TASK_HEAD_KEYS,
    FileWeight,
    bert_weights,
    check_names,
    encoder_of,
    export_weights,
    load_weights,
)
from keras_bert.models.pretrainer import BertPretrainer

CONFIG_FILE = "bert_config.json"
CHECKPOINT_PREFIX = "bert_model.ckpt"
_OPTIMIZER_SUFFIXES = ("/adam_m", "/adam_v")


def is_optimizer_state(name):
    """True for the training state google-research/bert saves beside the weights."""
    return name == "global_step" or name.endswith(_OPTIMIZER_SUFFIXES)


def google_weights(model):
    """The model's weights as `FileWeight`s under Google's names and shapes."""
    return [FileWeight(w.key, w.shape, w.transposed, w) for w in bert_weights(model)]


def _unused(model):
    return TASK_HEAD_KEYS + (() if isinstance(model, BertPretrainer) else HEAD_KEYS)


def find_checkpoint(folder):
    """The checkpoint prefix in a Google folder, or None when the folder has no `*.index`.

    Prefers `bert_model.ckpt`, then the one the `checkpoint` state file names, then the only
    `*.ckpt*.index` file; several candidates without a state file are an error.
    """
    if os.path.isfile(os.path.join(folder, CHECKPOINT_PREFIX + ".index")):
        return os.path.join(folder, CHECKPOINT_PREFIX)
    latest = tf.train.latest_checkpoint(folder)
    if latest:
        return latest
    candidates = sorted(glob.glob(os.path.join(folder, "*.index")))
    if len(candidates) > 1:
        names = ", ".join(os.path.basename(c) for c in candidates)
        raise ValueError(f"{folder} holds several checkpoints ({names}); point at one of them.")
    return candidates[0][: -len(".index")] if candidates else None


def is_google_folder(folder):
    return os.path.isfile(os.path.join(folder, CONFIG_FILE)) and find_checkpoint(folder) is not None


def read_shapes(prefix):
    """dict from each variable name in the checkpoint to its shape (reads only the index)."""
    if not os.path.isfile(prefix + ".index"):
        raise FileNotFoundError(f"TF checkpoint {prefix}.index does not exist.")
    try:
        variables = tf.train.list_variables(prefix)
    except tf.errors.OpError as error:
        raise ValueError(
            f"TF checkpoint {prefix}.index is damaged or truncated ({error.message.strip()}); "
            "download or copy the checkpoint again."
        ) from error
    return {name: tuple(shape) for name, shape in variables}


def check_google_checkpoint(model, prefix):
    """Checks that every name and shape in the checkpoint's index fits `model` (no values)."""
    check_names(
        google_weights(model),
        read_shapes(prefix),
        f"TF checkpoint {prefix}",
        skip=is_optimizer_state,
        unused=_unused(model),
    )


def load_google_checkpoint(model, prefix):
    """Loads a Google TF1 checkpoint into a `BertEncoder` or `BertPretrainer`, strictly."""
    shapes = read_shapes(prefix)
    data_files = glob.glob(glob.escape(prefix) + ".data-*")
    if not data_files:
        raise FileNotFoundError(
            f"TF checkpoint {prefix} has an index but no {os.path.basename(prefix)}.data-* file."
        )
    reader = tf.train.load_checkpoint(prefix)
    load_weights(
        google_weights(model),
        shapes,
        reader.get_tensor,
        f"TF checkpoint {prefix}",
        skip=is_optimizer_state,
        unused=_unused(model),
    )


def save_google_checkpoint(model, prefix):
    """Writes the model's weights as a TF1 checkpoint with Google's names.

    `tf.train.Checkpoint` names variables by object path (`.../.ATTRIBUTES/VARIABLE_VALUE`),
    not as google-research/bert's `tf.compat.v1.train.Saver` did; the `SaveV2` op that Saver
    runs writes the plain names, so `tf.train.load_checkpoint` and Google's own code read them.
    """
    values = export_weights(google_weights(model))
    names = sorted(values)
    tf.raw_ops.SaveV2(
        prefix=prefix,
        tensor_names=names,
        shape_and_slices=[""] * len(names),
        tensors=[tf.constant(np.asarray(values[n], np.float32)) for n in names],
    )


def save_google_folder(model, folder):
    """`bert_config.json` + `bert_model.ckpt.*` in `folder` (which is created)."""
    values = encoder_of(model).config.to_original_dict("google")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, CONFIG_FILE), "w", encoding="utf-8") as f:
        json.dump(values, f, indent=2, sort_keys=True)
        f.write("\n")
    save_google_checkpoint(model, os.path.join(folder, CHECKPOINT_PREFIX))
