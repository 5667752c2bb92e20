"""`BertTokenizer`: in-graph WordPiece with the ids of the original BERT tokenizer."""

import tensorflow as tf
import tensorflow_text as tf_text

from keras_bert import names
from keras_bert.text import normalizer, word_offsets
from keras_bert.text.tokenizer_settings import GOOGLE_MAX_CHARS_PER_WORD, read_tokenizer_settings
from keras_bert.text.vocab import SPECIAL_TOKENS, load_vocab, write_vocab

MODES = ("exact", "tflite")
_SUFFIX = "##"
# UTF-8 needs at most 4 bytes per character: with this byte limit FastWordpiece never gives up
# on a word before the character limit, which is checked in front of it (exact mode) or after
# it (tflite mode).
_MAX_BYTES_PER_CHAR = 4
# A token the tflite mode's WordPiece gets beyond the vocabulary, which no text ever matches (a
# control character: the normalizer removes them all). FastWordpiece's own word splitting
# refuses a vocabulary without one token free of punctuation ("No valid vocab tokens were found
# to build the trie"), as one of only the special tokens is.
_NEVER_MATCHED = "\x01"


class BertTokenizer:
    """Text -> WordPiece ids, as TensorFlow ops (works in tf.data, tf.function, SavedModel).

    Two modes, chosen explicitly:

    - `mode="exact"` (default): ids identical to google-research/bert's `FullTokenizer`
      (`keras_bert.text.normalizer` does BERT's normalization and word splitting in graph ops,
      then `tensorflow_text.FastWordpieceTokenizer` splits each word). Runs in TensorFlow and in
      TF Serving with tensorflow-text 2.12.1 or later; not in TFLite (no kernels for the regex
      and case-mapping ops).
    - `mode="tflite"`: `tensorflow_text.FastBertTokenizer` end to end (its own normalizer, which
      uses compatibility decomposition, and its own word splitting). Every op has a TFLite
      kernel. It differs from the original on some inputs (`½`, `…`, ligatures, fullwidth
      forms, final sigma, control characters, ...) on a small share of real texts
      (`benchmarks/tokenization.py` measures it; BENCHMARKS.md, "Tokenization").

    Words longer than `max_chars_per_word` characters become `[UNK]`: 200 in the original, 100
    in Hugging Face's tokenizers (`from_pretrained` sets it from the checkpoint folder).

    Args:
        vocab: path of a `vocab.txt` or a list of tokens (id = position). It must hold
            `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`.
        lower_case: uncased model (lower-case, NFD, strip accents) or cased.
        max_chars_per_word: longest word that is split into pieces rather than `[UNK]`.
        mode: `"exact"` or `"tflite"`, see above.
    """

    def __init__(
        self, vocab, lower_case=True, max_chars_per_word=GOOGLE_MAX_CHARS_PER_WORD, mode="exact"
    ):
        if mode not in MODES:
            raise ValueError(
                f"mode={mode!r} is not one of {MODES}; use 'exact' for the original ids or "
                "'tflite' for a TFLite-compatible graph."
            )
        if int(max_chars_per_word) < 1:
            raise ValueError(
                f"max_chars_per_word={max_chars_per_word} must be a positive number of characters."
            )
        self.vocab, self.vocab_file = load_vocab(vocab)
        self.lower_case = bool(lower_case)
        self.max_chars_per_word = int(max_chars_per_word)
        self.mode = mode
        self._ids = {token: i for i, token in enumerate(self.vocab)}
        self._tokens = tf.constant(self.vocab)
        self._is_suffix = tf.constant([token.startswith(_SUFFIX) for token in self.vocab])
        if mode == "exact":
            self._wordpiece = tf_text.FastWordpieceTokenizer(
                vocab=self.vocab,
                suffix_indicator=_SUFFIX,
                max_bytes_per_word=_MAX_BYTES_PER_CHAR * self.max_chars_per_word,
                token_out_type=tf.int32,
                unknown_token="[UNK]",
                no_pretokenization=True,
            )
        else:
            # `tensorflow_text.FastBertTokenizer`, as its two halves: the normalizer's offsets
            # map pieces back to the raw text (`tokenize_with_word_offsets`).
            self._normalizer = tf_text.FastBertNormalizer(
                lower_case_nfd_strip_accents=self.lower_case
            )
            self._wordpiece = tf_text.FastWordpieceTokenizer(
                vocab=self.vocab + [_NEVER_MATCHED],
                suffix_indicator=_SUFFIX,
                max_bytes_per_word=_MAX_BYTES_PER_CHAR * self.max_chars_per_word,
                token_out_type=tf.int32,
                unknown_token="[UNK]",
            )
            # The characters each token stands for in a word: what the character limit counts
            # (`_tflite_pieces`).
            self._chars = tf.constant(
                [len(t) - len(_SUFFIX) if t.startswith(_SUFFIX) else len(t) for t in self.vocab],
                tf.int32,
            )

    @property
    def tflite_compatible(self):
        return self.mode == "tflite"

    @property
    def vocab_size(self):
        return len(self.vocab)

    @property
    def pad_id(self):
        return self._ids["[PAD]"]

    @property
    def unk_id(self):
        return self._ids["[UNK]"]

    @property
    def cls_id(self):
        return self._ids["[CLS]"]

    @property
    def sep_id(self):
        return self._ids["[SEP]"]

    @property
    def mask_id(self):
        return self._ids["[MASK]"]

    @property
    def special_ids(self):
        """Ids of `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`, in that order."""
        return [self._ids[token] for token in SPECIAL_TOKENS]

    def token_to_id(self, token):
        if token not in self._ids:
            raise KeyError(f"Token {token!r} is not in the vocabulary ({self.vocab_size} tokens).")
        return self._ids[token]

    def id_to_token(self, token_id):
        if not 0 <= int(token_id) < self.vocab_size:
            raise KeyError(
                f"Id {token_id} is out of range; the vocabulary has ids 0..{self.vocab_size - 1}."
            )
        return self.vocab[int(token_id)]

    def write_vocab(self, path):
        """Writes the vocabulary as `vocab.txt` (for SavedModel assets); returns `path`."""
        return write_vocab(self.vocab, path)

    def _require_exact(self, what):
        if self.mode != "exact":
            raise ValueError(
                f"{what} needs BertTokenizer(mode='exact'); mode='tflite' splits words inside one "
                "fused op."
            )

    def split_words(self, strings):
        """BERT's basic tokenization: `[batch]` tf.string -> tf.RaggedTensor `[batch, (words)]`
        of tf.string."""
        self._require_exact("split_words")
        return normalizer.split_words(normalizer.normalize(_as_batch(strings), self.lower_case))

    def tokenize_words(self, strings):
        """`[batch]` tf.string -> int32 tf.RaggedTensor `[batch, (words), (pieces)]` (exact
        mode)."""
        words = self.split_words(strings)
        return words.with_flat_values(self._split_words_into_pieces(words.flat_values))

    def _split_words_into_pieces(self, words):
        """Normalized words `[n]` -> int32 ids `[n, (pieces)]` (exact mode)."""
        too_long = tf.strings.length(words, unit="UTF8_CHAR") > self.max_chars_per_word
        # "[UNK]" is a vocabulary entry, so FastWordpiece maps that word to the unknown id.
        return self._wordpiece.tokenize(tf.where(too_long, tf.constant("[UNK]"), words))

    def tokenize(self, strings, with_word_starts=False):
        """Text -> WordPiece ids.

        Args:
            strings: tf.string `[batch]` (or a scalar, giving one row without the batch axis).
            with_word_starts: also return a bool tensor of the same ragged shape, True where a
                piece starts a word (the input whole-word masking needs). A piece starts a word
                exactly when its token does not begin with `##`.

        Returns:
            int32 tf.RaggedTensor `[batch, (pieces)]`, or `(ids, word_starts)`.
        """
        strings = tf.convert_to_tensor(strings, dtype=tf.string)
        if strings.shape.rank == 0:
            result = self.tokenize(strings[tf.newaxis], with_word_starts)
            return tuple(t[0] for t in result) if with_word_starts else result[0]
        if self.mode == "exact":
            ids = self.tokenize_words(strings).merge_dims(1, 2)
        else:
            ids = self._tflite_pieces(self._normalizer.normalize(_as_batch(strings)))
        if not with_word_starts:
            return ids
        return ids, self.word_starts(ids)

    def tokenize_with_word_offsets(self, strings):
        """Text -> WordPiece ids, with where each piece comes from in the raw text.

        Each piece is traced to a word of the raw text (split at whitespace, as the user
        wrote it) and to its run there: the text of the basic word it was cut from (the
        stretch between punctuation characters and CJK ideographs, or one such character). A
        piece of `"U.S.-based"` maps to `"U"`, `"."`, `"S"`, `"-"` or `"based"` of word 0; the
        run is the text an answer span shows, the word the unit a tagger labels.

        - `mode="exact"`: the raw text is split into runs (`normalizer.split_raw_words`),
          the runs are tokenized apart from each other and compared with `tokenize`. Where a text
          differs (a case only a whole text decides: a capital sigma before an apostrophe,
          `"ΑΣ'Β"`, is final alone), its word ids and offsets are -1.
        - `mode="tflite"`: the offsets of tensorflow-text's normalizer and WordPiece
          tokenizer, widened from pieces to runs with TFLite builtins. Its normalizer turns a
          control character into a space, so one between two runs splits their word here.

        Args:
            strings: tf.string `[batch]`.

        Returns:
            `(ids, word_ids, starts, ends)`, each `[batch, (pieces)]` int32: ids (as
            `tokenize`), the index of the piece's whitespace-separated word in its text, and
            the byte offsets of its run in the raw text (`ends` exclusive).
        """
        strings = _as_batch(strings)
        if self.mode == "exact":
            return word_offsets.exact_word_offsets(
                strings, self.tokenize(strings), self.split_words, self._split_words_into_pieces
            )
        normalized, offsets = self._normalizer.normalize_with_offsets(strings)
        ids, starts, ends = self._tflite_pieces(normalized, with_offsets=True)
        return word_offsets.tflite_word_offsets(ids, starts, ends, offsets, self._is_suffix)

    def _tflite_pieces(self, normalized, with_offsets=False):
        """The tflite mode's WordPiece pieces of normalized text, each word of more than
        `max_chars_per_word` characters made one `[UNK]`, as the original does.

        FastWordpiece's own limit counts bytes: `_MAX_BYTES_PER_CHAR` times the limit lets
        every word through that the characters allow. A word of at most `max_chars_per_word`
        bytes cannot have more characters, so the characters are counted only in a batch that
        holds a longer word (a word's pieces spell it: its characters are theirs summed).

        Args:
            normalized: tf.string `[batch]`, the output of the tflite mode's normalizer.
            with_offsets: also return the pieces' byte offsets in `normalized`.

        Returns:
            int32 `ids` `[batch, (pieces)]`, or `(ids, starts, ends)` (int64): a long word's
            `[UNK]` spans it.
        """
        ids, starts, ends = self._wordpiece.tokenize_with_offsets(normalized)
        pieces = ids.flat_values
        word_start = tf.logical_not(tf.gather(self._is_suffix, pieces))  # a row starts a word
        # A word's pieces follow each other in the text: it ends where its last piece ends.
        word_last = tf.concat([word_start[1:], tf.ones_like(word_start[:1])], axis=0)
        word_ends = tf.boolean_mask(ends.flat_values, word_last)
        word_bytes = word_ends - tf.boolean_mask(starts.flat_values, word_start)
        offsets = [starts.flat_values, ends.flat_values] if with_offsets else []

        def limited():
            word = tf.cumsum(tf.cast(word_start, tf.int32)) - 1
            num_words = tf.reduce_sum(tf.cast(word_start, tf.int32))
            # Characters up to each piece; a word's are the difference at its ends (segment max
            # and min have TFLite builtins, segment sum is not among the ops checked for TFLite).
            chars_before = tf.cumsum(tf.gather(self._chars, pieces), exclusive=True)
            chars_through = chars_before + tf.gather(self._chars, pieces)
            chars = tf.math.unsorted_segment_max(
                chars_through, word, num_words
            ) - tf.math.unsorted_segment_min(chars_before, word, num_words)
            long_word = (word_bytes > self.max_chars_per_word) & (chars > self.max_chars_per_word)
            too_long = tf.gather(long_word, word)
            kept = word_start | tf.logical_not(too_long)
            kept_before = tf.concat([[0], tf.cumsum(tf.cast(kept, ids.row_splits.dtype))], axis=0)
            values = [tf.where(too_long, tf.cast(self.unk_id, pieces.dtype), pieces)]
            if with_offsets:
                values += [offsets[0], tf.where(too_long, tf.gather(word_ends, word), offsets[1])]
            return (
                tf.gather(kept_before, ids.row_splits),
                [tf.boolean_mask(v, kept) for v in values],
            )

        row_splits, values = tf.cond(
            tf.reduce_any(word_bytes > self.max_chars_per_word),
            limited,
            lambda: (ids.row_splits, [pieces, *offsets]),
        )
        result = tuple(
            tf.RaggedTensor.from_row_splits(v, row_splits, validate=False) for v in values
        )
        return result if with_offsets else result[0]

    def word_starts(self, ids):
        """Bool tensor shaped like `ids` (dense or ragged): True where the id's token does not
        begin with `##`, i.e. where a piece starts a word (special tokens count as starts)."""
        return tf.logical_not(tf.gather(self._is_suffix, ids))

    def detokenize(self, ids):
        """Ids `[batch, (pieces)]` (ragged, or dense padded with `[PAD]`) -> tf.string `[batch]`.

        Pieces are joined with spaces and `##` continuations are glued to their word; special
        tokens other than trailing padding are kept.
        """
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.convert_to_tensor(ids)
            if ids.shape.rank == 1:
                return self.detokenize(ids[tf.newaxis])[0]
            ids = tf.RaggedTensor.from_tensor(ids, padding=tf.cast(self.pad_id, ids.dtype))
        tokens = tf.gather(self._tokens, ids)
        text = tf.strings.reduce_join(tokens, axis=-1, separator=" ")
        return tf.strings.regex_replace(text, " " + _SUFFIX, "")

    def get_config(self):
        return {
            "vocab": list(self.vocab),
            "lower_case": self.lower_case,
            "max_chars_per_word": self.max_chars_per_word,
            "mode": self.mode,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @classmethod
    def from_pretrained(cls, directory, mode="exact", revision=None):
        """Vocabulary and casing of a checkpoint folder, or of a pretrained model's name.

        `directory` is anything `keras_bert.from_pretrained` takes: a folder, a Hugging Face
        Hub id (with `revision`), a `kaggle://` handle or a keras-hub preset name, fetched
        into its hub's cache (`keras_bert.names`). The folder is recognized as
        `from_pretrained` recognizes it (`keras_bert.checkpoints.formats`):
        - keras-bert model folder: `vocab.txt` + `keras_bert.json` (`lower_case`,
          `max_chars_per_word`).
        - keras-hub preset: `assets/tokenizer/vocabulary.txt` + `tokenizer.json` (the
          `lowercase` of keras-hub's `BertTokenizer`); words over 100 characters become
          `[UNK]`. Lower-casing strips accents here, as in the original BERT, where
          keras-hub's tokenizer keeps them.
        - Hugging Face: `tokenizer.json` (BertNormalizer `lowercase`, WordPiece
          `max_input_chars_per_word`), or `vocab.txt`; `tokenizer_config.json`'s
          `do_lower_case` sets the casing where it says (as transformers lets it override
          `tokenizer.json`); words over 100 characters become `[UNK]`.
        - Google (or a folder with only `vocab.txt`): uncased when the folder name says
          `uncased`, cased when it says `cased`, otherwise uncased exactly when no ordinary
          token of the vocabulary has an upper-case letter; 200 characters per word.

        Hugging Face folders get the original (google-research) semantics; Hugging Face's
        tokenizer differs from it only on text holding literal special tokens such as "[CLS]"
        (kept whole there), on private-use or unassigned characters (deleted there) and, in
        uncased models, on a word-final capital sigma (lower-cased to "σ" there, to "ς" as
        Python and the original do).
        """
        settings = read_tokenizer_settings(names.resolve(directory, revision))
        return cls(mode=mode, **settings)


def _as_batch(strings):
    strings = tf.convert_to_tensor(strings, dtype=tf.string)
    if strings.shape.rank is not None and strings.shape.rank != 1:
        raise ValueError(
            f"Expected a [batch] string tensor, got shape {strings.shape}; reshape the texts to "
            "one dimension."
        )
    return strings
