"""`keras-bert make-pretraining-data`: raw text -> sharded pretraining TFRecords.

    keras-bert make-pretraining-data --input 'corpus/*.txt' --vocab vocab.txt \\
        --output-dir data/ --seq-length 128 --num-shards 8

The records carry google-research/bert's feature names, so its `run_pretraining.py` reads them
too (see `keras_bert.training.data.pretraining`).
"""

from keras_bert.cli import positive_fraction, positive_int, probability
from keras_bert.text import BertTokenizer
from keras_bert.training.data import pretraining


def add_arguments(parser):
    parser.add_argument("--input", required=True, help="comma-separated globs of text files")
    parser.add_argument("--vocab", required=True, help="vocab.txt")
    parser.add_argument("--cased", action="store_true", help="cased vocabulary (no lower-casing)")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--text-layout", "--layout", dest="layout", default="sentences",
                        choices=pretraining.LAYOUTS, help="as in `pretrain` (--layout: older name)")
    parser.add_argument("--seq-length", type=positive_int, default=128)
    parser.add_argument("--max-predictions-per-seq", type=positive_int, default=20)
    parser.add_argument("--mask-rate", type=positive_fraction, default=0.15)
    parser.add_argument("--whole-word-masking", action="store_true",
                        help="mask all the pieces of a word together")
    parser.add_argument("--short-seq-prob", type=probability, default=0.1)
    parser.add_argument("--num-shards", type=positive_int, default=1)
    parser.add_argument("--dupe-factor", type=positive_int, default=1)
    parser.add_argument("--document-window", type=positive_int, default=1000,
                        help="documents read together (random next segments come from them)")
    parser.add_argument("--seed", type=int, default=12345)


def run(args):
    tokenizer = BertTokenizer(args.vocab, lower_case=not args.cased)
    paths, count = pretraining.write_pretraining_tfrecords(
        pretraining.expand_files(args.input), args.output_dir, tokenizer,
        seq_length=args.seq_length, max_predictions_per_seq=args.max_predictions_per_seq,
        mask_rate=args.mask_rate, whole_word_masking=args.whole_word_masking,
        short_seq_prob=args.short_seq_prob,
        num_shards=args.num_shards, layout=args.layout, document_window=args.document_window,
        dupe_factor=args.dupe_factor, seed=args.seed,
    )
    print(f"wrote {count} instances to {len(paths)} files in {args.output_dir}")
