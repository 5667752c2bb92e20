import random
import unicodedata

import pytest
import tensorflow as tf

from keras_bert.text import BertTokenizer
from keras_bert.text.vocab import SPECIAL_TOKENS
from tests.keras_bert.text.helpers import HARD_STRINGS, ours
from tests.reference_tokenizer import ReferenceTokenizer, basic_tokenize


def assert_exact(tokenizer, texts, max_chars=200):
    ref = ReferenceTokenizer(tokenizer.vocab, tokenizer.lower_case, max_chars)
    got = ours(tokenizer, texts)
    for text, ids in zip(texts, got):
        assert ids == ref.encode(text), repr(text)


@pytest.mark.parametrize("which", ["uncased", "cased"])
def test_hard_strings_match_reference(which, request):
    assert_exact(request.getfixturevalue(which), HARD_STRINGS)


def test_known_traps_give_original_ids(uncased):
    # Values from the issue: the original gives "cafe naive ."; FastBertTokenizer's NFKD
    # normalizer turns "½" into "1⁄2" and "…" into "...".
    pieces = [uncased.id_to_token(i) for i in ours(uncased, ["Café naïve. ½ …"])[0]]
    assert pieces == ["cafe", "naive", ".", "½", "…"]


@pytest.mark.parametrize("which", ["uncased", "cased"])
@pytest.mark.parametrize("corpus", ["sst2", "squad", "wnut17", "wikitext"])
def test_corpus_sample_matches_reference(which, corpus, corpora, request):
    texts = random.Random(corpus).sample(corpora[corpus], min(300, len(corpora[corpus])))
    assert_exact(request.getfixturevalue(which), texts)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["uncased", "cased"])
@pytest.mark.parametrize("corpus", ["sst2", "squad", "wnut17", "wikitext"])
def test_full_corpus_matches_reference(which, corpus, corpora, request):
    assert_exact(request.getfixturevalue(which), corpora[corpus])


def _assigned_in_unicode_3_2():
    old = unicodedata.ucd_3_2_0
    return [
        chr(c)
        for c in range(0x110000)
        if not 0xD800 <= c <= 0xDFFF and old.category(chr(c)) != "Cn"
    ]


@pytest.mark.parametrize("lower_case", [True, False])
def test_every_character_splits_like_reference(lower_case, uncased_vocab_file):
    # Each character that Unicode 3.2 already assigned (the RE2/ICU tables in TensorFlow and
    # Python's unicodedata agree on all of them), between letters and alone.
    tok = BertTokenizer(uncased_vocab_file, lower_case=lower_case)
    texts = [f"Ab{ch}cD" for ch in _assigned_in_unicode_3_2()]
    got = tok.split_words(tf.constant(texts)).to_list()
    for text, words in zip(texts, got):
        assert [w.decode() for w in words] == basic_tokenize(text, lower_case), repr(text)


def test_invalid_utf8_makes_its_word_unknown(uncased):
    rng = random.Random(0)
    alphabet = [
        b"a",
        b"Z",
        b" ",
        b"\xc3",
        b"\xa9",
        b"\xe2",
        b"\x82",
        b"\xac",
        b"\xf0",
        b"\x9f",
        b"\x98",
        b"\x80",
        b"\xed",
        b"\xa0",
        b"\xff",
        b"\xc0",
        b"\xf4",
        b"\x90",
        b"\xbf",
    ]
    texts = [b"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    texts += [b"x\xed\xa0\x80y", b"\xf4\x90\x80\x80q", b"\xc0\xafz", b"ok\xe2\x82"]
    assert_exact(uncased, texts)


def test_word_length_limit_counts_characters(uncased):
    hf = BertTokenizer(uncased.vocab, max_chars_per_word=100)
    texts = ["é" * 100, "é" * 101, "a" * 100 + " ok", "a" * 101]
    assert_exact(hf, texts, max_chars=100)
    assert ours(hf, ["é" * 100])[0] != [hf.unk_id]
    assert ours(hf, ["é" * 101])[0] == [hf.unk_id]


def test_tflite_mode_word_limit_counts_characters_too(cased):
    """FastWordpiece's own limit counts bytes; the tflite mode counts characters as the
    original: 200 two-byte "é" are pieces, 201 one [UNK] (spanning the word's bytes)."""
    lite = BertTokenizer(cased.vocab, lower_case=False, mode="tflite")
    texts = ["é" * 200, "é" * 201, "a" * 200 + " ok", "x " + "a" * 201 + " ok", "ü" * 150 + "!"]
    assert_exact(lite, texts)
    assert ours(lite, ["é" * 200])[0] == [lite.token_to_id("é")] + [lite.token_to_id("##é")] * 199
    ids, _, starts, ends = lite.tokenize_with_word_offsets(tf.constant(["x " + "a" * 201 + " ok"]))
    assert ids.to_list() == [[lite.token_to_id("x"), lite.unk_id, lite.token_to_id("ok")]]
    assert (starts.to_list(), ends.to_list()) == ([[0, 2, 204]], [[1, 203, 206]])


@pytest.mark.parametrize("mode", ["exact", "tflite"])
def test_a_vocabulary_of_only_special_tokens_tokenizes_every_word_unknown(mode):
    tokenizer = BertTokenizer(list(SPECIAL_TOKENS), mode=mode)
    assert ours(tokenizer, ["hello world !", "", "\x01"]) == [[tokenizer.unk_id] * 3, [], []]


def test_word_starts_match_reference(uncased, corpora):
    texts = corpora["squad"][:20] + HARD_STRINGS
    ids, starts = uncased.tokenize(tf.constant(texts), with_word_starts=True)
    ref = ReferenceTokenizer(uncased.vocab)
    assert starts.to_list() == [ref.word_starts(t) for t in texts]
    assert ids.to_list() == [ref.encode(t) for t in texts]


@pytest.mark.parametrize("lower_case", [True, False])
def test_invalid_utf8_gets_one_answer_from_both_modes(uncased, lower_case):
    """The SavedModel (exact mode) and the TFLite file (tflite mode) tokenize the same bytes
    alike: a word with bytes that are not UTF-8 is [UNK]."""
    texts = [
        b"ab\xffcd",
        b"\xff",
        b"caf\xe9 au lait",
        b"a \xff\xfe b",
        b"\xe9t\xe9",
        b"ok\xe2\x82, fine",
        b"X\xc0\xafY z",
        b"\xe4\xb8\xad\xff\xe6\x96\x87",
    ]
    exact = BertTokenizer(uncased.vocab, lower_case=lower_case)
    lite = BertTokenizer(uncased.vocab, lower_case=lower_case, mode="tflite")
    assert ours(exact, texts) == ours(lite, texts)
    assert ours(exact, [b"caf\xe9 au"])[0][0] == exact.unk_id


def test_tokenize_words_groups_pieces(uncased):
    words = uncased.tokenize_words(tf.constant(["unaffable play"])).to_list()[0]
    ref = ReferenceTokenizer(uncased.vocab)
    assert words == [ref.encode("unaffable"), ref.encode("play")]
    assert len(words[0]) > 1


def test_scalar_input_gives_one_row(uncased):
    row = uncased.tokenize(tf.constant("hello world"))
    assert row.shape.rank == 1
    assert row.numpy().tolist() == ReferenceTokenizer(uncased.vocab).encode("hello world")


def test_detokenize_round_trip(uncased):
    text = "the unaffable players were running"
    ids = uncased.tokenize(tf.constant([text]))
    assert uncased.detokenize(ids).numpy()[0].decode() == text
    dense = ids.to_tensor(default_value=uncased.pad_id, shape=[1, 20])
    assert uncased.detokenize(dense).numpy()[0].decode() == text


def test_special_ids_and_lookups(uncased):
    vocab = uncased.vocab
    assert [vocab[i] for i in uncased.special_ids] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert (uncased.pad_id, uncased.unk_id, uncased.cls_id, uncased.sep_id, uncased.mask_id) == (
        0,
        100,
        101,
        102,
        103,
    )
    assert uncased.vocab_size == 30522
    assert uncased.token_to_id("hello") == vocab.index("hello")
    assert uncased.id_to_token(vocab.index("hello")) == "hello"
    with pytest.raises(KeyError, match="'zzzz-not-a-token' is not in the vocabulary"):
        uncased.token_to_id("zzzz-not-a-token")
    with pytest.raises(KeyError, match="Id 30522 is out of range"):
        uncased.id_to_token(30522)


def test_vocab_file_and_write_vocab(uncased, uncased_vocab_file, tmp_path):
    assert uncased.vocab_file == uncased_vocab_file
    assert BertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]).vocab_file is None
    out = uncased.write_vocab(str(tmp_path / "vocab.txt"))
    assert BertTokenizer(out).vocab == uncased.vocab


def test_bad_vocabularies_raise_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Vocabulary file .*nope.txt does not exist"):
        BertTokenizer(str(tmp_path / "nope.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty.txt is empty"):
        BertTokenizer(str(empty))
    with pytest.raises(ValueError, match=r"lacks the special tokens \['\[CLS\]', '\[MASK\]'\]"):
        BertTokenizer(["[PAD]", "[UNK]", "[SEP]", "a"])
    with pytest.raises(ValueError, match="lists 'a' twice"):
        BertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "a"])
    with pytest.raises(ValueError, match="mode='fast' is not one of"):
        BertTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], mode="fast")


def test_rejects_matrix_input(uncased):
    with pytest.raises(ValueError, match=r"Expected a \[batch\] string tensor, got shape \(1, 2\)"):
        uncased.tokenize(tf.constant([["a", "b"]]))


def test_tflite_mode_matches_on_plain_text_and_documents_known_differences(uncased):
    fast = BertTokenizer(uncased.vocab, mode="tflite")
    assert fast.tflite_compatible and not uncased.tflite_compatible
    plain = ["the quick brown fox , jumps over 3 lazy dogs !", "Hello World. It's fine."]
    assert ours(fast, plain) == ours(uncased, plain)
    # The compatibility decomposition of FastBertNormalizer: "½" becomes "1⁄2".
    assert ours(fast, ["½"]) != ours(uncased, ["½"])
    with pytest.raises(ValueError, match="split_words needs BertTokenizer\\(mode='exact'\\)"):
        fast.split_words(["a"])
