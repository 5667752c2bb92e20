"""Where each WordPiece piece comes from in the raw text: its whitespace-separated word and the
byte span of its run (`BertTokenizer.tokenize_with_word_offsets`).

A run is the text of the basic word a piece was cut from: the stretch between punctuation
characters and CJK ideographs, or one such character. Each mode of `BertTokenizer` has its own
alignment, fed with the pieces of that tokenizer:

- `exact_word_offsets`: the raw text split into runs, tokenized together and compared with the
  text's own ids.
- `tflite_word_offsets`: tensorflow-text's piece offsets, widened to runs with TFLite builtins.
"""

import tensorflow as tf

from keras_bert.text import normalizer

# Stands between the runs of a text tokenized together (`exact_word_offsets`): a private-use
# character, which normalizing keeps and splitting leaves alone, made a word by its spaces. The
# text's own U+E000 is tokenized as `_STAND_IN`, the next private-use character.
_SEPARATOR, _STAND_IN = "\ue000", "\ue001"
_RUN_SEPARATOR = f" {_SEPARATOR} "


def exact_word_offsets(strings, ids, split_words, split_words_into_pieces):
    """`BertTokenizer.tokenize_with_word_offsets` of the exact mode.

    The runs of a text are normalized and split as one string, with `_RUN_SEPARATOR`
    between them as a word of its own: the same words as tokenizing each run alone
    (normalizing acts on each character alone but for a final sigma, and the separator's
    spaces end a word where the run ends), 1.2x faster on SQuAD contexts than one string
    per run. The comparison with `ids` catches every text where they differ.

    Args:
        strings: tf.string `[batch]`, the raw texts.
        ids: int32 `[batch, (pieces)]`, the tokenizer's ids of `strings`.
        split_words: the tokenizer's word splitting, tf.string `[batch]` -> `[batch, (words)]`.
        split_words_into_pieces: its WordPiece, normalized words `[n]` -> int32
            `[n, (pieces)]`.

    Returns:
        `(ids, word_ids, starts, ends)`, as `BertTokenizer.tokenize_with_word_offsets`.
    """
    # The text's own U+E000 becomes U+E001 (as many bytes: the offsets hold), so that only
    # the separators are separators; the comparison below still checks the ids.
    runs, run_starts, run_ends = normalizer.split_raw_words(
        tf.strings.regex_replace(strings, _SEPARATOR, _STAND_IN)
    )
    run_starts, run_ends = (tf.cast(o.flat_values, tf.int32) for o in (run_starts, run_ends))
    run_words = _words_of_runs(runs.value_rowids(), run_starts, run_ends)
    words = split_words(tf.strings.reduce_join(runs, axis=1, separator=_RUN_SEPARATOR))
    is_separator = tf.equal(words.flat_values, _SEPARATOR)
    separators_before = tf.cumsum(tf.cast(is_separator, tf.int64), exclusive=True)
    word_rows = words.value_rowids()
    first_word_of_row = tf.gather(words.row_starts(), word_rows)
    run_of_word = (
        tf.gather(runs.row_starts(), word_rows)
        + separators_before
        - tf.gather(separators_before, first_word_of_row)
    )
    kept = tf.logical_not(is_separator)
    pieces = split_words_into_pieces(tf.boolean_mask(words.flat_values, kept))  # [words, (pieces)]
    pieces_per_word = pieces.row_lengths()
    run_of_piece = tf.repeat(tf.boolean_mask(run_of_word, kept), pieces_per_word)
    batch = tf.shape(strings, out_type=tf.int64)[0]
    aligned = tf.RaggedTensor.from_value_rowids(
        pieces.values, tf.repeat(tf.boolean_mask(word_rows, kept), pieces_per_word), nrows=batch
    )
    width = tf.maximum(
        tf.maximum(tf.reduce_max(ids.row_lengths()), tf.reduce_max(aligned.row_lengths())), 0
    )

    def dense(ragged):
        return ragged.to_tensor(default_value=-1, shape=tf.stack([batch, width]))

    same = tf.reduce_all(tf.equal(dense(ids), dense(aligned)), axis=1, keepdims=True)

    def per_piece(run_values):
        """Values of the runs, one per piece of `ids`; -1 in texts that do not align."""
        values = tf.where(
            same, dense(aligned.with_flat_values(tf.gather(run_values, run_of_piece))), -1
        )
        return tf.RaggedTensor.from_tensor(values, lengths=ids.row_lengths())

    return ids, per_piece(run_words), per_piece(run_starts), per_piece(run_ends)


def tflite_word_offsets(ids, starts, ends, normalized_offsets, is_suffix):
    """`BertTokenizer.tokenize_with_word_offsets` of the tflite mode, from the pieces of
    tensorflow-text's normalizer and WordPiece tokenizer.

    Args:
        ids: int32 `[batch, (pieces)]`, the tokenizer's ids.
        starts, ends: `[batch, (pieces)]`, the pieces' byte offsets in the normalized text.
        normalized_offsets: `[batch, (normalized bytes + 1)]`, the raw byte offset of each
            normalized byte (`FastBertNormalizer.normalize_with_offsets`).
        is_suffix: bool `[vocab]`, True where a token begins with `##`.

    Returns:
        `(ids, word_ids, starts, ends)`, as `BertTokenizer.tokenize_with_word_offsets`.
    """
    # Normalized -> raw offsets, as FastBertTokenizer.tokenize_with_offsets does, with flat
    # gathers: its ragged gather lowers to RaggedRange, which TFLite lacks.
    rows = ids.value_rowids()
    base = tf.gather(normalized_offsets.row_splits, rows)
    starts, ends = (
        tf.cast(
            tf.gather(normalized_offsets.flat_values, base + tf.cast(o.flat_values, base.dtype)),
            tf.int32,
        )
        for o in (starts, ends)
    )
    # A character the normalizer expands ("…" -> "...", "ﬁ" -> "fi") gives all its pieces
    # its start, but only the last one its end: each piece of it spans the whole character.
    same_start = _shifted_right((starts[1:] != starts[:-1]) | (rows[1:] != rows[:-1]), starts)
    group = tf.cumsum(tf.cast(same_start, tf.int32)) - 1
    ends = tf.gather(
        tf.math.unsorted_segment_max(ends, group, tf.reduce_sum(tf.cast(same_start, tf.int32))),
        group,
    )
    # A run is a piece that starts a word and the `##` pieces after it; every text's
    # first piece starts one.
    run_first = tf.logical_not(tf.gather(is_suffix, ids.flat_values))
    run_last = _shifted_left(run_first)
    run_of_piece = tf.cumsum(tf.cast(run_first, tf.int32)) - 1
    run_starts = tf.boolean_mask(starts, run_first)
    run_ends = tf.boolean_mask(ends, run_last)
    run_words = _words_of_runs(tf.boolean_mask(rows, run_first), run_starts, run_ends)

    def per_piece(run_values):
        return ids.with_flat_values(tf.gather(run_values, run_of_piece))

    return ids, per_piece(run_words), per_piece(run_starts), per_piece(run_ends)


def _shifted_left(flags):
    """`flags[i + 1]` at each `i`, True at the end (empty stays empty)."""
    return tf.concat([flags[1:], tf.ones_like(flags[:1])], axis=0)


def _shifted_right(pairwise, values):
    """`pairwise[i - 1]` (a comparison of `values[i]` with `values[i - 1]`) at each `i` of
    `values`, True at 0 (empty stays empty)."""
    return tf.concat([tf.ones_like(values[:1], dtype=tf.bool), pairwise], axis=0)


def _words_of_runs(rows, starts, ends):
    """Index of each run's whitespace-separated word in its text.

    Args:
        rows, starts, ends: `[runs]`, the text of each run (sorted) and its byte offsets; only
            whitespace lies between the runs of a word and the next.

    Returns:
        int32 `[runs]`: 0 at a text's first run, one more after each gap.
    """
    row_first = _shifted_right(rows[1:] != rows[:-1], rows)
    new_word = row_first | _shifted_right(starts[1:] > ends[:-1], starts)
    words_so_far = tf.cumsum(tf.cast(new_word, tf.int32))
    row_base = tf.gather(
        tf.boolean_mask(words_so_far, row_first), tf.cumsum(tf.cast(row_first, tf.int32)) - 1
    )
    return words_so_far - row_base
