"""`BertPreprocessor`: raw text -> encoder inputs, like TF Hub's `bert_en_uncased_preprocess`."""

import keras
import tensorflow as tf

from keras_bert.text.packing import pack_inputs
from keras_bert.text.tokenizer import GOOGLE_MAX_CHARS_PER_WORD, BertTokenizer


@keras.saving.register_keras_serializable(package="keras_bert")
class BertPreprocessor(keras.layers.Layer):
    """Tokenizes and packs text for `BertEncoder` (TensorFlow ops: tf.data, tf.function, export).

    Called on a tf.string `[batch]` tensor it returns the encoder inputs for one segment; on a
    list or tuple of two `[batch]` tensors, for a pair (`[CLS] a [SEP] b [SEP]`, truncated as the
    original does). A scalar string gives one example without the batch axis (for
    `tf.data.Dataset.map` before batching).

    Args:
        tokenizer: a `BertTokenizer`. Alternatively give `vocab` (list or path), `lower_case`,
            `max_chars_per_word` and `mode` to build one (that is how `get_config` stores it, so
            the layer round-trips through `.keras` files with its vocabulary).
        seq_length: length of the packed outputs.

    Returns (from `call`):
        dict of int32 `[batch, seq_length]`: `input_word_ids`, `input_mask`, `input_type_ids`.

    Examples:

    ```python
    preprocessor = BertPreprocessor(vocab="vocab.txt", seq_length=8)
    inputs = preprocessor(tf.constant(["hello world", "good morning"]))
    inputs["input_word_ids"].shape  # (2, 8): [CLS] hello world [SEP] and padding
    pair = preprocessor([tf.constant(["a question ?"]), tf.constant(["its context ."])])
    pair["input_type_ids"]  # [[0, 0, 0, 0, 0, 1, 1, 1]]: the pair cut to 8 tokens
    preprocessor.tokenize(tf.constant(["hello world"]))  # ragged ids [1, (2)]
    ```
    """

    def __init__(
        self,
        tokenizer=None,
        seq_length=128,
        vocab=None,
        lower_case=True,
        max_chars_per_word=GOOGLE_MAX_CHARS_PER_WORD,
        mode="exact",
        **kwargs,
    ):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if tokenizer is None:
            if vocab is None:
                raise ValueError(
                    "BertPreprocessor needs a tokenizer (BertTokenizer) or a vocab (list of tokens "
                    "or vocab.txt path)."
                )
            tokenizer = BertTokenizer(
                vocab, lower_case=lower_case, max_chars_per_word=max_chars_per_word, mode=mode
            )
        if int(seq_length) < 3:
            raise ValueError(
                f"seq_length={seq_length} is too short; it needs room for [CLS], [SEP] and at "
                "least one token."
            )
        self.tokenizer = tokenizer
        self.seq_length = int(seq_length)
        self.built = True

    def tokenize(self, strings):
        """tf.string `[batch]` -> int32 tf.RaggedTensor `[batch, (pieces)]`."""
        return self.tokenizer.tokenize(strings)

    def bert_pack_inputs(self, segments, seq_length=None):
        """Tokenized segments `[batch, (pieces)]` -> encoder inputs (see `pack_inputs`);
        `seq_length` (an int or a scalar tensor) defaults to the preprocessor's."""
        tok = self.tokenizer
        length = self.seq_length if seq_length is None else seq_length
        return pack_inputs(segments, length, tok.cls_id, tok.sep_id, tok.pad_id)

    def pack_words(self, texts):
        """Packs one segment and tells where each whitespace-separated word starts.

        Args:
            texts: tf.string `[batch]`.

        Returns:
            `(inputs, word_index)`: the encoder inputs (as `call`) and int32 `[batch,
            seq_length]`, at the first piece of each word the index of that word in its text
            (`str.split()`'s words, as `BertTokenizer.tokenize_with_word_offsets` counts them),
            -1 elsewhere (other pieces, special tokens, padding, words cut by `seq_length`).
        """
        ids, word_ids, _, _ = self.tokenizer.tokenize_with_word_offsets(texts)
        inputs = self.bert_pack_inputs([ids])
        length = self.seq_length
        # Position p holds piece p - 1 (after [CLS]) while p <= the pieces kept.
        at_position = tf.pad(
            word_ids.to_tensor(-1, shape=[None, length - 1]), [[0, 0], [1, 0]], constant_values=-1
        )
        before = tf.pad(at_position[:, :-1], [[0, 0], [1, 0]], constant_values=-1)
        kept = tf.reduce_sum(inputs["input_mask"], axis=1, keepdims=True) - 2
        positions = tf.range(length)[tf.newaxis, :]
        in_text = (positions >= 1) & (positions <= kept) & (at_position >= 0)
        first = in_text & (at_position != before)
        return inputs, tf.where(first, at_position, -1)

    def call(self, inputs):
        texts = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if not 1 <= len(texts) <= 2:
            raise ValueError(
                f"BertPreprocessor takes one text tensor or a pair, got {len(texts)} tensors."
            )
        texts = [tf.convert_to_tensor(t, dtype=tf.string) for t in texts]
        if texts[0].shape.rank == 0:
            outputs = self.call([t[tf.newaxis] for t in texts])
            return {name: value[0] for name, value in outputs.items()}
        return self.bert_pack_inputs([self.tokenize(t) for t in texts])

    def compute_output_spec(self, inputs):
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        shape = tuple(first.shape) + (self.seq_length,)
        names = ("input_word_ids", "input_mask", "input_type_ids")
        return {name: keras.KerasTensor(shape, dtype="int32") for name in names}

    def get_config(self):
        config = super().get_config()
        config.update({"seq_length": self.seq_length, **self.tokenizer.get_config()})
        return config
