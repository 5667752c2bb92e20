"""`BertSelfAttention`: multi-head self-attention with BERT's padding mask."""

import keras
from keras import ops

from keras_bert.layers.dropout import BertDropout
from keras_bert.layers.projection import HeadProjection

# BERT adds this to the attention scores where `input_mask` is 0 (google-research/bert
# modeling.py: `adder = (1.0 - mask) * -10000.0`); exp() of it underflows to exactly 0 in float32.
MASK_ADDER = -10000.0


@keras.saving.register_keras_serializable(package="keras_bert")
class BertSelfAttention(keras.layers.Layer):
    """Scaled dot-product self-attention over `num_heads` heads.

    The projections are `HeadProjection`s (Keras `EinsumDense` layers computed as 2D matmuls)
    with the same weight layout as `keras.layers.MultiHeadAttention` (query/key/value kernels
    `[hidden, heads, head_size]`, output kernel `[heads, head_size, hidden]`). Scores and
    softmax are computed in float32 under mixed precision.

    Call with `x` `[batch, seq_len, hidden]` and `input_mask` `[batch, seq_len]` (1 for real
    tokens, 0 for padding); returns `[batch, seq_len, hidden]`. With `query`
    `[batch, query_len, hidden]` (some rows of `x`), only those positions attend (to all of
    `x`) and the result is `[batch, query_len, hidden]`.

    Args:
        num_heads: the number of attention heads.
        head_size: the width of each head (`hidden / num_heads` in BERT).
        initializer_range: stddev of the truncated-normal kernel initializer.
        attention_dropout: the dropout rate on the attention probabilities.

    Examples:

    ```python
    attention = BertSelfAttention(num_heads=2, head_size=16)
    x = np.random.rand(2, 8, 32).astype("float32")
    input_mask = np.array([[1] * 8, [1] * 5 + [0] * 3], "int32")
    attention(x, input_mask).shape  # (2, 8, 32)
    attention(x, input_mask, query=x[:, :1]).shape  # (2, 1, 32): position 0 only
    ```
    """

    def __init__(
        self, num_heads, head_size, initializer_range=0.02, attention_dropout=0.1, **kwargs
    ):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.head_size = head_size
        self.initializer_range = initializer_range
        self.attention_dropout = attention_dropout
        self.scale = 1.0 / float(head_size) ** 0.5

    def build(self, x_shape, input_mask_shape=None):
        input_shape = x_shape
        hidden = input_shape[-1]

        def projection(name, equation, output_shape, bias_axes):
            layer = HeadProjection(
                equation,
                output_shape=output_shape,
                bias_axes=bias_axes,
                kernel_initializer=keras.initializers.TruncatedNormal(
                    stddev=self.initializer_range
                ),
                dtype=self.dtype_policy,
                name=name,
            )
            return layer

        self.query = projection(
            "query", "bsh,hnd->bsnd", (None, self.num_heads, self.head_size), "nd"
        )
        self.key = projection("key", "bsh,hnd->bsnd", (None, self.num_heads, self.head_size), "nd")
        self.value = projection(
            "value", "bsh,hnd->bsnd", (None, self.num_heads, self.head_size), "nd"
        )
        self.output_dense = projection("attention_output", "bsnd,ndh->bsh", (None, hidden), "h")
        for layer in (self.query, self.key, self.value):
            layer.build(input_shape)
        self.output_dense.build((None, None, self.num_heads, self.head_size))
        self.dropout = BertDropout(self.attention_dropout, dtype=self.dtype_policy)
        self.built = True

    def call(self, x, input_mask, training=None, query=None):
        # The 1/sqrt(head_size) scale goes on q, as in keras.layers.MultiHeadAttention: one
        # multiply per query element rather than per score (head_size / seq_len as many). For
        # head sizes that are powers of 4 (64 in every BERT) the scale is a power of two, so
        # this gives bit for bit the scores of google-research/bert's `scores * scale`.
        q = self.query(x if query is None else query)
        q = ops.multiply(q, ops.cast(self.scale, q.dtype))
        k = self.key(x)
        v = self.value(x)
        scores = ops.cast(ops.einsum("bqnd,bknd->bnqk", q, k), "float32")
        mask = ops.expand_dims(ops.cast(input_mask, "float32"), (1, 2))
        scores = scores + (1.0 - mask) * MASK_ADDER
        probs = ops.cast(ops.softmax(scores, axis=-1), self.compute_dtype)
        probs = self.dropout(probs, training=training)
        context = ops.einsum("bnqk,bknd->bqnd", probs, v)
        return self.output_dense(context)

    def compute_output_shape(self, x_shape, input_mask_shape=None):
        return x_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            head_size=self.head_size,
            initializer_range=self.initializer_range,
            attention_dropout=self.attention_dropout,
        )
        return config
