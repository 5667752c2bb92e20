import keras
import numpy as np
import tensorflow as tf

from keras_bert.layers.dropout import BertDropout

X = tf.constant(np.random.default_rng(0).uniform(1.0, 2.0, (64, 128, 32)), tf.float32)


def test_is_keras_dropout_outside_xla():
    ours, theirs = BertDropout(0.3, seed=7), keras.layers.Dropout(0.3, seed=7)
    np.testing.assert_array_equal(ours(X, training=True), theirs(X, training=True))
    graph = [tf.function(lambda x, d=d: d(x, training=True)) for d in (ours, theirs)]
    np.testing.assert_array_equal(graph[0](X), graph[1](X))
    np.testing.assert_array_equal(ours(X, training=False), X)


def test_draws_threefry_masks_under_xla():
    """Under XLA the mask is ThreeFry's uniform numbers >= rate for the seed generator's next
    seed, with Keras' scaling, a new mask per call; not what Keras' own dropout draws."""
    rate = 0.1
    layer = BertDropout(rate, seed=3)
    compiled = tf.function(lambda x: layer(x, training=True), jit_compile=True)
    keras_layer = keras.layers.Dropout(rate, seed=3)
    keras_compiled = tf.function(lambda x: keras_layer(x, training=True), jit_compile=True)

    @tf.function(jit_compile=True)
    def threefry_uniform(seed):
        seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
        return tf.random.stateless_uniform(X.shape, seed, alg="threefry")

    masks = []
    for _ in range(2):
        seed = tf.convert_to_tensor(layer.seed_generator.state.value)
        got = np.array(compiled(X))
        keep = np.array(threefry_uniform(seed)) >= rate
        np.testing.assert_allclose(got[keep], np.array(X)[keep] / (1 - rate), rtol=1e-6)
        np.testing.assert_array_equal(got[~keep], 0.0)
        assert abs(keep.mean() - (1 - rate)) < 0.003
        masks.append(keep)
    assert (masks[0] != masks[1]).mean() > 0.1
    assert (np.array(keras_compiled(X)) != 0).mean() != keep.mean()


def test_gradient_under_xla_is_the_scaled_mask():
    layer = BertDropout(0.25, seed=5)

    @tf.function(jit_compile=True)
    def value_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            total = tf.reduce_sum(y)
        return y, tape.gradient(total, x)

    y, grad = value_and_grad(X)
    np.testing.assert_allclose(grad, (np.array(y) != 0) / 0.75, rtol=1e-6)


def test_config_round_trip():
    layer = BertDropout(0.2, seed=1, name="drop")
    copy = BertDropout.from_config(layer.get_config())
    assert (copy.rate, copy.seed, copy.name) == (0.2, 1, "drop")
