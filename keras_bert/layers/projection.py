"""`HeadProjection`: an `EinsumDense` over the trailing axes, computed as one 2D matmul."""

import math
import re

import keras
from keras import ops

# "bs" + the contracted axes, the kernel's contracted then output axes -> "bs" + output axes.
_EQUATION = re.compile(r"^bs(\w+),\1(\w+)->bs\2$")


@keras.saving.register_keras_serializable(package="keras_bert")
class HeadProjection(keras.layers.EinsumDense):
    """`keras.layers.EinsumDense` for equations `"bs<in>,<in><out>->bs<out>"` (the attention
    projections `"bsh,hnd->bsnd"` and `"bsnd,ndh->bsh"`), with the same weights, computed on
    the `[batch * seq_len, in]` rows as one 2D matmul.

    Keras' TensorFlow backend computes these equations as a `[batch, seq_len, in]` x
    `[in, out]` matmul that broadcasts the kernel over the batch, so the kernel's gradient
    is a batch of `[in, out]` products (one per sequence) summed afterwards: 32 times the
    output and a K of `seq_len` instead of `batch * seq_len`. Flattening the rows first makes
    the forward pass and both gradients single 2D matmuls. A bias over all the output axes
    (the attention projections' and `TransformerEncoderBlock`'s feed-forward layers') and the
    activation are applied to the rows with `bias_add`, so that TensorFlow's graph optimizer
    fuses matmul, bias and GELU into one oneDNN call (see `bias_add`). LoRA (`self.kernel`) and
    Keras' quantization (`quantize`; quantized layers run `EinsumDense.quantized_call`, not `call`)
    work as in `EinsumDense`.

    Call with `[batch, seq_len, *in]`; returns `[batch, seq_len, *out]`.

    Args:
        equation: `"bs<in>,<in><out>->bs<out>"`; any other equation is refused (use
            `keras.layers.EinsumDense`).
        output_shape: the output's shape without the batch axis, `(None, *out)`.
        **kwargs: `bias_axes`, `activation`, the initializers and the rest of
            `keras.layers.EinsumDense`'s arguments.

    Examples:

    ```python
    query = HeadProjection("bsh,hnd->bsnd", output_shape=(None, 2, 16), bias_axes="nd")
    query(np.random.rand(4, 8, 32).astype("float32")).shape  # (4, 8, 2, 16)
    query.kernel.shape  # (32, 2, 16), as MultiHeadAttention's query kernel
    ```
    """

    def __init__(self, equation, output_shape, **kwargs):
        if not _EQUATION.match(equation):
            raise ValueError(
                f"HeadProjection takes equations 'bs<in>,<in><out>->bs<out>' (such as "
                f"'bsh,hnd->bsnd'); got {equation!r}: use keras.layers.EinsumDense."
            )
        super().__init__(equation, output_shape, **kwargs)

    def call(self, inputs, training=None):
        kernel = self.kernel
        contracted = len(inputs.shape) - 2
        in_size = math.prod(kernel.shape[:contracted])
        output_axes = tuple(kernel.shape[contracted:])
        rows = ops.matmul(ops.reshape(inputs, (-1, in_size)), ops.reshape(kernel, (in_size, -1)))
        full_bias = self.bias is not None and tuple(self.bias.shape) == output_axes
        if full_bias:  # a bias on every output axis is a bias on the rows' columns
            rows = bias_add(rows, ops.reshape(self.bias, (-1,)))
            if self.activation is not None:
                rows = self.activation(rows)
        # -1 for the batch: where seq_len is static (exports) the shape is a constant.
        x = ops.reshape(rows, (-1, ops.shape(inputs)[1]) + output_axes)
        if not full_bias:
            if self.bias is not None:
                x = ops.add(x, self.bias)
            if self.activation is not None:
                x = self.activation(x)
        return x

    def quantize(self, mode=None, type_check=True, **kwargs):
        # EinsumDense refuses subclasses, whose `call` might not read quantized weights; this
        # one's quantized forward pass is EinsumDense's own `quantized_call`.
        super().quantize(mode, type_check=False, **kwargs)


def bias_add(rows, bias):
    """`rows` `[n, units]` plus `bias` `[units]`: on TensorFlow `tf.nn.bias_add`, elsewhere
    `keras.ops.add` (the same numbers).

    TensorFlow's graph optimizer (grappler's remapper, with oneDNN on x86) fuses `MatMul` +
    `BiasAdd` + GELU (`tf.nn.gelu`, tanh or erf) into one `_MklNativeFusedMatMul`, but only
    from a `BiasAdd` op: after the `AddV2` that `keras.ops.add` emits it fuses the bias and
    leaves GELU's eight elementwise ops, which matters without XLA (what a SavedModel runs;
    BENCHMARKS.md has the timings). Keras has no bias-add op, so this asks for TensorFlow's own.
    """
    if keras.backend.backend() != "tensorflow":
        return ops.add(rows, bias)
    import tensorflow as tf

    return tf.nn.bias_add(rows, ops.cast(bias, rows.dtype))
