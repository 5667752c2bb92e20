import json
import random
import unicodedata

import pytest
import tensorflow as tf
import tensorflow_text as tf_text

from keras_bert.text import BertTokenizer
from keras_bert.text.vocab import SPECIAL_TOKENS
from tests.reference_tokenizer import ReferenceTokenizer, basic_tokenize, word_offsets

HARD_STRINGS = [
    "Café naïve résumé Ångström façade Øre",
    "ΟΔΟΣ ΑΣ. Σ σ ΑΣΑ aΣ b ΑΣ\u0301 Α\x00Σ\x00Α",
    "İstanbul ǅemal ß ẞ ŉ ﬁﬂ ﬀ ǈ",
    "½ ¼ … ″ ´ ¨ Ⅻ ™ ℃ № ² ³ ⁴ ₂",
    "ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ １２３ ！？",
    "中文字符測試 日本語のテキスト 한국어 텍스트 𠀀𪜀 豈 丽",
    "emoji 😀👍🏽 👨‍👩‍👧 🇫🇷 ❤️ ✈︎",
    "control\x01\x07\x1b\x7f\x85chars zero\u200bwidth\u200d\ufeffbom\u00ad soft",
    "tab\tnew\nline\r\ncr\x0bvt\x0cff\u00a0nbsp\u2003em\u3000ideo\u2028ls\u2029ps\u1680ogham",
    "NUL\x00inside and \ufffdreplacement",
    "a" * 199 + " " + "b" * 200 + " " + "c" * 201 + " " + "é" * 150 + " " + "中" * 3,
    "punct!?,.;:'\"()[]{}<>@#$%^&*_-+=|\\/~` «guillemets» ¿¡ — – ‘quotes’ “double” ‧ ・ ·",
    "[CLS] [SEP] [MASK] [UNK] ##ing un##related",
    "Ǆ ǅ ǆ ᾈ ᾼ ῼ ﬆ Ⓐ ㎏ ㍱ ℌ ℍ ℵ",
    "\u1fef\u1fee\u0385 \u037e \u0387",
    "",
    "   ",
    "\u0301\u0302 lone marks",
    "Thai: ภาษาไทย Hindi: हिन्दी Arabic: العربية Hebrew: עברית",
    "mixed CASE WoRdS and Numbers 3.14159 1,000,000 $5 50%",
]


@pytest.fixture(scope="module")
def uncased(uncased_vocab_file):
    return BertTokenizer(uncased_vocab_file)


@pytest.fixture(scope="module")
def cased(cased_vocab):
    return BertTokenizer(cased_vocab, lower_case=False)


def ours(tokenizer, texts):
    return tokenizer.tokenize(tf.constant(texts)).to_list()


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


def _folder(tmp_path, name, vocab, **files):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    for filename, content in files.items():
        (folder / filename.replace("__", ".")).write_text(json.dumps(content), encoding="utf-8")
    return str(folder)


def test_from_pretrained_reads_casing_and_word_limit(tmp_path, uncased, cased_vocab):
    small = uncased.vocab[:2000]
    google_uncased = BertTokenizer.from_pretrained(
        _folder(tmp_path, "uncased_L-2_H-128_A-2", small, bert_config__json={})
    )
    assert (google_uncased.lower_case, google_uncased.max_chars_per_word) == (True, 200)
    google_cased = BertTokenizer.from_pretrained(
        _folder(tmp_path, "cased_L-12_H-768_A-12", cased_vocab, bert_config__json={})
    )
    assert google_cased.lower_case is False
    inferred = BertTokenizer.from_pretrained(_folder(tmp_path, "my_model", cased_vocab))
    assert inferred.lower_case is False
    assert (
        BertTokenizer.from_pretrained(_folder(tmp_path, "my_other_model", small)).lower_case is True
    )
    hf = BertTokenizer.from_pretrained(
        _folder(tmp_path, "hf", cased_vocab, tokenizer_config__json={"do_lower_case": False})
    )
    assert (hf.lower_case, hf.max_chars_per_word) == (False, 100)
    ours_dir = _folder(
        tmp_path, "kb", small, keras_bert__json={"lower_case": True, "max_chars_per_word": 50}
    )
    assert BertTokenizer.from_pretrained(ours_dir).max_chars_per_word == 50


def test_from_pretrained_hf_tokenizer_json_without_vocab_txt(tmp_path, uncased):
    folder = tmp_path / "hf_fast"
    folder.mkdir()
    spec = {
        "normalizer": {"type": "BertNormalizer", "lowercase": True, "strip_accents": None},
        "model": {
            "type": "WordPiece",
            "vocab": {t: i for i, t in enumerate(uncased.vocab[:3000])},
            "max_input_chars_per_word": 100,
        },
    }
    (folder / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    tok = BertTokenizer.from_pretrained(str(folder))
    assert tok.vocab == uncased.vocab[:3000]
    assert (tok.lower_case, tok.max_chars_per_word) == (True, 100)
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": False}))
    assert BertTokenizer.from_pretrained(str(folder)).lower_case is False
    with pytest.raises(FileNotFoundError, match="No vocab.txt or tokenizer.json in"):
        BertTokenizer.from_pretrained(str(tmp_path))


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
