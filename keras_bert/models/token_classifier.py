"""`BertTokenClassifier`: a label per token (tagging, NER) on the sequence output."""

import keras

from keras_bert.layers.heads import ClassificationHead
from keras_bert.models.encoder import INPUT_NAMES, encoder_inputs
from keras_bert.models.task import BertTask, check_encoder, check_label_names

# The label of positions that take no part in the loss (padding, special tokens and the
# word pieces after the first of each word).
IGNORE_LABEL = -100


@keras.saving.register_keras_serializable(package="keras_bert")
class BertTokenClassifier(BertTask):
    """Tags each token from `sequence_output`.

    Inputs: the encoder inputs. Output: float32 logits `[batch, seq_len, num_labels]`.
    The default loss ignores positions labeled `IGNORE_LABEL` (-100).
    """

    def __init__(self, encoder, num_labels, dropout=0.1, label_names=None, **kwargs):
        check_encoder("BertTokenClassifier", encoder)
        if num_labels < 2:
            raise ValueError(f"BertTokenClassifier num_labels must be at least 2, got {num_labels}.")
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

    def _task_config(self):
        return {
            "num_labels": self.num_labels,
            "dropout": self.dropout,
            "label_names": self.label_names,
        }

    def _default_loss(self):
        return keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=IGNORE_LABEL
        )
