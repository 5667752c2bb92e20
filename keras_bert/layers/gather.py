"""`gather_rows`: some positions of each sequence in a batch."""

from keras import ops


def gather_rows(x, positions):
    """The rows of each sequence at `positions`.

    Args:
        x: `[batch, seq_len, hidden]`.
        positions: int `[batch, n]`, indices into `seq_len` (repeats allowed).

    Returns:
        `[batch, n, hidden]`: `out[b, i] = x[b, positions[b, i]]`.

    One `take` on the flattened `[batch * seq_len, hidden]` rows at `b * seq_len + position`
    (google-research/bert's `gather_indexes`): a single gather in the TF graph, the TFLite file
    and under XLA, where `ops.take_along_axis` broadcasts the indices to `hidden` and
    transposes `x` first.
    """
    shape = ops.shape(x)
    positions = ops.cast(positions, "int32")
    offsets = ops.arange(shape[0], dtype="int32")[:, None] * shape[1]
    rows = ops.take(ops.reshape(x, (-1, shape[2])), ops.reshape(positions + offsets, (-1,)), axis=0)
    return ops.reshape(rows, (shape[0], ops.shape(positions)[1], shape[2]))
