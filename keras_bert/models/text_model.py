"""`TextModel`: what lets a keras-bert model carry a preprocessor and take raw text.

A model with a `preprocessor` (a `keras_bert.text.BertPreprocessor`) tokenizes and packs raw
text inside the data pipeline of `fit`, `evaluate` and `predict`, as keras-hub's task models
do: `x` may be a Python list or NumPy array of strings, a tuple of two of them (text pairs),
or a batched `tf.data.Dataset` whose `x` is tf.string. Inputs that hold no text (the encoder
inputs as ids) go to Keras unchanged, with or without a preprocessor. Calling the model
itself (`model(x)`) takes ids: `model(model.preprocessor(texts))`.
"""

import functools

import keras
import numpy as np
import tensorflow as tf

# Raw-text batches of `fit`, `evaluate` and `predict` when no `batch_size` is given (Keras').
DEFAULT_BATCH_SIZE = 32
# The packed length of `from_pretrained`'s preprocessor, as TF Hub's BERT preprocessors pack.
DEFAULT_SEQ_LENGTH = 128
# The default of `from_pretrained`'s `preprocessor`: the checkpoint's own tokenizer.
FROM_CHECKPOINT = "from_checkpoint"


def _is_text_array(value):
    if isinstance(value, (list, np.ndarray)) and len(value) > 0:
        first = np.asarray(value).reshape(-1)[0]
        return isinstance(first, (str, bytes, np.str_, np.bytes_))
    if isinstance(value, tf.Tensor):
        return value.dtype == tf.string
    return False


def holds_text(x):
    """Whether `x` is raw text: strings, a pair of them, or a dataset whose `x` is tf.string."""
    if isinstance(x, tf.data.Dataset):
        spec = x.element_spec
        spec = spec[0] if isinstance(spec, tuple) and len(spec) in (2, 3) else spec
        specs = spec if isinstance(spec, tuple) else (spec,)
        return all(isinstance(s, tf.TensorSpec) and s.dtype == tf.string for s in specs)
    if isinstance(x, tuple) and len(x) in (1, 2):
        return all(_is_text_array(segment) for segment in x)
    return _is_text_array(x)


def _as_arrays(x):
    """Raw text as NumPy arrays of Python strings (one, or a tuple of two)."""
    if isinstance(x, tuple):
        return tuple(_as_arrays(segment) for segment in x)
    array = np.asarray(x, dtype=object)
    if array.ndim != 1:
        raise ValueError(
            f"Raw text must be a flat list or 1-D array of strings, got shape {array.shape}; "
            "give one string per example (a tuple of two lists for text pairs)."
        )
    return array


def _rows(x):
    return len(x[0]) if isinstance(x, tuple) else len(x)


def _split(data, at):
    """`(first part, second part)` of each array in the nest `data`, cut at row `at`."""
    first = keras.tree.map_structure(lambda a: None if a is None else a[:at], data)
    second = keras.tree.map_structure(lambda a: None if a is None else a[at:], data)
    return first, second


def deserialize_preprocessor(config):
    """The preprocessor of a saved model's config (None when it had none)."""
    return None if config is None else keras.saving.deserialize_keras_object(config)


class TextModel(keras.Model):
    """Base of `BertEncoder` and the task models: the `preprocessor` and raw-text data.

    A subclass sets `self.preprocessor` (a `BertPreprocessor` or None) and may override
    `prepare_labels` (Python-side labels -> arrays, checked against the texts) and
    `preprocess_samples` (one batch of text and labels -> encoder inputs and labels, in the
    `tf.data` graph).

    With a preprocessor, `fit`, `evaluate` and `predict` take raw text (see the module
    docstring) besides the encoder inputs; calling the model takes the encoder inputs only,
    int32 `[batch, seq_len]`. `from_pretrained` loads the model with its checkpoint's tokenizer.

    Examples:

    ```python
    preprocessor = BertPreprocessor(vocab="vocab.txt", seq_length=16)
    encoder = BertEncoder(BertConfig.from_size("bert_tiny"), preprocessor=preprocessor)
    encoder.predict(["hello world", "good morning"])["pooled_output"]  # [2, 128]
    inputs = encoder.preprocessor(tf.constant(["hello world"]))  # ids [1, 16] each
    encoder(inputs)["sequence_output"]  # [1, 16, 128]
    ```
    """

    preprocessor = None
    # Whether `from_pretrained` compiles the model with its defaults (task models).
    compiles_when_loaded = False

    def prepare_labels(self, texts, y):
        """Labels as arrays `from_tensor_slices` can slice, given as the user gave them or
        as this method returned them (`texts`: the arrays of `x`)."""
        if y is None:
            return None
        if isinstance(y, dict):
            return {name: np.asarray(value) for name, value in y.items()}
        return np.asarray(y)

    def preprocess_samples(self, x, y=None, sample_weight=None, training=False):
        """One batch: tf.string `x` (or a pair) -> `(encoder inputs, y, sample_weight)`."""
        inputs = self.preprocessor(x)
        return keras.utils.pack_x_y_sample_weight(inputs, y, sample_weight)

    def __call__(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        if holds_text(inputs):
            raise ValueError(
                f"Calling a {type(self).__name__} takes ids, not text: use predict, fit or "
                "evaluate, which preprocess text, or model(model.preprocessor(tf.constant(texts)))."
            )
        return super().__call__(*args, **kwargs)

    def _needs_preprocessor(self, x):
        if not holds_text(x):
            return False
        if self.preprocessor is None:
            raise ValueError(
                f"{type(self).__name__} got raw text but has no preprocessor; pass "
                "preprocessor=BertPreprocessor(tokenizer, seq_length) when building it (or load "
                "it with from_pretrained), or give the encoder inputs as ids."
            )
        return True

    def _text_dataset(
        self, x, y=None, sample_weight=None, batch_size=None, training=False, shuffle=False
    ):
        """A batched `tf.data.Dataset` of preprocessed `(inputs, y, sample_weight)`."""
        # Graph ops only, with Python branches on the structure: nothing for autograph to convert.
        preprocess = tf.autograph.experimental.do_not_convert(
            functools.partial(self.preprocess_samples, training=training)
        )
        if isinstance(x, tf.data.Dataset):
            if y is not None or sample_weight is not None or batch_size is not None:
                raise ValueError(
                    "With a tf.data.Dataset, give the labels inside it and batch it yourself; "
                    "drop y=, sample_weight= and batch_size=."
                )

            def map_batch(*element):
                # `x`, or `(x, y)` / `(x, y, sample_weight)` as Keras reads a dataset; a text
                # pair is `((first, second), y)`.
                if len(element) == 1:
                    return preprocess(element[0])
                return preprocess(*keras.utils.unpack_x_y_sample_weight(element))

            dataset = x.map(
                tf.autograph.experimental.do_not_convert(map_batch),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        else:
            x = _as_arrays(x)
            data = {"x": x, "y": self.prepare_labels(x, y), "sample_weight": sample_weight}
            data = {name: value for name, value in data.items() if value is not None}
            dataset = tf.data.Dataset.from_tensor_slices(data)
            if shuffle:
                dataset = dataset.shuffle(_rows(x), reshuffle_each_iteration=True)
            dataset = dataset.batch(batch_size or DEFAULT_BATCH_SIZE).map(
                tf.autograph.experimental.do_not_convert(lambda batch: preprocess(**batch)),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        return dataset.prefetch(tf.data.AUTOTUNE)

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        sample_weight=None,
        validation_data=None,
        validation_split=0.0,
        shuffle=True,
        **kwargs,
    ):
        text_batch_size = batch_size
        if self._needs_preprocessor(x):
            if validation_split and validation_data is None:
                x = _as_arrays(x)
                y = self.prepare_labels(x, y)
                at = int(_rows(x) * (1.0 - validation_split))
                (x, y, sample_weight), validation_data = _split((x, y, sample_weight), at)
            x = self._text_dataset(x, y, sample_weight, batch_size, True, shuffle)
            y = sample_weight = batch_size = None
            validation_split, shuffle = 0.0, False  # shuffled in the dataset
        if validation_data is not None:
            if isinstance(validation_data, tf.data.Dataset):
                if self._needs_preprocessor(validation_data):
                    validation_data = self._text_dataset(validation_data)
            else:
                vx, vy, vw = keras.utils.unpack_x_y_sample_weight(validation_data)
                if self._needs_preprocessor(vx):
                    validation_data = self._text_dataset(vx, vy, vw, text_batch_size)
        return super().fit(
            x,
            y,
            batch_size=batch_size,
            sample_weight=sample_weight,
            validation_data=validation_data,
            validation_split=validation_split,
            shuffle=shuffle,
            **kwargs,
        )

    def evaluate(self, x=None, y=None, batch_size=None, sample_weight=None, **kwargs):
        if self._needs_preprocessor(x):
            x = self._text_dataset(x, y, sample_weight, batch_size)
            y = sample_weight = batch_size = None
        return super().evaluate(x, y, batch_size=batch_size, sample_weight=sample_weight, **kwargs)

    def predict(self, x, batch_size=None, **kwargs):
        if self._needs_preprocessor(x):
            x = self._text_dataset(x, batch_size=batch_size)
            batch_size = None
        return super().predict(x, batch_size=batch_size, **kwargs)

    @classmethod
    def from_pretrained(
        cls,
        name_or_folder,
        preprocessor=FROM_CHECKPOINT,
        seq_length=None,
        allow_pickle=False,
        revision=None,
        **kwargs,
    ):
        """This model from a pretrained checkpoint, with the checkpoint's tokenizer attached.

        The checkpoint is read by `keras_bert.from_pretrained` (every name and folder it
        takes). A checkpoint that holds this model (a fine-tuned classifier for
        `BertClassifier`, ...) loads whole, head included, when no model arguments are
        given; otherwise (and for any other checkpoint) the checkpoint's encoder gets a new
        head built with `kwargs`, as keras-hub's `from_preset(..., num_classes=n)` does.

        Args:
            name_or_folder: what `keras_bert.from_pretrained` loads.
            preprocessor: by default a `BertPreprocessor` of the checkpoint's vocabulary and
                casing (`BertTokenizer.from_pretrained`) at `seq_length`; None for a model
                that takes ids only; or a `BertPreprocessor` of your own.
            seq_length: the packed length of the default preprocessor (128, or the model's
                `max_position_embeddings` when that is smaller).
            allow_pickle, revision: as in `keras_bert.from_pretrained`.
            **kwargs: the model's own arguments (`num_classes`, `dropout`, `label_names`, ...).

        Returns:
            The model, with `model.preprocessor` set; a task model comes compiled with its
            defaults (`compile()`), ready to `fit`, as keras-hub's task models do.
        """
        # keras_bert.pretrained imports the models.
        from keras_bert.pretrained import from_pretrained  # noqa: PLC0415
        from keras_bert.text import BertPreprocessor, BertTokenizer  # noqa: PLC0415

        checkpoint = from_pretrained(
            name_or_folder, task="auto", allow_pickle=allow_pickle, revision=revision
        )
        model = cls._from_checkpoint(checkpoint, **kwargs)
        if preprocessor == FROM_CHECKPOINT:
            tokenizer = BertTokenizer.from_pretrained(name_or_folder, revision=revision)
            if seq_length is None:
                encoder = model if not hasattr(model, "encoder") else model.encoder
                seq_length = min(DEFAULT_SEQ_LENGTH, encoder.config.max_position_embeddings)
            preprocessor = BertPreprocessor(tokenizer, seq_length=seq_length)
        model.preprocessor = preprocessor
        if cls.compiles_when_loaded:
            model.compile()
        return model

    @classmethod
    def _from_checkpoint(cls, checkpoint, **kwargs):
        """This class's model from what `from_pretrained(task="auto")` returned: the model
        itself when it is one and no `kwargs` ask for a new head, else its encoder under a
        new head built with `kwargs`."""
        raise NotImplementedError
