"""Sequence classification and regression: a label (or a number) per text or text pair.

Four tasks share this module: `classification` and `regression` of one text,
`pair_classification` and `pair_regression` of two (`[CLS] a [SEP] b [SEP]`). Their model is a
`BertClassifier` on `pooled_output` (one output for regression); their files GLUE-style TSVs
(`files.read_tsv`); their scores accuracy and Matthews correlation (and F1 of class 1 with two
classes), or mean squared error and Pearson correlation; their serving outputs `logits`,
`probabilities` and `label` (a regressor's `logits` only).
"""

import numpy as np
import tensorflow as tf
from keras import ops

from keras_bert.models.classifier import BertClassifier
from keras_bert.tasks import files, metrics
from keras_bert.tasks.labels import label_ids, label_vocabulary
from keras_bert.tasks.serving_graph import predict_trimmed
from keras_bert.tasks.task import Prepared, Task
from keras_bert.text import pack_inputs


def encode_texts(tokenizer, texts, seq_length):
    """One or two lists of strings -> dict of int32 numpy encoder inputs `[n, seq_length]`."""
    segments = [tokenizer.tokenize(tf.constant(t)) for t in texts]
    packed = pack_inputs(segments, seq_length, tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id)
    return {k: v.numpy() for k, v in packed.items()}


class SequenceClassification(Task):
    """A class (or with `regression`, a number) per text, or per pair with `num_segments=2`.

    Examples:

    ```python
    task = keras_bert.tasks.get("pair_classification")
    task.num_segments  # 2
    model = task.build(encoder, label_names=["entailment", "neutral", "contradiction"])
    ```
    """

    model_class = BertClassifier
    head_keys = ("output_weights", "output_bias")
    huggingface_architecture = "BertForSequenceClassification"
    labelled_head = True
    huggingface_head_names = ("classifier.weight", "classifier.bias")
    scores_exports = True

    def __init__(self, name, num_segments, regression):
        self.name = name
        self.num_segments = num_segments
        self.regression = regression
        self.label_names_flag = not regression
        self.progress_metrics = () if regression else ("accuracy",)
        self.confusion_matrix = not regression
        self.mediapipe_task = None if regression or num_segments == 2 else "text_classifier"

    def build(self, encoder, num_labels=None, label_names=None, dropout=0.1, **settings):
        if self.regression:
            return BertClassifier(encoder, 1, dropout)
        count = len(label_names) if num_labels is None else num_labels
        return BertClassifier(encoder, count, dropout, label_names)

    def holds(self, model):
        return isinstance(model, BertClassifier) and (model.num_classes == 1) == self.regression

    def metric_names(self, num_labels=None):
        if self.regression:
            return ("mse", "pearson")
        return ("accuracy", "mcc") + (("f1",) if num_labels == 2 else ())

    def read_file(self, path, options):
        return files.read_tsv(path, options.text_column, options.label_column)

    def prepare(self, tokenizer, data, options, training, label_names, source):
        limit = options.max_train_examples if training else options.max_eval_examples
        texts, labels = data
        texts = [t[:limit] for t in texts]
        if labels is None:
            raise ValueError(
                f"{source} has no {options.label_column!r} column to train or evaluate on."
            )
        labels = labels[:limit]
        if len(texts) != self.num_segments:
            raise ValueError(
                f"--task {self.name} needs {self.num_segments} text column(s), {source} gave "
                f"{len(texts)}; choose them with --text-column."
            )
        inputs = encode_texts(tokenizer, texts, options.seq_length)
        if self.regression:
            try:
                return Prepared(inputs, np.array(labels, np.float32), None)
            except ValueError:
                raise ValueError(
                    f"{source} has {options.label_column!r} values that are not numbers; --task "
                    f"{self.name} learns numeric scores."
                ) from None
        named = bool(options.label_names)
        label_names = label_names or label_vocabulary(labels)
        return Prepared(inputs, label_ids(labels, label_names, source, named), label_names)

    def batch_metrics(self, labels, outputs):
        if self.regression:
            return {}
        hits = ops.argmax(outputs, axis=-1) == ops.cast(ops.reshape(labels, (-1,)), "int32")
        return {"accuracy": ops.mean(ops.cast(hits, "float32"))}

    def evaluate(self, outputs, prepared):
        labels = prepared.labels
        if self.regression:
            predictions = outputs[:, 0]
            return {
                "mse": float(np.mean((predictions - labels) ** 2)),
                "pearson": float(np.corrcoef(predictions, labels)[0, 1]),
            }
        return metrics.classification_metrics(labels, outputs.argmax(-1), len(prepared.label_names))

    def serving_outputs(self, model, inputs, extras, vocab):
        logits = predict_trimmed(model, inputs)
        if model.num_classes == 1:
            return {"logits": logits}
        names = model.label_names or [str(i) for i in range(model.num_classes)]
        label_id = tf.argmax(logits, axis=-1, output_type=tf.int32)
        return {
            "logits": logits,
            "probabilities": tf.nn.softmax(logits, axis=-1),
            "label": tf.gather(tf.constant(names), label_id),
        }

    def export_metric(self, eval_file, exported, keras_model):
        """A classifier's accuracy (its `label` output against the file's label names), or a
        regression model's Pearson correlation and mean squared error (its one `logits`
        column against the file's numbers), on a labelled TSV."""
        texts, labels = files.read_tsv(eval_file)
        if labels is None:
            raise ValueError(f"{eval_file} has no label column; the metric needs gold labels.")
        if len(texts) != self.num_segments:
            raise ValueError(
                f"{eval_file} has {len(texts)} text column(s) but the model takes "
                f"{self.num_segments} text(s) an example; evaluate on a file of the model's task."
            )
        pairs = texts[1] if self.num_segments == 2 else None
        outputs = [run(texts[0], pairs) for run in (exported, keras_model)]
        if not self.regression:
            gold = np.array([label.encode("utf-8") for label in labels], dtype=object)
            accuracy = [np.mean(np.asarray(out["label"]) == gold) for out in outputs]
            return "label", f"accuracy {accuracy[0]:.4f} (Keras {accuracy[1]:.4f}, n={len(labels)})"
        try:
            gold = np.array(labels, dtype=np.float64)
        except ValueError:
            raise ValueError(
                f"{eval_file} has labels that are not numbers; a regression model is evaluated "
                "on numeric labels."
            ) from None
        scores = []
        for out in outputs:
            predicted = np.asarray(out["logits"], np.float64)[:, 0]
            scores.append((np.corrcoef(predicted, gold)[0, 1], np.mean((predicted - gold) ** 2)))
        (pearson, mse), (keras_pearson, keras_mse) = scores
        return "logits", (
            f"pearson {pearson:.4f}, mse {mse:.4f} (Keras {keras_pearson:.4f}, {keras_mse:.4f}, "
            f"n={len(labels)})"
        )


CLASSIFICATION = SequenceClassification("classification", 1, regression=False)
PAIR_CLASSIFICATION = SequenceClassification("pair_classification", 2, regression=False)
REGRESSION = SequenceClassification("regression", 1, regression=True)
PAIR_REGRESSION = SequenceClassification("pair_regression", 2, regression=True)
TASKS = (CLASSIFICATION, PAIR_CLASSIFICATION, REGRESSION, PAIR_REGRESSION)
