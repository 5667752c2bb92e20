"""Pretrain BERT (masked LM + next sentence) from a text file with plain `model.fit`.

    python examples/pretrain_from_text.py [--corpus keras_bert/data/demo_corpus.txt]
        [--vocab vocab.txt] [--steps 100]

Sentence pairs are built in Python (50% the true next sentence, 50% a random one); everything
else happens in tf.data: tokenize and pack the pair in the graph, mask 15% of the pieces
(80% [MASK], 10% random, 10% unchanged), feed BertPretrainer. `keras-bert pretrain` does the
same at scale, with TFRecords, any tf.distribute strategy and checkpoints.
"""

import argparse
import os
import random

import keras
import tensorflow as tf

from keras_bert import BertConfig, BertEncoder, BertPretrainer, split_pretraining_features
from keras_bert.text import BertPreprocessor, BertTokenizer, build_vocab, mask_for_mlm

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

    def to_features(first, second, label):
        packed = preprocessor([first, second])
        masked = mask_for_mlm(
            packed["input_word_ids"], tokenizer.vocab_size, tokenizer.mask_id,
            tokenizer.special_ids, max_predictions_per_seq=10,
        )
        return dict(packed, **masked, next_sentence_labels=label[:, None])

    ds = tf.data.Dataset.from_tensor_slices(sentence_pairs(args.corpus))
    ds = ds.shuffle(10_000, seed=0).repeat().batch(32, drop_remainder=True)
    ds = ds.map(to_features).map(split_pretraining_features).prefetch(tf.data.AUTOTUNE)

    config = BertConfig.from_preset("bert_tiny", vocab_size=tokenizer.vocab_size)
    pretrainer = BertPretrainer(BertEncoder(config))
    pretrainer.compile(optimizer=keras.optimizers.AdamW(5e-4, weight_decay=0.01))
    history = pretrainer.fit(ds, steps_per_epoch=args.steps, epochs=1, verbose=2).history
    print(f"mlm_loss {history['mlm_loss'][-1]:.3f}, nsp_accuracy {history['nsp_accuracy'][-1]:.3f}")
    pretrainer.encoder.save("pretrained_encoder.keras")


if __name__ == "__main__":
    main()
