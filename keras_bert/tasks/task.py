"""`Task`: what one BERT task declares, in one place, for every part of keras-bert that
handles it.

A task module (`keras_bert/tasks/classification.py`, ...) subclasses `Task` and fills in:

- its name (`name`: the one word the CLI, model folders, `from_pretrained` and export use)
  and its inputs (`num_segments`: one text or a pair);
- its model (`model_class`, `build`) and checkpoint heads (`head_keys`: the head's weight
  names in Google's checkpoints; `huggingface_architecture`);
- how fine-tuning reads its files (`read_file`), encodes examples (`prepare`), computes its
  loss (`loss`: the model's own `loss_value`, the one `fit` trains with, plus the metrics the
  progress line shows) and evaluates (`metric_names`, `evaluate`);
- what its serving graph computes (`serving_inputs`, `serving_outputs`, `serving_settings`),
  how an exported model is scored on a labelled file (`export_metric`), and the stock
  runtimes it suits (`mediapipe_task`, `tf_hub_pair`).

Training, checkpoints, model folders and export ask the task (`keras_bert.tasks.get(name)`,
`keras_bert.tasks.of_model(model)`) instead of comparing task names.
"""

import typing

from keras_bert.tasks.serving_graph import computed_type_ids, predict_trimmed


class Prepared(typing.NamedTuple):
    """A task file encoded for training or evaluation (`Task.prepare`).

    Attributes:
        inputs: dict of int32 numpy encoder inputs `[n, seq_length]`.
        labels: numpy labels (or a dict of them), `n` rows.
        label_names: the names of the classes or tags, or None.
        extra: what `Task.evaluate` needs besides the model's outputs (the task's own).
    """

    inputs: dict
    labels: object
    label_names: list | None
    extra: object = None


class Task:
    """One BERT task (see the module docstring); subclasses override what applies to them.

    Attributes:
        name: the task's name everywhere (`--task`, `keras_bert.json`'s `task`,
            `from_pretrained(task=...)`).
        num_segments: texts per example (1, or 2 for pairs; None: either, as an export of
            the model is asked for).
        model_class: the keras-bert model class of the task.
        head_keys: Google's names of the head's weights in a fine-tuned checkpoint
            (`run_classifier.py`: `output_weights`, `output_bias`), in the order written.
        labelled_head: whether the head has an output per class or tag, so that a checkpoint's
            head (its first `head_keys` weight, `[outputs, hidden]`) tells how many.
        huggingface_architecture: transformers' class of the task's model.
        huggingface_head_names: transformers' names of the `head_keys`, in their order (none
            where the generic renaming gives them: the pretraining heads).
        label_names_flag: whether `--label-names` names its classes or tags.
        output_fill: the value per-token outputs take at padding when evaluation cuts batches
            to their longest text (None: its outputs have no sequence axis).
        progress_metrics: the names of the metrics `loss` returns beside the loss.
        confusion_matrix: whether fine-tuning draws the confusion matrix of its classes.
        mediapipe_task: the MediaPipe Tasks API that runs its model ("text_classifier",
            "text_embedder"), or None.
        tf_hub_pair: whether an export adds TF Hub's preprocess / encoder SavedModel pair.
        serving_flags: the export flags that set its serving graph (`serving_settings`).
        scores_exports: whether `export_metric` scores an exported model on a labelled file.

    Examples:

    ```python
    task = keras_bert.tasks.get("classification")
    model = task.build(encoder, label_names=["negative", "positive"])  # a BertClassifier
    loss, progress = task.loss(model, inputs, labels)  # the model's loss_value, and accuracy
    task.evaluate(logits, prepared)  # {"accuracy": ..., "mcc": ..., "f1": ...}
    ```
    """

    name = None
    num_segments = 1
    model_class = None
    head_keys = ()
    labelled_head = False
    huggingface_architecture = None
    huggingface_head_names = ()
    label_names_flag = False
    output_fill = None
    progress_metrics = ()
    confusion_matrix = False
    mediapipe_task = None
    tf_hub_pair = False
    serving_flags = ()
    scores_exports = False

    def __repr__(self):
        return f"<Task {self.name}>"

    # ------------------------------------------------------------ the model

    def build(self, encoder, num_labels=None, label_names=None, dropout=0.1, **settings):
        """The task's model on `encoder` (a head of `num_labels` outputs where it has one)."""
        return self.model_class(encoder)

    def holds(self, model):
        """Whether `model` is this task's model (a classifier, a regressor, ...)."""
        return type(model) is self.model_class

    # ------------------------------------------------------------ fine-tuning

    def _cannot(self, what):
        return ValueError(f"Task {self.name!r} has no {what}; fine-tune another --task.")

    def metric_names(self, num_labels=None):
        """The scores `evaluate` reports (with `num_labels` classes, where that matters)."""
        raise self._cannot("evaluation")

    def read_file(self, path, options):
        """A task file as plain data (`options`: the `finetune` flags, `--text-column`, ...)."""
        raise self._cannot("task files")

    def prepare(self, tokenizer, data, options, training, label_names, source):
        """`Prepared` examples of `data` (what `read_file` or `tfds.load_tfds` gave):
        `label_names` fixes the classes (from `--label-names` or the training file)."""
        raise self._cannot("task files")

    def loss(self, model, inputs, labels):
        """`(loss, metrics)` of one training batch: the model's `loss_value` (unscaled
        float32 mean) and the `progress_metrics`."""
        outputs = model(inputs, training=True)
        return model.loss_value(labels, outputs), self.batch_metrics(labels, outputs)

    def batch_metrics(self, labels, outputs):
        """The `progress_metrics` of one batch, float32 scalars (`keras.ops`)."""
        return {}

    def evaluate(self, outputs, prepared):
        """The `metric_names` scores of the model's float32 numpy `outputs` on `prepared`."""
        raise self._cannot("evaluation")

    def folder_metadata(self, options):
        """What a fine-tuned model folder records beside the model (the task's settings)."""
        return {}

    # ------------------------------------------------------------ export

    def serving_settings(self, seq_length, metadata, flags):
        """The settings of the serving graph, from the `serving_flags` given to the export
        (`flags`, None where not given) and the model folder's `metadata`; or None."""
        return None

    def serving_inputs(self, preprocessor, texts, with_text_outputs, settings):
        """`(encoder inputs, extras)` of the raw `texts` (one tf.string `[batch]` tensor per
        segment): what `serving_outputs` reads."""
        inputs = preprocessor(list(texts) if len(texts) == 2 else texts[0])
        return computed_type_ids(inputs), None

    def serving_outputs(self, model, inputs, extras, vocab):
        """The serving signature's outputs by name."""
        return predict_trimmed(model, inputs)

    def extra_endpoints(self, model, encode, text_spec, vocab, mask_id, max_predictions):
        """Serving signatures besides `serving_default`, by name (`tf.function`s taking
        `text_spec` and more; `encode` is `serving_inputs` on their texts)."""
        return {}

    def export_metric(self, eval_file, exported, keras_model):
        """`(output, text)` (with `scores_exports`): the task metric of an exported model
        next to the Keras model's on a labelled file, and the output it is about.
        `exported` and `keras_model` map `(texts, text_pairs)` (lists of strings;
        `text_pairs` None for single texts) to numpy outputs by name."""
        raise NotImplementedError
