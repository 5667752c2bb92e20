"""`BertTask`: what the task models share (the encoder they wrap, the preprocessor, saving,
compile defaults)."""

import keras

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


class BertTask(TextModel):
    """Base of the models built on a `BertEncoder`.

    Subclasses check their encoder (`check_encoder`), build their functional graph, call
    `super().__init__(inputs=..., outputs=...)` through `_build_task`, and list their
    constructor arguments in `_task_config()`. `compile()` takes `"auto"` for loss, metrics and
    optimizer and fills in each task's defaults (`_default_loss`, `_default_metrics`; Adam at
    5e-5 for the optimizer).
    Every task model takes `preprocessor=` (a `BertPreprocessor`, saved with the model) to
    fit, evaluate and predict on raw text (`TextModel`).
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

    def _default_loss(self):
        raise NotImplementedError

    def _default_metrics(self):
        return None

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        if optimizer == "auto":
            optimizer = keras.optimizers.Adam(5e-5)
        if loss == "auto":
            loss = self._default_loss()
        if metrics == "auto":
            metrics = self._default_metrics()
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

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
