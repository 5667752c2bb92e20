"""`BertClassifier`: sequence classification (or regression) on the pooled output."""

import keras
from keras import ops

from keras_bert.layers.heads import ClassificationHead
from keras_bert.models.encoder import INPUT_NAMES, encoder_inputs
from keras_bert.models.task import BertTask, check_encoder, check_label_names, mean_loss


@keras.saving.register_keras_serializable(package="keras_bert")
class BertClassifier(BertTask):
    """Classifies a sequence (or a pair) from `pooled_output`.

    Inputs: the encoder inputs. Output: float32 logits `[batch, num_classes]`; with
    `num_classes=1` the model is a regressor and the output is the predicted value.

    Args:
        encoder: a `BertEncoder`.
        num_classes: the number of classes (1 for regression).
        dropout: dropout before the output layer.
        label_names: optional names of the classes, stored with the model so predictions can
            be reported by name.
        preprocessor: optional `keras_bert.text.BertPreprocessor`, saved with the model: then
            `fit`, `evaluate` and `predict` also take raw text, a list or array of strings or
            a tuple of two for pairs (`TextModel`).

    Examples:

    ```python
    classifier = BertClassifier.from_pretrained(folder, num_classes=2)
    classifier.fit(["a gripping film", "dull and far too long"], [1, 0], epochs=2)
    classifier.predict(["superb"])  # logits [1, 2]
    ```
    """

    def __init__(self, encoder, num_classes, dropout=0.1, label_names=None, **kwargs):
        check_encoder("BertClassifier", encoder)
        if num_classes < 1:
            raise ValueError(f"BertClassifier num_classes must be at least 1, got {num_classes}.")
        label_names = check_label_names("BertClassifier", label_names, num_classes, "classes")
        inputs = encoder_inputs(INPUT_NAMES)
        head = ClassificationHead(
            num_classes,
            dropout=dropout,
            initializer_range=encoder.config.initializer_range,
            name="classifier_head",
        )
        logits = head(encoder(inputs)["pooled_output"])
        kwargs.setdefault("name", "bert_classifier")
        self._build_task(encoder, inputs, logits, **kwargs)
        self.head = head
        self.num_classes = num_classes
        self.dropout = dropout
        self.label_names = label_names

    def call(self, inputs, training=None):
        # The head reads only [CLS], so the encoder's last block runs for that position alone
        # (`BertEncoder.pooled_output`): the same logits as the functional graph built above,
        # for about 7% less work in `predict`, `fit` and the exports alike.
        return self.head(self.encoder.pooled_output(inputs, training=training), training=training)

    def _task_config(self):
        return {
            "num_classes": self.num_classes,
            "dropout": self.dropout,
            "label_names": self.label_names,
        }

    def loss_value(self, y, y_pred, sample_weight=None):
        """Cross-entropy of the logits against class ids `[batch]`; for a regressor
        (`num_classes=1`) the squared error of its output against the values `[batch]`."""
        y_pred = ops.cast(y_pred, "float32")
        if self.num_classes == 1:
            values = ops.square(y_pred[:, 0] - ops.cast(ops.reshape(y, (-1,)), "float32"))
        else:
            values = keras.losses.sparse_categorical_crossentropy(y, y_pred, from_logits=True)
        return mean_loss(values, sample_weight)

    def _default_metrics(self):
        if self.num_classes == 1:
            return [keras.metrics.MeanAbsoluteError()]
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
