"""Pretrain BERT (masked LM + next sentence) from a text file with plain `model.fit`.

    python examples/pretrain_from_text.py [--corpus keras_bert/data/demo_corpus.txt]
        [--vocab vocab.txt] [--steps 100]

Sentence pairs are built in Python (50% the true next sentence, 50% a random one) and given to
`fit` as raw strings; the pretrainer's preprocessor tokenizes and packs each pair in tf.data and
masks 15% of the pieces (80% [MASK], 10% random, 10% unchanged), afresh for every batch.
`keras-bert pretrain` does the same at scale, with TFRecords, any tf.distribute strategy and
checkpoints.
"""

import argparse
import os
import random

from keras_bert import BertConfig, BertEncoder, BertPretrainer, bert_optimizer
from keras_bert.text import BertPreprocessor, BertTokenizer, build_vocab

DATA = os.path.join(os.path.dirname(__file__), "..", "keras_bert", "data")


def sentence_pairs(path, seed=0):
    """(first, second, label): label 0 when second follows first in a document, 1 if random."""
    with open(path, encoding="utf-8") as f:
        documents = [d.strip().split("\n") for d in f.read().split("\n\n") if d.strip()]
    sentences = [s for d in documents for s in d]
    rng = random.Random(seed)
    firsts, seconds, labels = [], [], []
    for document in documents:
        for a, b in zip(document, document[1:]):
            is_random = rng.random() < 0.5
            firsts.append(a)
            seconds.append(rng.choice(sentences) if is_random else b)
            labels.append(int(is_random))
    return firsts, seconds, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(DATA, "demo_corpus.txt"))
    parser.add_argument("--vocab", help="vocab.txt (default: learn 2,000 pieces from the corpus)")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seq-length", type=int, default=64)
    args = parser.parse_args()

    vocab = args.vocab or build_vocab([args.corpus], vocab_size=2000)
    tokenizer = BertTokenizer(vocab)
    preprocessor = BertPreprocessor(tokenizer, seq_length=args.seq_length)
    config = BertConfig.from_size("bert_tiny", vocab_size=tokenizer.vocab_size)
    pretrainer = BertPretrainer(
        BertEncoder(config), max_predictions_per_seq=10, preprocessor=preprocessor
    )
    pretrainer.compile(optimizer=bert_optimizer(5e-4, total_steps=args.steps))
    firsts, seconds, labels = sentence_pairs(args.corpus)
    history = pretrainer.fit(
        (firsts, seconds), labels, batch_size=32, steps_per_epoch=args.steps, epochs=1, verbose=2
    ).history
    print(f"mlm_loss {history['mlm_loss'][-1]:.3f}, nsp_accuracy {history['nsp_accuracy'][-1]:.3f}")
    pretrainer.encoder.save("pretrained_encoder.keras")


if __name__ == "__main__":
    main()
