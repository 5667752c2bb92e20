"""`BertSpanQA`: extractive question answering (SQuAD) as start/end logits."""

import keras

from keras_bert.layers.heads import SpanHead
from keras_bert.models.encoder import INPUT_NAMES, encoder_inputs
from keras_bert.models.task import BertTask, check_encoder


@keras.saving.register_keras_serializable(package="keras_bert")
class BertSpanQA(BertTask):
    """Predicts the answer span in the context (segment B of `[CLS] question [SEP] context`).

    Inputs: the encoder inputs. Outputs: `start_logits` and `end_logits`, float32
    `[batch, seq_len]`, -1e9 outside the context and `[CLS]` (`SpanHead`). `fit` takes labels
    `{"start_positions", "end_positions"}` (int `[batch]`); the default loss is the mean of
    the two cross-entropies, as in google-research/bert.
    """

    def __init__(self, encoder, **kwargs):
        check_encoder("BertSpanQA", encoder)
        inputs = encoder_inputs(INPUT_NAMES)
        head = SpanHead(initializer_range=encoder.config.initializer_range, name="span_head")
        start, end = head(
            encoder(inputs)["sequence_output"], inputs["input_mask"], inputs["input_type_ids"]
        )
        kwargs.setdefault("name", "bert_span_qa")
        self._build_task(
            encoder, inputs, {"start_logits": start, "end_logits": end}, **kwargs
        )
        self.head = head

    def _default_loss(self):
        return {
            "start_logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            "end_logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        }

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        if loss == "auto":
            kwargs.setdefault("loss_weights", {"start_logits": 0.5, "end_logits": 0.5})
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return super().compute_loss(
            x, _by_output(y), y_pred, _by_output(sample_weight), training
        )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(x, _by_output(y), y_pred, _by_output(sample_weight))


def _by_output(labels):
    """Labels (or sample weights, which Keras shapes like them) keyed `start_positions` /
    `end_positions`, as SQuAD names them, under the output names Keras matches them to."""
    if isinstance(labels, dict) and "start_positions" in labels:
        return {"start_logits": labels["start_positions"], "end_logits": labels["end_positions"]}
    return labels
