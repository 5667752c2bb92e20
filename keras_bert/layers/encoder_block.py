"""`TransformerEncoderBlock`: BERT's post-LayerNorm Transformer block."""

import keras
from keras import ops

from keras_bert.layers.activations import get_activation
from keras_bert.layers.attention import BertSelfAttention
from keras_bert.layers.dropout import BertDropout
from keras_bert.layers.projection import HeadProjection


@keras.saving.register_keras_serializable(package="keras_bert")
class TransformerEncoderBlock(keras.layers.Layer):
    """Self-attention and feed-forward sub-layers, each `LayerNorm(x + dropout(f(x)))`.

    Call with `x` `[batch, seq_len, hidden]` and `input_mask` `[batch, seq_len]`; returns
    `[batch, seq_len, hidden]`. LayerNorm runs in float32 under mixed precision. With `query`
    `[batch, n, hidden]`, some rows of `x` (the Model Garden's `output_range` generalized to
    any positions), only those rows are computed, attending to the whole sequence: the result
    is `[batch, n, hidden]`, the same numbers as those rows of the full output for a fraction
    of the work.

    Args:
        num_heads: the number of attention heads (`hidden` must be a multiple of it).
        intermediate_size: the width of the feed-forward layer.
        hidden_act: the feed-forward activation (see `BertConfig.hidden_act`).
        dropout: the dropout rate on each residual branch.
        attention_dropout: the dropout rate on the attention probabilities.
        initializer_range: stddev of the truncated-normal kernel initializer.
        layer_norm_eps: LayerNorm epsilon (1e-12 in BERT).

    Examples:

    ```python
    block = TransformerEncoderBlock(num_heads=2, intermediate_size=64)
    x = np.random.rand(2, 8, 32).astype("float32")
    input_mask = np.array([[1] * 8, [1] * 5 + [0] * 3], "int32")
    block(x, input_mask).shape  # (2, 8, 32)
    block(x, input_mask, query=x[:, :1]).shape  # (2, 1, 32): the rows [:, :1] of the above
    ```
    """

    def __init__(
        self,
        num_heads,
        intermediate_size,
        hidden_act="gelu_tanh",
        dropout=0.1,
        attention_dropout=0.1,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.dropout_rate = dropout
        self.attention_dropout = attention_dropout
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps

    def build(self, x_shape, input_mask_shape=None):
        input_shape = x_shape
        hidden = input_shape[-1]
        initializer = keras.initializers.TruncatedNormal(stddev=self.initializer_range)
        self.attention = BertSelfAttention(
            self.num_heads,
            hidden // self.num_heads,
            initializer_range=self.initializer_range,
            attention_dropout=self.attention_dropout,
            dtype=self.dtype_policy,
            name="attention",
        )
        self.attention.build(input_shape, input_mask_shape)
        self.attention_layer_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_eps, dtype="float32", name="attention_layer_norm"
        )
        self.attention_layer_norm.build(input_shape)
        self.intermediate = HeadProjection(
            "bsh,hi->bsi",
            output_shape=(None, self.intermediate_size),
            bias_axes="i",
            activation=get_activation(self.hidden_act),
            kernel_initializer=initializer,
            dtype=self.dtype_policy,
            name="intermediate",
        )
        self.intermediate.build(input_shape)
        self.output_dense = HeadProjection(
            "bsi,ih->bsh",
            output_shape=(None, hidden),
            bias_axes="h",
            kernel_initializer=initializer,
            dtype=self.dtype_policy,
            name="output",
        )
        self.output_dense.build(tuple(input_shape[:-1]) + (self.intermediate_size,))
        self.output_layer_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_eps, dtype="float32", name="output_layer_norm"
        )
        self.output_layer_norm.build(input_shape)
        self.dropout = BertDropout(self.dropout_rate, dtype=self.dtype_policy)
        self.built = True

    def call(self, x, input_mask, training=None, query=None):
        attention = self.attention(x, input_mask, training=training, query=query)
        attention = self.dropout(attention, training=training)
        residual = x if query is None else query
        x = ops.cast(self.attention_layer_norm(residual + attention), self.compute_dtype)
        ff = self.output_dense(self.intermediate(x))
        ff = self.dropout(ff, training=training)
        return ops.cast(self.output_layer_norm(x + ff), self.compute_dtype)

    def compute_output_shape(self, x_shape, input_mask_shape=None):
        return x_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            intermediate_size=self.intermediate_size,
            hidden_act=self.hidden_act,
            dropout=self.dropout_rate,
            attention_dropout=self.attention_dropout,
            initializer_range=self.initializer_range,
            layer_norm_eps=self.layer_norm_eps,
        )
        return config
