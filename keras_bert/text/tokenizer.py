"""`BertTokenizer`: in-graph WordPiece with the ids of the original BERT tokenizer."""

import json
import os

import tensorflow as tf
import tensorflow_text as tf_text

from keras_bert import names
from keras_bert.text import normalizer
from keras_bert.text.vocab import SPECIAL_TOKENS, load_vocab, write_vocab

MODES = ("exact", "tflite")
# Stands between the runs of a text tokenized together (`_exact_word_offsets`): a private-use
# character, which normalizing keeps and splitting leaves alone, made a word by its spaces. The
# text's own U+E000 is tokenized as `_STAND_IN`, the next private-use character.
_SEPARATOR, _STAND_IN = "\ue000", "\ue001"
_RUN_SEPARATOR = f" {_SEPARATOR} "
GOOGLE_MAX_CHARS_PER_WORD = 200
HUGGINGFACE_MAX_CHARS_PER_WORD = 100
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
            # (`_unknown_long_words`).
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
            ids = self._wordpiece.tokenize(self._normalizer.normalize(_as_batch(strings)))
            ids = self._unknown_long_words(ids)
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
            return self._exact_word_offsets(strings)
        return self._tflite_word_offsets(strings)

    def _tflite_word_offsets(self, strings):
        """`tokenize_with_word_offsets` of the tflite mode."""
        normalized, offsets = self._normalizer.normalize_with_offsets(strings)
        ids, starts, ends = self._unknown_long_words(
            *self._wordpiece.tokenize_with_offsets(normalized)
        )
        # Normalized -> raw offsets, as FastBertTokenizer.tokenize_with_offsets does, with flat
        # gathers: its ragged gather lowers to RaggedRange, which TFLite lacks.
        rows = ids.value_rowids()
        base = tf.gather(offsets.row_splits, rows)
        starts, ends = (
            tf.cast(
                tf.gather(offsets.flat_values, base + tf.cast(o.flat_values, base.dtype)), tf.int32
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
        run_first = tf.logical_not(tf.gather(self._is_suffix, ids.flat_values))
        run_last = _shifted_left(run_first)
        run_of_piece = tf.cumsum(tf.cast(run_first, tf.int32)) - 1
        run_starts = tf.boolean_mask(starts, run_first)
        run_ends = tf.boolean_mask(ends, run_last)
        run_words = _words_of_runs(tf.boolean_mask(rows, run_first), run_starts, run_ends)

        def per_piece(run_values):
            return ids.with_flat_values(tf.gather(run_values, run_of_piece))

        return ids, per_piece(run_words), per_piece(run_starts), per_piece(run_ends)

    def _unknown_long_words(self, ids, starts=None, ends=None):
        """The tflite mode's WordPiece output with each word of more than `max_chars_per_word`
        characters made one `[UNK]`, as the original does (FastWordpiece's own limit counts
        bytes: `_MAX_BYTES_PER_CHAR` times the limit lets every word through that the
        characters allow). A word's pieces spell it, so its characters are theirs summed.

        Args:
            ids: int32 `[batch, (pieces)]`; `starts`, `ends`: their offsets, or None.

        Returns:
            `ids`, or `(ids, starts, ends)` with offsets: a long word's `[UNK]` spans it.
        """
        pieces = ids.flat_values
        word_start = tf.logical_not(tf.gather(self._is_suffix, pieces))  # a row starts a word
        word = tf.cumsum(tf.cast(word_start, tf.int32)) - 1
        num_words = tf.reduce_sum(tf.cast(word_start, tf.int32))
        # Characters up to each piece; a word's are the difference at its ends (segment max
        # and min have TFLite builtins, segment sum is not among the ops checked for TFLite).
        chars_before = tf.cumsum(tf.gather(self._chars, pieces), exclusive=True)
        chars_through = chars_before + tf.gather(self._chars, pieces)
        chars = tf.math.unsorted_segment_max(
            chars_through, word, num_words
        ) - tf.math.unsorted_segment_min(chars_before, word, num_words)
        too_long = tf.gather(chars > self.max_chars_per_word, word)
        kept = word_start | tf.logical_not(too_long)
        kept_before = tf.concat([[0], tf.cumsum(tf.cast(kept, ids.row_splits.dtype))], axis=0)
        row_splits = tf.gather(kept_before, ids.row_splits)

        def ragged(values):
            return tf.RaggedTensor.from_row_splits(
                tf.boolean_mask(values, kept), row_splits, validate=False
            )

        result = ragged(tf.where(too_long, tf.cast(self.unk_id, pieces.dtype), pieces))
        if starts is None:
            return result
        # int32: TFLite's segment max takes no int64 (the offsets are int64, and short).
        word_end = tf.math.unsorted_segment_max(
            tf.cast(ends.flat_values, tf.int32), word, num_words
        )
        word_end = tf.cast(tf.gather(word_end, word), ends.dtype)
        return (
            result,
            ragged(starts.flat_values),
            ragged(tf.where(too_long, word_end, ends.flat_values)),
        )

    def _exact_word_offsets(self, strings):
        """`tokenize_with_word_offsets` of the exact mode.

        The runs of a text are normalized and split as one string, with `_RUN_SEPARATOR`
        between them as a word of its own: the same words as tokenizing each run alone
        (normalizing acts on each character alone but for a final sigma, and the separator's
        spaces end a word where the run ends), 1.2x faster on SQuAD contexts than one string
        per run. The comparison with `tokenize` catches every text where they differ.
        """
        ids = self.tokenize(strings)
        # The text's own U+E000 becomes U+E001 (as many bytes: the offsets hold), so that only
        # the separators are separators; the comparison below still checks the ids.
        runs, run_starts, run_ends = normalizer.split_raw_words(
            tf.strings.regex_replace(strings, _SEPARATOR, _STAND_IN)
        )
        run_starts, run_ends = (tf.cast(o.flat_values, tf.int32) for o in (run_starts, run_ends))
        run_words = _words_of_runs(runs.value_rowids(), run_starts, run_ends)
        words = self.split_words(tf.strings.reduce_join(runs, axis=1, separator=_RUN_SEPARATOR))
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
        pieces = self._split_words_into_pieces(
            tf.boolean_mask(words.flat_values, kept)
        )  # [words, (pieces)]
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
        settings = _read_folder_settings(names.resolve(directory, revision))
        return cls(mode=mode, **settings)


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


def _as_batch(strings):
    strings = tf.convert_to_tensor(strings, dtype=tf.string)
    if strings.shape.rank is not None and strings.shape.rank != 1:
        raise ValueError(
            f"Expected a [batch] string tensor, got shape {strings.shape}; reshape the texts to "
            "one dimension."
        )
    return strings


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _vocab_has_upper_case(tokens):
    ordinary = (t for t in tokens if not (t.startswith("[") and t.endswith("]")))
    return any(t != t.lower() for t in ordinary)


def _read_folder_settings(directory):
    # Imported here: the checkpoint modules import the models, which import this package.
    from keras_bert.checkpoints import formats  # noqa: PLC0415

    found = formats.detect(directory)
    if found is not None and found.format == formats.KERAS_HUB:
        config = _read_json(os.path.join(directory, names.KERAS_HUB_TOKENIZER)).get("config", {})
        return {
            "vocab": os.path.join(directory, *names.KERAS_HUB_VOCAB.split("/")),
            "lower_case": bool(config.get("lowercase", False)),
            "max_chars_per_word": HUGGINGFACE_MAX_CHARS_PER_WORD,
        }
    if found is not None:
        directory = found.model_path
    vocab_file = os.path.join(directory, "vocab.txt")
    has_vocab = os.path.isfile(vocab_file)

    def path(name):
        return os.path.join(directory, name)

    if has_vocab and found is not None and found.format == formats.KERAS_BERT:
        meta = _read_json(path("keras_bert.json"))
        return {
            "vocab": vocab_file,
            "lower_case": bool(meta.get("lower_case", True)),
            "max_chars_per_word": int(meta.get("max_chars_per_word", GOOGLE_MAX_CHARS_PER_WORD)),
        }
    if os.path.isfile(path("tokenizer.json")):
        spec = _read_json(path("tokenizer.json"))
        model, norm = spec.get("model") or {}, spec.get("normalizer") or {}
        if model.get("type") != "WordPiece":
            raise ValueError(
                f"{path('tokenizer.json')} describes a {model.get('type')} model; BertTokenizer "
                "needs WordPiece."
            )
        lower_case = bool(norm.get("lowercase", True))
        strip_accents = norm.get("strip_accents")
        if strip_accents is not None and bool(strip_accents) != lower_case:
            raise ValueError(
                f"{path('tokenizer.json')} sets lowercase={lower_case} but "
                f"strip_accents={strip_accents}; BERT ties accent stripping to lower-casing."
            )
        if os.path.isfile(
            path("tokenizer_config.json")
        ):  # its do_lower_case wins, as in transformers
            lower_case = bool(
                _read_json(path("tokenizer_config.json")).get("do_lower_case", lower_case)
            )
        if has_vocab:
            vocab = vocab_file
        else:
            pieces = model.get("vocab") or {}
            vocab = [token for token, _ in sorted(pieces.items(), key=lambda item: item[1])]
        return {
            "vocab": vocab,
            "lower_case": lower_case,
            "max_chars_per_word": int(
                model.get("max_input_chars_per_word", HUGGINGFACE_MAX_CHARS_PER_WORD)
            ),
        }
    if not has_vocab:
        raise FileNotFoundError(
            f"No vocab.txt or tokenizer.json in {directory}; a BERT checkpoint folder needs its "
            "vocabulary."
        )
    if os.path.isfile(path("tokenizer_config.json")):
        config = _read_json(path("tokenizer_config.json"))
        return {
            "vocab": vocab_file,
            "lower_case": bool(config.get("do_lower_case", True)),
            "max_chars_per_word": HUGGINGFACE_MAX_CHARS_PER_WORD,
        }
    name = os.path.basename(os.path.normpath(directory)).lower()
    if "uncased" in name:
        lower_case = True
    elif "cased" in name:
        lower_case = False
    else:
        vocab, _ = load_vocab(vocab_file)
        lower_case = not _vocab_has_upper_case(vocab)
    return {
        "vocab": vocab_file,
        "lower_case": lower_case,
        "max_chars_per_word": GOOGLE_MAX_CHARS_PER_WORD,
    }
