"""BERT's BasicTokenizer, exactly, as TensorFlow graph ops.

tensorflow-text has no op with the original semantics: `FastBertNormalizer` and
`case_fold_utf8` apply compatibility decomposition / NFKC case folding (`½` -> `1⁄2`, `ﬁ` -> `fi`,
fullwidth -> ASCII, final sigma -> sigma), and `BertTokenizer`'s BasicTokenizer does the same.
So the normalization is written here from core ops whose semantics match Python's:

1. `unicode_transcode(errors="replace")` turns each invalid UTF-8 sequence into
   `INVALID_UTF8_MARK`, a private-use character no vocabulary holds, so a word with bytes that
   are not UTF-8 becomes `[UNK]`: what the TFLite tokenizer (tensorflow-text's, which passes
   such bytes through to WordPiece) answers, so the SavedModel and the TFLite file give one
   answer for the same bytes. (google-research/bert drops invalid bytes instead, which turns
   Latin-1 "caf\xe9" into the word "caf"; its inputs are always valid text.) It runs only on the
   strings that are not valid UTF-8 (a regex full match over all Unicode scalar values tells:
   5x faster than transcoding every string; real text is almost always valid).
2. One regex deletes NUL, U+FFFD, and control characters (Cc except tab/newline/CR, and Cf).
3. Uncased only: `tf.strings.lower(encoding="utf-8")` is ICU full lower-casing, the same mapping
   as Python's `str.lower` (final sigma, `İ` -> `i̇`); `normalize_utf8("NFD")`; a regex deletes
   non-spacing marks (Mn).
4. One regex puts a space on each side of every punctuation character (ASCII
   non-alphanumerics and category P) and CJK ideograph, a second turns the non-ASCII
   whitespace (Zs, and the line/paragraph separators that Python's `str.split` also splits on)
   into spaces, and `tf.strings.split` splits on ASCII whitespace (space, tab, newline, CR).
   Neither regex has a capture group and the second never matches an ASCII space, so RE2 finds
   their matches with its DFA: the split runs 3-4x faster on SQuAD contexts than with one
   regex with a group for both, itself 4x faster than `tensorflow_text.regex_split`.

Control characters are deleted before lower-casing, as in the original: a control character
between letters would otherwise change where a capital sigma counts as word-final.

All ops are core TensorFlow plus `NormalizeUTF8` (tensorflow-text, present in 2.12.1), so the
graph runs in TF Serving. TFLite has no kernel for the regex and case ops; see
`BertTokenizer(mode="tflite")`.

The character classes come from the Unicode tables of RE2 and ICU; they agree with Python's
`unicodedata` on every character that Unicode 3.2 already assigned and differ only on a few
dozen characters added in recent Unicode versions (tests/keras_bert/text/test_normalizer.py).
"""

import tensorflow as tf
import tensorflow_text as tf_text

# What an invalid UTF-8 sequence becomes: a private-use character (not U+E000 or U+E001, which
# `BertTokenizer` uses for its word offsets), kept by cleaning and splitting like a letter.
INVALID_UTF8_MARK = "\ue002"
# Every Unicode scalar value: RE2 compiles the ranges to exact UTF-8 byte sequences, so a full
# match is Python's strict UTF-8 validity (no overlong forms, surrogates or values past U+10FFFF).
_SCALAR_VALUES = r"[\x{0}-\x{D7FF}\x{E000}-\x{10FFFF}]*"
# Cc except \t \n \r (Cc is exactly U+0000-001F and U+007F-009F), all of Cf, and U+FFFD.
_DELETED = r"[\x{0}-\x{8}\x{B}\x{C}\x{E}-\x{1F}\x{7F}-\x{9F}\p{Cf}\x{FFFD}]"
_NON_SPACING_MARKS = r"\p{Mn}"
# Whitespace after cleaning, beyond the ASCII that tf.strings.split splits on: category Zs but
# U+0020 (Unicode's list, unchanged since U+180E left Zs in Unicode 6.3) plus U+2028/U+2029,
# the two characters left that Python's str.split() also splits on.
_NON_ASCII_WHITESPACE = r"[\x{A0}\x{1680}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}\x{2028}\x{2029}]"
_CJK = (
    r"\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{20000}-\x{2A6DF}\x{2A700}-\x{2B73F}"
    r"\x{2B740}-\x{2B81F}\x{2B820}-\x{2CEAF}\x{F900}-\x{FAFF}\x{2F800}-\x{2FA1F}"
)
# ASCII ranges 33-47, 58-64, 91-96, 123-126, any Unicode punctuation, CJK ideographs.
_STANDALONE = r"[!-/:-@\[-`{-~\pP" + _CJK + r"]"
# Every whitespace character that splits words: the ASCII ones tf.strings.split takes plus the rest.
_WHITESPACE = r"[ \t\n\r" + _NON_ASCII_WHITESPACE[1:]


def normalize(strings, lower_case):
    """Cleans (and for uncased models lower-cases and strips accents from) UTF-8 strings.

    Args:
        strings: tf.string tensor of any shape.
        lower_case: whether to apply the uncased steps.

    Returns:
        tf.string tensor of the same shape.
    """
    strings = _mark_invalid_utf8(strings)
    strings = tf.strings.regex_replace(strings, _DELETED, "")
    if lower_case:
        strings = tf.strings.lower(strings, encoding="utf-8")
        strings = tf_text.normalize_utf8(strings, "NFD")
        strings = tf.strings.regex_replace(strings, _NON_SPACING_MARKS, "")
    return strings


def _mark_invalid_utf8(strings):
    """Each invalid UTF-8 sequence -> `INVALID_UTF8_MARK`, transcoding only the invalid strings."""
    flat = tf.reshape(strings, [-1])
    invalid = tf.where(tf.logical_not(tf.strings.regex_full_match(flat, _SCALAR_VALUES)))
    fixed = tf.strings.unicode_transcode(
        tf.gather_nd(flat, invalid),
        "UTF-8",
        "UTF-8",
        errors="replace",
        replacement_char=ord(INVALID_UTF8_MARK),
    )
    return tf.reshape(tf.tensor_scatter_nd_update(flat, invalid, fixed), tf.shape(strings))


def split_words(normalized):
    """Splits normalized strings into BERT's basic words.

    Args:
        normalized: tf.string `[batch]`, output of `normalize`.

    Returns:
        tf.RaggedTensor of tf.string `[batch, (words)]`.
    """
    spaced = tf.strings.regex_replace(normalized, _STANDALONE, r" \0 ")
    spaced = tf.strings.regex_replace(spaced, _NON_ASCII_WHITESPACE, " ")
    return tf.strings.split(spaced)


def split_raw_words(strings):
    """Splits raw (not normalized) UTF-8 strings where BERT's word splitting always splits.

    The whitespace of `split_words` separates words, and within a word every punctuation
    character and CJK ideograph is a run of its own. Normalizing never joins two runs, so each
    normalized word of `split_words` lies inside one run (a run can hold several: NFD can turn
    a symbol into punctuation: U+1FEF becomes a backquote).

    Args:
        strings: tf.string `[batch]`, the raw texts.

    Returns:
        `(runs, starts, ends)`, each a tf.RaggedTensor `[batch, (runs)]`: the runs (tf.string)
        and their byte offsets in the raw text (int64, `ends` exclusive). Only whitespace lies
        between two runs, so a run starts a new word exactly where it starts after the
        previous run's end.
    """
    # RegexSplitWithOffsets stops at the first NUL; U+0001 is deleted by `normalize` as NUL is
    # and has the same length, so the runs and offsets stay those of the raw text.
    strings = tf.strings.regex_replace(strings, r"\x00", "\x01")
    return tf_text.regex_split_with_offsets(strings, _WHITESPACE + "|" + _STANDALONE, _STANDALONE)
