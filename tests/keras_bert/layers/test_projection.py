import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_bert.layers.projection import HeadProjection

# (equation, output_shape, bias_axes, input shape): the attention's two projections.
CASES = [
    ("bsh,hnd->bsnd", (None, 3, 4), "nd", (2, 5, 6)),
    ("bsnd,ndh->bsh", (None, 6), "h", (2, 5, 3, 4)),
]


def _pair(equation, output_shape, bias_axes, input_shape, seed=0):
    """A HeadProjection and an EinsumDense holding the same random weights."""
    ours = HeadProjection(equation, output_shape=output_shape, bias_axes=bias_axes)
    theirs = keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)
    ours.build(input_shape)
    theirs.build(input_shape)
    rng = np.random.default_rng(seed)
    for a, b in zip(ours.weights, theirs.weights):
        value = rng.normal(size=a.shape).astype("float32")
        a.assign(value)
        b.assign(value)
    return ours, theirs


@pytest.mark.parametrize("equation,output_shape,bias_axes,input_shape", CASES)
def test_same_outputs_and_gradients_as_einsum(equation, output_shape, bias_axes, input_shape):
    ours, theirs = _pair(equation, output_shape, bias_axes, input_shape)
    x = tf.constant(np.random.default_rng(1).normal(size=input_shape), tf.float32)
    inputs, kernel, bias = x.numpy(), ours.kernel.numpy(), ours.bias.numpy()
    want = np.einsum(equation, inputs, kernel) + bias
    grads = {}
    for name, layer in (("ours", ours), ("theirs", theirs)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * tf.cos(y))
        grads[name] = tape.gradient(loss, [x] + layer.trainable_weights)
        np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-5)
    for a, b in zip(grads["ours"], grads["theirs"]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5)


def test_kernel_gradient_is_one_matmul_not_a_batch_of_them():
    """What the layer is for: no broadcasting BatchMatMul whose kernel gradient is a batch of
    products summed afterwards (what EinsumDense gives on TensorFlow)."""

    def op_types(layer):
        x = tf.zeros((2, 5, 6))

        @tf.function
        def grad(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(x))
            return tape.gradient(loss, layer.kernel)

        return {op.type for op in grad.get_concrete_function(x).graph.get_operations()}

    ours, theirs = _pair(*CASES[0])
    assert "BatchMatMulV2" in op_types(theirs)
    ours_ops = op_types(ours)
    assert "BatchMatMulV2" not in ours_ops and "MatMul" in ours_ops


def test_symbolic_shapes_config_round_trip_and_bad_equation():
    layer = HeadProjection("bsh,hnd->bsnd", output_shape=(None, 3, 4), bias_axes="nd")
    y = layer(keras.Input((None, 6)))
    assert tuple(y.shape) == (None, None, 3, 4)
    clone = HeadProjection.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError) as error:
        HeadProjection("bqh,khd->bqd", output_shape=(None, 4))
    assert str(error.value) == (
        "HeadProjection takes equations 'bs<in>,<in><out>->bs<out>' (such as 'bsh,hnd->bsnd'); "
        "got 'bqh,khd->bqd': use keras.layers.EinsumDense."
    )


def test_quantizes_like_einsum_dense():
    """Keras' int8 quantization works on it and gives EinsumDense's quantized numbers."""
    ours, theirs = _pair(*CASES[0])
    x = np.random.default_rng(2).normal(size=CASES[0][3]).astype("float32")
    full = ours(x).numpy()
    ours.quantize("int8")
    theirs.quantize("int8")
    assert ours.quantization_mode == "int8"
    quantized = ours(x).numpy()
    np.testing.assert_array_equal(quantized, theirs(x).numpy())
    assert 0 < np.abs(quantized - full).max() < 0.05 * np.abs(full).max()
