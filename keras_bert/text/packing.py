"""Segments of ids -> the encoder inputs `[CLS] a [SEP] b [SEP] ...`, with dense core ops only.

Hand-written rather than `tensorflow_text.combine_segments` + `RoundRobinTrimmer`: the former
emits `RaggedGather` (no TFLite kernel) and the latter `TFText>RoundRobinTrim` (absent from the
tensorflow-text 2.12.1 inside TF Serving releases before 2.20). Here the truncation is a closed
form on the lengths and the packing is `gather` + `where`. `pack_inputs` takes any number of
segments (TF Hub's `bert_pack_inputs`); `pack_windows` packs a question with a long context in
`run_squad.py`'s overlapping windows, with the same ops.
"""

import numbers

import tensorflow as tf


def truncated_lengths(lengths, budget):
    """Segment lengths after round-robin truncation to `budget` tokens in all.

    Round robin hands out the budget one token at a time to each segment in turn that still
    has tokens left: short segments keep their length, the long ones share the rest evenly,
    the earlier ones taking the odd tokens. For two segments that is exactly the original
    BERT truncation (`_truncate_seq_pair`: drop one token at a time from the end of the
    longer segment, of `b` on a tie). The result has a closed form: the level `k` that the
    long segments are cut to, plus one more token for the first few of them.

    Args:
        lengths: list of 1 or more int32 tensors `[batch]`.
        budget: number of non-special positions, a Python int or int32 scalar (negative
            counts as 0).

    Returns:
        list of int32 tensors `[batch]`, same length as `lengths`.
    """
    lengths = tf.stack([tf.cast(length, tf.int32) for length in lengths], axis=1)  # [batch, n]
    budget = tf.maximum(tf.cast(budget, tf.int32), 0)
    # The highest segment length that fits when every segment is cut to it (0 if none does).
    pairs = tf.minimum(lengths[:, :, tf.newaxis], lengths[:, tf.newaxis, :])
    used_at_length = tf.reduce_sum(pairs, axis=1)
    level = tf.reduce_max(tf.where(used_at_length <= budget, lengths, 0), axis=1, keepdims=True)
    # Above it, each round gives one token to every segment still longer than the level.
    used = tf.reduce_sum(tf.minimum(lengths, level), axis=1, keepdims=True)
    longer = tf.reduce_sum(tf.cast(lengths > level, tf.int32), axis=1, keepdims=True)
    level += (budget - used) // tf.maximum(longer, 1)
    kept = tf.minimum(lengths, level)
    left = budget - tf.reduce_sum(kept, axis=1, keepdims=True)
    cut = lengths > level
    cut_before = tf.cumsum(tf.cast(cut, tf.int32), axis=1, exclusive=True)
    kept += tf.cast(cut & (cut_before < left), tf.int32)
    return tf.unstack(kept, num=kept.shape[1], axis=1)


def pack_inputs(segments, seq_length, cls_id, sep_id, pad_id=0):
    """Packs segments into BERT encoder inputs, truncated round robin (`truncated_lengths`).

    Args:
        segments: list of 1 or more int tf.RaggedTensor `[batch, (ids)]` or `[batch, (words),
            (ids)]` (wordpiece ids without special tokens; words are flattened), or dense
            `[batch, n]` tensors.
        seq_length: output length, a Python int or an int32 scalar tensor (then checked in the
            graph); at least the number of special tokens, `len(segments) + 1`.
        cls_id, sep_id, pad_id: ids of `[CLS]`, `[SEP]`, `[PAD]`.

    Returns:
        dict of int32 `[batch, seq_length]`: `input_word_ids` (`[CLS] a [SEP] b [SEP] ...` then
        `pad_id`), `input_mask` (1 on real tokens), `input_type_ids` (the index of the segment:
        0 for `[CLS] a [SEP]`, 1 for `b [SEP]`, ...; 0 on padding).
    """
    segments = [_as_ragged(s) for s in segments]
    if not segments:
        raise ValueError("pack_inputs takes at least one segment, got none.")
    num_special = len(segments) + 1
    if isinstance(seq_length, numbers.Integral):
        if seq_length < num_special:
            raise ValueError(
                f"seq_length={seq_length} leaves no room for the {num_special} special tokens of "
                f"{len(segments)} segment(s)."
            )
        seq_length = int(seq_length)
    else:
        seq_length = tf.cast(seq_length, tf.int32)
        check = tf.debugging.assert_greater_equal(
            seq_length,
            num_special,
            message=f"seq_length leaves no room for the {num_special} special tokens of "
            f"{len(segments)} segment(s)",
        )
        with tf.control_dependencies([check]):
            seq_length = tf.identity(seq_length)
    lengths = truncated_lengths([s.row_lengths() for s in segments], seq_length - num_special)
    positions = tf.range(seq_length, dtype=tf.int32)[tf.newaxis, :]
    rows = tf.range(tf.shape(lengths[0])[0])
    word_ids = tf.where(positions == 0, cls_id, pad_id)
    type_ids = tf.zeros_like(word_ids)
    start = 1  # where the segment begins; its [SEP] follows its kept tokens
    for index, (segment, length) in enumerate(zip(segments, lengths)):
        end = start + length[:, tf.newaxis]
        inside = (positions >= start) & (positions < end)
        piece = tf.where(inside, positions - start, -1)
        word_ids = tf.where(inside, values_at_windows(segment, rows, piece, pad_id), word_ids)
        word_ids = tf.where(positions == end, sep_id, word_ids)
        type_ids = tf.where(inside | (positions == end), index, type_ids)
        start = end + 1
    return {
        "input_word_ids": tf.cast(word_ids, tf.int32),
        "input_mask": tf.cast(positions < start, tf.int32),
        "input_type_ids": tf.cast(type_ids, tf.int32),
    }


def _as_ragged(segment):
    """A segment as an int32 tf.RaggedTensor `[batch, (ids)]` (inner ragged dims flattened)."""
    if isinstance(segment, tf.RaggedTensor):
        if segment.ragged_rank > 1:
            segment = segment.merge_dims(1, -1)
        return tf.cast(segment, tf.int32)
    segment = tf.convert_to_tensor(segment)
    if segment.shape.rank != 2:
        raise ValueError(
            "Each segment must be a [batch, (ids)] RaggedTensor or a [batch, n] tensor; got shape "
            f"{segment.shape}."
        )
    return tf.RaggedTensor.from_tensor(tf.cast(segment, tf.int32))


def _take(dense, index):
    """dense[b, index[b, j]] with the index clipped into range (out-of-range picks are masked
    later)."""
    index = tf.clip_by_value(index, 0, tf.shape(dense)[1] - 1)
    return tf.gather(dense, index, batch_dims=1)


def trim_to_longest(tensors, input_mask, min_length=1, multiple=1):
    """Packed tensors cut after the batch's longest text: the positions a model needs.

    The model gives the same numbers at the kept positions as on the full packed length, since
    padding only ever adds an exact 0 to the attention softmax of the real tokens.

    Args:
        tensors: a nest of tensors; those of rank 2 are cut on axis 1 (the sequence: encoder
            inputs `[batch, seq_length]`, per-token labels), the others kept as they are.
        input_mask: int `[batch, seq_length]`, 1 on real tokens, texts packed from position 0.
        min_length: int scalar; keep at least this many positions.
        multiple: round the kept length up to a multiple of this (a few lengths rather than
            every one: XLA compiles one program per shape).

    Returns:
        the nest, each sequence cut to `n`: the longest text (at least `min_length`) rounded up
        to `multiple`, within 1 .. `seq_length` (an empty batch keeps one position).
    """
    longest = tf.maximum(
        tf.reduce_max(tf.reduce_sum(tf.cast(input_mask, tf.int32), axis=1)), min_length
    )
    rounded = (longest + multiple - 1) // multiple * multiple
    length = tf.clip_by_value(rounded, 1, tf.shape(input_mask)[1])

    def cut(x):
        return tf.slice(x, [0, 0], tf.stack([-1, length])) if x.shape.rank == 2 else x

    return tf.nest.map_structure(cut, tensors)


def pad_to_mask(x, input_mask, fill):
    """A per-token output computed on `trim_to_longest`'s inputs, back at the mask's length.

    Args:
        x: `[batch, n, ...]`, the outputs at the first `n` positions.
        input_mask: the untrimmed int `[batch, seq_length]` mask (static `seq_length`).
        fill: what every padding position gets (also those before `n`), so that a text's
            outputs do not depend on the other texts of its batch.

    Returns:
        `[batch, seq_length, ...]`: `x` at the real tokens, `fill` at padding.
    """
    seq_length = input_mask.shape[1]
    pad = [[0, 0], [0, seq_length - tf.shape(x)[1]]] + [[0, 0]] * (len(x.shape) - 2)
    padded = tf.pad(x, pad)
    padded.set_shape([None, seq_length, *x.shape[2:]])
    real = tf.reshape(input_mask > 0, [-1, seq_length] + [1] * (len(x.shape) - 2))
    return tf.where(real, padded, tf.constant(fill, padded.dtype))


def pack_windows(
    question, context, seq_length, doc_stride, max_question_length, cls_id, sep_id, pad_id=0
):
    """Packs question / context pairs into `[CLS] question [SEP] window [SEP]`, a long context
    into several windows, as google-research/bert's `run_squad.py` does.

    The question is cut to `max_question_length` pieces. Each window holds up to `room =
    seq_length - 3 - question length` context pieces, and window `k` starts at context piece
    `k * min(doc_stride, room)`; the last window is the first that reaches the context's end.
    A pair with an empty context gets one window without context pieces.

    Args:
        question, context: int tf.RaggedTensor `[batch, (ids)]` without special tokens.
        seq_length, doc_stride, max_question_length: Python ints; `max_question_length` at
            most `seq_length - 4`, so that every window holds a context piece.
        cls_id, sep_id, pad_id: ids of `[CLS]`, `[SEP]`, `[PAD]`.

    Returns:
        `(inputs, windows)`: the encoder inputs (dict of int32 `[windows, seq_length]`, as
        `pack_inputs`) and a dict of `example`, int32 `[windows]`, the pair each window packs
        (in order); `context_piece`, int32 `[windows, seq_length]`, the index in its context of
        the piece at each position (-1 elsewhere); and `max_context`, bool `[windows,
        seq_length]`, True where this window is the piece's window with the most context
        (`run_squad.py`'s `_check_is_max_context`: the most pieces on its shorter side, plus
        0.01 per piece of the window; the first window on a tie), where an answer may start.
    """
    if not 1 <= max_question_length <= seq_length - 4 or doc_stride < 1:
        raise ValueError(
            f"pack_windows needs 1 <= max_question_length ({max_question_length}) "
            f"<= seq_length - 4 ({seq_length - 4}) and doc_stride ({doc_stride}) >= 1."
        )
    question, context = _as_ragged(question), _as_ragged(context)
    question_length = tf.minimum(tf.cast(question.row_lengths(), tf.int32), max_question_length)
    context_length = tf.cast(context.row_lengths(), tf.int32)
    room = seq_length - 3 - question_length
    stride = tf.minimum(doc_stride, room)
    windows = 1 + (tf.maximum(context_length - room, 0) + stride - 1) // stride
    example = tf.repeat(tf.range(tf.shape(windows)[0]), windows)
    first_window = tf.cumsum(windows, exclusive=True)
    window_index = tf.range(tf.shape(example)[0]) - tf.gather(first_window, example)
    question_length, context_length, room, stride = (
        tf.gather(t, example)[:, tf.newaxis]
        for t in (question_length, context_length, room, stride)
    )
    window_start = window_index[:, tf.newaxis] * stride
    window_length = tf.clip_by_value(context_length - window_start, 0, room)

    positions = tf.range(seq_length, dtype=tf.int32)[tf.newaxis, :]
    begin = question_length + 2
    piece = positions - begin + window_start
    in_context = (positions >= begin) & (positions < begin + window_length)
    context_piece = tf.where(in_context, piece, -1)
    questions = tf.gather(
        question.to_tensor(default_value=pad_id, shape=[None, seq_length]), example
    )
    word_ids = tf.where(positions == 0, cls_id, pad_id)
    in_question = (positions >= 1) & (positions <= question_length)
    word_ids = tf.where(
        in_question, _take(questions, tf.broadcast_to(positions - 1, tf.shape(piece))), word_ids
    )
    word_ids = tf.where(positions == question_length + 1, sep_id, word_ids)
    word_ids = tf.where(
        in_context, values_at_windows(context, example, context_piece, pad_id), word_ids
    )
    end = begin + window_length  # the closing [SEP]
    word_ids = tf.where(positions == end, sep_id, word_ids)
    inputs = {
        "input_word_ids": word_ids,
        "input_mask": tf.cast(positions <= end, tf.int32),
        "input_type_ids": tf.cast((positions >= begin) & (positions <= end), tf.int32),
    }
    # At most ceil(seq_length / doc_stride) windows hold a piece: the last one starting at or
    # before it and those before that. Score each candidate k = last - c (in pieces x 100, to
    # compare exactly) and keep the best.
    last = piece // stride
    candidates = -(-seq_length // max(1, min(doc_stride, seq_length))) + 1
    best_score, best_window = tf.fill(tf.shape(piece), -1), tf.fill(tf.shape(piece), -1)
    for c in range(candidates - 1, -1, -1):  # earliest window first: it wins ties
        k = last - c
        start = k * stride
        length = tf.clip_by_value(context_length - start, 0, room)
        holds = (k >= 0) & (piece >= start) & (piece < start + length)
        score = 100 * tf.minimum(piece - start, start + length - 1 - piece) + length
        better = holds & (score > best_score)
        best_score, best_window = (
            tf.where(better, score, best_score),
            tf.where(better, k, best_window),
        )
    max_context = in_context & (best_window == window_index[:, tf.newaxis])
    return inputs, {"example": example, "context_piece": context_piece, "max_context": max_context}


def values_at_windows(values, example, context_piece, fill):
    """Per-piece values of the contexts at the positions of `pack_windows`' windows.

    A flat gather from each pair's first piece: memory in proportion to the windows' positions,
    not to windows x context length (a long context has both many windows and many pieces).

    Args:
        values: tf.RaggedTensor `[batch, (pieces)]` aligned with the context ids that were packed.
        example, context_piece: `pack_windows`' `windows["example"]` and
            `windows["context_piece"]` (or, for any packing, the text of each packed row and
            the index of the piece at each position, -1 elsewhere).
        fill: the value outside the windows' context pieces.

    Returns:
        `[windows, seq_length]` of `values`' dtype.
    """
    flat = tf.concat([values.flat_values, tf.constant([fill], values.dtype)], axis=0)
    first = tf.cast(tf.gather(values.row_starts(), example), tf.int32)[:, tf.newaxis]
    index = tf.where(context_piece >= 0, first + context_piece, tf.shape(flat)[0] - 1)
    return tf.gather(flat, index)
