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
from keras import ops
from keras_bert.training import metrics, plots, program
from keras_bert.training.data import tasks
from keras_bert.training.evaluation import EvaluationMonitor
from keras_bert.training.strategy import is_chief

from keras_bert import model_dir
from keras_bert.atomic import atomic_open
from keras_bert.cli_args import LENGTH_MULTIPLE
from keras_bert.finite import check_finite
from keras_bert.layers.heads import SPAN_MASK_ADDER
from keras_bert.models import BertClassifier, BertSpanQA, BertTokenClassifier
from keras_bert.models.token_classifier import IGNORE_LABEL
from keras_bert.text.packing import pad_to_mask, trim_to_longest

REGRESSION_TASKS = ("regression", "pair_regression")
CLASSIFICATION_TASKS = ("classification", "pair_classification")
CONFUSION_MATRIX_FILE = "confusion_matrix.png"


def metric_names(task, num_labels=None):
    """The metrics `evaluate` reports for a task (`f1` of classification: two classes only)."""
    if task in CLASSIFICATION_TASKS:
        return ("accuracy", "mcc") + (("f1",) if num_labels == 2 else ())
    return {
        "regression": ("mse", "pearson"),
        "pair_regression": ("mse", "pearson"),
        "token_classification": ("precision", "recall", "f1"),
        "squad": ("exact_match", "f1"),
    }[task]


def check_flags(args):
    """Flag combinations that cannot work, before anything is read."""
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
    if args.keep_best and args.keep_best not in metric_names(args.task, 2):
        raise ValueError(
            f"--keep-best {args.keep_best} is not a metric of --task {args.task}; use one of "
            f"{', '.join(metric_names(args.task, 2))}."
        )
    if args.label_names and args.task not in CLASSIFICATION_TASKS + ("token_classification",):
        raise ValueError(
            f"--label-names names classes, and --task {args.task} has none; drop --label-names."
        )


def label_ids(labels, label_names, source, named):
    """The class index of each label: its position in `label_names`; with `named`
    (--label-names), a label may also be that index itself ("0" for the first name)."""
    index = {name: i for i, name in enumerate(label_names)}
    if named:
        index.update({str(i): i for i in range(len(label_names)) if str(i) not in index})
    unknown = sorted(set(labels) - set(index))
    if unknown:
        known = (
            f"--label-names {','.join(label_names)} (or their indices 0-{len(label_names) - 1})"
            if named
            else f"training ({label_names})"
        )
        raise ValueError(f"{source} has labels {unknown[:10]} not seen in {known}.")
    return np.array([index[label] for label in labels], np.int32)


# ---------------------------------------------------------------- losses (unscaled means)


def _cross_entropy(labels, logits):
    return ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))


def classification_loss(model, inputs, labels):
    logits = model(inputs, training=True)
    hits = ops.cast(ops.argmax(logits, axis=-1) == ops.cast(labels, "int32"), "float32")
    return _cross_entropy(labels, logits), {"accuracy": ops.mean(hits)}


def regression_loss(model, inputs, labels):
    predictions = ops.cast(model(inputs, training=True)[:, 0], "float32")
    return ops.mean(ops.square(predictions - labels)), {}


def token_classification_loss(model, inputs, labels):
    logits = model(inputs, training=True)
    valid = ops.cast(labels != IGNORE_LABEL, "float32")
    safe_labels = ops.where(labels == IGNORE_LABEL, 0, labels)
    ce = keras.losses.sparse_categorical_crossentropy(safe_labels, logits, from_logits=True)
    count = ops.sum(valid) + 1e-5
    hits = ops.cast(ops.argmax(logits, axis=-1) == ops.cast(safe_labels, "int32"), "float32")
    return ops.sum(ce * valid) / count, {"accuracy": ops.sum(hits * valid) / count}


def squad_loss(model, inputs, labels):
    outputs = model(inputs, training=True)
    start = _cross_entropy(labels["start_positions"], outputs["start_logits"])
    end = _cross_entropy(labels["end_positions"], outputs["end_logits"])
    return (start + end) / 2, {}


classification_loss.metric_names = ("accuracy",)
token_classification_loss.metric_names = ("accuracy",)

LOSSES = {
    "classification": classification_loss,
    "pair_classification": classification_loss,
    "regression": regression_loss,
    "pair_regression": regression_loss,
    "token_classification": token_classification_loss,
    "squad": squad_loss,
}


# ---------------------------------------------------------------- data


def _limit(items, limit):
    return items if limit is None else items[:limit]


def _read(args, source, split):
    """Task data from a file or a tfds name."""
    if source in tasks.TFDS_DATASETS:
        _, _, train_split, eval_split = tasks.TFDS_DATASETS[source]
        return tasks.load_tfds(
            source, train_split if split == "train" else eval_split, args.tfds_data_dir
        )
    if args.task == "squad":
        return tasks.read_squad(source)
    if args.task == "token_classification":
        return tasks.read_conll(source)
    return tasks.read_tsv(source, args.text_column, args.label_column)


def _prepare(args, tokenizer, source, split, label_names=None):
    """`(inputs, labels, label_names, extra)`; `extra` is what evaluation needs."""
    limit = args.max_train_examples if split == "train" else args.max_eval_examples
    data = _read(args, source, split)
    if args.task == "squad":
        examples = tasks.squad_examples(data, limit, training=split == "train", source=source)
        inputs, labels, features = tasks.squad_features(
            tokenizer,
            examples,
            args.seq_length,
            args.doc_stride,
            args.max_query_length,
            training=split == "train",
        )
        return inputs, labels, None, (data, examples, features)
    if args.task == "token_classification":
        sentences = _limit(data, limit)
        tags = [t for _, sentence_tags in sentences for t in sentence_tags]
        label_ids(tags, label_names or tasks.label_vocabulary(tags), source, bool(args.label_names))
        label_names = label_names or tasks.label_vocabulary(tags)
        inputs, labels = tasks.align_tags(tokenizer, sentences, label_names, args.seq_length)
        return inputs, labels, label_names, sentences
    texts, labels = data
    texts = [_limit(t, limit) for t in texts]
    if labels is None:
        raise ValueError(f"{source} has no {args.label_column!r} column to train or evaluate on.")
    labels = _limit(labels, limit)
    expected = model_dir.num_segments({"task": args.task})
    if len(texts) != expected:
        raise ValueError(
            f"--task {args.task} needs {expected} text column(s), {source} gave {len(texts)}; "
            "choose them with --text-column."
        )
    inputs = tasks.encode_texts(tokenizer, texts, args.seq_length)
    if args.task in REGRESSION_TASKS:
        try:
            return inputs, np.array(labels, np.float32), None, None
        except ValueError:
            raise ValueError(
                f"{source} has {args.label_column!r} values that are not numbers; --task "
                f"{args.task} learns numeric scores."
            ) from None
    named = bool(args.label_names)
    label_names = label_names or tasks.label_vocabulary(labels)
    return inputs, label_ids(labels, label_names, source, named), label_names, None


def _build_model(args, tokenizer, label_names):
    encoder = program.starting_model(args, tokenizer)
    if args.task == "squad":
        return BertSpanQA(encoder)
    if args.task == "token_classification":
        return BertTokenClassifier(encoder, len(label_names), args.dropout, label_names)
    if args.task in REGRESSION_TASKS:
        return BertClassifier(encoder, 1, args.dropout)
    return BertClassifier(encoder, len(label_names), args.dropout, label_names)


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


def evaluate(args, model, inputs, labels, label_names, extra):
    """The task's metrics on prepared evaluation data."""
    fill = {"squad": SPAN_MASK_ADDER, "token_classification": 0.0}.get(args.task)
    outputs = predictor(model, fill)(inputs, args.batch_size)
    for name, value in outputs.items() if isinstance(outputs, dict) else [("logits", outputs)]:
        check_finite(  # an argmax of NaN is class 0: no score from such outputs
            value,
            name,
            f"The model's outputs on {args.eval_file}",
            "no score is computed from them; the model's weights or inputs overflow",
        )
    if args.task == "squad":
        articles, examples, features = extra
        answers = tasks.decode_squad(
            examples,
            features,
            outputs["start_logits"],
            outputs["end_logits"],
            args.n_best_size,
            args.max_answer_length,
        )
        ids = {e["id"] for e in examples}
        subset = [
            {
                "paragraphs": [
                    {"qas": [qa for qa in p["qas"] if qa["id"] in ids]} for p in a["paragraphs"]
                ]
            }
            for a in articles
        ]
        return metrics.squad_v1_scores(subset, answers)
    if args.task == "token_classification":
        predicted = tasks.word_predictions(extra, labels, outputs.argmax(-1), label_names)
        return metrics.entity_f1([tags for _, tags in extra], predicted)
    if args.task in REGRESSION_TASKS:
        predictions = outputs[:, 0]
        return {
            "mse": float(np.mean((predictions - labels) ** 2)),
            "pearson": float(np.corrcoef(predictions, labels)[0, 1]),
        }
    return metrics.classification_metrics(labels, outputs.argmax(-1), len(label_names))


def _save_model(args, model, tokenizer, label_names, step, scores, eval_data):
    """Writes the model folder (and `eval_results.json`, and a classifier's confusion matrix on
    the evaluation set); returns the names of what it wrote."""
    span_qa = {}
    if args.task == "squad":  # the export reads and answers as the model was trained and scored
        span_qa = {
            "max_query_length": args.max_query_length,
            "doc_stride": args.doc_stride,
            "max_answer_length": args.max_answer_length,
        }
    model_dir.save_model_dir(
        model,
        args.out,
        tokenizer.vocab_file,
        task=args.task,
        lower_case=tokenizer.lower_case,
        max_chars_per_word=tokenizer.max_chars_per_word,
        seq_length=args.seq_length,
        label_names=label_names,
        step=step,
        **span_qa,
    )
    written = [model_dir.MODEL_FILE, model_dir.VOCAB_FILE, model_dir.METADATA_FILE]
    if scores:
        with atomic_open(os.path.join(args.out, "eval_results.json")) as f:
            json.dump(scores, f, indent=2)
        written.append("eval_results.json")
    if scores and args.task in CLASSIFICATION_TASKS:
        inputs, labels = eval_data[0], eval_data[1]
        predicted = predictor(model)(inputs, args.batch_size).argmax(-1)
        path = os.path.join(args.out, CONFUSION_MATRIX_FILE)
        if plots.plot_confusion_matrix(labels, predicted, label_names, path):
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
    if args.keep_best and args.keep_best not in metric_names(args.task, num_labels):
        raise ValueError(
            f"--keep-best {args.keep_best} is not a metric of --task {args.task} with "
            f"{num_labels} labels; use one of {', '.join(metric_names(args.task, num_labels))}."
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
        return evaluate(args, model, eval_data[0], eval_data[1], label_names, eval_data[3])

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
        args, strategy, model, optimizer, LOSSES[args.task], dataset_fn, monitor, eval_every
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
    finetune(args)
