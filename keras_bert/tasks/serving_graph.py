"""What every task's serving graph shares: the model run in float32 up to the batch's longest
text, and the packed inputs TFLite converts."""

import tensorflow as tf

from keras_bert.text.packing import trim_to_longest, values_at_windows


def predict(model, inputs, training=False):
    """`model(inputs)` with its floating outputs in float32: a bfloat16 export
    (`precision.with_precision`) computes in bfloat16 and still answers in float32."""
    outputs = model(inputs, training=training)
    return tf.nest.map_structure(
        lambda t: tf.cast(t, tf.float32) if t.dtype.is_floating else t, outputs
    )


def predict_trimmed(model, inputs):
    """`predict` on the encoder inputs cut after the batch's longest text."""
    return predict(model, trim_to_longest(inputs, inputs["input_mask"]))


def computed_type_ids(inputs):
    """The encoder inputs with `input_type_ids` as min(type ids, mask): the same values (type
    ids are 0 wherever the mask is), kept computed. TFLite's converter folds the all-zero type
    ids of a single text into a bool `zeros_like` that no TFLite kernel accepts."""
    return {**inputs, "input_type_ids": tf.minimum(inputs["input_type_ids"], inputs["input_mask"])}


def tokens_of_text(values, inputs):
    """Per-piece values of a single text (`[batch, (pieces)]`) at the positions its pieces
    take in the packed `inputs` (`[batch, seq_length]`): position 1 on, -1 at `[CLS]`,
    `[SEP]`, padding and for pieces cut off by packing (each text its own window)."""
    mask = inputs["input_mask"]
    positions = tf.range(mask.shape[1])[tf.newaxis, :]
    closing_sep = tf.reduce_sum(mask, axis=1, keepdims=True) - 1
    piece = tf.where((positions >= 1) & (positions < closing_sep), positions - 1, -1)
    return values_at_windows(values, tf.range(tf.shape(mask)[0]), piece, -1)
