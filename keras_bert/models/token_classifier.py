"""`BertTokenClassifier`: a label per token (tagging, NER) on the sequence output."""

import keras
import numpy as np
import tensorflow as tf

from keras_bert.layers.heads import ClassificationHead
from keras_bert.models.encoder import INPUT_NAMES, encoder_inputs
from keras_bert.models.task import BertTask, check_encoder, check_label_names, mean_loss

# The label of positions that take no part in the loss (padding, special tokens and the
# word pieces after the first of each word).
IGNORE_LABEL = -100
SINGLE_TEXTS = "BertTokenClassifier tags single texts; give a list of strings, not pairs."


@keras.saving.register_keras_serializable(package="keras_bert")
class BertTokenClassifier(BertTask):
    """Tags each token from `sequence_output`.

    Inputs: the encoder inputs. Output: float32 logits `[batch, seq_len, num_labels]`.
    The default loss ignores positions labeled `IGNORE_LABEL` (-100).

    With a `preprocessor`, `fit` and `evaluate` take raw texts and one label per word: the
    whitespace-separated words of each text (`text.split()`), labels as ids or as
    `label_names`, a list of lists (or a `[texts, words]` array padded with -100). Each
    word's label goes to its first word piece and the other pieces are ignored, as
    transformers' token-classification examples align them; words cut by `seq_length` take
    no part. `predict` on texts returns the logits of every position, like on ids;
    `predict_words` reads them back per word.

    Args:
        encoder: a `BertEncoder`.
        num_labels: the number of labels (at least 2).
        dropout: dropout before the output layer.
        label_names: optional names of the labels.
        preprocessor: optional `keras_bert.text.BertPreprocessor`, saved with the model.

    Examples:

    ```python
    tagger = BertTokenClassifier.from_pretrained(folder, num_labels=3,
                                                 label_names=["O", "B-LOC", "I-LOC"])
    tagger.fit(["I live in New York"], [["O", "O", "O", "B-LOC", "I-LOC"]], epochs=3)
    tagger.predict_words(["She moved to Paris"])  # [["O", "O", "O", "B-LOC"]]
    ```
    """

    def __init__(self, encoder, num_labels, dropout=0.1, label_names=None, **kwargs):
        check_encoder("BertTokenClassifier", encoder)
        if num_labels < 2:
            raise ValueError(
                f"BertTokenClassifier num_labels must be at least 2, got {num_labels}."
            )
        label_names = check_label_names("BertTokenClassifier", label_names, num_labels, "labels")
        inputs = encoder_inputs(INPUT_NAMES)
        head = ClassificationHead(
            num_labels,
            dropout=dropout,
            initializer_range=encoder.config.initializer_range,
            name="token_classifier_head",
        )
        logits = head(encoder(inputs)["sequence_output"])
        kwargs.setdefault("name", "bert_token_classifier")
        self._build_task(encoder, inputs, logits, **kwargs)
        self.head = head
        self.num_labels = num_labels
        self.dropout = dropout
        self.label_names = label_names

    def prepare_labels(self, texts, y):
        """Per-word labels (lists of ids or label names, or an array padded with -100) ->
        int32 `[texts, most words]` padded with `IGNORE_LABEL`, checked word for word."""
        if y is None or (isinstance(y, np.ndarray) and y.dtype.kind in "iu" and y.ndim == 2):
            return y
        if isinstance(texts, tuple):
            raise ValueError(SINGLE_TEXTS)
        index = {name: i for i, name in enumerate(self.label_names or ())}
        rows = []
        for row, (text, labels) in enumerate(zip(texts, y)):
            words = len(str(text).split())
            if len(labels) != words:
                raise ValueError(
                    f"Text {row} has {words} words (split at whitespace) but {len(labels)} "
                    "labels; give one label per word."
                )
            unknown = [label for label in labels if isinstance(label, str) and label not in index]
            if unknown:
                raise ValueError(
                    f"Label {unknown[0]!r} of text {row} is not among label_names "
                    f"{self.label_names}."
                )
            rows.append([index[tag] if isinstance(tag, str) else int(tag) for tag in labels])
        if len(rows) != len(texts):
            raise ValueError(f"Got {len(texts)} texts but {len(y)} label lists.")
        _check_words_have_pieces(self.preprocessor.tokenizer, texts)
        padded = np.full((len(rows), max(map(len, rows), default=0)), IGNORE_LABEL, np.int32)
        for row, labels in enumerate(rows):
            padded[row, : len(labels)] = labels
        return padded

    def preprocess_samples(self, x, y=None, sample_weight=None, training=False):
        if isinstance(x, tuple):
            raise ValueError(SINGLE_TEXTS)
        inputs, word_index = self.preprocessor.pack_words(x)
        if y is not None:
            y = tf.cast(y, tf.int32)
            in_labels = (word_index >= 0) & (word_index < tf.shape(y)[1])
            word = tf.clip_by_value(word_index, 0, tf.shape(y)[1] - 1)
            at_word = tf.gather(y, word, batch_dims=1)
            y = tf.where(in_labels, at_word, IGNORE_LABEL)
        return keras.utils.pack_x_y_sample_weight(inputs, y, sample_weight)

    def predict_words(self, texts, batch_size=None):
        """The predicted label of each whitespace-separated word of each text (read at its
        first piece): a list per text of label names (ids without `label_names`); a word
        cut by `seq_length` gets None."""
        logits = self.predict(texts, batch_size=batch_size, verbose=0)
        _, word_index = self.preprocessor.pack_words(tf.constant(list(texts), tf.string))
        predicted = np.argmax(logits, axis=-1)
        result = []
        for text, words, labels in zip(texts, word_index.numpy(), predicted):
            tags = [None] * len(str(text).split())
            for word, label in zip(words, labels):
                if word >= 0:
                    tags[word] = self.label_names[label] if self.label_names else int(label)
            result.append(tags)
        return result

    def _task_config(self):
        return {
            "num_labels": self.num_labels,
            "dropout": self.dropout,
            "label_names": self.label_names,
        }

    def loss_value(self, y, y_pred, sample_weight=None):
        """Cross-entropy per position against label ids `[batch, seq_len]`, averaged over
        the positions not labeled `IGNORE_LABEL`."""
        y = keras.ops.cast(y, "int32")
        labelled = y != IGNORE_LABEL
        values = keras.losses.sparse_categorical_crossentropy(
            keras.ops.where(labelled, y, 0), keras.ops.cast(y_pred, "float32"), from_logits=True
        )
        return mean_loss(values, sample_weight, mask=labelled)


def _check_words_have_pieces(tokenizer, texts):
    """Each whitespace-separated word of each text must give word pieces, so that its label
    has a piece to sit on (a word of only characters BERT drops, such as U+200B, gives none)."""
    _, word_ids, _, _ = tokenizer.tokenize_with_word_offsets(tf.constant(list(texts), tf.string))
    for row, (text, ids) in enumerate(zip(texts, word_ids.to_list())):
        words = len(str(text).split())
        if sorted(set(ids) - {-1}) != list(range(words)):
            raise ValueError(
                f"Text {row} has {words} words, but the tokenizer finds pieces for "
                f"{len(set(ids) - {-1})} of them (a word of characters BERT drops, or whitespace "
                "BERT does not split at); clean that text so each word gives word pieces."
            )
