"""`BertDropout`: Keras dropout whose mask XLA compiles cheaply on TensorFlow."""

import keras


@keras.saving.register_keras_serializable(package="keras_bert")
class BertDropout(keras.layers.Dropout):
    """`keras.layers.Dropout` (the same rate, seed generator and `1 / (1 - rate)` scaling)
    whose random numbers, in a function TensorFlow compiles with XLA, come from ThreeFry.

    Keras' TensorFlow backend draws dropout masks with `tf.random.stateless_uniform` and the
    algorithm TensorFlow selects itself, which XLA compiles slowly on CPU (a large share of a
    small pretraining step; BENCHMARKS.md has the numbers); drawing the same masks with
    ThreeFry (what Keras' JAX backend uses) costs a fraction of that. Keras' `dropout` takes
    no algorithm, and TensorFlow's kernels outside XLA have no ThreeFry, so this layer asks
    TensorFlow whether it is being compiled with XLA (`tf.function(jit_compile=True)`,
    `--jit-compile` in training, Keras `fit` with `jit_compile=True`) and is Keras' `Dropout`
    everywhere else, other backends included.

    Call with `inputs` of any shape; returns the same shape.

    Args:
        rate, noise_shape, seed: as in `keras.layers.Dropout` (a `noise_shape` keeps Keras'
            own masks under XLA too).

    Examples:

    ```python
    dropout = BertDropout(0.1, seed=0)
    x = np.ones((2, 8, 32), "float32")
    dropout(x, training=True).shape  # (2, 8, 32): each value 0 or 1 / 0.9
    step = tf.function(lambda x: dropout(x, training=True), jit_compile=True)
    step(x)  # the same layer, its mask drawn with ThreeFry
    ```
    """

    def call(self, inputs, training=False):
        if training and self.rate > 0 and self.noise_shape is None and _compiling_with_xla():
            return _threefry_dropout(inputs, self.rate, self.seed_generator.next())
        return super().call(inputs, training=training)


def _compiling_with_xla():
    """Whether this call is traced into a TensorFlow function compiled with XLA."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    # TensorFlow has no public API for this; tf.function itself asks the same question.
    from tensorflow.python.ops.control_flow_util import GraphOrParentsInXlaContext

    return GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph())


def _threefry_dropout(inputs, rate, seed):
    """`tf.nn.experimental.stateless_dropout`'s arithmetic with ThreeFry's uniform numbers."""
    import tensorflow as tf

    seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)  # as Keras casts it
    uniform = tf.random.stateless_uniform(tf.shape(inputs), seed, alg="threefry")
    keep = tf.cast(uniform >= rate, inputs.dtype)
    return inputs * tf.cast(1.0 / (1.0 - rate), inputs.dtype) * keep
