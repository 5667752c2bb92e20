import pytest
import tensorflow as tf
import tensorflow_text as tf_text

from keras_bert.text import BertTokenizer
from tests.keras_bert.text.helpers import HARD_STRINGS, ours
from tests.reference_tokenizer import ReferenceTokenizer, word_offsets


@pytest.mark.parametrize("which", ["uncased", "cased"])
def test_word_offsets_trace_each_piece_to_its_run_in_the_raw_text(which, corpora, request):
    """Every piece gets the whitespace word and the byte span of the run it was cut from, as
    the plain-Python runs give them; a text whose runs tokenize differently alone gets -1."""
    tokenizer = request.getfixturevalue(which)
    ref = ReferenceTokenizer(tokenizer.vocab, tokenizer.lower_case)
    texts = HARD_STRINGS + ["ΑΣ'Β 'Σ'"] + corpora["squad"][:40] + corpora["wnut17"][:40]
    ids, word_ids, starts, ends = (
        t.to_list() for t in tokenizer.tokenize_with_word_offsets(tf.constant(texts))
    )
    assert ids == ours(tokenizer, texts)
    unaligned = []
    for i, text in enumerate(texts):
        assert (word_ids[i], starts[i], ends[i]) == word_offsets(ref, text), repr(text)
        if ids[i] and word_ids[i][0] == -1:
            unaligned.append(text)
    # Lower-casing: a capital sigma before an apostrophe (case-ignorable) and a letter is
    # not final in the whole text, but final in its run "ΑΣ".
    assert unaligned == ["ΑΣ'Β 'Σ'"] * (which == "uncased")


def test_word_offsets_of_nul_and_invalid_utf8(uncased):
    """NUL (deleted from the pieces) and invalid bytes (their word is [UNK]) stay inside their
    run, and the offsets count the raw bytes."""
    ids, word_ids, starts, ends = uncased.tokenize_with_word_offsets(
        tf.constant([b"a\xffb c\x00 ,d", b""])
    )
    ref = ReferenceTokenizer(uncased.vocab)
    assert ids.to_list() == [[uncased.unk_id] + ref.encode("c ,d"), []]
    assert word_ids.to_list() == [[0, 1, 2, 2], []]
    assert starts.to_list() == [[0, 4, 7, 8], []]
    assert ends.to_list() == [[3, 6, 8, 9], []]


def test_exact_word_offsets_of_a_text_holding_the_run_separator(uncased):
    """Runs are tokenized together around U+E000; a text's own U+E000 is tokenized as
    U+E001, so such a text is traced as the plain-Python runs trace it."""
    texts = ["a \ue000 b", "x\ue000y \ue000\ue000, \ue001 z\ue000"]
    ids, word_ids, starts, ends = (
        t.to_list() for t in uncased.tokenize_with_word_offsets(tf.constant(texts))
    )
    ref = ReferenceTokenizer(uncased.vocab)
    assert ids == [ref.encode(text) for text in texts]
    for i, text in enumerate(texts):
        assert (word_ids[i], starts[i], ends[i]) == word_offsets(ref, text)
        assert -1 not in starts[i]


def test_tflite_word_offsets_widen_tensorflow_text_offsets_to_runs(uncased, corpora):
    """The tflite mode's runs are tensorflow-text's own piece offsets
    (`FastBertTokenizer.tokenize_with_offsets`), the pieces of one expanded character
    ("…" -> "...") all spanning it, grouped from each word-starting piece to the last `##`
    piece after it; a new word starts after a gap between two runs. No run is empty."""
    lite = BertTokenizer(uncased.vocab, mode="tflite")
    expanded = ["a…b", "ﷺ ㈱ Ⅻ", "… … …", "½ ﬁx"]
    texts = (
        HARD_STRINGS
        + [b"a\xffb c\x00 ,d", "a\u200b.b", "a\x01.b"]
        + expanded
        + corpora["squad"][:40]
        + corpora["wnut17"][:40]
    )
    reference = tf_text.FastBertTokenizer(
        vocab=uncased.vocab,
        token_out_type=tf.int32,
        max_bytes_per_word=200,
        lower_case_nfd_strip_accents=True,
    )
    want_ids, piece_starts, piece_ends = (
        t.to_list() for t in reference.tokenize_with_offsets(tf.constant(texts))
    )
    ids, word_ids, starts, ends = (
        t.to_list() for t in lite.tokenize_with_word_offsets(tf.constant(texts))
    )
    assert ids == want_ids == ours(lite, texts)
    for row in range(len(texts)):
        for i, start in enumerate(
            piece_starts[row]
        ):  # an expanded character's pieces share its start
            piece_ends[row][i] = max(
                end for s, end in zip(piece_starts[row], piece_ends[row]) if s == start
            )
        runs = []
        for i, piece in enumerate(ids[row]):
            if not lite.id_to_token(piece).startswith("##"):
                runs.append([piece_starts[row][i], piece_ends[row][i], 0])
            runs[-1][1] = piece_ends[row][i]
            runs[-1][2] += 1
        words = [0]
        for previous, run in zip(runs, runs[1:]):
            words.append(words[-1] + (run[0] > previous[1]))
        assert starts[row] == [run[0] for run in runs for _ in range(run[2])]
        assert ends[row] == [run[1] for run in runs for _ in range(run[2])]
        assert word_ids[row] == [word for word, run in zip(words, runs) for _ in range(run[2])]
        assert all(start < end for start, end in zip(starts[row], ends[row])), repr(texts[row])
    row = len(HARD_STRINGS) + 3
    assert (starts[row], ends[row]) == (
        [0, 1, 1, 1, 4],
        [1, 4, 4, 4, 5],
    )  # "a…b": a, then each "." is "…"
    # "a", ".", "b": tensorflow-text's normalizer keeps a deleted U+200B inside the run before
    # it and turns U+0001 into a space, so only the latter splits the word.
    assert word_ids[len(HARD_STRINGS) + 1 : len(HARD_STRINGS) + 3] == [[0, 0, 0], [0, 1, 1]]
