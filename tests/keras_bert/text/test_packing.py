import os

import hypothesis.strategies as st
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings

from keras_bert.text import pack_inputs, truncated_lengths

CLS, SEP, PAD = 101, 102, 0


def truncate_one_at_a_time(a, b, budget):
    """The original `_truncate_seq_pair` loop."""
    a, b = list(a), list(b)
    while len(a) + len(b) > budget:
        (a if len(a) > len(b) else b).pop()
    return a, b


def round_robin_one_at_a_time(lengths, budget):
    """Round-robin truncation as its definition says: one token to each segment with tokens
    left, in turn, until the budget is spent."""
    kept = [0] * len(lengths)
    while sum(kept) < budget and kept != list(lengths):
        for i, length in enumerate(lengths):
            if kept[i] < length and sum(kept) < budget:
                kept[i] += 1
    return kept


def reference_pack(a, b, seq_length):
    if b is None:
        a = a[: seq_length - 2]
        tokens, types = [CLS] + a + [SEP], [0] * (len(a) + 2)
    else:
        a, b = truncate_one_at_a_time(a, b, seq_length - 3)
        tokens = [CLS] + a + [SEP] + b + [SEP]
        types = [0] * (len(a) + 2) + [1] * (len(b) + 1)
    pad = seq_length - len(tokens)
    return tokens + [PAD] * pad, [1] * len(tokens) + [0] * pad, types + [0] * pad


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 30))
def test_closed_form_truncation_equals_the_loop(len_a, len_b, budget):
    want = truncate_one_at_a_time(range(len_a), range(len_b), budget)
    got = truncated_lengths([tf.constant([len_a]), tf.constant([len_b])], budget)
    assert [int(g[0]) for g in got] == [len(w) for w in want]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=4), st.integers(-2, 60))
def test_truncation_is_round_robin(lengths, budget):
    got = truncated_lengths([tf.constant([n]) for n in lengths], budget)
    assert [int(g[0]) for g in got] == round_robin_one_at_a_time(lengths, budget)


def test_truncation_equals_tensorflow_text_round_robin_trimmer():
    """tensorflow-text's own trimmer (not in the graphs: TF Serving's 2.12.1 lacks its op)."""
    import tensorflow_text as tf_text

    rng = np.random.default_rng(0)
    segments = [
        tf.ragged.constant([[1] * n for n in rng.integers(0, 20, 64)], dtype=tf.int32)
        for _ in range(3)
    ]
    for budget in (0, 1, 7, 20, 61):
        want = tf_text.RoundRobinTrimmer(budget).trim(segments)
        got = truncated_lengths([s.row_lengths() for s in segments], budget)
        for w, g in zip(want, got):
            np.testing.assert_array_equal(g, w.row_lengths())


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.lists(st.integers(1000, 2000), max_size=4), max_size=4), min_size=1, max_size=3
    ),
    st.integers(4, 16),
)
def test_pack_of_several_segments_of_words_at_a_tensor_seq_length(segments, seq_length):
    """Segments of words (`[batch, (words), (pieces)]`, as TF Hub's `tokenize` gives) are
    flattened and packed `[CLS] a [SEP] b [SEP] c [SEP]`, segment i with type id i; the
    length may be a tensor, as in TF Hub's `bert_pack_inputs(segments, seq_length=N)`."""
    ragged = [tf.ragged.constant([words], dtype=tf.int32, ragged_rank=2) for words in segments]
    got = pack_inputs(ragged, tf.constant(seq_length), CLS, SEP, PAD)
    flat = [[piece for word in words for piece in word] for words in segments]
    kept = round_robin_one_at_a_time([len(f) for f in flat], seq_length - len(flat) - 1)
    tokens, types = [CLS], [0]
    for index, (pieces, n) in enumerate(zip(flat, kept)):
        tokens += pieces[:n] + [SEP]
        types += [index] * (n + 1)
    pad = seq_length - len(tokens)
    assert got["input_word_ids"][0].numpy().tolist() == tokens + [PAD] * pad
    assert got["input_mask"][0].numpy().tolist() == [1] * len(tokens) + [0] * pad
    assert got["input_type_ids"][0].numpy().tolist() == types + [0] * pad


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(1000, 2000), max_size=12),
            st.lists(st.integers(1000, 2000), max_size=12),
        ),
        min_size=1,
        max_size=5,
    ),
    st.integers(3, 16),
    st.booleans(),
)
def test_pack_matches_reference(rows, seq_length, pair):
    a = tf.ragged.constant([r[0] for r in rows], dtype=tf.int32, ragged_rank=1, inner_shape=())
    b = tf.ragged.constant([r[1] for r in rows], dtype=tf.int32, ragged_rank=1, inner_shape=())
    got = pack_inputs([a, b] if pair else [a], seq_length, CLS, SEP, PAD)
    for i, (ra, rb) in enumerate(rows):
        words, mask, types = reference_pack(ra, rb if pair else None, seq_length)
        assert got["input_word_ids"][i].numpy().tolist() == words
        assert got["input_mask"][i].numpy().tolist() == mask
        assert got["input_type_ids"][i].numpy().tolist() == types
    assert all(v.dtype == tf.int32 and v.shape == (len(rows), seq_length) for v in got.values())


def test_pack_in_tf_function_with_unknown_batch():
    fn = tf.function(
        lambda a, b: pack_inputs([a, b], 8, CLS, SEP, PAD),
        input_signature=[tf.RaggedTensorSpec([None, None], tf.int32)] * 2,
    )
    out = fn(tf.ragged.constant([[5, 6, 7, 8, 9]]), tf.ragged.constant([[1, 2, 3]]))
    np.testing.assert_array_equal(out["input_word_ids"], [[CLS, 5, 6, 7, SEP, 1, 2, SEP]])


def test_bad_arguments():
    seg = tf.ragged.constant([[1]])
    with pytest.raises(ValueError, match="pack_inputs takes at least one segment, got none"):
        pack_inputs([], 8, CLS, SEP)
    with pytest.raises(
        ValueError, match="seq_length=2 leaves no room for the 3 special tokens of 2 segment"
    ):
        pack_inputs([seg, seg], 2, CLS, SEP)
    with pytest.raises(tf.errors.InvalidArgumentError, match="no room for the 4 special tokens"):
        pack_inputs([seg, seg, seg], tf.constant(3), CLS, SEP)


def test_trim_to_longest_keeps_every_real_token():
    from keras_bert.text.packing import trim_to_longest

    ids = pack_inputs([tf.ragged.constant([[5, 6, 7], [8], [9, 9, 9, 9, 9]])], 16, CLS, SEP)
    labels = {"tags": tf.reshape(tf.range(48), [3, 16]), "label": tf.constant([1, 0, 1])}
    trimmed, cut_labels = trim_to_longest((ids, labels), ids["input_mask"])
    assert {name: x.shape for name, x in trimmed.items()} == {name: (3, 7) for name in ids}
    for name, x in trimmed.items():
        np.testing.assert_array_equal(x, ids[name][:, :7])
    np.testing.assert_array_equal(cut_labels["tags"], labels["tags"][:, :7])
    np.testing.assert_array_equal(cut_labels["label"], labels["label"])  # not a sequence
    assert trim_to_longest(ids, ids["input_mask"], multiple=4)["input_mask"].shape == (3, 8)
    assert trim_to_longest(ids, ids["input_mask"], multiple=5)["input_mask"].shape == (3, 10)
    assert trim_to_longest(ids, ids["input_mask"], multiple=32)["input_mask"].shape == (3, 16)
    assert trim_to_longest(ids, ids["input_mask"], min_length=12)["input_mask"].shape == (3, 12)
    empty = {name: x[:0] for name, x in ids.items()}
    assert trim_to_longest(empty, empty["input_mask"])["input_mask"].shape == (0, 1)


@pytest.mark.parametrize(
    "seq_length, doc_stride, max_question_length", [(64, 16, 20), (48, 128, 8), (40, 5, 12)]
)
def test_pack_windows_are_run_squads_windows(
    shared_data, seq_length, doc_stride, max_question_length
):
    """The in-graph windows equal a plain-Python `run_squad.py` (`tests.reference_squad`):
    the same ids, masks, type ids, pair of each window, context pieces and max-context
    positions."""
    from keras_bert.tasks import files
    from keras_bert.tasks.squad_windows import squad_examples
    from keras_bert.text import BertTokenizer, pack_windows
    from tests.keras_bert.text.conftest import UNCASED_VOCAB
    from tests.reference_squad import squad_windows

    tokenizer = BertTokenizer(os.path.join(shared_data, *UNCASED_VOCAB))
    examples = squad_examples(
        files.read_squad(os.path.join(shared_data, "squad", "dev-v1.1.json")), limit=400
    )[::40]
    examples.append({"id": "empty", "question": "who?", "context": "", "answers": []})
    questions, contexts = (
        tokenizer.tokenize(tf.constant([e[key] for e in examples]))
        for key in ("question", "context")
    )
    want = [
        (example, window)
        for example, (question, context) in enumerate(zip(questions.to_list(), contexts.to_list()))
        for window in squad_windows(
            question,
            context,
            seq_length,
            doc_stride,
            max_question_length,
            tokenizer.cls_id,
            tokenizer.sep_id,
            tokenizer.pad_id,
        )
    ]
    got, windows = pack_windows(
        questions,
        contexts,
        seq_length,
        doc_stride,
        max_question_length,
        tokenizer.cls_id,
        tokenizer.sep_id,
        tokenizer.pad_id,
    )
    assert len(want) > 2 * len(examples)  # most contexts take several windows
    assert windows["example"].numpy().tolist() == [example for example, _ in want]
    for name in ("input_word_ids", "input_mask", "input_type_ids"):
        np.testing.assert_array_equal(got[name].numpy(), [w[name] for _, w in want], err_msg=name)
    for name in ("context_piece", "max_context"):
        np.testing.assert_array_equal(
            windows[name].numpy(), [w[name] for _, w in want], err_msg=name
        )


def test_pack_windows_refuses_a_question_that_leaves_no_context():
    from keras_bert.text import pack_windows

    with pytest.raises(
        ValueError,
        match=r"^pack_windows needs 1 <= max_question_length \(13\) <= seq_length - 4 \(12\)",
    ):
        pack_windows([[1]], [[2]], 16, 4, 13, CLS, SEP)
