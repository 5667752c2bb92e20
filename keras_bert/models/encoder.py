"""`BertEncoder`: the BERT backbone as a functional Keras model."""

import keras
from keras import ops

from keras_bert.config import BertConfig
from keras_bert.layers.embeddings import BertEmbeddings
from keras_bert.layers.encoder_block import TransformerEncoderBlock
from keras_bert.layers.gather import gather_rows
from keras_bert.models.text_model import TextModel, deserialize_preprocessor

# The TF Hub BERT encoder interface.
INPUT_NAMES = ("input_word_ids", "input_mask", "input_type_ids")


def encoder_inputs(names=INPUT_NAMES):
    """Symbolic int32 `[batch, seq_len]` inputs, keyed by name."""
    return {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in names}


def _run_blocks(embeddings, blocks, inputs, training=None, positions=None):
    """Each block's output in turn; with `positions` (int `[batch, n]`), the last block's only
    at those positions (`[batch, n, hidden]`)."""
    x = embeddings(inputs["input_word_ids"], inputs["input_type_ids"], training=training)
    outputs = []
    for i, block in enumerate(blocks):
        query = None
        if positions is not None and i == len(blocks) - 1:
            query = gather_rows(x, positions)
        x = block(x, inputs["input_mask"], training=training, query=query)
        outputs.append(x)
    return outputs


def refuse_dtype(model_name, kwargs):
    """keras-bert models compute in the global dtype policy; a `dtype` argument would reach
    the model but not the layers it is built from, so it is refused rather than ignored."""
    if kwargs.get("dtype") is not None:
        raise TypeError(
            f"{model_name} takes no dtype: it computes in the global policy; call "
            f"keras.mixed_precision.set_global_policy({kwargs['dtype']!r}) before building it."
        )


def freeze(model, trainable):
    """Freezes `model`, layers and weights, when `trainable` is False.

    `keras.Model(trainable=False)` only marks the model itself: the layers a functional model
    was built from, made before it, stay trainable, so a frozen model's config would load
    back trainable (and its saved optimizer would no longer fit). The setter reaches them all.
    Nothing is done for True, so a task model leaves a frozen encoder as it is.
    """
    if not trainable:
        model.trainable = False


@keras.saving.register_keras_serializable(package="keras_bert")
class BertEncoder(TextModel):
    """The BERT encoder: embeddings, `num_layers` post-LN Transformer blocks and the pooler.

    The backbone every keras-bert task model wraps, with the input and output names of TF Hub's
    BERT encoders. `from_size` builds one of Google's sizes with random weights;
    `from_pretrained` loads a checkpoint (any that `keras_bert.from_pretrained` reads) with its
    tokenizer attached as the `preprocessor`.

    Inputs: a dict of int32 `[batch, seq_len]` tensors `input_word_ids`, `input_mask`
    (1 for real tokens, 0 for padding), `input_type_ids` (segment ids: 0 for the first text,
    1 for the second); `seq_len` at most `config.max_position_embeddings`.

    Outputs: a dict with `sequence_output` `[batch, seq_len, hidden]`, `pooled_output`
    `[batch, hidden]` (tanh dense layer on the `[CLS]` position) and `encoder_outputs`
    (a list of one `[batch, seq_len, hidden]` tensor per block).

    With a `preprocessor`, `predict` (and `fit`, `evaluate`) also take raw text (`TextModel`).

    Args:
        config: a `BertConfig` (or its dict).
        preprocessor: optional `keras_bert.text.BertPreprocessor`, saved with the model.

    Examples:

    ```python
    encoder = BertEncoder.from_size("bert_tiny")  # random weights, hidden 128
    ids = np.array([[101, 7592, 2088, 102, 0, 0]], "int32")
    outputs = encoder({"input_word_ids": ids, "input_mask": np.int32(ids > 0),
                       "input_type_ids": np.zeros_like(ids)})
    outputs["sequence_output"].shape  # (1, 6, 128)
    outputs["pooled_output"].shape  # (1, 128)
    len(outputs["encoder_outputs"])  # 2, one (1, 6, 128) per block
    ```

    Pretrained, on raw text:

    ```python
    encoder = BertEncoder.from_pretrained(folder)  # its tokenizer attached, seq_length 128
    encoder.predict(["Hello world."])["sequence_output"]  # [1, 128, hidden]
    ```
    """

    def __init__(self, config, preprocessor=None, **kwargs):
        refuse_dtype("BertEncoder", kwargs)
        if isinstance(config, dict):
            config = BertConfig.from_dict(config)
        if not isinstance(config, BertConfig):
            raise TypeError(f"BertEncoder takes a BertConfig, got {type(config).__name__}.")
        inputs = encoder_inputs()
        embeddings = BertEmbeddings(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            max_position_embeddings=config.max_position_embeddings,
            type_vocab_size=config.type_vocab_size,
            initializer_range=config.initializer_range,
            layer_norm_eps=config.layer_norm_eps,
            dropout=config.hidden_dropout_prob,
            name="embeddings",
        )
        blocks = [
            TransformerEncoderBlock(
                num_heads=config.num_attention_heads,
                intermediate_size=config.intermediate_size,
                hidden_act=config.hidden_act,
                dropout=config.hidden_dropout_prob,
                attention_dropout=config.attention_dropout_prob,
                initializer_range=config.initializer_range,
                layer_norm_eps=config.layer_norm_eps,
                name=f"transformer_layer_{i}",
            )
            for i in range(config.num_layers)
        ]
        layer_outputs = _run_blocks(embeddings, blocks, inputs)
        x = layer_outputs[-1]
        pooler = keras.layers.Dense(
            config.hidden_size,
            activation="tanh",
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=config.initializer_range),
            name="pooler",
        )
        pooled = pooler(x[:, 0, :])
        outputs = {
            "sequence_output": x,
            "pooled_output": pooled,
            "encoder_outputs": layer_outputs,
        }
        kwargs.setdefault("name", "bert_encoder")
        trainable = kwargs.pop("trainable", True)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        freeze(self, trainable)
        self.config = config
        self.preprocessor = preprocessor
        self.embeddings = embeddings
        self.transformer_layers = blocks
        self.pooler = pooler

    def sequence_output_at(self, inputs, positions, training=None):
        """`sequence_output` at `positions` (int `[batch, n]`) alone, `[batch, n, hidden]`:
        the same numbers as those rows of `self(inputs)["sequence_output"]`, with the last
        block computed only there (the Model Garden's `output_range`, for any positions).
        That skips most of one layer's work at every other position: its query and output
        projections, attention and feed-forward (about 7% of BERT-base at seq 128 when
        `n` is small). `BertPretrainer` calls it with `[CLS]` and the masked positions."""
        return _run_blocks(self.embeddings, self.transformer_layers, inputs, training, positions)[
            -1
        ]

    def pooled_output(self, inputs, training=None):
        """`pooled_output` alone, `[batch, hidden]`: the same numbers as
        `self(inputs)["pooled_output"]`, with the last block computed only at `[CLS]` (see
        `sequence_output_at`). `BertClassifier` calls it."""
        cls = ops.zeros_like(inputs["input_word_ids"][:, :1])
        return self.pooler(self.sequence_output_at(inputs, cls, training)[:, 0, :])

    @classmethod
    def from_size(cls, name, **config_overrides):
        """A randomly initialized encoder of one of Google's sizes (`BertConfig.sizes()`:
        `bert_tiny` ... `bert_large`). Pretrained weights come from
        `keras_bert.from_pretrained`."""
        return cls(BertConfig.from_size(name, **config_overrides))

    @classmethod
    def _from_checkpoint(cls, checkpoint, **kwargs):
        if kwargs:
            raise TypeError(f"BertEncoder.from_pretrained got unknown arguments {sorted(kwargs)}.")
        return checkpoint if isinstance(checkpoint, BertEncoder) else checkpoint.encoder

    def get_config(self):
        return {
            "config": self.config.to_dict(),
            "name": self.name,
            "trainable": self.trainable,
            "preprocessor": keras.saving.serialize_keras_object(self.preprocessor),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["preprocessor"] = deserialize_preprocessor(config.get("preprocessor"))
        return cls(**config)
