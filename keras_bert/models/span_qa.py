"""`BertSpanQA`: extractive question answering (SQuAD) as start/end logits."""

import keras
import numpy as np
import tensorflow as tf

from keras_bert.layers.heads import SpanHead
from keras_bert.models.encoder import INPUT_NAMES, encoder_inputs
from keras_bert.models.task import BertTask, check_encoder, mean_loss


@keras.saving.register_keras_serializable(package="keras_bert")
class BertSpanQA(BertTask):
    """Predicts the answer span in the context (segment B of `[CLS] question [SEP] context`).

    Inputs: the encoder inputs. Outputs: `start_logits` and `end_logits`, float32
    `[batch, seq_len]`, -1e9 outside the context and `[CLS]` (`SpanHead`). `fit` takes labels
    `{"start_positions", "end_positions"}` (int `[batch]`); the default loss is the mean of
    the two cross-entropies, as in google-research/bert.

    With a `preprocessor`, `x` is a pair of raw-text lists `(questions, contexts)`, packed as
    `[CLS] question [SEP] context [SEP]` and cut to `seq_length` as BERT cuts pairs (one
    window: long contexts are cut, not windowed; the exported model and `keras-bert finetune`
    window them). The labels are SQuAD's: `{"answer_start": [n] character offsets in the
    context, "answer_text": [n] strings}`; the answer's span is the pieces whose text overlaps
    it, and an answer cut off (or an empty `answer_text`) points at `[CLS]`, as in
    `run_squad.py`. Labels given as `start_positions` / `end_positions` (packed positions)
    pass as they are.

    Args:
        encoder: a `BertEncoder`.
        preprocessor: optional `keras_bert.text.BertPreprocessor`, saved with the model.

    Examples:

    ```python
    qa = BertSpanQA.from_pretrained(folder, seq_length=384)
    qa.fit((["Who wrote it?"], ["It was written by Ann."]),
           {"answer_start": [18], "answer_text": ["Ann"]})
    outputs = qa.predict((["Who wrote it?"], ["It was written by Ann."]))
    ```
    """

    def __init__(self, encoder, **kwargs):
        check_encoder("BertSpanQA", encoder)
        inputs = encoder_inputs(INPUT_NAMES)
        head = SpanHead(initializer_range=encoder.config.initializer_range, name="span_head")
        start, end = head(
            encoder(inputs)["sequence_output"], inputs["input_mask"], inputs["input_type_ids"]
        )
        kwargs.setdefault("name", "bert_span_qa")
        self._build_task(encoder, inputs, {"start_logits": start, "end_logits": end}, **kwargs)
        self.head = head

    def prepare_labels(self, texts, y):
        """SQuAD labels (character offsets and texts) -> the answer's UTF-8 byte span in the
        context, `answer_start_byte` / `answer_end_byte` (int64 `[n]`)."""
        if not (isinstance(y, dict) and "answer_start" in y):
            return super().prepare_labels(texts, y)
        if not isinstance(texts, tuple) or len(texts) != 2:
            raise ValueError("BertSpanQA takes (questions, contexts) pairs of raw text.")
        if "answer_text" not in y:
            raise ValueError("SQuAD labels need answer_text beside answer_start.")
        starts, ends = [], []
        for context, start, text in zip(texts[1], y["answer_start"], y["answer_text"]):
            context, start = str(context), int(start)
            if text and context[start : start + len(text)] != text:
                raise ValueError(
                    f"answer_text {text!r} is not at character {start} of its context "
                    f"({context[start : start + len(text)]!r} is); fix answer_start."
                )
            begin = len(context[:start].encode("utf-8"))
            starts.append(begin)
            ends.append(begin + len(str(text).encode("utf-8")))
        return {"answer_start_byte": np.array(starts), "answer_end_byte": np.array(ends)}

    def preprocess_samples(self, x, y=None, sample_weight=None, training=False):
        if not isinstance(x, tuple) or len(x) != 2:
            raise ValueError("BertSpanQA takes (questions, contexts) pairs of raw text.")
        tokenizer = self.preprocessor.tokenizer
        question, context = x
        context_ids, _, starts, ends = tokenizer.tokenize_with_word_offsets(context)
        inputs = self.preprocessor.bert_pack_inputs([tokenizer.tokenize(question), context_ids])
        if isinstance(y, dict) and "answer_start_byte" in y:
            begin, end = y["answer_start_byte"], y["answer_end_byte"]
            y = _answer_positions(inputs, starts, ends, begin, end)
        return keras.utils.pack_x_y_sample_weight(inputs, y, sample_weight)

    def loss_value(self, y, y_pred, sample_weight=None):
        """The mean of the start and end cross-entropies, as google-research/bert's
        `run_squad.py` computes it; labels `{"start_positions", "end_positions"}` `[batch]`."""
        y, weights = _by_output(y), _by_output(sample_weight)
        losses = []
        for name in ("start_logits", "end_logits"):
            values = keras.losses.sparse_categorical_crossentropy(
                y[name], keras.ops.cast(y_pred[name], "float32"), from_logits=True
            )
            losses.append(
                mean_loss(values, weights[name] if isinstance(weights, dict) else weights)
            )
        return (losses[0] + losses[1]) / 2

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self.loss is None:
            return super().compute_loss(x, y, y_pred, sample_weight, training)
        return super().compute_loss(x, _by_output(y), y_pred, _by_output(sample_weight), training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(x, _by_output(y), y_pred, _by_output(sample_weight))


def _answer_positions(inputs, starts, ends, begin, end):
    """`{"start_positions", "end_positions"}` `[batch]`: the packed positions of the first and
    last context piece whose run overlaps the bytes `[begin, end)` of the context (`starts`,
    `ends`: the runs' byte offsets per piece, ragged), 0 (`[CLS]`) when none does or the
    last is cut off."""
    starts, ends = (offsets.to_tensor(-1) for offsets in (starts, ends))
    begin, end = (tf.cast(v, starts.dtype)[:, tf.newaxis] for v in (begin, end))
    overlap = tf.cast((ends > begin) & (starts < end) & (starts >= 0), tf.int32)
    pieces = tf.shape(overlap)[1]
    first = tf.argmax(overlap, axis=1, output_type=tf.int32)
    last = pieces - 1 - tf.argmax(tf.reverse(overlap, [1]), axis=1, output_type=tf.int32)
    type_ids, mask = inputs["input_type_ids"], inputs["input_mask"]
    context_begin = tf.reduce_sum(mask * (1 - type_ids), axis=1)  # [CLS] question [SEP]
    context_kept = tf.reduce_sum(type_ids, axis=1) - 1  # without the closing [SEP]
    found = (tf.reduce_max(overlap, axis=1) > 0) & (last < context_kept)
    return {
        "start_positions": tf.where(found, context_begin + first, 0),
        "end_positions": tf.where(found, context_begin + last, 0),
    }


def _by_output(labels):
    """Labels (or sample weights, which Keras shapes like them) keyed `start_positions` /
    `end_positions`, as SQuAD names them, under the output names Keras matches them to."""
    if isinstance(labels, dict) and "start_positions" in labels:
        return {"start_logits": labels["start_positions"], "end_logits": labels["end_positions"]}
    return labels
