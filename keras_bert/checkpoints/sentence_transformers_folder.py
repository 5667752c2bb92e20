"""The embedding settings of a sentence-transformers folder: what follows its Transformer.

    modules.json               the modules in order: sentence_transformers.models.Transformer
                               (the BERT weights, see `huggingface.find_model_folder`), Pooling
                               and optionally Normalize
    1_Pooling/config.json      (the Pooling module's path) pooling_mode_cls_token,
                               pooling_mode_mean_tokens or pooling_mode_max_tokens
    sentence_bert_config.json  max_seq_length: where the model truncates its input

A folder with other modules (Dense, LayerNorm, ...) or other pooling modes (several at once,
mean_sqrt_len, weightedmean, lasttoken) computes what `BertTextEmbedder` does not: refused.
"""

import json
import os

MODULES_FILE = "modules.json"
SETTINGS_FILE = "sentence_bert_config.json"
POOLING_CONFIG_FILE = "config.json"
_PREFIX = "sentence_transformers.models."
_TRANSFORMER, _POOLING, _NORMALIZE = (_PREFIX + n for n in ("Transformer", "Pooling", "Normalize"))
# Pooling config key -> `SequencePooling` mode.
POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
}


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _modules(folder):
    """The module entries of `modules.json`, or None when the folder has none."""
    path = os.path.join(folder, MODULES_FILE)
    if not os.path.isfile(path):
        return None
    modules = _read_json(path)
    if not isinstance(modules, list):
        raise ValueError(f"{path} is not a list of modules, as sentence-transformers writes it.")
    return modules


def is_sentence_transformers_folder(folder):
    """Whether `folder` is a sentence-transformers model with a Pooling module."""
    return any(m.get("type") == _POOLING for m in _modules(folder) or [])


def embedding_settings(folder, hidden_size):
    """`{"pooling": mode, "normalize": bool}` of a sentence-transformers folder (the
    `BertTextEmbedder` arguments that compute what it computes), or None when `folder` has no
    Pooling module.

    Raises:
        ValueError: modules or pooling modes `BertTextEmbedder` does not compute, or a pooling
            dimension other than `hidden_size`.
    """
    modules = _modules(folder)
    if not is_sentence_transformers_folder(folder):
        return None
    types = [m.get("type") for m in modules]
    where = os.path.join(folder, MODULES_FILE)
    expected = [_TRANSFORMER, _POOLING] + ([_NORMALIZE] if _NORMALIZE in types else [])
    if types != expected:
        other = next((t for t in types if t not in expected), None) or " then ".join(types)
        raise ValueError(
            f"{where} lists {other}; BertTextEmbedder computes Transformer, Pooling and "
            "optionally Normalize, in that order: load the encoder with task='encoder' and "
            "add the rest yourself."
        )
    pooling_dir = os.path.join(folder, modules[1].get("path", ""))
    config_path = os.path.join(pooling_dir, POOLING_CONFIG_FILE)
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"{config_path} is missing; the Pooling module needs its config.")
    config = _read_json(config_path)
    enabled = sorted(k for k, v in config.items() if k.startswith("pooling_mode_") and v)
    if len(enabled) != 1 or enabled[0] not in POOLING_KEYS:
        raise ValueError(
            f"{config_path} enables {', '.join(enabled) or 'no pooling mode'}; BertTextEmbedder "
            f"computes exactly one of {', '.join(POOLING_KEYS)}."
        )
    dimension = config.get("word_embedding_dimension", hidden_size)
    if dimension != hidden_size:
        raise ValueError(
            f"{config_path} pools {dimension}-wide vectors but the model's hidden_size is "
            f"{hidden_size}; the folder's modules do not belong together."
        )
    return {"pooling": POOLING_KEYS[enabled[0]], "normalize": _NORMALIZE in types}


def max_seq_length(folder):
    """`max_seq_length` of `sentence_bert_config.json` (where the model truncates), or None."""
    path = os.path.join(folder, SETTINGS_FILE)
    if not os.path.isfile(path):
        return None
    value = _read_json(path).get("max_seq_length")
    return int(value) if value else None
