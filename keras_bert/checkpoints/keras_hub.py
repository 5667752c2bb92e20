"""Moving weights between a `BertEncoder` and keras-hub's `BertBackbone`.

keras-hub's BERT computes GELU with the tanh approximation and LayerNorm with epsilon 1e-12,
with one dropout rate for everything; its weights have the same Keras layouts as ours, so
only the names differ. keras-hub is imported on use: it takes seconds to import and only these
functions need it.

`load_preset(folder)` reads a preset folder as keras-hub's `save_to_preset` writes it
(`config.json`, `model.weights.h5`, ...; a `BertTextClassifier`'s adds `task.json` and
`task.weights.h5`) with keras-hub's own loader, and copies the backbone (and classifier head).
"""

import json
import os

import keras

from keras_bert import tasks
from keras_bert.checkpoints.mapping import FileWeight, bert_weights, check_names, load_weights
from keras_bert.config import BertConfig
from keras_bert.models.classifier import BertClassifier
from keras_bert.models.encoder import BertEncoder

_BACKBONE_NAME = "keras_hub>BertBackbone"
_CLASSIFIER_NAME = "keras_hub>BertTextClassifier"
_TASK_FILE = "task.json"
# Google's name parts -> keras-hub's layer names, applied in this order.
_RENAMES = (
    ("bert/embeddings/word_embeddings", "token_embedding/embeddings"),
    ("bert/embeddings/position_embeddings", "position_embedding/embeddings"),
    ("bert/embeddings/token_type_embeddings", "segment_embedding/embeddings"),
    ("bert/embeddings/LayerNorm/", "embeddings_layer_norm/"),
    ("bert/encoder/layer_", "transformer_layer_"),
    ("/attention/self/", "/self_attention_layer/"),
    ("/attention/output/dense/", "/self_attention_layer/attention_output/"),
    ("/attention/output/LayerNorm/", "/self_attention_layer_norm/"),
    ("/intermediate/dense/", "/feedforward_intermediate_dense/"),
    ("/output/dense/", "/feedforward_output_dense/"),
    ("/output/LayerNorm/", "/feedforward_layer_norm/"),
    ("bert/pooler/dense/", "pooled_dense/"),
)


def _import_keras_hub():
    try:
        import keras_hub  # noqa: PLC0415 - see the module docstring
    except ImportError:
        raise ImportError("keras-hub interop needs keras-hub: pip install keras-hub.") from None
    return keras_hub


def keras_hub_name(key):
    """keras-hub's variable path for a canonical Google name."""
    for old, new in _RENAMES:
        key = key.replace(old, new)
    return key


def _keras_hub_weights(encoder):
    return [
        FileWeight(keras_hub_name(w.key), tuple(w.variable.shape), False, w)
        for w in bert_weights(encoder)
    ]


def to_keras_hub(encoder):
    """A `keras_hub.models.BertBackbone` holding the encoder's weights (copies).

    Raises a `ValueError` when the encoder computes something keras-hub's BERT cannot
    (another activation than `gelu_tanh`, another LayerNorm epsilon than 1e-12). keras-hub
    has one dropout rate: `hidden_dropout_prob` is used.
    """
    keras_hub = _import_keras_hub()
    if not isinstance(encoder, BertEncoder):
        raise TypeError(f"to_keras_hub takes a BertEncoder, got {type(encoder).__name__}.")
    config = encoder.config
    if config.hidden_act != "gelu_tanh" or config.layer_norm_eps != 1e-12:
        raise ValueError(
            f"keras-hub's BertBackbone computes gelu_tanh with LayerNorm epsilon 1e-12; this "
            f"encoder has hidden_act {config.hidden_act!r} and layer_norm_eps "
            f"{config.layer_norm_eps!r}, so its outputs would change."
        )
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=config.vocab_size,
        num_layers=config.num_layers,
        num_heads=config.num_attention_heads,
        hidden_dim=config.hidden_size,
        intermediate_dim=config.intermediate_size,
        dropout=config.hidden_dropout_prob,
        max_sequence_length=config.max_position_embeddings,
        num_segments=config.type_vocab_size,
    )
    file_weights = _keras_hub_weights(encoder)
    targets = {w.path: w for w in backbone.weights}
    check_names(file_weights, {name: tuple(w.shape) for name, w in targets.items()}, "BertBackbone")
    for fw in file_weights:
        targets[fw.name].assign(fw.from_keras())
    return backbone


def from_keras_hub(backbone):
    """A `BertEncoder` holding the weights of a `keras_hub.models.BertBackbone` (copies)."""
    keras_hub = _import_keras_hub()
    if not isinstance(backbone, keras_hub.models.BertBackbone):
        raise TypeError(f"from_keras_hub takes a BertBackbone, got {type(backbone).__name__}.")
    config = BertConfig(
        vocab_size=backbone.vocabulary_size,
        hidden_size=backbone.hidden_dim,
        num_layers=backbone.num_layers,
        num_attention_heads=backbone.num_heads,
        intermediate_size=backbone.intermediate_dim,
        hidden_act="gelu_tanh",
        hidden_dropout_prob=backbone.dropout,
        attention_dropout_prob=backbone.dropout,
        max_position_embeddings=backbone.max_sequence_length,
        type_vocab_size=backbone.num_segments,
    )
    encoder = BertEncoder(config)
    sources = {w.path: w for w in backbone.weights}
    load_weights(
        _keras_hub_weights(encoder),
        {name: tuple(w.shape) for name, w in sources.items()},
        lambda name: keras.ops.convert_to_numpy(sources[name]),
        "keras-hub BertBackbone",
    )
    return encoder


def load_preset(folder, task=None):
    """The model of the keras-bert `task` (`keras_bert.tasks`) in the keras-hub BERT preset in
    `folder`, read by keras-hub's own loader: a `BertEncoder` (the `encoder` task), or for a
    `BertTextClassifier` preset (its `task.json`) a `BertClassifier` with its head (the
    `classification` task; None picks what the preset holds). `hidden_act` is `gelu_tanh`, as
    keras-hub computes it."""
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        registered_name = json.load(f).get("registered_name")
    if registered_name != _BACKBONE_NAME:
        raise ValueError(
            f"{folder} is a keras-hub preset of {registered_name}, not of BertBackbone; "
            "keras-bert loads BERT presets."
        )
    task_file = os.path.join(folder, _TASK_FILE)
    task_name = None
    if os.path.isfile(task_file):
        with open(task_file, encoding="utf-8") as f:
            task_name = json.load(f).get("registered_name")
    encoder, classification = tasks.get("encoder"), tasks.get("classification")
    if task is None:
        task = classification if task_name == _CLASSIFIER_NAME else encoder
    keras_hub = _import_keras_hub()
    if task is encoder:
        return from_keras_hub(keras_hub.models.BertBackbone.from_preset(folder))
    if task is not classification or task_name != _CLASSIFIER_NAME:
        raise ValueError(
            f"{folder} is a keras-hub preset of a {task_name or 'BertBackbone'}, which has no "
            f"{task.name} model; load it with task='encoder' and put the task's head on it."
        )
    theirs = keras_hub.models.BertTextClassifier.from_preset(folder)
    if theirs.activation is not keras.activations.linear:
        raise ValueError(
            f"{folder}'s BertTextClassifier applies {theirs.activation.__name__} to its logits; "
            "BertClassifier outputs logits: load its encoder with task='encoder'."
        )
    classifier = BertClassifier(
        from_keras_hub(theirs.backbone), theirs.num_classes, dropout=theirs.dropout
    )
    classifier.head.dense.kernel.assign(theirs.output_dense.kernel)
    classifier.head.dense.bias.assign(theirs.output_dense.bias)
    return classifier
