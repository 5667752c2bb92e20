"""Output heads on top of the encoder: pretraining (MLM, NSP) and fine-tuning tasks."""

import keras
from keras import ops

from keras_bert.layers.activations import get_activation
from keras_bert.layers.dropout import BertDropout
from keras_bert.layers.gather import gather_rows

# Added to span logits where no answer can be, so softmax gives them no mass (float32 logits).
SPAN_MASK_ADDER = -1e9


def answer_positions(input_mask, input_type_ids):
    """Where an answer span can lie: the context's tokens, segment B of `[CLS] question [SEP]
    context [SEP]` without its closing `[SEP]`.

    Args:
        input_mask, input_type_ids: int `[batch, seq_len]`.

    Returns:
        bool `[batch, seq_len]`.
    """
    last = ops.sum(ops.cast(input_mask, "int32"), axis=1, keepdims=True) - 1
    positions = ops.expand_dims(ops.arange(ops.shape(input_mask)[1], dtype="int32"), 0)
    context = ops.logical_and(ops.equal(input_mask, 1), ops.equal(input_type_ids, 1))
    return ops.logical_and(context, ops.not_equal(positions, last))


def _initializer(initializer_range):
    return keras.initializers.TruncatedNormal(stddev=initializer_range)


@keras.saving.register_keras_serializable(package="keras_bert")
class MaskedLMHead(keras.layers.Layer):
    """Masked-LM logits at selected positions, tied to the word embeddings.

    `dense -> activation -> LayerNorm -> matmul with the word-embedding matrix + output bias`,
    computed only at `masked_lm_positions`.

    Args:
        embeddings: the `BertEmbeddings` layer whose word-embedding matrix is the output
            projection (the weight is shared, not copied).
        hidden_act: the activation name (see `BertConfig.hidden_act`).
        initializer_range: stddev of the truncated-normal kernel initializer.
        layer_norm_eps: LayerNorm epsilon (1e-12 in BERT).

    Call with `sequence_output` `[batch, seq_len, hidden]` and `masked_lm_positions` int
    `[batch, max_predictions]`; returns float32 logits `[batch, max_predictions, vocab_size]`.
    `logits(rows)` takes the rows already gathered, `[batch, max_predictions, hidden]`.

    Examples:

    ```python
    encoder = BertEncoder.from_size("bert_tiny")
    head = MaskedLMHead(encoder.embeddings, hidden_act=encoder.config.hidden_act)
    sequence_output = np.random.rand(2, 16, 128).astype("float32")
    masked_lm_positions = np.array([[3, 7], [5, 0]], "int32")
    head(sequence_output, masked_lm_positions).shape  # (2, 2, 30522)
    ```
    """

    def __init__(
        self,
        embeddings,
        hidden_act="gelu_tanh",
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.embeddings = embeddings
        self.hidden_act = hidden_act
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps

    def build(self, sequence_output_shape, masked_lm_positions_shape=None):
        hidden = sequence_output_shape[-1]
        self.transform = keras.layers.Dense(
            hidden,
            activation=get_activation(self.hidden_act),
            kernel_initializer=_initializer(self.initializer_range),
            dtype=self.dtype_policy,
            name="transform",
        )
        self.transform.build((None, None, hidden))
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_eps, dtype="float32", name="layer_norm"
        )
        self.layer_norm.build((None, None, hidden))
        self.output_bias = self.add_weight(
            name="output_bias",
            shape=(self.embeddings.vocab_size,),
            initializer="zeros",
            autocast=False,  # added to the float32 logits, also in a mixed-precision call
        )
        self.built = True

    def call(self, sequence_output, masked_lm_positions):
        return self.logits(gather_rows(sequence_output, masked_lm_positions))

    def logits(self, rows):
        """Float32 logits `[batch, n, vocab_size]` from the encoder's output at the masked
        positions, `[batch, n, hidden]`."""
        x = ops.cast(self.layer_norm(self.transform(rows)), self.compute_dtype)
        table = ops.cast(self.embeddings.embedding_matrix, self.compute_dtype)
        logits = ops.matmul(x, ops.transpose(table))
        return ops.cast(logits, "float32") + self.output_bias

    def compute_output_shape(self, sequence_output_shape, masked_lm_positions_shape):
        return tuple(masked_lm_positions_shape) + (self.embeddings.vocab_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            embeddings=keras.saving.serialize_keras_object(self.embeddings),
            hidden_act=self.hidden_act,
            initializer_range=self.initializer_range,
            layer_norm_eps=self.layer_norm_eps,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["embeddings"] = keras.saving.deserialize_keras_object(config["embeddings"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_bert")
class NextSentenceHead(keras.layers.Layer):
    """Next-sentence logits `[batch, 2]` (label 0 = IsNext, 1 = random) from `pooled_output`.

    A dense layer to two float32 logits; call with `pooled_output` `[batch, hidden]`.

    Args:
        initializer_range: stddev of the truncated-normal kernel initializer.

    Examples:

    ```python
    head = NextSentenceHead()
    pooled_output = np.random.rand(4, 128).astype("float32")  # the encoder's, [batch, hidden]
    head(pooled_output).shape  # (4, 2)
    ```
    """

    def __init__(self, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.initializer_range = initializer_range
        self.dense = keras.layers.Dense(
            2,
            kernel_initializer=_initializer(initializer_range),
            dtype=self.dtype_policy,
            name="dense",
        )

    def build(self, pooled_output_shape):
        self.dense.build(pooled_output_shape)
        self.built = True

    def call(self, pooled_output):
        return ops.cast(self.dense(pooled_output), "float32")

    def compute_output_shape(self, pooled_output_shape):
        return tuple(pooled_output_shape[:-1]) + (2,)

    def get_config(self):
        config = super().get_config()
        config.update(initializer_range=self.initializer_range)
        return config


@keras.saving.register_keras_serializable(package="keras_bert")
class ClassificationHead(keras.layers.Layer):
    """Dropout then a dense layer to `num_outputs` float32 logits.

    Applies to the last axis: `pooled_output` `[batch, hidden]` gives `[batch, num_outputs]`
    (sequence classification or regression), `sequence_output` `[batch, seq_len, hidden]`
    gives `[batch, seq_len, num_outputs]` (token classification, span start/end).

    Args:
        num_outputs: the number of logits (classes, tags; 1 for regression).
        dropout: the dropout rate on the input.
        initializer_range: stddev of the truncated-normal kernel initializer.

    Examples:

    ```python
    head = ClassificationHead(3)
    head(np.random.rand(4, 128).astype("float32")).shape  # (4, 3)
    tagger = ClassificationHead(5)
    tagger(np.random.rand(4, 16, 128).astype("float32")).shape  # (4, 16, 5)
    ```
    """

    def __init__(self, num_outputs, dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.num_outputs = num_outputs
        self.dropout_rate = dropout
        self.initializer_range = initializer_range
        self.dropout = BertDropout(dropout, dtype=self.dtype_policy)
        self.dense = keras.layers.Dense(
            num_outputs,
            kernel_initializer=_initializer(initializer_range),
            dtype=self.dtype_policy,
            name="dense",
        )

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.built = True

    def call(self, x, training=None):
        return ops.cast(self.dense(self.dropout(x, training=training)), "float32")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.num_outputs,)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_outputs=self.num_outputs,
            dropout=self.dropout_rate,
            initializer_range=self.initializer_range,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_bert")
class SpanHead(keras.layers.Layer):
    """Start and end logits for extractive QA, masked where no answer can be.

    The logits are kept at the context's tokens (`answer_positions`) and at `[CLS]`, the
    target of a window that does not hold the answer (google-research/bert's `run_squad.py`
    trains those windows to point at `[CLS]`); every other position gets a logit of -1e9.

    Call with `sequence_output` `[batch, seq_len, hidden]`, `input_mask` and
    `input_type_ids` `[batch, seq_len]`; returns `(start_logits, end_logits)`, float32
    `[batch, seq_len]` each.

    Args:
        initializer_range: stddev of the truncated-normal kernel initializer.

    Examples:

    ```python
    head = SpanHead()
    sequence_output = np.random.rand(1, 8, 128).astype("float32")
    input_mask = np.array([[1, 1, 1, 1, 1, 1, 1, 0]], "int32")
    input_type_ids = np.array([[0, 0, 0, 1, 1, 1, 1, 0]], "int32")
    start_logits, end_logits = head(sequence_output, input_mask, input_type_ids)
    start_logits.shape  # (1, 8): -1e9 but at [CLS] (0) and the context (3, 4, 5)
    ```
    """

    def __init__(self, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.initializer_range = initializer_range
        self.dense = keras.layers.Dense(
            2,
            kernel_initializer=_initializer(initializer_range),
            dtype=self.dtype_policy,
            name="dense",
        )

    def build(self, sequence_output_shape, input_mask_shape=None, input_type_ids_shape=None):
        self.dense.build(sequence_output_shape)
        self.built = True

    def call(self, sequence_output, input_mask, input_type_ids):
        logits = ops.cast(self.dense(sequence_output), "float32")
        first = ops.equal(ops.arange(ops.shape(input_mask)[1], dtype="int32"), 0)
        kept = ops.cast(
            ops.logical_or(answer_positions(input_mask, input_type_ids), first), "float32"
        )
        logits = logits + ops.expand_dims((1.0 - kept) * SPAN_MASK_ADDER, -1)
        return logits[:, :, 0], logits[:, :, 1]

    def compute_output_shape(
        self, sequence_output_shape, input_mask_shape=None, input_type_ids_shape=None
    ):
        shape = tuple(sequence_output_shape[:-1])
        return shape, shape

    def get_config(self):
        config = super().get_config()
        config.update(initializer_range=self.initializer_range)
        return config
