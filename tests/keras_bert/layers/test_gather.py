import numpy as np
import tensorflow as tf

from keras_bert.layers.gather import gather_rows


def test_gather_rows_takes_each_sequences_own_positions():
    x = np.random.default_rng(0).normal(size=(3, 7, 5)).astype("float32")
    positions = np.array([[0, 6, 6], [3, 0, 1], [2, 2, 5]], "int32")
    want = np.stack([x[b, positions[b]] for b in range(3)])
    np.testing.assert_array_equal(gather_rows(x, positions), want)


def test_gather_rows_in_a_graph_of_unknown_batch_and_length():
    spec = [tf.TensorSpec([None, None, 4], tf.float32), tf.TensorSpec([None, None], tf.int32)]
    run = tf.function(gather_rows, input_signature=spec)
    x = np.arange(2 * 9 * 4, dtype="float32").reshape(2, 9, 4)
    got = run(x, np.array([[8], [1]], "int32"))
    np.testing.assert_array_equal(got, np.stack([x[0, [8]], x[1, [1]]]))
