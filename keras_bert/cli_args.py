"""The flags of every `keras-bert` subcommand, their argument types and help format.

Importing this module loads no TensorFlow (nor Keras), so `keras-bert --help` and
`keras-bert COMMAND --help` answer at once; the subcommand modules, which do, are imported only
to run. The choices a flag offers are defined here and imported by the code that checks them.
"""

import argparse
import os

from keras_bert.config import BertConfig
from keras_bert.tasks import FINE_TUNING

# Training (`pretrain`, `finetune`).
STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
# Text corpora: one sentence a line with blank lines between documents, or one paragraph a line.
LAYOUTS = ("sentences", "paragraphs")
# Fine-tuning batches are cut after their longest text, rounded up to this: the work follows
# the text, and XLA compiles at most seq_length / LENGTH_MULTIPLE programs.
LENGTH_MULTIPLE = 16
# Export.
# "all" is the SavedModel and the raw-text TFLite file; "mediapipe" (MediaPipe Tasks' TextClassifier
# and TextEmbedder) needs the mediapipe extra and is asked for by itself.
FORMATS = ("saved_model", "tflite", "all", "mediapipe")
EXPORT_PRECISIONS = ("float32", "bfloat16")
QUANTIZATIONS = ("none", "float16", "dynamic", "int8")
# The data the demo runs on by default.
DEMO_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


# ---------------------------------------------------------------- argument types


def positive_int(text):
    """argparse type: an integer of at least 1 (sizes, counts, steps)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def probability(text):
    """argparse type: a number from 0 to 1."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def positive_fraction(text):
    """argparse type: a number above 0, up to 1 (a share that must select something)."""
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not above 0 and at most 1")
    return value


def eval_every(text):
    """argparse type of `--eval-every`: a number of steps, `epoch`, or `end`."""
    if text in ("epoch", "end"):
        return text
    try:
        return positive_int(text)
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(
            f"{text} is not a number of steps, 'epoch' or 'end'"
        ) from None


def log_every(text):
    """argparse type of `--log-every`: `N` steps or `Ns` seconds -> `(N, "steps"|"seconds")`."""
    unit = "seconds" if text.endswith("s") else "steps"
    try:
        value = float(text[:-1]) if unit == "seconds" else positive_int(text)
    except (ValueError, argparse.ArgumentTypeError):
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a number of steps (100) or seconds (30s)")
    return value, unit


def label_names(text):
    """argparse type of `--label-names`: `neg,pos`, or a file with one name a line."""
    if os.path.isfile(text):
        with open(text, encoding="utf-8-sig") as f:
            names = [line.strip() for line in f if line.strip()]
    else:
        names = [name.strip() for name in text.split(",")]
    if len(names) < 2 or not all(names):
        raise argparse.ArgumentTypeError(
            f"{text!r} names no labels: give two or more, as neg,pos or a file with one a line"
        )
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"{text!r} names a label twice")
    return names


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every flag's help ends with its default, unless the default is None or False (an
    unset flag) or the help already says it."""

    def _get_help_string(self, action):
        if action.default in (None, False) or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


# ---------------------------------------------------------------- the subcommands


def add_vocab_arguments(parser):
    parser.add_argument("files", nargs="+", help="plain-text files, one text per line")
    parser.add_argument(
        "--vocab-size", type=positive_int, default=30522, help="largest vocabulary size"
    )
    parser.add_argument("--output", "-o", default="vocab.txt", help="where to write vocab.txt")
    case = parser.add_mutually_exclusive_group()
    case.add_argument(
        "--uncased",
        dest="lower_case",
        action="store_true",
        default=True,
        help="lower-case and strip accents (the default)",
    )
    case.add_argument(
        "--cased", dest="lower_case", action="store_false", help="keep case and accents"
    )


def add_make_pretraining_data_arguments(parser):
    parser.add_argument("--input", required=True, help="comma-separated globs of text files")
    parser.add_argument("--vocab", required=True, help="vocab.txt")
    parser.add_argument("--cased", action="store_true", help="cased vocabulary (no lower-casing)")
    parser.add_argument("--output-dir", required=True, help="folder of the TFRecord shards")
    parser.add_argument(
        "--text-layout",
        "--layout",
        dest="layout",
        default="sentences",
        choices=LAYOUTS,
        help="as in `pretrain` (--layout: older name)",
    )
    parser.add_argument("--seq-length", type=positive_int, default=128, help="tokens per instance")
    parser.add_argument(
        "--max-predictions-per-seq",
        type=positive_int,
        default=20,
        help="masked positions per instance, at most",
    )
    parser.add_argument(
        "--mask-rate", type=positive_fraction, default=0.15, help="share of tokens masked"
    )
    parser.add_argument(
        "--whole-word-masking", action="store_true", help="mask all the pieces of a word together"
    )
    parser.add_argument(
        "--short-seq-prob",
        type=probability,
        default=0.1,
        help="share of instances made shorter than --seq-length",
    )
    parser.add_argument("--num-shards", type=positive_int, default=1, help="TFRecord files written")
    parser.add_argument(
        "--dupe-factor",
        type=positive_int,
        default=1,
        help="passes over the corpus, each masked anew",
    )
    parser.add_argument(
        "--document-window",
        type=positive_int,
        default=1000,
        help="documents read together (random next segments come from them)",
    )
    parser.add_argument("--seed", type=int, default=12345, help="random seed")


def _add_common_training_arguments(parser, default_learning_rate):
    model = parser.add_argument_group(
        "model (one of --init-checkpoint, --random-init-size, --config)"
    )
    model.add_argument(
        "--init-checkpoint",
        help="pretrained model to start from: a checkpoint folder, a Hugging Face Hub id "
        "(ORG/NAME, hf://ORG/NAME), a kaggle:// handle or a keras-hub preset name",
    )
    model.add_argument(
        "--revision",
        help="branch, tag or commit of a Hugging Face --init-checkpoint (default: main)",
    )
    model.add_argument(
        "--random-init-size",
        help=f"random initialization of one of Google's sizes ({', '.join(BertConfig.sizes())})",
    )
    model.add_argument(
        "--config", help="bert_config.json / config.json for a random initialization"
    )
    model.add_argument("--vocab", help="vocab.txt (default: the one in --init-checkpoint)")
    model.add_argument("--cased", action="store_true", help="cased vocabulary (no lower-casing)")
    run = parser.add_argument_group("run")
    run.add_argument("--out", required=True, help="output folder (model, checkpoints/, logs/)")
    existing = run.add_mutually_exclusive_group()
    existing.add_argument(
        "--resume",
        action="store_true",
        help="continue the run whose checkpoints are in --out (start one if there are none); "
        "without --resume or --overwrite an --out that holds a run is refused",
    )
    existing.add_argument(
        "--overwrite",
        action="store_true",
        help="delete the checkpoints and logs of the run in --out and start afresh",
    )
    run.add_argument("--strategy", default="auto", choices=STRATEGIES, help="distribution strategy")
    run.add_argument("--tpu", help="TPU name or grpc:// address (for --strategy tpu/auto)")
    run.add_argument(
        "--batch-size", type=positive_int, default=32, help="global batch per micro-step"
    )
    run.add_argument("--seq-length", type=positive_int, default=128, help="tokens per example")
    run.add_argument(
        "--learning-rate", type=float, default=default_learning_rate, help="peak learning rate"
    )
    run.add_argument(
        "--warmup-steps",
        type=int,
        default=None,
        help="linear warm-up updates (default: 10%% of the steps)",
    )
    run.add_argument("--weight-decay", type=float, default=0.01, help="AdamW weight decay")
    run.add_argument(
        "--accumulation-steps", type=positive_int, default=1, help="micro-batches per update"
    )
    run.add_argument("--precision", default="float32", choices=PRECISIONS, help="compute precision")
    run.add_argument("--jit-compile", action="store_true", help="compile forward+backward with XLA")
    run.add_argument(
        "--steps-per-call", type=positive_int, default=1, help="updates per tf.function call"
    )
    run.add_argument(
        "--checkpoint-every", type=positive_int, default=1000, help="updates between checkpoints"
    )
    run.add_argument(
        "--keep-checkpoints", type=positive_int, default=3, help="newest checkpoints kept"
    )
    run.add_argument("--seed", type=int, default=0, help="random seed")
    run.add_argument("--quiet", action="store_true", help="no progress")
    run.add_argument(
        "--log-every",
        type=log_every,
        default="30s",
        help="progress when the output is not a terminal: a line every N steps (100) or seconds "
        "(30s)",
    )


def add_pretrain_arguments(parser):
    data = parser.add_argument_group("data")
    data.add_argument("--train-files", required=True, help="comma-separated globs")
    data.add_argument(
        "--input-format",
        default="auto",
        choices=("auto", "tfrecord", "text"),
        help="auto: TFRecords when the names end in .tfrecord/.tfrecords, else text",
    )
    data.add_argument(
        "--text-layout", default="sentences", choices=LAYOUTS, help="layout of text input"
    )
    data.add_argument(
        "--max-predictions-per-seq",
        type=positive_int,
        default=20,
        help="masked positions per sequence, at most",
    )
    data.add_argument(
        "--mask-rate", type=positive_fraction, default=0.15, help="share of tokens masked"
    )
    data.add_argument(
        "--whole-word-masking",
        action="store_true",
        help="mask all the pieces of a word together (dynamic masking)",
    )
    data.add_argument(
        "--short-seq-prob",
        type=probability,
        default=0.1,
        help="share of text instances made shorter than --seq-length",
    )
    data.add_argument(
        "--static-masking",
        action="store_true",
        help="use the masking stored in the TFRecords instead of masking each batch anew",
    )
    parser.add_argument("--max-steps", type=positive_int, required=True, help="optimizer updates")
    _add_common_training_arguments(parser, default_learning_rate=1e-4)


def add_finetune_arguments(parser):
    data = parser.add_argument_group("data")
    data.add_argument(
        "--task",
        required=True,
        metavar="TASK",
        help=f"what the model learns: {', '.join(FINE_TUNING)}, or a task --task-module registers",
    )
    data.add_argument(
        "--task-module",
        help="a module of tasks of your own (dotted name or .py file) that calls "
        "keras_bert.tasks.register, imported before --task is read (docs/tasks.md)",
    )
    data.add_argument(
        "--train-file", required=True, help="file, or a tfds name (glue/sst2, imdb_reviews, squad)"
    )
    data.add_argument("--eval-file", help="file or tfds name to evaluate on")
    data.add_argument(
        "--tfds-data-dir", help="tensorflow-datasets folder (default: $TFDS_DATA_DIR)"
    )
    data.add_argument(
        "--text-column",
        action="append",
        help="TSV text column, once or twice (default: GLUE's column names)",
    )
    data.add_argument("--label-column", default="label", help="TSV label column")
    data.add_argument(
        "--label-names",
        type=label_names,
        help="the labels' names in order, as neg,pos or a file with one a line; a label of the "
        "data is a name or its index (0 for the first) (default: the sorted labels of the data)",
    )
    data.add_argument("--max-train-examples", type=positive_int, help="use only the first N")
    data.add_argument("--max-eval-examples", type=positive_int, help="use only the first N")
    data.add_argument(
        "--doc-stride", type=positive_int, default=128, help="squad: pieces between windows"
    )
    data.add_argument(
        "--max-query-length", type=positive_int, default=64, help="squad: question pieces kept"
    )
    data.add_argument(
        "--max-answer-length", type=positive_int, default=30, help="squad: longest answer in pieces"
    )
    data.add_argument(
        "--n-best-size", type=positive_int, default=20, help="squad: spans considered"
    )
    data.add_argument("--dropout", type=float, default=0.1, help="dropout of the task head")
    data.add_argument(
        "--fixed-length",
        action="store_true",
        help=f"pad every training batch to --seq-length (default: to its longest text, rounded up "
        f"to a multiple of {LENGTH_MULTIPLE}; always fixed on TPU)",
    )
    data.add_argument(
        "--group-by-length",
        action="store_true",
        help=f"batch texts of about the same length (buckets of {LENGTH_MULTIPLE} tokens), so "
        "batches are cut shorter; batches are less mixed",
    )
    evaluation = parser.add_argument_group("evaluation during training (needs --eval-file)")
    evaluation.add_argument(
        "--eval-every",
        type=eval_every,
        default=None,
        help="evaluate every N updates, every 'epoch', or at the 'end' only (default: 'epoch' "
        "with --keep-best or --early-stopping-patience, else 'end')",
    )
    evaluation.add_argument(
        "--keep-best",
        metavar="METRIC",
        help="the model folder keeps the weights of the best evaluation by METRIC (accuracy, "
        "f1, mcc, pearson, mse, exact_match, ...); checkpoints/ keeps the last, to resume",
    )
    evaluation.add_argument(
        "--early-stopping-patience",
        type=positive_int,
        metavar="K",
        help="stop after K evaluations without a better --keep-best METRIC (default: the "
        "task's main metric)",
    )
    parser.add_argument("--epochs", type=float, default=3.0, help="passes over the training data")
    parser.add_argument(
        "--max-steps", type=positive_int, help="optimizer updates (overrides --epochs)"
    )
    _add_common_training_arguments(parser, default_learning_rate=5e-5)


def add_export_arguments(parser):
    parser.add_argument(
        "model_dir",
        metavar="MODEL",
        help="folder written by `keras-bert finetune` or `pretrain`, a Google / Hugging Face / "
        "keras-hub checkpoint folder, or a pretrained model's name (Hugging Face Hub id, "
        "kaggle:// handle, keras-hub preset name)",
    )
    parser.add_argument(
        "--revision",
        help="branch, tag or commit of a Hugging Face Hub id MODEL (default: main)",
    )
    parser.add_argument(
        "--task-module",
        help="the module of your own tasks (dotted name or .py file) that a model folder of "
        "such a task was fine-tuned with (docs/tasks.md)",
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="EXPORT_DIR",
        help="export root (TF Serving model base path)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="all",
        help="all: saved_model and tflite; mediapipe: a file for MediaPipe Tasks' "
        "TextClassifier / TextEmbedder (pip install 'keras-bert[mediapipe]')",
    )
    parser.add_argument(
        "--quantize", choices=QUANTIZATIONS, default="none", help="TFLite quantization"
    )
    parser.add_argument(
        "--precision",
        choices=EXPORT_PRECISIONS,
        default="float32",
        help="SavedModel compute precision (bfloat16: CPUs with AMX or AVX512_BF16, GPUs, TPUs)",
    )
    parser.add_argument(
        "--seq-length",
        type=positive_int,
        default=None,
        help="packed length (default: the model folder's)",
    )
    parser.add_argument("--name", default=None, help="model name (default: the folder name)")
    parser.add_argument(
        "--num-segments",
        type=int,
        choices=(1, 2),
        default=None,
        help="texts an example: 2 adds the text_pair input (default: from the model "
        "folder's task; give 2 for a Google or Hugging Face pair classifier)",
    )
    parser.add_argument(
        "--version",
        type=positive_int,
        default=1,
        help="version: the SavedModel's TF Serving folder and the TFLite files' folder",
    )
    parser.add_argument(
        "--calibration-file", default=None, help="texts, one a line, for --quantize int8"
    )
    parser.add_argument(
        "--max-query-length",
        type=positive_int,
        default=None,
        help="span QA: question pieces kept (default: the fine-tuning's, else 64)",
    )
    parser.add_argument(
        "--doc-stride",
        type=positive_int,
        default=None,
        help="span QA: pieces between context windows (default: the fine-tuning's, else 128)",
    )
    parser.add_argument(
        "--max-answer-length",
        type=positive_int,
        default=None,
        help="span QA: longest answer in pieces (default: the fine-tuning's, else 30)",
    )
    parser.add_argument(
        "--eval-file",
        default=None,
        help="report the TFLite file's metric next to the Keras model's: a TSV with "
        "labels (classifier accuracy; with --format mediapipe, also how many texts "
        "MediaPipe tokenizes differently) or a SQuAD v1.1 JSON (span QA exact match and F1)",
    )


def add_demo_arguments(parser):
    parser.add_argument(
        "--corpus",
        default=os.path.join(DEMO_DATA, "demo_corpus.txt"),
        help="pretraining text: one sentence a line, blank line between documents",
    )
    parser.add_argument(
        "--train-file",
        default=os.path.join(DEMO_DATA, "demo_reviews_train.tsv"),
        help="labeled TSV (header sentence<TAB>label) to fine-tune on",
    )
    parser.add_argument(
        "--eval-file",
        default=os.path.join(DEMO_DATA, "demo_reviews_dev.tsv"),
        help="labeled TSV to report dev accuracy on",
    )
    parser.add_argument(
        "--init-checkpoint",
        help="start fine-tuning from this checkpoint instead of pretraining here",
    )
    parser.add_argument("--out", default="demo_output", help="where everything is written")
    parser.add_argument(
        "--text-layout",
        default="sentences",
        choices=LAYOUTS,
        help="of --corpus: one sentence per line, or paragraphs (WikiText)",
    )
    # The shipped corpus gives 1,505 tokens: all that the learner finds in it.
    parser.add_argument("--vocab-size", type=positive_int, default=1800, help="vocabulary to learn")
    parser.add_argument(
        "--random-init-size",
        default="bert_tiny",
        help="model size of the from-scratch runs (random initialization)",
    )
    parser.add_argument("--seq-length", type=positive_int, default=64, help="tokens per example")
    parser.add_argument(
        "--pretrain-steps", type=positive_int, default=300, help="pretraining updates"
    )
    parser.add_argument(
        "--pretrain-learning-rate", type=float, default=1e-3, help="pretraining peak learning rate"
    )
    parser.add_argument(
        "--pretrain-batch-size", type=positive_int, default=64, help="pretraining batch"
    )
    parser.add_argument(
        "--finetune-epochs", type=float, default=8.0, help="fine-tuning passes over --train-file"
    )
    parser.add_argument(
        "--finetune-learning-rate", type=float, default=3e-4, help="fine-tuning peak learning rate"
    )
    parser.add_argument(
        "--max-train-examples", type=positive_int, help="fine-tune on the first N only"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress")


# Subcommand -> the function that adds its flags.
ARGUMENTS = {
    "demo": add_demo_arguments,
    "vocab": add_vocab_arguments,
    "make-pretraining-data": add_make_pretraining_data_arguments,
    "pretrain": add_pretrain_arguments,
    "finetune": add_finetune_arguments,
    "export": add_export_arguments,
}
