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
task to keras-bert is adding its module and its line in `_MODULES` (and in `FINE_TUNING` when
`keras-bert finetune` trains it); code outside keras-bert adds its own with `register`. The
modules are imported when a task is first asked for, so the CLI lists the names without loading
TensorFlow.

Examples:

```python
keras_bert.tasks.get("squad").metric_names()  # ("exact_match", "f1")
keras_bert.tasks.of_model(classifier).name  # "classification"
keras_bert.tasks.register(MyTask())  # a `Task` subclass of your own, found by name from now on
```
"""

import importlib
import importlib.util
import os

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


# Tasks defined outside keras-bert (`register`), by name.
_REGISTERED = {}


def names():
    """The names of every task: keras-bert's (`NAMES`), then the registered ones."""
    return NAMES + tuple(_REGISTERED)


def get(name):
    """The `Task` called `name` (or a former name of it); a one-line error naming the tasks
    for an unknown name."""
    name = _FORMER_NAMES.get(name, name)
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name not in _MODULES:
        raise ValueError(f"Unknown task {name!r}; use one of {', '.join(names())}.")
    module = importlib.import_module(_MODULES[name])
    return next(task for task in module.TASKS if task.name == name)


def every_task():
    """Every `Task`, in `names()` order."""
    return [get(name) for name in names()]


def fine_tuning():
    """The tasks `keras-bert finetune` trains: keras-bert's (`FINE_TUNING`), then the
    registered ones."""
    return FINE_TUNING + tuple(_REGISTERED)


def load_task_module(module):
    """Imports a module of tasks of one's own (a dotted module name, or the path of a `.py`
    file), whose `register` calls add them; `keras-bert finetune --task-module` calls it in
    every worker. A module that cannot be found is a one-line error."""
    if module.endswith(".py"):
        if not os.path.isfile(module):
            raise FileNotFoundError(f"--task-module {module} does not exist.")
        name = os.path.splitext(os.path.basename(module))[0]
        spec = importlib.util.spec_from_file_location(name, module)
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        return loaded
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module.split(".")[0] and error.name != module:
            raise
        raise ValueError(
            f"--task-module {module} is not an importable module; pass its dotted name (on "
            "PYTHONPATH) or the path of its .py file."
        ) from None


def register(task):
    """Adds a task of your own (an instance of a `keras_bert.tasks.task.Task` subclass):
    `get`, `of_model`, `from_pretrained(task=...)`, model folders, fine-tuning
    (`keras_bert.training.finetune`) and export then find it as they find keras-bert's. Its
    name may not be one of keras-bert's; registering a task of the same name again replaces it.
    """
    from keras_bert.tasks.task import Task  # noqa: PLC0415 - keeps this module free of Keras

    if not isinstance(task, Task):
        raise TypeError(f"register takes a keras_bert.tasks.task.Task, got {type(task).__name__}.")
    if task.name in _MODULES or task.name in _FORMER_NAMES:
        raise ValueError(f"Task {task.name!r} is keras-bert's own; give yours another name.")
    _REGISTERED[task.name] = task


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
