"""`SequencePooling`: one vector per text from the encoder's token vectors (sentence embeddings)."""

import keras
from keras import ops

POOLING_MODES = ("cls", "mean", "max")
# What a masked position holds before the max is taken (sentence-transformers' value): a text
# with no real token pools to it.
MAX_POOLING_FILL = -1e9
# The smallest divisors of the mean and of L2 normalization (sentence-transformers' and
# `torch.nn.functional.normalize`'s), so that an empty text or a zero vector gives no NaN.
MIN_TOKEN_COUNT = 1e-9
MIN_NORM = 1e-12


@keras.saving.register_keras_serializable(package="keras_bert")
class SequencePooling(keras.layers.Layer):
    """Pools `sequence_output` into one vector per text, optionally L2-normalized.

    The numbers of sentence-transformers' `Pooling` (`pooling_mode_cls_token`,
    `pooling_mode_mean_tokens` or `pooling_mode_max_tokens`) and `Normalize` modules:

        cls   the vector at position 0 (`[CLS]`)
        mean  the mean over the positions where `input_mask` is 1
        max   the elementwise max over the positions where `input_mask` is 1

    With `normalize=True` the vector is divided by its L2 norm (at least 1e-12), so the dot
    product of two embeddings is their cosine similarity.

    Call with `sequence_output` float `[batch, seq_len, hidden]` and `input_mask` int
    `[batch, seq_len]` (1 at real tokens); returns `[batch, hidden]`.

    Args:
        mode: "cls", "mean" or "max".
        normalize: L2-normalize each vector.

    Examples:

    >>> import numpy as np
    >>> pooling = SequencePooling("mean", normalize=True)
    >>> tokens = np.array([[[3.0, 0.0], [1.0, 4.0], [9.0, 9.0]]], "float32")
    >>> mask = np.array([[1, 1, 0]], "int32")
    >>> np.round(keras.ops.convert_to_numpy(pooling(tokens, mask)), 3)
    array([[0.707, 0.707]], dtype=float32)
    """

    def __init__(self, mode="mean", normalize=False, **kwargs):
        super().__init__(**kwargs)
        if mode not in POOLING_MODES:
            raise ValueError(
                f"SequencePooling mode={mode!r} is not one of {', '.join(POOLING_MODES)}."
            )
        self.mode = mode
        self.normalize = bool(normalize)

    def call(self, sequence_output, input_mask):
        x = ops.cast(sequence_output, self.compute_dtype)
        if self.mode == "cls":
            pooled = x[:, 0, :]
        else:
            mask = ops.expand_dims(ops.cast(input_mask, self.compute_dtype), -1)
            if self.mode == "mean":
                count = ops.maximum(ops.sum(mask, axis=1), MIN_TOKEN_COUNT)
                pooled = ops.sum(x * mask, axis=1) / count
            else:
                pooled = ops.max(ops.where(mask > 0, x, MAX_POOLING_FILL), axis=1)
        if self.normalize:
            norm = ops.sqrt(ops.sum(ops.square(pooled), axis=-1, keepdims=True))
            pooled = pooled / ops.maximum(norm, MIN_NORM)
        return pooled

    def compute_output_shape(self, sequence_output_shape, input_mask_shape=None):
        return (sequence_output_shape[0], sequence_output_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(mode=self.mode, normalize=self.normalize)
        return config
