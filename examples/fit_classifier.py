"""Fine-tune a BertClassifier with plain `model.fit`, tokenizing raw text inside tf.data.

    python examples/fit_classifier.py [--train keras_bert/data/demo_reviews_train.tsv]
        [--vocab vocab.txt] [--epochs 2] [--max-examples N]

With no --vocab, a whole-word vocabulary is made from the training file (a valid WordPiece
vocabulary without `##` pieces: enough for a first run; use `keras-bert vocab` for a real one).
"""

import argparse
import csv
import os

import keras
import tensorflow as tf

from keras_bert import BertClassifier, BertConfig, BertEncoder
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
    parser.add_argument("--vocab")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-examples", type=int)
    args = parser.parse_args()

    texts, labels = read_tsv(args.train, args.max_examples)
    if args.vocab:
        tokenizer = BertTokenizer(args.vocab)
    else:
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        words = BertTokenizer(specials).split_words(tf.constant(texts)).flat_values.numpy()
        tokenizer = BertTokenizer(specials + sorted({w.decode() for w in words}))

    # The preprocessor runs in the input pipeline: raw strings in, int32 encoder inputs out.
    preprocessor = BertPreprocessor(tokenizer, seq_length=48)

    def dataset(texts, labels, shuffle):
        ds = tf.data.Dataset.from_tensor_slices((texts, labels))
        if shuffle:
            ds = ds.shuffle(len(texts), seed=0)
        return ds.batch(32).map(lambda x, y: (preprocessor(x), y)).prefetch(tf.data.AUTOTUNE)

    encoder = BertEncoder(BertConfig.from_preset("bert_tiny", vocab_size=tokenizer.vocab_size))
    model = BertClassifier(encoder, num_classes=2, label_names=["negative", "positive"])
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=0.01))
    model.fit(dataset(texts, labels, True), epochs=args.epochs, verbose=2)
    dev_texts, dev_labels = read_tsv(args.dev, args.max_examples)
    accuracy = model.evaluate(dataset(dev_texts, dev_labels, False), verbose=0)[1]
    print(f"dev accuracy: {accuracy:.3f}")


if __name__ == "__main__":
    main()
