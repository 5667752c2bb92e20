"""`keras-bert finetune`: classification, regression, tagging and SQuAD under any strategy.

    keras-bert finetune --task classification --train-file glue/SST-2/train.tsv \\
        --eval-file glue/SST-2/dev.tsv --init-checkpoint runs/tiny --out runs/sst2

`--train-file`/`--eval-file` take a file (TSV, CoNLL, SQuAD JSON by task) or a prepared
tensorflow-datasets name (`glue/sst2`, `imdb_reviews`, `squad`; `--tfds-split`s). Everything
the run needs is read and checked before the first step (flags, files, columns, label sets,
the output folder and its checkpoints). The run evaluates every `--eval-every` updates or
epoch, or at the end (accuracy/F1/MCC, entity F1, SQuAD EM/F1), prints and stores the scores,
keeps the best model with `--keep-best`, stops early with `--early-stopping-patience`, and
leaves in OUT a keras-bert model folder with the label names, `training.png` and, for
classifiers, `confusion_matrix.png`.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf
from keras_bert.training import plots, program
from keras_bert.training.evaluation import EvaluationMonitor
from keras_bert.training.strategy import is_chief

from keras_bert import model_dir, tasks
from keras_bert.atomic import atomic_open
from keras_bert.cli_args import LENGTH_MULTIPLE
from keras_bert.finite import check_finite
from keras_bert.tasks import tfds
from keras_bert.text.packing import pad_to_mask, trim_to_longest

CONFUSION_MATRIX_FILE = "confusion_matrix.png"


def check_flags(args):
    """Flag combinations that cannot work, before anything is read."""
    if args.task not in tasks.fine_tuning():
        raise ValueError(
            f"--task {args.task} is not a task finetune trains; use one of "
            f"{', '.join(tasks.fine_tuning())}, or register yours with --task-module."
        )
    task = tasks.get(args.task)
    during = args.eval_every not in (None, "end")
    evaluating = args.keep_best or args.early_stopping_patience or during
    if evaluating and not args.eval_file:
        flags = [
            f
            for f, v in (
                ("--eval-every", during),
                ("--keep-best", args.keep_best),
                ("--early-stopping-patience", args.early_stopping_patience),
            )
            if v
        ]
        raise ValueError(f"Evaluation during training ({', '.join(flags)}) needs an --eval-file.")
    if args.eval_every == "end" and (args.keep_best or args.early_stopping_patience):
        raise ValueError(
            "--keep-best and --early-stopping-patience need evaluations during training, and "
            "--eval-every end evaluates once; pass --eval-every N or epoch."
        )
    if args.keep_best and args.keep_best not in task.metric_names(2):
        raise ValueError(
            f"--keep-best {args.keep_best} is not a metric of --task {args.task}; use one of "
            f"{', '.join(task.metric_names(2))}."
        )
    if args.label_names and not task.label_names_flag:
        raise ValueError(
            f"--label-names names classes, and --task {args.task} has none; drop --label-names."
        )


def _prepare(args, tokenizer, source, split, label_names=None):
    """The task's `Prepared` examples of a file or a tfds name."""
    task = tasks.get(args.task)
    if source in tfds.TFDS_DATASETS:
        _, _, train_split, eval_split = tfds.TFDS_DATASETS[source]
        data = tfds.load_tfds(
            source, train_split if split == "train" else eval_split, args.tfds_data_dir
        )
    else:
        data = task.read_file(source, args)
    return task.prepare(tokenizer, data, args, split == "train", label_names, source)


def _build_model(args, tokenizer, label_names):
    encoder = program.starting_model(args, tokenizer)
    return tasks.get(args.task).build(encoder, label_names=label_names, dropout=args.dropout)


# ---------------------------------------------------------------- evaluation


def predictor(model, fill=None):
    """`predict(inputs, batch_size)`: the model's outputs on prepared inputs, each batch run
    only up to its longest text.

    Padding adds an exact 0 to the attention softmax, so the outputs at the real tokens are
    those of the padded batch, for a fraction of the work on short texts. The cut length is
    dynamic inside one graph traced for `[None, seq_length]` (no XLA), so nothing retraces
    per batch, batch size or call.

    Args:
        model: a keras-bert task model.
        fill: None when the outputs have no sequence axis (classification); else the value
            every padding position of the per-token outputs gets (`pad_to_mask`), which come
            back at `seq_length`.

    Returns:
        `predict(inputs, batch_size)`, from a dict of int `[count, seq_length]` numpy arrays
        to the model's output nest as float32 numpy arrays of `count` rows.
    """

    @tf.function
    def predict_step(x):
        outputs = model(trim_to_longest(x, x["input_mask"]), training=False)
        outputs = tf.nest.map_structure(lambda t: tf.cast(t, tf.float32), outputs)
        if fill is None:
            return outputs
        return tf.nest.map_structure(lambda t: pad_to_mask(t, x["input_mask"], fill), outputs)

    def predict(inputs, batch_size):
        batches = tf.data.Dataset.from_tensor_slices(inputs).batch(batch_size)
        predict_step.get_concrete_function(batches.element_spec)  # one trace for every batch size
        outputs = [predict_step(x) for x in batches]
        return tf.nest.map_structure(lambda *parts: np.concatenate(parts), *outputs)

    return predict


def evaluate(args, model, prepared):
    """The task's metrics on `Prepared` evaluation data."""
    task = tasks.get(args.task)
    outputs = predictor(model, task.output_fill)(prepared.inputs, args.batch_size)
    for name, value in outputs.items() if isinstance(outputs, dict) else [("logits", outputs)]:
        check_finite(  # an argmax of NaN is class 0: no score from such outputs
            value,
            name,
            f"The model's outputs on {args.eval_file}",
            "no score is computed from them; the model's weights or inputs overflow",
        )
    return task.evaluate(outputs, prepared)


def _save_model(args, model, tokenizer, label_names, step, scores, eval_data):
    """Writes the model folder (and `eval_results.json`, and a classifier's confusion matrix on
    the evaluation set); returns the names of what it wrote."""
    task = tasks.get(args.task)
    written = program.save_model_folder(args, model, tokenizer, task, step, label_names=label_names)
    if scores:
        with atomic_open(os.path.join(args.out, "eval_results.json")) as f:
            json.dump(scores, f, indent=2)
        written.append("eval_results.json")
    if scores and task.confusion_matrix:
        predicted = predictor(model)(eval_data.inputs, args.batch_size).argmax(-1)
        path = os.path.join(args.out, CONFUSION_MATRIX_FILE)
        if plots.plot_confusion_matrix(eval_data.labels, predicted, label_names, path):
            written.append(CONFUSION_MATRIX_FILE)
    return written


def _eval_every(args, steps_per_epoch):
    """Updates between evaluations during training, or None (evaluated at the end only)."""
    every = args.eval_every
    if every is None:
        every = "epoch" if args.keep_best or args.early_stopping_patience else "end"
    if not args.eval_file or every == "end":
        return None
    return steps_per_epoch if every == "epoch" else every


def finetune(args):
    """Checks everything, fine-tunes and evaluates; returns `(trainer, scores)`."""
    check_flags(args)
    program.check_out(args)
    strategy = program.setup(args)
    # TPUs need one static shape; elsewhere each batch runs at its own length.
    fixed = args.fixed_length or isinstance(strategy, tf.distribute.TPUStrategy)
    if fixed and args.group_by_length:
        raise ValueError(
            "--group-by-length groups texts to cut batches shorter, and batches here have a fixed "
            "length (--fixed-length, or a TPU); drop one of them."
        )
    tokenizer = program.load_tokenizer(args)
    train = _prepare(args, tokenizer, args.train_file, "train", args.label_names)
    inputs, labels, label_names, _ = train
    eval_data = None
    if args.eval_file:  # read now: a wrong path, column or label fails before training
        eval_data = _prepare(args, tokenizer, args.eval_file, "eval", label_names)
    num_labels = len(label_names) if label_names else None
    metric_names = tasks.get(args.task).metric_names(num_labels)
    if args.keep_best and args.keep_best not in metric_names:
        raise ValueError(
            f"--keep-best {args.keep_best} is not a metric of --task {args.task} with "
            f"{num_labels} labels; use one of {', '.join(metric_names)}."
        )
    examples = len(next(iter(inputs.values())))
    steps_per_epoch = max(1, examples // (args.batch_size * args.accumulation_steps))
    steps = args.max_steps or max(1, int(args.epochs * steps_per_epoch))
    with strategy.scope():
        model = _build_model(args, tokenizer, label_names)
        optimizer = program.create_optimizer(args, steps)
    dataset_fn = program.in_memory_dataset_fn(
        inputs, labels, args.seed, None if fixed else LENGTH_MULTIPLE, args.group_by_length
    )

    def evaluate_now():
        return evaluate(args, model, eval_data)

    def save(step, scores):
        return _save_model(args, model, tokenizer, label_names, step, scores, eval_data)

    written = []  # what the last write of the model folder wrote

    def save_best(step, scores):
        written[:] = save(step, scores)

    eval_every = _eval_every(args, steps_per_epoch)
    monitor = None
    if eval_every:
        monitor = EvaluationMonitor(
            evaluate_now,
            metric=args.keep_best,
            patience=args.early_stopping_patience,
            save_best=save_best if args.keep_best else None,
        )
    trainer = program.create_trainer(
        args, strategy, model, optimizer, tasks.get(args.task), dataset_fn, monitor, eval_every
    )
    trainer.train(steps)
    if not is_chief(strategy):  # the chief evaluates and writes
        keras.mixed_precision.set_global_policy("float32")
        return trainer, {}
    scores = {}
    if eval_data is not None:
        scores = (monitor and monitor.scores_at(trainer.step)) or evaluate_now()
        print("eval: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()), flush=True)
    if args.keep_best and monitor.best is not None:
        best = monitor.best
        scores = best["scores"]
        print(
            f"the model folder keeps step {best['step']} (best {args.keep_best} "
            f"{scores[args.keep_best]:.4f}); checkpoints/ the last, step {trainer.step}",
            flush=True,
        )
        # A resumed run whose best came before it: the folder already holds that model.
        written = written or [
            model_dir.MODEL_FILE,
            model_dir.VOCAB_FILE,
            model_dir.METADATA_FILE,
            "eval_results.json",
        ]
    else:
        written = save(trainer.step, scores)
    program.finish(trainer, written + ["checkpoints/", "logs/"], args.keep_best)
    keras.mixed_precision.set_global_policy("float32")
    return trainer, scores


def run(args):
    if args.task_module:
        tasks.load_task_module(args.task_module)
    finetune(args)
