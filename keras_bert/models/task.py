"""`BertTask`: what the task models share (the encoder they wrap, the preprocessor, saving,
compile defaults)."""

import keras
from keras import ops
from keras.src.losses.loss import scale_loss_for_distribution

from keras_bert.models.encoder import BertEncoder, freeze, refuse_dtype
from keras_bert.models.text_model import TextModel, deserialize_preprocessor


def check_encoder(model_name, encoder):
    """Task models wrap a `BertEncoder`; anything else gets a one-line error."""
    if not isinstance(encoder, BertEncoder):
        raise TypeError(f"{model_name} takes a BertEncoder, got {type(encoder).__name__}.")


def check_label_names(model_name, label_names, count, what):
    """`label_names`, when given, must name each of the `count` classes/labels."""
    if label_names is not None and len(label_names) != count:
        raise ValueError(f"{model_name} got {len(label_names)} label_names for {count} {what}.")
    return list(label_names) if label_names is not None else None


def mean_loss(values, sample_weight=None, mask=None):
    """The mean of per-example (or per-position) loss `values`, weighted as Keras' losses
    weigh them: `sum(values * sample_weight)` over the positions `mask` keeps, divided by
    their count (every position without a mask; 0 when none is kept). float32."""
    values = ops.cast(values, "float32")
    count = ops.cast(ops.size(values), "float32")
    if mask is not None:
        mask = ops.cast(mask, "float32")
        values = values * mask
        count = ops.sum(mask)
    if sample_weight is not None:
        weights = ops.cast(sample_weight, "float32")
        if len(weights.shape) == len(values.shape) + 1:  # [batch, 1] for [batch] values
            weights = ops.squeeze(weights, -1)
        while len(weights.shape) < len(values.shape):  # [batch] for [batch, seq] values
            weights = ops.expand_dims(weights, -1)
        values = values * weights
    return ops.divide_no_nan(ops.sum(values), count)


class BertTask(TextModel):
    """Base of the models built on a `BertEncoder`.

    Subclasses check their encoder (`check_encoder`), build their functional graph, call
    `super().__init__(inputs=..., outputs=...)` through `_build_task`, and list their
    constructor arguments in `_task_config()`. Each task's loss is written once, as
    `loss_value(y, y_pred, sample_weight)`: `compile()` (loss `"auto"` or None) trains with it,
    and so does `keras-bert finetune`'s distributed loop (`keras_bert.tasks`). `compile()` also
    takes `"auto"` for metrics and optimizer (`_default_metrics`; Adam at 5e-5). A loss passed
    to `compile()` replaces `loss_value` as Keras' losses do.
    Every task model takes `preprocessor=` (a `BertPreprocessor`, saved with the model) to
    fit, evaluate and predict on raw text (`TextModel`).

    Args (of every task model):
        encoder: the `BertEncoder` it wraps (`model.encoder`); its inputs are the model's,
            int32 `[batch, seq_len]` `input_word_ids`, `input_mask`, `input_type_ids`.
        preprocessor: optional `keras_bert.text.BertPreprocessor`.
        name, trainable: as in `keras.Model` (`trainable=False` freezes every layer).

    Examples:

    ```python
    preprocessor = BertPreprocessor(vocab="vocab.txt", seq_length=16)
    classifier = BertClassifier(BertEncoder.from_size("bert_tiny"), num_classes=2,
                                preprocessor=preprocessor)
    classifier.compile()  # Adam at 5e-5, the task's loss_value and metrics
    classifier.fit(["a gripping film", "dull and far too long"], [1, 0], epochs=1)
    classifier.save("classifier.keras")
    keras.models.load_model("classifier.keras")  # compiled, with its preprocessor
    ```
    """

    compiles_when_loaded = True

    def _build_task(self, encoder, inputs, outputs, preprocessor=None, **kwargs):
        refuse_dtype(type(self).__name__, kwargs)
        trainable = kwargs.pop("trainable", True)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        freeze(self, trainable)
        self.encoder = encoder
        self.preprocessor = preprocessor

    @classmethod
    def _from_checkpoint(cls, checkpoint, **kwargs):
        if isinstance(checkpoint, cls) and not kwargs:
            return checkpoint
        encoder = checkpoint.encoder if isinstance(checkpoint, BertTask) else checkpoint
        return cls(encoder, **kwargs)

    def _task_config(self):
        return {}

    def loss_value(self, y, y_pred, sample_weight=None):
        """The task's loss on one batch: a float32 scalar, the mean over the examples (or
        labelled positions), not scaled for replicas."""
        raise NotImplementedError

    def _default_metrics(self):
        return None

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        if optimizer == "auto":
            optimizer = keras.optimizers.Adam(5e-5)
        if metrics == "auto":
            metrics = self._default_metrics()
        # None, stored in the compile config, stands for `loss_value` (see `compute_loss`).
        super().compile(
            optimizer=optimizer, loss=None if loss == "auto" else loss, metrics=metrics, **kwargs
        )

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self.loss is not None:
            return super().compute_loss(x, y, y_pred, sample_weight, training)
        loss = self.loss_value(y, y_pred, sample_weight)
        if self.losses:
            loss = loss + keras.ops.sum(self.losses)
        # Keras sums gradients over replicas, so each replica's loss is divided by their
        # number, as Keras' own losses do.
        return scale_loss_for_distribution(loss)

    def compile_from_config(self, config):
        """Compiles a model loaded from a `.keras` file as it was saved.

        Keras skips this for models that override `compile` (with a warning), which left a
        loaded task model without its loss and optimizer state. The stored config holds the
        resolved optimizer, loss and metrics, so `compile` takes it as it is.
        """
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def get_config(self):
        config = {
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "name": self.name,
            "trainable": self.trainable,
            "preprocessor": keras.saving.serialize_keras_object(self.preprocessor),
        }
        config.update(self._task_config())
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["preprocessor"] = deserialize_preprocessor(config.get("preprocessor"))
        return cls(**config)
