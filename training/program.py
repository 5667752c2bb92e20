"""What `keras-bert pretrain` and `keras-bert finetune` share: checks of the output folder,
strategy, precision, optimizer, the trainer, the run's picture and the closing lines, and
reading in-memory task data as per-replica batches."""

import errno
import os

import keras
import tensorflow as tf
from keras_bert.training import plots
from keras_bert.training.strategy import resolve_strategy
from keras_bert.training.trainer import Trainer, check_run

from keras_bert import model_dir
from keras_bert.config import BertConfig
from keras_bert.models.encoder import BertEncoder
from keras_bert.optimization import bert_optimizer
from keras_bert.tasks.encoder import ENCODER
from keras_bert.text import BertTokenizer
from keras_bert.text.packing import trim_to_longest

# What `plots.plot_run` draws, in the output folder.
PICTURE_FILE = "training.png"


def existing(args):
    """What to do with an --out that holds a run (`Trainer`'s `existing`)."""
    return "resume" if args.resume else "overwrite" if args.overwrite else "refuse"


def check_out(args):
    """Before any work: --out is a folder that can be written, and what it holds fits
    --resume / --overwrite and, to resume, this command's flags."""
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), args.out)
    folder = os.path.abspath(args.out)
    while not os.path.exists(folder):  # the folder a new --out would be made in
        folder = os.path.dirname(folder)
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"--out {args.out} cannot be written; pass another folder.")
    has_run = check_run(os.path.join(args.out, "checkpoints"), run_identity(args), existing(args))
    if not has_run and existing(args) == "refuse" and model_dir.is_model_dir(args.out):
        raise ValueError(
            f"{args.out} holds a model folder; pass --overwrite to replace it, or a new --out."
        )


def setup(args):
    """Seeds, precision policy and strategy; returns the strategy."""
    keras.utils.set_random_seed(args.seed)
    keras.mixed_precision.set_global_policy(args.precision)
    return resolve_strategy(args.strategy, args.tpu)


def load_tokenizer(args):
    """--vocab (cased with --cased), else the --init-checkpoint's tokenizer settings."""
    if args.revision and not args.init_checkpoint:
        raise ValueError(
            "--revision picks a version of a Hugging Face --init-checkpoint; pass one."
        )
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


def starting_model(args, tokenizer, task=ENCODER):
    """The model training starts from, checked against the vocabulary and --seq-length:
    `from_pretrained(--init-checkpoint, task.name)`, or a new `BertEncoder` of
    --random-init-size or --config in the `task`'s model (`Task.build`)."""
    if sum(map(bool, (args.init_checkpoint, args.random_init_size, args.config))) != 1:
        raise ValueError("Pass exactly one of --init-checkpoint, --random-init-size and --config.")
    model = None
    if args.init_checkpoint:
        from keras_bert.pretrained import from_pretrained  # noqa: PLC0415

        model = from_pretrained(args.init_checkpoint, task=task.name, revision=args.revision)
        config = (model if isinstance(model, BertEncoder) else model.encoder).config
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
        model = task.build(BertEncoder(config))
    return model


def save_model_folder(args, model, tokenizer, task, step, **metadata):
    """Writes `--out` as the keras-bert model folder of `task` (`model_dir.save_model_dir`):
    the model, the run's vocabulary and text settings, the task's own settings
    (`Task.folder_metadata`) and `metadata`; returns the names of the files it wrote."""
    model_dir.save_model_dir(
        model,
        args.out,
        tokenizer.vocab_file,
        task=task.name,
        lower_case=tokenizer.lower_case,
        max_chars_per_word=tokenizer.max_chars_per_word,
        seq_length=args.seq_length,
        step=step,
        **task.folder_metadata(args),
        **metadata,
    )
    return [model_dir.MODEL_FILE, model_dir.VOCAB_FILE, model_dir.METADATA_FILE]


def create_optimizer(args, total_steps):
    warmup = args.warmup_steps if args.warmup_steps is not None else total_steps // 10
    return bert_optimizer(
        args.learning_rate,
        total_steps,
        warmup_steps=min(warmup, total_steps),
        weight_decay=args.weight_decay,
        loss_scaling=args.precision == "mixed_float16",
    )


def create_trainer(
    args, strategy, model, optimizer, task, dataset_fn, evaluation=None, eval_every=None
):
    return Trainer(
        strategy,
        model,
        optimizer,
        task,
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
        existing=existing(args),
        evaluation=evaluation,
        eval_every=eval_every,
        log_every=args.log_every,
    )


def finish(trainer, written, metric=None):
    """On the chief: draws the run's picture (`metric`: the evaluation metric to draw) and
    prints what the run wrote and where, the picture's path last."""
    if not trainer.chief:
        return
    out = os.path.dirname(os.path.normpath(trainer.log_dir))
    picture = os.path.abspath(os.path.join(out, PICTURE_FILE))
    picture = plots.plot_run(trainer.read_history(), picture, metric)
    print(f"wrote {os.path.abspath(out)}: {', '.join(written)}", flush=True)
    print(
        f"the run's picture (loss, learning rate, evaluation): {picture}"
        if picture
        else f"no picture of the run: {plots.MISSING}",
        flush=True,
    )


# The flags that choose a run's data, model, optimizer and schedule: a resume must repeat them
# (`Trainer`'s `run`).
RUN_FLAGS = (
    "task",
    "train_file",
    "train_files",
    "input_format",
    "text_column",
    "label_column",
    "label_names",
    "max_train_examples",
    "seq_length",
    "batch_size",
    "accumulation_steps",
    "max_predictions_per_seq",
    "init_checkpoint",
    "revision",
    "random_init_size",
    "config",
    "vocab",
    "cased",
    "seed",
    "learning_rate",
    "warmup_steps",
    "weight_decay",
    "epochs",
    "max_steps",
)


def run_identity(args):
    """`{flag: value}` of `RUN_FLAGS` (None where a command has no such flag), with paths made
    absolute so the same command resumes from any working directory."""

    def absolute(value):
        if not isinstance(value, str):
            return value
        return ",".join(
            os.path.abspath(p) if os.path.exists(p) or "*" in p else p for p in value.split(",")
        )

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
            dataset = dataset.shard(
                input_context.num_input_pipelines, input_context.input_pipeline_id
            )
        count = int(dataset.cardinality())
        if count < batch_size:
            raise ValueError(
                f"{count} training examples per worker are fewer than one batch of {batch_size}; "
                "lower --batch-size."
            )
        dataset = dataset.shuffle(count, seed=seed).repeat()
        if group_by_length:
            dataset = dataset.group_by_window(
                lambda x, y: tf.cast(
                    (tf.reduce_sum(x["input_mask"]) - 1) // length_multiple, tf.int64
                ),
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
