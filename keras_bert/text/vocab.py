"""WordPiece vocabularies: reading, validating, learning from text (`keras-bert vocab`)."""

import os
import sys

import tensorflow as tf

from keras_bert.atomic import atomic_open
from keras_bert.text_file import read_lines

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def read_vocab_file(path):
    """Returns the tokens of a `vocab.txt`, one per line, id = line number.

    Like the original `load_vocab`, each line is stripped of surrounding whitespace and a
    final newline does not start an extra token.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Vocabulary file {path} does not exist; pass a vocab.txt path or a list of tokens."
        )
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.strip() for line in lines]


def validate_vocab(tokens, source="the vocabulary"):
    """Checks a token list: not empty, no empty or duplicate tokens, all special tokens present."""
    tokens = list(tokens)
    if not tokens:
        raise ValueError(
            f"{source} is empty; a WordPiece vocabulary needs at least {list(SPECIAL_TOKENS)}."
        )
    for i, token in enumerate(tokens):
        if not isinstance(token, str) or not token:
            raise ValueError(
                f"{source} has an empty or non-string token at id {i}; remove that line."
            )
    seen = {}
    for i, token in enumerate(tokens):
        if token in seen:
            raise ValueError(
                f"{source} lists {token!r} twice (ids {seen[token]} and {i}); each token must be "
                "unique."
            )
        seen[token] = i
    missing = [t for t in SPECIAL_TOKENS if t not in seen]
    if missing:
        raise ValueError(
            f"{source} lacks the special tokens {missing}; BERT needs all of "
            f"{list(SPECIAL_TOKENS)}."
        )
    return tokens


def load_vocab(vocab):
    """`vocab.txt` path or token list -> (validated token list, path or None)."""
    if isinstance(vocab, (str, os.PathLike)):
        path = os.fspath(vocab)
        return validate_vocab(read_vocab_file(path), source=f"Vocabulary file {path}"), path
    return validate_vocab(vocab), None


def write_vocab(tokens, path):
    """Writes one token per line (UTF-8, final newline)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with atomic_open(path) as f:
        f.write("".join(f"{token}\n" for token in tokens))
    return path


def _text_lines(files):
    """The files' lines, once each file is known to be UTF-8 text (binary files, or text in
    another encoding, would give tokens of garbage)."""
    for path in files:
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"Text file {path} does not exist; pass plain-text files, one text per line."
            )
        for _ in read_lines(path):  # names the file and line of the first byte that is not text
            pass
    return tf.data.TextLineDataset(list(files))


def build_vocab(files, vocab_size, lower_case=True, out_path=None, batch_size=1024):
    """Learns a WordPiece vocabulary from plain-text files.

    The text is split into words exactly as `BertTokenizer` splits it (BERT's normalization,
    punctuation and CJK splitting), then `tensorflow_text`'s `bert_vocab_from_dataset` learns
    the pieces. The special tokens come first: `[PAD]`=0, `[UNK]`=1, `[CLS]`=2, `[SEP]`=3,
    `[MASK]`=4.

    Args:
        files: paths of UTF-8 text files (one text per line).
        vocab_size: the largest vocabulary to learn (the result may be a little smaller).
        lower_case: learn an uncased vocabulary (lower-case, accents stripped).
        out_path: when given, the vocabulary is also written there as `vocab.txt`.
        batch_size: lines split per step.

    Returns:
        The list of tokens.
    """
    from tensorflow_text.tools.wordpiece_vocab import bert_vocab_from_dataset as learner

    from keras_bert.text import normalizer

    if isinstance(files, (str, os.PathLike)):
        files = [files]
    files = [os.fspath(f) for f in files]
    if not files:
        raise ValueError("build_vocab needs at least one text file.")
    if int(vocab_size) <= len(SPECIAL_TOKENS):
        raise ValueError(
            f"vocab_size={vocab_size} is too small; it must exceed the {len(SPECIAL_TOKENS)} "
            "special tokens."
        )

    def words_as_text(lines):
        words = normalizer.split_words(normalizer.normalize(lines, lower_case))
        return tf.strings.reduce_join(words, axis=-1, separator=" ")

    # The words are already split exactly; the learner's own BasicTokenizer then only splits
    # them again on the spaces, with no case folding of its own.
    words = _text_lines(files).batch(batch_size).map(words_as_text).unbatch()
    try:
        tokens = learner.bert_vocab_from_dataset(
            words,
            vocab_size=int(vocab_size),
            reserved_tokens=list(SPECIAL_TOKENS),
            bert_tokenizer_params={"lower_case": False},
        )
    except StopIteration:  # the learner's word count found no word
        raise ValueError(
            f"{', '.join(files)} hold no words to learn a vocabulary from; pass text files."
        ) from None
    tokens = validate_vocab(tokens, source="The learned vocabulary")
    if out_path is not None:
        write_vocab(tokens, out_path)
    return tokens


# Below this share of --vocab-size, `keras-bert vocab` warns that the corpus is too small
# (the learner normally gives a little less than asked, not a fraction of it).
SHORT_VOCAB_SHARE = 0.8


def run(args):
    tokens = build_vocab(
        args.files, args.vocab_size, lower_case=args.lower_case, out_path=args.output
    )
    if len(tokens) < SHORT_VOCAB_SHARE * args.vocab_size:
        print(
            f"keras-bert vocab: warning: the text gave {len(tokens):,} tokens, far fewer than "
            f"--vocab-size {args.vocab_size:,}: it has too few distinct words for that size; "
            "give more text for a larger vocabulary.",
            file=sys.stderr,
        )
    print(f"wrote {len(tokens)} tokens to {os.path.abspath(args.output)}")
