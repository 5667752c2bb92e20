"""`keras-bert make-pretraining-data`: raw text -> sharded pretraining TFRecords.

    keras-bert make-pretraining-data --input 'corpus/*.txt' --vocab vocab.txt \\
        --output-dir data/ --seq-length 128 --num-shards 8

The records carry google-research/bert's feature names, so its `run_pretraining.py` reads them
too (see `keras_bert.training.data.pretraining`).
"""

from keras_bert.training.data import pretraining

from keras_bert.text import BertTokenizer


def run(args):
    tokenizer = BertTokenizer(args.vocab, lower_case=not args.cased)
    paths, count = pretraining.write_pretraining_tfrecords(
        pretraining.expand_files(args.input),
        args.output_dir,
        tokenizer,
        seq_length=args.seq_length,
        max_predictions_per_seq=args.max_predictions_per_seq,
        mask_rate=args.mask_rate,
        whole_word_masking=args.whole_word_masking,
        short_seq_prob=args.short_seq_prob,
        num_shards=args.num_shards,
        layout=args.layout,
        document_window=args.document_window,
        dupe_factor=args.dupe_factor,
        seed=args.seed,
    )
    print(f"wrote {count} instances to {len(paths)} files in {args.output_dir}")
