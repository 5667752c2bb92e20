"""BERT's tasks, one module each, and the registry that finds them by name or by model.

    name                   module                                   model
    encoder                keras_bert.tasks.encoder                 BertEncoder
    pretraining            keras_bert.tasks.pretraining             BertPretrainer
    classification         keras_bert.tasks.classification          BertClassifier
    pair_classification    keras_bert.tasks.classification          BertClassifier
    regression             keras_bert.tasks.classification          BertClassifier (1 output)
    pair_regression        keras_bert.tasks.classification          BertClassifier (1 output)
    token_classification   keras_bert.tasks.token_classification    BertTokenClassifier
    squad                  keras_bert.tasks.squad                   BertSpanQA
    embedding              keras_bert.tasks.embedding               BertTextEmbedder

Each module declares its `Task`s (`keras_bert.tasks.task`) and lists them in `TASKS`. Adding a
task is adding its module and its line in `_MODULES` (and in `FINE_TUNING` when
`keras-bert finetune` trains it). The modules are imported when a task is first asked for, so
the CLI lists the names without loading TensorFlow.

Examples:

```python
keras_bert.tasks.get("squad").metric_names()  # ("exact_match", "f1")
keras_bert.tasks.of_model(classifier).name  # "classification"
```
"""

import importlib

_MODULES = {
    "encoder": "keras_bert.tasks.encoder",
    "pretraining": "keras_bert.tasks.pretraining",
    "classification": "keras_bert.tasks.classification",
    "pair_classification": "keras_bert.tasks.classification",
    "regression": "keras_bert.tasks.classification",
    "pair_regression": "keras_bert.tasks.classification",
    "token_classification": "keras_bert.tasks.token_classification",
    "squad": "keras_bert.tasks.squad",
    "embedding": "keras_bert.tasks.embedding",
}
NAMES = tuple(_MODULES)
# Names that earlier releases' export code gave the tasks: read where a model folder's
# `keras_bert.json` carries one.
_FORMER_NAMES = {
    "classifier": "classification",
    "token_classifier": "token_classification",
    "span_qa": "squad",
    "pretrainer": "pretraining",
    "embedder": "embedding",
}
# The tasks `keras-bert finetune --task` trains.
FINE_TUNING = (
    "classification",
    "pair_classification",
    "regression",
    "pair_regression",
    "token_classification",
    "squad",
)


def get(name):
    """The `Task` called `name` (or a former name of it); a one-line error naming the tasks
    for an unknown name."""
    name = _FORMER_NAMES.get(name, name)
    if name not in _MODULES:
        raise ValueError(f"Unknown task {name!r}; use one of {', '.join(NAMES)}.")
    module = importlib.import_module(_MODULES[name])
    return next(task for task in module.TASKS if task.name == name)


def every_task():
    """Every registered `Task`, in `NAMES` order."""
    return [get(name) for name in NAMES]


def of_model(model, num_segments=1):
    """The `Task` of a keras-bert model (a classifier of `num_segments` texts is
    `classification` or `pair_classification`, a one-output one `regression` or
    `pair_regression`)."""
    held = [task for task in every_task() if task.holds(model)]
    for task in held:
        if task.num_segments == num_segments:
            return task
    if held:
        return held[0]
    raise TypeError(
        f"{type(model).__name__} is not a keras-bert model of any task; pass a BertEncoder, "
        "BertPretrainer, BertClassifier, BertTokenClassifier, BertSpanQA or BertTextEmbedder."
    )
