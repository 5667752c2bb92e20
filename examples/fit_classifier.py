"""Fine-tune a BertClassifier with plain `model.fit` on raw strings.

    python examples/fit_classifier.py [--train keras_bert/data/demo_reviews_train.tsv]
        [--checkpoint NAME_OR_FOLDER | --vocab vocab.txt] [--epochs 2] [--max-examples N]

The model carries a preprocessor, so `fit`, `evaluate` and `predict` take lists of strings and
tokenize them inside the tf.data pipeline. With --checkpoint (anything
`keras_bert.from_pretrained` reads) the classifier starts from that pretrained BERT and its
tokenizer. Without it a tiny BERT starts from random weights; with no --vocab either, a
whole-word vocabulary is made from the training file (a valid WordPiece vocabulary without
`##` pieces: enough for a first run; use `keras-bert vocab` for a real one).
"""

import argparse
import csv
import math
import os

import tensorflow as tf

from keras_bert import BertClassifier, BertConfig, BertEncoder, bert_optimizer
from keras_bert.text import BertPreprocessor, BertTokenizer

DATA = os.path.join(os.path.dirname(__file__), "..", "keras_bert", "data")


def read_tsv(path, limit=None):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[:limit]
    return [r["sentence"] for r in rows], [int(r["label"]) for r in rows]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", default=os.path.join(DATA, "demo_reviews_train.tsv"))
    parser.add_argument("--dev", default=os.path.join(DATA, "demo_reviews_dev.tsv"))
    parser.add_argument("--checkpoint", help="a pretrained BERT to start from")
    parser.add_argument("--vocab")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-examples", type=int)
    args = parser.parse_args()

    texts, labels = read_tsv(args.train, args.max_examples)
    label_names = ["negative", "positive"]
    if args.checkpoint:
        model = BertClassifier.from_pretrained(
            args.checkpoint, num_classes=2, label_names=label_names, seq_length=48
        )
        learning_rate = 5e-5
    else:
        if args.vocab:
            tokenizer = BertTokenizer(args.vocab)
        else:
            specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
            words = BertTokenizer(specials).split_words(tf.constant(texts)).flat_values.numpy()
            tokenizer = BertTokenizer(specials + sorted({w.decode() for w in words}))
        encoder = BertEncoder(BertConfig.from_size("bert_tiny", vocab_size=tokenizer.vocab_size))
        # The preprocessor runs in the input pipeline: raw strings in, int32 encoder inputs out.
        preprocessor = BertPreprocessor(tokenizer, seq_length=48)
        model = BertClassifier(encoder, 2, label_names=label_names, preprocessor=preprocessor)
        learning_rate = 1e-3

    batch_size = 32
    steps = args.epochs * math.ceil(len(texts) / batch_size)
    model.compile(optimizer=bert_optimizer(learning_rate, total_steps=steps))
    model.fit(texts, labels, batch_size=batch_size, epochs=args.epochs, verbose=2)
    dev_texts, dev_labels = read_tsv(args.dev, args.max_examples)
    accuracy = model.evaluate(dev_texts, dev_labels, verbose=0)[1]
    print(f"dev accuracy: {accuracy:.3f}")


if __name__ == "__main__":
    main()
