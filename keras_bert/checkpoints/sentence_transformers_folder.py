"""The embedding settings of a sentence-transformers folder: what follows its Transformer.

    modules.json               the modules in order: a Transformer (the BERT weights, see
                               `huggingface.find_model_folder`), Pooling and optionally
                               Normalize (`sentence_transformers.models.Pooling`, or from
                               sentence-transformers 6 on the full class path, such as
                               `sentence_transformers.sentence_transformer.modules.pooling.Pooling`)
    1_Pooling/config.json      (the Pooling module's path) `pooling_mode`: "cls", "mean" or
                               "max"; before sentence-transformers 6, one of the flags
                               pooling_mode_cls_token, pooling_mode_mean_tokens and
                               pooling_mode_max_tokens
    sentence_bert_config.json  max_seq_length: where the model truncates its input

A folder with other modules (Dense, LayerNorm, ...) or other pooling modes (several at once,
mean_sqrt_len_tokens, weightedmean, lasttoken) computes what `BertTextEmbedder` does not:
refused.
"""

import json
import os

MODULES_FILE = "modules.json"
SETTINGS_FILE = "sentence_bert_config.json"
POOLING_CONFIG_FILE = "config.json"
# The Pooling config's flags before sentence-transformers 6 -> the `pooling_mode` they mean.
LEGACY_POOLING_FLAGS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
POOLING_MODES = ("cls", "mean", "max")


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _modules(folder):
    """The module entries of `modules.json` (none when the folder has no such file)."""
    path = os.path.join(folder, MODULES_FILE)
    if not os.path.isfile(path):
        return []
    modules = _read_json(path)
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise ValueError(f"{path} is not a list of modules, as sentence-transformers writes it.")
    return modules


def _module_name(module):
    """ "Pooling" for `sentence_transformers.models.Pooling` or `sentence_transformers.
    sentence_transformer.modules.pooling.Pooling`; the whole type for other packages' modules."""
    kind = str(module.get("type"))
    return kind.rsplit(".", 1)[-1] if kind.startswith("sentence_transformers.") else kind


def _pooling_modes(config):
    """The pooling modes a Pooling config turns on, in either format."""
    if "pooling_mode" in config:
        modes = config["pooling_mode"]
        return [modes] if isinstance(modes, str) else list(modes)
    return [mode for flag, mode in LEGACY_POOLING_FLAGS.items() if config.get(flag)]


def embedding_settings(folder, hidden_size):
    """`{"pooling": mode, "normalize": bool}` of a sentence-transformers folder (the
    `BertTextEmbedder` arguments that compute what it computes), or None when `folder` has no
    Pooling module.

    Raises:
        ValueError: modules or pooling modes `BertTextEmbedder` does not compute, or a pooling
            dimension other than `hidden_size`.
    """
    modules = _modules(folder)
    names = [_module_name(m) for m in modules]
    if "Pooling" not in names:
        return None
    expected = ["Transformer", "Pooling"] + (["Normalize"] if "Normalize" in names else [])
    if names != expected:
        other = next((m["type"] for m, n in zip(modules, names) if n not in expected), None)
        other = other or " then ".join(names)
        raise ValueError(
            f"{os.path.join(folder, MODULES_FILE)} lists {other}; BertTextEmbedder computes "
            "Transformer, Pooling and optionally Normalize, in that order: load the encoder "
            "with task='encoder' and add the rest yourself."
        )
    pooling_dir = os.path.join(folder, modules[1].get("path", ""))
    config_path = os.path.join(pooling_dir, POOLING_CONFIG_FILE)
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"{config_path} is missing; the Pooling module needs its config.")
    config = _read_json(config_path)
    modes = _pooling_modes(config)
    if len(modes) != 1 or modes[0] not in POOLING_MODES:
        raise ValueError(
            f"{config_path} pools by {' + '.join(modes) or 'no mode'}; BertTextEmbedder "
            f"computes exactly one of {', '.join(POOLING_MODES)}."
        )
    dimension = config.get("embedding_dimension", config.get("word_embedding_dimension"))
    dimension = hidden_size if dimension is None else dimension
    if dimension != hidden_size:
        raise ValueError(
            f"{config_path} pools {dimension}-wide vectors but the model's hidden_size is "
            f"{hidden_size}; the folder's modules do not belong together."
        )
    return {"pooling": modes[0], "normalize": "Normalize" in names}


def max_seq_length(folder):
    """`max_seq_length` of `sentence_bert_config.json` (where the model truncates), or None."""
    path = os.path.join(folder, SETTINGS_FILE)
    if not os.path.isfile(path):
        return None
    value = _read_json(path).get("max_seq_length")
    return int(value) if value else None
