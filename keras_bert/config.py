"""`BertConfig`: the hyper-parameters of a BERT model, Google's model sizes and JSON formats."""

import dataclasses
import json

from keras_bert.json_file import read_json_object

# `hidden_act` names the exact function. Google's code computes "gelu" with the tanh
# approximation, Hugging Face's "gelu" is the exact erf form; the two differ by about 1e-3,
# enough to fail parity with a checkpoint, so the config never says just "gelu".
ACTIVATIONS = ("gelu_tanh", "gelu_erf", "relu", "silu", "tanh")

# How each checkpoint family spells its activation.
_GOOGLE_ACTIVATIONS = {"gelu": "gelu_tanh", "relu": "relu", "swish": "silu", "tanh": "tanh"}
_HF_ACTIVATIONS = {
    "gelu": "gelu_erf",
    "gelu_new": "gelu_tanh",
    "gelu_pytorch_tanh": "gelu_tanh",
    "gelu_fast": "gelu_tanh",
    "relu": "relu",
    "silu": "silu",
    "swish": "silu",
    "tanh": "tanh",
}

# (num_layers, hidden_size, num_attention_heads) of Google's released model sizes.
_SIZES = {
    "bert_tiny": (2, 128, 2),
    "bert_mini": (4, 256, 4),
    "bert_small": (4, 512, 8),
    "bert_medium": (8, 512, 8),
    "bert_base": (12, 768, 12),
    "bert_large": (24, 1024, 16),
}


@dataclasses.dataclass(frozen=True)
class BertConfig:
    """The architecture of a BERT model.

    Field names follow Google's `bert_config.json`; `from_json` also reads Hugging Face's
    `config.json`. Every instance is validated on construction: a bad value raises a
    `ValueError` with one line naming the field and the rule. The defaults are BERT-base's.

    Args:
        vocab_size: rows of the word-embedding table.
        hidden_size: the width of every layer (`hidden` in the shapes `[batch, seq_len,
            hidden]`); a multiple of `num_attention_heads`.
        num_layers: the number of Transformer blocks.
        num_attention_heads: attention heads per block (`head_size = hidden_size / heads`).
        intermediate_size: the width of each block's feed-forward layer.
        hidden_act: the feed-forward activation: "gelu_tanh" (Google's "gelu"), "gelu_erf"
            (Hugging Face's "gelu"), "relu", "silu" or "tanh".
        hidden_dropout_prob: dropout on the embeddings and each residual branch.
        attention_dropout_prob: dropout on the attention probabilities.
        max_position_embeddings: the longest sequence the model takes.
        type_vocab_size: the number of segment (type) ids.
        initializer_range: stddev of the truncated-normal initializer.
        layer_norm_eps: LayerNorm epsilon.

    Examples:

    ```python
    config = BertConfig.from_size("bert_tiny", vocab_size=8000)
    config.hidden_size, config.num_layers, config.head_size  # (128, 2, 64)
    config = BertConfig.from_json("bert_config.json")  # Google's, Hugging Face's or ours
    no_dropout = config.replace(hidden_dropout_prob=0.0, attention_dropout_prob=0.0)
    encoder = BertEncoder(config)
    ```
    """

    vocab_size: int = 30522
    hidden_size: int = 768
    num_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu_tanh"
    hidden_dropout_prob: float = 0.1
    attention_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12

    def __post_init__(self):
        for name in (
            "vocab_size",
            "hidden_size",
            "num_layers",
            "num_attention_heads",
            "intermediate_size",
            "max_position_embeddings",
            "type_vocab_size",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"BertConfig.{name} must be a positive integer, got {value!r}.")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"BertConfig: hidden_size {self.hidden_size} is not divisible by "
                f"num_attention_heads {self.num_attention_heads}."
            )
        if self.hidden_act not in ACTIVATIONS:
            hint = (
                " ('gelu' is ambiguous: use 'gelu_tanh' as Google's BERT computes it, or "
                "'gelu_erf' as Hugging Face's does)"
                if self.hidden_act == "gelu"
                else ""
            )
            raise ValueError(
                f"BertConfig.hidden_act {self.hidden_act!r} is not one of {', '.join(ACTIVATIONS)}"
                f"{hint}."
            )
        for name in ("hidden_dropout_prob", "attention_dropout_prob"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"BertConfig.{name} must be in [0, 1), got {value!r}.")
        for name in ("initializer_range", "layer_norm_eps"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"BertConfig.{name} must be positive, got {value!r}.")

    @property
    def head_size(self):
        return self.hidden_size // self.num_attention_heads

    def replace(self, **changes):
        """A copy with some fields changed (validated like any new config)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"BertConfig does not have the field(s) {', '.join(unknown)}; "
                f"known fields: {', '.join(sorted(known))}."
            )
        return cls(**values)

    @classmethod
    def sizes(cls):
        """The names `from_size` takes: `bert_tiny` ... `bert_large`."""
        return tuple(_SIZES)

    @classmethod
    def from_size(cls, name, **overrides):
        """The architecture of one of Google's model sizes (`bert_tiny` ... `bert_large`):
        vocab 30522, 512 positions, 2 types, unless `overrides` say otherwise. Only the shape:
        pretrained weights come from `keras_bert.from_pretrained`."""
        if name not in _SIZES:
            raise ValueError(f"Unknown BERT size {name!r}; choose one of {', '.join(_SIZES)}.")
        layers, hidden, heads = _SIZES[name]
        return cls(
            num_layers=layers,
            hidden_size=hidden,
            num_attention_heads=heads,
            intermediate_size=4 * hidden,
            **overrides,
        )

    @classmethod
    def from_json(cls, path, source="auto"):
        """Reads our own JSON, Google's `bert_config.json` or Hugging Face's `config.json`.

        Args:
            path: the JSON file.
            source: "auto", "keras_bert", "google" or "huggingface". "auto" recognizes our
                format by its `num_layers` field, Hugging Face's by `model_type`,
                `architectures` or `layer_norm_eps`, and takes anything else as Google's.
        """
        values = read_json_object(path, "BERT config file")
        if source == "auto":
            if "num_layers" in values:
                source = "keras_bert"
            elif {"model_type", "architectures", "layer_norm_eps"} & set(values):
                source = "huggingface"
            else:
                source = "google"
        if source == "keras_bert":
            return cls.from_dict(values)
        if source not in ("google", "huggingface"):
            raise ValueError(
                f"Unknown config source {source!r}; use auto, keras_bert, google or huggingface."
            )
        return cls._from_original_dict(values, source, path)

    @classmethod
    def _from_original_dict(cls, values, source, path):
        if values.get("model_type", "bert") != "bert":
            raise ValueError(
                f"{path} describes a {values['model_type']!r} model, not BERT; keras-bert loads "
                "BERT-architecture checkpoints only."
            )
        if values.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(
                f"{path} uses position_embedding_type {values['position_embedding_type']!r}; "
                "keras-bert implements BERT's learned absolute positions only."
            )
        missing = [
            key
            for key in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads")
            if key not in values
        ]
        if missing:
            raise ValueError(f"{path} lacks the BERT config field(s) {', '.join(missing)}.")
        activations = _GOOGLE_ACTIVATIONS if source == "google" else _HF_ACTIVATIONS
        act = values.get("hidden_act", "gelu")
        if act not in activations:
            raise ValueError(
                f"{path}: hidden_act {act!r} is not supported for {source} checkpoints; "
                f"supported: {', '.join(activations)}."
            )
        hidden = values["hidden_size"]
        return cls(
            vocab_size=values["vocab_size"],
            hidden_size=hidden,
            num_layers=values["num_hidden_layers"],
            num_attention_heads=values["num_attention_heads"],
            intermediate_size=values.get("intermediate_size", 4 * hidden),
            hidden_act=activations[act],
            hidden_dropout_prob=values.get("hidden_dropout_prob", 0.1),
            attention_dropout_prob=values.get("attention_probs_dropout_prob", 0.1),
            max_position_embeddings=values.get("max_position_embeddings", 512),
            type_vocab_size=values.get("type_vocab_size", 2),
            initializer_range=values.get("initializer_range", 0.02),
            layer_norm_eps=values.get("layer_norm_eps", 1e-12),
        )

    def to_original_dict(self, target):
        """The config as Google's `bert_config.json` ("google") or Hugging Face's `config.json`."""
        if target not in ("google", "huggingface"):
            raise ValueError(f"Unknown config target {target!r}; use google or huggingface.")
        table = _GOOGLE_ACTIVATIONS if target == "google" else _HF_ACTIVATIONS
        names = [name for name, ours in table.items() if ours == self.hidden_act]
        if not names:
            raise ValueError(
                f"hidden_act {self.hidden_act!r} has no name in {target} configs (Google's code "
                "computes only the tanh GELU); save in the other format."
            )
        values = {
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_layers,
            "num_attention_heads": self.num_attention_heads,
            "intermediate_size": self.intermediate_size,
            "hidden_act": names[0],
            "hidden_dropout_prob": self.hidden_dropout_prob,
            "attention_probs_dropout_prob": self.attention_dropout_prob,
            "max_position_embeddings": self.max_position_embeddings,
            "type_vocab_size": self.type_vocab_size,
            "initializer_range": self.initializer_range,
        }
        if target == "huggingface":
            values.update(
                model_type="bert",
                architectures=["BertForPreTraining"],
                layer_norm_eps=self.layer_norm_eps,
                position_embedding_type="absolute",
                pad_token_id=0,
            )
        return values

    def to_json(self, path=None):
        """Our own JSON (the fields of this class). Writes it to `path` when given."""
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return text
