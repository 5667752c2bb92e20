"""`keras-bert pretrain`: BERT pretraining (masked LM + next sentence) under any strategy.

    keras-bert pretrain --train-files 'data/*.tfrecord' --random-init-size bert_tiny \\
        --vocab vocab.txt --batch-size 32 --seq-length 128 --max-steps 10000 --out runs/tiny

`--train-files` takes TFRecords written by `keras-bert make-pretraining-data` (or by
google-research/bert) or raw text files (`--input-format text`). The run writes checkpoints to
`OUT/checkpoints` and resumes from the newest one; at the end `OUT` is a keras-bert model folder
(`from_pretrained(OUT, task="pretraining")`, `keras-bert export`).
"""

import keras
from keras_bert.training import program
from keras_bert.training.data import pretraining
from keras_bert.training.strategy import is_chief

from keras_bert.tasks.pretraining import PRETRAINING


def _input_format(args, files):
    if args.input_format != "auto":
        return args.input_format
    return "tfrecord" if all(f.endswith((".tfrecord", ".tfrecords")) for f in files) else "text"


def _dataset_fn(args, tokenizer):
    if args.static_masking and args.whole_word_masking:
        raise ValueError(
            "--whole-word-masking chooses the dynamic masking; with --static-masking the "
            "records' masking is used, so pass --whole-word-masking to make-pretraining-data."
        )
    files = pretraining.expand_files(args.train_files)
    if _input_format(args, files) == "tfrecord":

        def dataset_fn(batch_size, input_context, skip_batches):
            return pretraining.tfrecord_dataset(
                files,
                batch_size,
                args.seq_length,
                args.max_predictions_per_seq,
                tokenizer=tokenizer,
                dynamic_masking=not args.static_masking,
                mask_rate=args.mask_rate,
                whole_word_masking=args.whole_word_masking,
                input_context=input_context,
                skip_batches=skip_batches,
                seed=args.seed,
            )

        return dataset_fn
    if args.static_masking:
        raise ValueError("--static-masking needs TFRecords; text input is always masked per batch.")

    def dataset_fn(batch_size, input_context, skip_batches):
        return pretraining.text_dataset(
            files,
            tokenizer,
            batch_size,
            args.seq_length,
            args.max_predictions_per_seq,
            mask_rate=args.mask_rate,
            whole_word_masking=args.whole_word_masking,
            short_seq_prob=args.short_seq_prob,
            layout=args.text_layout,
            input_context=input_context,
            skip_batches=skip_batches,
            seed=args.seed,
        )

    return dataset_fn


def pretrain(args):
    """Runs the pretraining; returns the trainer (its `.model` is the `BertPretrainer`)."""
    program.check_out(args)
    strategy = program.setup(args)
    tokenizer = program.load_tokenizer(args)
    dataset_fn = _dataset_fn(args, tokenizer)
    with strategy.scope():
        model = program.starting_model(args, tokenizer, PRETRAINING)
        optimizer = program.create_optimizer(args, args.max_steps)
    trainer = program.create_trainer(args, strategy, model, optimizer, PRETRAINING, dataset_fn)
    trainer.train(args.max_steps)
    if is_chief(strategy):
        written = program.save_model_folder(args, model, tokenizer, PRETRAINING, trainer.step)
        program.finish(trainer, written + ["checkpoints/", "logs/"])
    keras.mixed_precision.set_global_policy("float32")
    return trainer


def run(args):
    pretrain(args)
