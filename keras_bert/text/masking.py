"""Masked-LM masking of packed inputs, in graph, deterministic under a seed.

Hand-written rather than `tensorflow_text.mask_language_model` with `RandomItemSelector` and
`MaskValuesChooser`: those draw from stateful random ops (no reproducible seed inside
`tf.data`), work on ragged ids, cannot guarantee at least one prediction per row, and pick the
random replacement token from the whole vocabulary including `[CLS]`/`[PAD]`. This version runs
on the dense packed `[batch, seq_len]` ids with stateless random ops.
"""

import tensorflow as tf


def mask_for_mlm(
    input_word_ids,
    vocab_size,
    mask_id,
    special_ids,
    max_predictions_per_seq=20,
    mask_rate=0.15,
    word_starts=None,
    seed=None,
    mask_token_rate=0.8,
    random_token_rate=0.1,
):
    """Chooses masked-LM targets as BERT's pretraining data does.

    Per row: `n = round(mask_rate * number of non-special tokens)`, clipped to
    `[1, max_predictions_per_seq]` (0 for rows with no such token). Tokens (or, with
    `word_starts`, whole words) are taken in random order until `n` is reached; a word that
    would overshoot `n` is left out, except that the first word is always taken (cut to
    `max_predictions_per_seq` pieces if longer) so that each row predicts something. Of the
    chosen tokens 80% become `[MASK]`, 10% a random non-special token, 10% stay unchanged.

    Args:
        input_word_ids: int `[batch, seq_len]` packed ids (with `[CLS]`, `[SEP]`, padding).
        vocab_size: size of the vocabulary (random replacements are drawn below it).
        mask_id: id of `[MASK]`.
        special_ids: ids never chosen and never drawn as replacements (`[PAD]`, `[CLS]`,
            `[SEP]`, ...; `BertTokenizer.special_ids` gives all five).
        max_predictions_per_seq: width of the outputs.
        mask_rate: share of non-special tokens to predict.
        word_starts: optional bool `[batch, seq_len]`, True where a piece begins a word; turns on
            whole-word masking (all pieces of a word are chosen together).
        seed: int or int `[2]` tensor for the stateless random ops; the same seed and inputs
            give the same result. Vary it per batch (e.g. `(seed, batch_index)`) in training.
            None draws a fresh seed.
        mask_token_rate, random_token_rate: the 80% / 10% split.

    Returns:
        dict with `input_word_ids` int32 `[batch, seq_len]` (masked), and `masked_lm_positions`
        int32, `masked_lm_ids` int32, `masked_lm_weights` float32, each
        `[batch, max_predictions_per_seq]` (positions in increasing order, zero-padded,
        weight 1.0 on real predictions).
    """
    ids = tf.cast(tf.convert_to_tensor(input_word_ids), tf.int32)
    special_ids = sorted({int(i) for i in special_ids})
    if max_predictions_per_seq < 1:
        raise ValueError(f"max_predictions_per_seq={max_predictions_per_seq} must be at least 1.")
    if not 0.0 < mask_rate <= 1.0:
        raise ValueError(f"mask_rate={mask_rate} must be in (0, 1].")
    replaceable = [i for i in range(int(vocab_size)) if i not in set(special_ids)]
    if not replaceable:
        raise ValueError(
            f"vocab_size={vocab_size} leaves no non-special token to draw replacements from."
        )
    select_seed, action_seed, token_seed = _seeds(seed)

    batch, seq_len = tf.shape(ids)[0], tf.shape(ids)[1]
    candidate = tf.reduce_all(ids[..., tf.newaxis] != tf.constant(special_ids, tf.int32), axis=-1)
    positions = tf.broadcast_to(tf.range(seq_len)[tf.newaxis, :], tf.shape(ids))

    # Words: each candidate piece with word_starts False continues the word before it.
    if word_starts is None:
        starts = tf.ones_like(candidate)
    else:
        starts = tf.cast(word_starts, tf.bool) | tf.logical_not(candidate) | (positions == 0)
    word = tf.cumsum(tf.cast(starts, tf.int32), axis=1) - 1
    flat_word = word + seq_len * tf.range(batch)[:, tf.newaxis]
    num_segments = batch * seq_len
    word_size = tf.gather(
        tf.math.unsorted_segment_sum(tf.ones_like(word), flat_word, num_segments), flat_word
    )
    word_start = tf.gather(
        tf.math.unsorted_segment_min(positions, flat_word, num_segments), flat_word
    )

    # Random word order: candidates by a random score per word (ties keep positions in order,
    # so the pieces of a word stay together), the rest after them.
    score = tf.random.stateless_uniform(tf.shape(ids), select_seed)
    score = tf.where(candidate, tf.gather(score, word, batch_dims=1), 2.0)
    order = tf.argsort(score, axis=1, stable=True)
    rank = tf.broadcast_to(tf.range(seq_len)[tf.newaxis, :], tf.shape(ids))
    sorted_candidate = tf.gather(candidate, order, batch_dims=1)
    offset = tf.gather(positions - word_start, order, batch_dims=1)
    word_end = rank - offset + tf.gather(word_size, order, batch_dims=1)

    num_candidates = tf.reduce_sum(tf.cast(candidate, tf.int32), axis=1, keepdims=True)
    wanted = tf.cast(tf.round(tf.cast(num_candidates, tf.float32) * mask_rate), tf.int32)
    wanted = tf.clip_by_value(wanted, 1, max_predictions_per_seq)
    first_word = tf.minimum(word_end[:, :1], max_predictions_per_seq)
    chosen_sorted = sorted_candidate & ((word_end <= wanted) | (rank < first_word))
    chosen = tf.gather(chosen_sorted, tf.argsort(order, axis=1), batch_dims=1)

    action = tf.random.stateless_uniform(tf.shape(ids), action_seed)
    pick = tf.random.stateless_uniform(
        tf.shape(ids), token_seed, minval=0, maxval=len(replaceable), dtype=tf.int32
    )
    random_tokens = tf.gather(tf.constant(replaceable, tf.int32), pick)
    replacement = tf.where(
        action < mask_token_rate,
        mask_id,
        tf.where(action < mask_token_rate + random_token_rate, random_tokens, ids),
    )
    masked_ids = tf.where(chosen, replacement, ids)

    by_position = tf.argsort(tf.where(chosen, positions, seq_len + positions), axis=1, stable=True)
    weights = tf.cast(tf.gather(chosen, by_position, batch_dims=1), tf.int32)
    masked_positions = by_position * weights
    masked_lm_ids = tf.gather(ids, by_position, batch_dims=1) * weights
    return {
        "input_word_ids": masked_ids,
        "masked_lm_positions": _fit(masked_positions, max_predictions_per_seq),
        "masked_lm_ids": _fit(masked_lm_ids, max_predictions_per_seq),
        "masked_lm_weights": tf.cast(_fit(weights, max_predictions_per_seq), tf.float32),
    }


def _fit(values, width):
    """First `width` columns, zero-padded when the row is shorter (short sequences)."""
    values = values[:, :width]
    return tf.pad(values, [[0, 0], [0, width - tf.shape(values)[1]]])


def _seeds(seed):
    if seed is None:
        seed = tf.random.uniform([2], maxval=2**31 - 1, dtype=tf.int64)
    elif isinstance(seed, int):
        seed = tf.constant([seed, 0], tf.int64)
    else:
        seed = tf.cast(tf.convert_to_tensor(seed), tf.int64)
    return tf.unstack(tf.random.experimental.stateless_split(seed, 3))
