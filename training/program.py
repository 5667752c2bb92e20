"""What `keras-bert pretrain` and `keras-bert finetune` share: flags, strategy, precision,
optimizer, the trainer, and reading in-memory task data as per-replica batches."""

import os

import keras
import tensorflow as tf

from keras_bert.cli import positive_int
from keras_bert.config import BertConfig
from keras_bert.models.encoder import BertEncoder
from keras_bert.models.pretrainer import BertPretrainer
from keras_bert.optimization import bert_optimizer
from keras_bert.text import BertTokenizer
from keras_bert.text.packing import trim_to_longest
from keras_bert.training.strategy import STRATEGIES, resolve_strategy
from keras_bert.training.trainer import Trainer

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


def add_common_arguments(parser, default_learning_rate):
    model = parser.add_argument_group("model (one of --init-checkpoint, --random-init-size, --config)")
    model.add_argument("--init-checkpoint", help="pretrained model to start from: a checkpoint folder, a Hugging Face "
                       "Hub id (ORG/NAME, hf://ORG/NAME), a kaggle:// handle or a keras-hub preset name")
    model.add_argument("--revision", help="branch, tag or commit of a Hugging Face --init-checkpoint (default: main)")
    model.add_argument("--random-init-size", help=f"random initialization of one of Google's sizes ({', '.join(BertConfig.sizes())})")
    model.add_argument("--config", help="bert_config.json / config.json for a random initialization")
    model.add_argument("--vocab", help="vocab.txt (default: the one in --init-checkpoint)")
    model.add_argument("--cased", action="store_true", help="cased vocabulary (no lower-casing)")
    run = parser.add_argument_group("run")
    run.add_argument("--out", required=True, help="output folder (model, checkpoints/, logs/)")
    run.add_argument("--strategy", default="auto", choices=STRATEGIES)
    run.add_argument("--tpu", help="TPU name or grpc:// address (for --strategy tpu/auto)")
    run.add_argument("--batch-size", type=positive_int, default=32, help="global batch per micro-step")
    run.add_argument("--seq-length", type=positive_int, default=128)
    run.add_argument("--learning-rate", type=float, default=default_learning_rate)
    run.add_argument("--warmup-steps", type=int, default=None, help="default: 10%% of the steps")
    run.add_argument("--weight-decay", type=float, default=0.01)
    run.add_argument("--accumulation-steps", type=positive_int, default=1, help="micro-batches per update")
    run.add_argument("--precision", default="float32", choices=PRECISIONS)
    run.add_argument("--jit-compile", action="store_true", help="compile forward+backward with XLA")
    run.add_argument("--steps-per-call", type=positive_int, default=1, help="updates per tf.function call")
    run.add_argument("--checkpoint-every", type=positive_int, default=1000)
    run.add_argument("--keep-checkpoints", type=positive_int, default=3)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--quiet", action="store_true", help="no progress bar")


def setup(args):
    """Seeds, precision policy and strategy; returns the strategy."""
    keras.utils.set_random_seed(args.seed)
    keras.mixed_precision.set_global_policy(args.precision)
    return resolve_strategy(args.strategy, args.tpu)


def load_tokenizer(args):
    """--vocab (cased with --cased), else the --init-checkpoint's tokenizer settings."""
    if args.revision and not args.init_checkpoint:
        raise ValueError("--revision picks a version of a Hugging Face --init-checkpoint; pass one.")
    if args.init_checkpoint and os.path.isfile(args.init_checkpoint):
        raise FileNotFoundError(f"--init-checkpoint {args.init_checkpoint} is not a folder.")
    if args.vocab is None and args.init_checkpoint:
        tokenizer = BertTokenizer.from_pretrained(args.init_checkpoint, revision=args.revision)
        if args.cased and tokenizer.lower_case:
            raise ValueError(
                f"--cased contradicts {args.init_checkpoint}, whose tokenizer lower-cases; "
                "drop --cased (or pass the --vocab to use cased)."
            )
        return tokenizer
    if args.vocab is None:
        raise ValueError("Pass --vocab vocab.txt (or an --init-checkpoint that has one).")
    return BertTokenizer(args.vocab, lower_case=not args.cased)


def starting_model(args, tokenizer, task="encoder"):
    """The model training starts from, checked against the vocabulary and --seq-length:
    `from_pretrained(--init-checkpoint, task)`, or a new `BertEncoder` of --random-init-size or
    --config (for task "pretraining" in a `BertPretrainer`)."""
    if sum(map(bool, (args.init_checkpoint, args.random_init_size, args.config))) != 1:
        raise ValueError("Pass exactly one of --init-checkpoint, --random-init-size and --config.")
    model = None
    if args.init_checkpoint:
        from keras_bert.pretrained import from_pretrained  # noqa: PLC0415

        model = from_pretrained(args.init_checkpoint, task=task, revision=args.revision)
        config = (model if task == "encoder" else model.encoder).config
        source = f"--init-checkpoint {args.init_checkpoint}"
    elif args.random_init_size:
        config = BertConfig.from_size(args.random_init_size, vocab_size=tokenizer.vocab_size)
        source = f"--random-init-size {args.random_init_size}"
    else:
        config = BertConfig.from_json(args.config)
        source = args.config
    if config.vocab_size != tokenizer.vocab_size:
        raise ValueError(
            f"{source} has vocab_size {config.vocab_size} but the vocabulary has "
            f"{tokenizer.vocab_size} tokens; use the matching vocab.txt."
        )
    if config.max_position_embeddings < args.seq_length:
        raise ValueError(
            f"--seq-length {args.seq_length} exceeds the model's {config.max_position_embeddings} "
            "positions; lower --seq-length."
        )
    if model is None:
        model = BertEncoder(config)
        if task == "pretraining":
            model = BertPretrainer(model)
    return model


def create_optimizer(args, total_steps):
    warmup = args.warmup_steps if args.warmup_steps is not None else total_steps // 10
    return bert_optimizer(
        args.learning_rate,
        total_steps,
        warmup_steps=min(warmup, total_steps),
        weight_decay=args.weight_decay,
        loss_scaling=args.precision == "mixed_float16",
    )


def create_trainer(args, strategy, model, optimizer, loss_fn, dataset_fn):
    return Trainer(
        strategy,
        model,
        optimizer,
        loss_fn,
        dataset_fn,
        global_batch_size=args.batch_size,
        out_dir=args.out,
        steps_per_call=args.steps_per_call,
        accumulation_steps=args.accumulation_steps,
        jit_compile=args.jit_compile,
        checkpoint_every=args.checkpoint_every,
        keep_checkpoints=args.keep_checkpoints,
        tokens_per_example=args.seq_length,
        verbose=not args.quiet,
        run=run_identity(args),
    )


# The flags that choose a run's data and model: a resume must repeat them (`Trainer`'s `run`).
RUN_FLAGS = (
    "task", "train_file", "train_files", "input_format", "seq_length", "batch_size",
    "accumulation_steps", "max_predictions_per_seq", "init_checkpoint", "revision",
    "random_init_size", "config", "vocab", "cased", "seed",
)


def run_identity(args):
    """`{flag: value}` of `RUN_FLAGS` (None where a command has no such flag), with paths made
    absolute so the same command resumes from any working directory."""

    def absolute(value):
        if not isinstance(value, str):
            return value
        return ",".join(os.path.abspath(p) if os.path.exists(p) or "*" in p else p
                        for p in value.split(","))

    return {flag: absolute(getattr(args, flag, None)) for flag in RUN_FLAGS}


def in_memory_dataset_fn(inputs, labels, seed, length_multiple=None, group_by_length=False):
    """`dataset_fn` for the trainer over numpy arrays: sharded by worker, shuffled with a fixed
    seed each epoch, repeated, deterministic by step.

    Batches have the arrays' fixed shapes, or with `length_multiple` each is cut after its
    longest text, rounded up to that multiple (`trim_to_longest`; per-token labels too): the
    same loss and gradients for a fraction of the work on short texts, and one XLA program per
    length (at most `seq_length / length_multiple`).

    With `group_by_length` (needs `length_multiple`), each batch takes the next `batch_size`
    shuffled texts of one length bucket (lengths `(k - 1) * length_multiple + 1` to
    `k * length_multiple`), so it is cut at its bucket's end rather than at the longest of
    any `batch_size` texts. The batches are less mixed: texts of a rare length wait for their
    bucket to fill, and a batch's texts all have about the same length.
    """
    if group_by_length and not length_multiple:
        raise ValueError("group_by_length needs a length_multiple: it only pays with cut batches.")

    def dataset_fn(batch_size, input_context, skip_batches):
        dataset = tf.data.Dataset.from_tensor_slices((inputs, labels))
        if input_context.num_input_pipelines > 1:
            dataset = dataset.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
        count = int(dataset.cardinality())
        if count < batch_size:
            raise ValueError(
                f"{count} training examples per worker are fewer than one batch of {batch_size}; "
                "lower --batch-size."
            )
        dataset = dataset.shuffle(count, seed=seed).repeat()
        if group_by_length:
            dataset = dataset.group_by_window(
                lambda x, y: tf.cast((tf.reduce_sum(x["input_mask"]) - 1) // length_multiple, tf.int64),
                lambda _, texts: texts.batch(batch_size, drop_remainder=True),
                window_size=batch_size,
            )
        else:
            dataset = dataset.batch(batch_size, drop_remainder=True)
        dataset = dataset.skip(skip_batches)
        if length_multiple:
            dataset = dataset.map(
                lambda x, y: trim_to_longest((x, y), x["input_mask"], multiple=length_multiple)
            )
        return dataset.prefetch(2)

    return dataset_fn

