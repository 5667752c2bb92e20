"""Hugging Face BERT checkpoints: `config.json` + `model.safetensors` (or the shards that
`model.safetensors.index.json` lists).

Key names follow transformers' `BertModel` (`embeddings.word_embeddings.weight`,
`encoder.layer.N.attention.self.query.weight`, `pooler.dense.weight`, ...), with a `bert.`
prefix inside `BertForPreTraining` / `BertForMaskedLM`, whose heads are `cls.predictions.*`
and `cls.seq_relationship.*`. `nn.Linear` weights are `[out, in]` (the transpose of Keras'
kernels); older files name LayerNorm parameters `gamma`/`beta` instead of `weight`/`bias`.
The decoder weight `cls.predictions.decoder.weight` (and `.bias`) is tied to the word
embeddings (and `cls.predictions.bias`): checked equal when present, never stored twice.

Weights are read with the `safetensors` package (float32, float16 or bfloat16; all loaded as
the model's float32), never with pickle. `pytorch_model.bin` is a
pickle: read only with `allow_pickle=True`, and then only through
`torch.load(weights_only=True)`.
"""

import json
import os
import warnings

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from keras_bert import tasks
from keras_bert.checkpoints.mapping import (
    HEAD_KEYS,
    FileWeight,
    bert_weights,
    export_weights,
    load_weights,
    task_of_heads,
)
from keras_bert.config import BertConfig
from keras_bert.json_file import read_json_object
from keras_bert.models.classifier import BertClassifier
from keras_bert.models.encoder import BertEncoder
from keras_bert.models.pretrainer import BertPretrainer
from keras_bert.models.span_qa import BertSpanQA
from keras_bert.models.task import BertTask
from keras_bert.models.token_classifier import BertTokenClassifier

CONFIG_FILE = "config.json"
SAFETENSORS_FILE = "model.safetensors"
SAFETENSORS_INDEX_FILE = "model.safetensors.index.json"
PICKLE_FILE = "pytorch_model.bin"
# sentence-transformers keeps the Transformer module in the folder modules.json names (often
# "" or "0_Transformer").
MODULES_FILE = "modules.json"
_SENTENCE_TRANSFORMER = "sentence_transformers.models.Transformer"

# The task heads of transformers' fine-tuned models (`BertForSequenceClassification` and
# `BertForTokenClassification`: `classifier`; `BertForQuestionAnswering`: `qa_outputs`), by
# their Google names, as the tasks declare them (`Task.huggingface_head_names`): loaded into a
# task model's head, ignored when an encoder or pretrainer loads from such a checkpoint.
_TASK_HEAD_NAMES = {
    key: name
    for task in tasks.every_task()
    for key, name in zip(task.head_keys, task.huggingface_head_names)
}
TASK_HEAD_NAMES = tuple(_TASK_HEAD_NAMES.values())

# transformers builds `BertForMaskedLM`, `BertForTokenClassification` and
# `BertForQuestionAnswering` without a pooler (`BertModel(config, add_pooling_layer=False)`),
# and `BertForMaskedLM` without the next-sentence head: weights a file may lack, left at their
# initial value (as transformers itself does when it loads such a file into a model that has
# them), unless the model's output is computed from them (a sequence classifier's pooler).
_POOLER_NAMES = ("pooler.dense.weight", "pooler.dense.bias")
_NSP_NAMES = ("cls.seq_relationship.weight", "cls.seq_relationship.bias")

# Tied names (file name -> the name whose value it must equal).
_TIES = {
    "cls.predictions.decoder.weight": "embeddings.word_embeddings.weight",
    "cls.predictions.decoder.bias": "cls.predictions.bias",
}


def read_config(model_folder):
    """`(BertConfig, values)` of a transformers folder's `config.json`: the model's config,
    checked, and the file's fields (its task: `architectures`, `id2label`)."""
    config_file = os.path.join(model_folder, CONFIG_FILE)
    config = BertConfig.from_json(config_file, source="huggingface")
    return config, read_json_object(config_file, "Hugging Face config")


def fine_tuned_task(values, names):
    """The task of a transformers folder (`values`: its config.json): the heads its weights
    hold (`mapping.task_of_heads`), read as the task whose `huggingface_architecture` the
    config's `architectures` names among those with that head (`classifier` is a token
    classifier's for `BertForTokenClassification`)."""
    task = task_of_heads(names, huggingface_name)
    architectures = values.get("architectures") or []
    for other in tasks.every_task():
        if other.head_keys == task.head_keys and other.huggingface_architecture in architectures:
            return other
    return task


def label_names(values):
    """The label names a transformers config (`values`) gives (`id2label`), in id order, or None."""
    id2label = values.get("id2label")
    if not isinstance(id2label, dict):
        return None
    try:
        return [id2label[str(i)] for i in range(len(id2label))]
    except KeyError:
        return None


def huggingface_name(key):
    """transformers' key (without the `bert.` prefix) for a canonical Google name.

    `bert/encoder/layer_0/attention/self/query/kernel` -> `encoder.layer.0.attention.self.
    query.weight`; `cls/predictions/output_bias` -> `cls.predictions.bias`;
    `cls/seq_relationship/output_weights` -> `cls.seq_relationship.weight`.
    """
    if key in _TASK_HEAD_NAMES:
        return _TASK_HEAD_NAMES[key]
    parts = key.split("/")
    if parts[0] == "bert":
        parts = parts[1:]
    leaf = {"kernel": "weight", "gamma": "weight", "output_weights": "weight"}
    leaf.update(beta="bias", output_bias="bias", bias="bias")
    if parts[-1] in leaf:
        parts[-1] = leaf[parts[-1]]
    else:
        parts.append("weight")  # the embedding tables
    name = ".".join(parts)
    return name.replace("encoder.layer_", "encoder.layer.")


def huggingface_weights(model):
    """The model's weights as `FileWeight`s under transformers' names (no `bert.` prefix)."""
    out = []
    for w in bert_weights(model):
        is_linear = w.key.endswith("/kernel")
        shape = w.shape[::-1] if is_linear else w.shape
        out.append(FileWeight(huggingface_name(w.key), shape, is_linear or w.transposed, w))
    return out


def _canonical_key(name):
    """A file's key without the `bert.` prefix and with LayerNorm `gamma`/`beta` renamed."""
    if name.startswith("bert."):
        name = name[len("bert.") :]
    if ".LayerNorm." in name:
        name = name.replace(".LayerNorm.gamma", ".LayerNorm.weight")
        name = name.replace(".LayerNorm.beta", ".LayerNorm.bias")
    return name


def is_buffer(name):
    """Non-weight tensors older transformers saved (`embeddings.position_ids`)."""
    return name.endswith("position_ids")


def find_model_folder(folder):
    """The folder with `config.json` and the weights, or None.

    Looks in `folder`, then in the Transformer module of a sentence-transformers folder
    (`modules.json`, or the `0_Transformer/` subfolder of older versions).
    """
    candidates = [folder]
    modules = os.path.join(folder, MODULES_FILE)
    if os.path.isfile(modules):
        with open(modules, encoding="utf-8") as f:
            for module in json.load(f):
                if module.get("type") == _SENTENCE_TRANSFORMER:
                    candidates.append(os.path.join(folder, module.get("path", "")))
    candidates.append(os.path.join(folder, "0_Transformer"))
    for candidate in candidates:
        if os.path.isfile(os.path.join(candidate, CONFIG_FILE)) and any(
            os.path.isfile(os.path.join(candidate, f))
            for f in (SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE, PICKLE_FILE)
        ):
            return candidate
    return None


def _read_safetensors(path):
    """`(shapes, read)` of a safetensors file: dicts keyed by the file's own names."""
    try:
        with safe_open(path, framework="numpy") as f:
            shapes = {name: tuple(f.get_slice(name).get_shape()) for name in f.keys()}
    except SafetensorError as error:
        raise ValueError(
            f"{path} is not a readable safetensors file ({error}); it is damaged or truncated: "
            "download it again."
        ) from error

    def read(name):
        with safe_open(path, framework="numpy") as f:
            return f.get_tensor(name)

    return shapes, read


def _read_sharded_safetensors(index_path):
    """`(shapes, read)` over the shards that a `model.safetensors.index.json` lists."""
    weight_map = read_json_object(index_path, "safetensors index").get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise ValueError(f"{index_path} has no weight_map; it is not a safetensors index.")
    folder = os.path.dirname(index_path)
    shapes, readers = {}, {}
    for shard in sorted(set(weight_map.values())):
        path = os.path.join(folder, shard)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"{index_path} lists the shard {shard}, which is missing; download every shard."
            )
        shard_shapes, read = _read_safetensors(path)
        for name in sorted(n for n, s in weight_map.items() if s == shard):
            if name not in shard_shapes:
                raise ValueError(f"{index_path} puts {name} in {shard}, which does not hold it.")
            shapes[name], readers[name] = shard_shapes[name], read
    return shapes, lambda name: readers[name](name)


def _read_pickle(path):
    try:
        import torch  # noqa: PLC0415 - optional: only pickled checkpoints need it
    except ImportError:
        raise ImportError(
            f"{path} is a PyTorch pickle; reading it needs torch (pip install torch), or "
            "convert it to model.safetensors."
        ) from None
    state = torch.load(path, map_location="cpu", weights_only=True)
    arrays = {name: t.detach().float().numpy() for name, t in state.items()}
    return {n: a.shape for n, a in arrays.items()}, arrays.__getitem__


def read_checkpoint(model_folder, allow_pickle=False):
    """`(shapes, read)` keyed by canonical transformers names, from `model_folder`."""
    safetensors_path = os.path.join(model_folder, SAFETENSORS_FILE)
    index_path = os.path.join(model_folder, SAFETENSORS_INDEX_FILE)
    pickle_path = os.path.join(model_folder, PICKLE_FILE)
    if os.path.isfile(safetensors_path):
        shapes, read = _read_safetensors(safetensors_path)
    elif os.path.isfile(index_path):
        shapes, read = _read_sharded_safetensors(index_path)
    elif os.path.isfile(pickle_path):
        if not allow_pickle:
            raise ValueError(
                f"{pickle_path} is a pickle, which can run code when loaded; pass "
                "allow_pickle=True if you trust it (read with torch.load(weights_only=True)), "
                "or convert it to model.safetensors."
            )
        shapes, read = _read_pickle(pickle_path)
    else:
        raise FileNotFoundError(
            f"{model_folder} has none of {SAFETENSORS_FILE}, {SAFETENSORS_INDEX_FILE} and "
            f"{PICKLE_FILE}."
        )
    names = {}
    for name in shapes:
        key = _canonical_key(name)
        if key in names:
            raise ValueError(f"{model_folder}: {names[key]} and {name} name the same weight.")
        names[key] = name
    return {key: shapes[name] for key, name in names.items()}, lambda key: read(names[key])


def load_huggingface_checkpoint(model, model_folder, allow_pickle=False, checkpoint=None):
    """Loads Hugging Face weights into a `BertEncoder`, `BertPretrainer` or task model
    (`mapping.TASK_HEADS`), strictly. `checkpoint`: `read_checkpoint(model_folder, ...)` when
    the caller has already read it (a pickle is then not loaded twice)."""
    shapes, read = checkpoint or read_checkpoint(model_folder, allow_pickle)
    with_heads = isinstance(model, BertPretrainer)
    unused = list(TASK_HEAD_NAMES)
    if not with_heads:
        unused += [huggingface_name(k) for k in HEAD_KEYS] + list(_TIES)
    optional = () if isinstance(model, BertClassifier) else _POOLER_NAMES
    if with_heads:
        optional += _NSP_NAMES
    absent = load_weights(
        huggingface_weights(model),
        shapes,
        read,
        f"Hugging Face checkpoint {model_folder}",
        skip=is_buffer,
        unused=unused,
        ties=_TIES if with_heads else None,
        optional=optional,
    )
    if absent and isinstance(model, (BertEncoder, BertPretrainer)):
        outputs = "pooled_output and nsp_logits" if with_heads else "pooled_output"
        warnings.warn(
            f"Hugging Face checkpoint {model_folder} has no {', '.join(absent)} (transformers "
            "saves BertForMaskedLM, BertForTokenClassification and BertForQuestionAnswering "
            f"without them): they keep their random initial values, so {outputs} mean nothing "
            "until trained.",
            stacklevel=3,
        )


def _architecture(model):
    """transformers' class for `model` (its task's `huggingface_architecture`), and the
    config fields of its head."""
    task = None
    if isinstance(model, (BertEncoder, BertTask)):
        task = tasks.of_model(model)
    if task is None or task.huggingface_architecture is None:
        raise TypeError(
            f"Hugging Face folders hold a BertEncoder, BertPretrainer, BertClassifier, "
            f"BertTokenClassifier or BertSpanQA, got {type(model).__name__}."
        )
    fields = {}
    if isinstance(model, (BertClassifier, BertTokenClassifier)):
        count = model.num_classes if isinstance(model, BertClassifier) else model.num_labels
        names = model.label_names or [f"LABEL_{i}" for i in range(count)]
        fields = {
            "num_labels": count,
            "id2label": {str(i): name for i, name in enumerate(names)},
            "label2id": {name: i for i, name in enumerate(names)},
            "classifier_dropout": model.dropout,
        }
    if isinstance(model, BertClassifier):
        fields["problem_type"] = "regression" if count == 1 else "single_label_classification"
    return task.huggingface_architecture, fields


def write_tokenizer_config(folder, lower_case, max_length=None):
    """Writes the `tokenizer_config.json` transformers' `AutoTokenizer` reads beside a
    `vocab.txt`: a `BertTokenizer` that lower-cases (and strips accents) or not, and the
    longest input when known."""
    settings = {"tokenizer_class": "BertTokenizer", "do_lower_case": lower_case}
    if max_length is not None:
        settings["model_max_length"] = max_length
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(settings, f, indent=2, sort_keys=True)
        f.write("\n")


def save_huggingface_folder(model, folder):
    """Writes `config.json` + `model.safetensors` in `folder`, as transformers writes them.

    A `BertEncoder` is written as `BertModel`; a `BertPretrainer` as `BertForPreTraining` (keys
    `bert.*`, `cls.*`, the tied decoder left out as transformers writes it); a
    `BertClassifier` as `BertForSequenceClassification`, a `BertTokenClassifier` as
    `BertForTokenClassification` and a `BertSpanQA` as `BertForQuestionAnswering` (keys
    `bert.*` and the head's `classifier.*` / `qa_outputs.*`, with `num_labels`, `id2label` and
    `label2id`; the last two without the pooler, which transformers builds them without).
    """
    architecture, head_fields = _architecture(model)
    encoder = model if isinstance(model, BertEncoder) else model.encoder
    with_pooler = not isinstance(model, (BertTokenClassifier, BertSpanQA))
    tensors = {}
    for name, value in export_weights(huggingface_weights(model)).items():
        if name in _POOLER_NAMES and not with_pooler:
            continue
        is_head = name.startswith("cls.") or name in TASK_HEAD_NAMES
        prefixed = isinstance(model, BertEncoder) or is_head
        tensors[name if prefixed else "bert." + name] = value
    values = encoder.config.to_original_dict("huggingface")
    values["architectures"] = [architecture]
    values["tie_word_embeddings"] = True
    values.update(head_fields)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, CONFIG_FILE), "w", encoding="utf-8") as f:
        json.dump(values, f, indent=2, sort_keys=True)
        f.write("\n")
    save_file(
        {k: np.ascontiguousarray(v, np.float32) for k, v in tensors.items()},
        os.path.join(folder, SAFETENSORS_FILE),
        metadata={"format": "pt"},
    )
