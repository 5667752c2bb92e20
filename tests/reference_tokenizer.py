"""A plain-Python reference of the original BERT tokenizer (google-research/bert).

Written from the published description of `tokenization.py`, not copied from it:

1. Bytes are decoded as UTF-8. The original drops invalid bytes; keras-bert makes each invalid
   sequence a private-use character no vocabulary has (U+E002), so its word becomes `[UNK]`, as
   tensorflow-text's TFLite tokenizer answers.
2. Cleaning: U+0000, U+FFFD and control characters (categories Cc and Cf, except tab, newline
   and carriage return) are deleted; whitespace (space, tab, newline, carriage return and
   category Zs) becomes a space.
3. Every CJK ideograph gets a space on each side.
4. The text is split on whitespace (Python's `str.split()`). For an uncased model each word is
   lower-cased with `str.lower`, NFD-normalized, and its non-spacing marks (category Mn) are
   dropped.
5. Each word is split into runs around punctuation: every punctuation character (ASCII
   non-alphanumeric printable characters, or any category starting with "P") is a word of its own.
6. WordPiece: a word longer than `max_chars_per_word` characters becomes `[UNK]`; otherwise the
   longest vocabulary prefix is taken, then the longest `##`-prefixed continuation from where it
   ended, and so on; if some position has no match the whole word becomes `[UNK]`.

The tests and the tokenizer benchmark use it as the ground truth for ids.
"""

import codecs
import unicodedata

_MARK_INVALID = "keras_bert_mark_invalid"
codecs.register_error(_MARK_INVALID, lambda error: ("\ue002", error.end))

_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def _is_cjk(cp):
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf")


def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _clean(text):
    out = []
    for ch in text:
        if ord(ch) in (0, 0xFFFD) or _is_control(ch):
            continue
        out.append(" " if _is_whitespace(ch) else ch)
    return "".join(out)


def _space_cjk(text):
    return "".join(f" {ch} " if _is_cjk(ord(ch)) else ch for ch in text)


def _strip_accents(word):
    return "".join(
        ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn"
    )


def _split_punctuation(word):
    pieces, current = [], []
    for ch in word:
        if _is_punctuation(ch):
            if current:
                pieces.append("".join(current))
                current = []
            pieces.append(ch)
        else:
            current.append(ch)
    if current:
        pieces.append("".join(current))
    return pieces


def basic_tokenize(text, lower_case=True):
    """Text (str or UTF-8 bytes) -> list of words, as BERT's BasicTokenizer splits it."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", _MARK_INVALID)
    text = _space_cjk(_clean(text))
    words = []
    for word in text.split():
        if lower_case:
            word = _strip_accents(word.lower())
        words.extend(_split_punctuation(word))
    return " ".join(words).split()


def wordpiece(word, vocab, max_chars_per_word=200, unk="[UNK]"):
    """One word -> its greedy longest-match-first pieces (strings)."""
    if len(word) > max_chars_per_word:
        return [unk]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            candidate = word[start:end] if start == 0 else "##" + word[start:end]
            if candidate in vocab:
                break
            end -= 1
        if end == start:
            return [unk]
        pieces.append(candidate)
        start = end
    return pieces


class ReferenceTokenizer:
    """Text -> ids exactly as google-research/bert's FullTokenizer."""

    def __init__(self, vocab, lower_case=True, max_chars_per_word=200):
        self.vocab = {token: i for i, token in enumerate(vocab)}
        self.lower_case = lower_case
        self.max_chars_per_word = max_chars_per_word

    def tokenize(self, text):
        pieces = []
        for word in basic_tokenize(text, self.lower_case):
            pieces.extend(wordpiece(word, self.vocab, self.max_chars_per_word))
        return pieces

    def encode(self, text):
        return [self.vocab[piece] for piece in self.tokenize(text)]

    def word_starts(self, text):
        """True for each piece that begins a word (the first piece of each basic word)."""
        starts = []
        for word in basic_tokenize(text, self.lower_case):
            n = len(wordpiece(word, self.vocab, self.max_chars_per_word))
            starts.extend([True] + [False] * (n - 1))
        return starts


def _splits_words(ch):
    return _is_whitespace(ch) or ch in "\u2028\u2029"


def raw_runs(text):
    """Runs of a raw str: `(word_index, start_byte, end_byte)` of every stretch between
    whitespace (space, tab, newline, CR, Zs, U+2028/U+2029) and punctuation / CJK characters,
    and of every punctuation / CJK character, in order (`tokenize_with_word_offsets`)."""
    runs, word, run_start, position = [], -1, None, 0
    in_word = False
    for ch in text:
        size = len(ch.encode("utf-8"))
        if _splits_words(ch):
            if run_start is not None:
                runs.append((word, run_start, position))
            run_start, in_word = None, False
        else:
            if not in_word:
                word, in_word = word + 1, True
            if _is_punctuation(ch) or _is_cjk(ord(ch)):
                if run_start is not None:
                    runs.append((word, run_start, position))
                runs.append((word, position, position + size))
                run_start = None
            elif run_start is None:
                run_start = position
        position += size
    if run_start is not None:
        runs.append((word, run_start, position))
    return runs


def word_offsets(tokenizer, text):
    """`(word_ids, starts, ends)` per piece that `tokenize_with_word_offsets` must give for
    `text`: each run's pieces get its word and offsets, or -1 everywhere when the runs
    tokenized one by one differ from the whole text."""
    raw = text.encode("utf-8")
    pieces = [(run, tokenizer.encode(raw[run[1] : run[2]])) for run in raw_runs(text)]
    if [i for _, ids in pieces for i in ids] != tokenizer.encode(text):
        return ([-1] * len(tokenizer.encode(text)),) * 3
    per_piece = [run for run, ids in pieces for _ in ids]
    return tuple([run[k] for run in per_piece] for k in range(3))
