"""Tokenizer throughput and parity with the original BERT tokenizer, ours against the peers.

Run: `.venv/bin/python -m benchmarks.tokenization` from the project root (needs ../shared/data).
For each corpus (SST-2 train sentences, SQuAD dev contexts) and tokenizer, prints texts per
second (batches of 1024, after a warm-up) and the share of texts whose ids equal the plain-Python
reference of google-research/bert's tokenizer (tests/reference_tokenizer.py). All use the real
uncased 30,522-token vocabulary; the TensorFlow ones run eagerly on the CPU, the Hugging Face one
uses `encode_batch` (Rust, all cores).
"""

import json
import os
import time

import keras_bert  # noqa: F401  (sets the Keras backend before TensorFlow loads)
import tensorflow as tf

from keras_bert.text import BertTokenizer
from tests.reference_tokenizer import ReferenceTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DATA = os.path.join(ROOT, "..", "shared", "data")
VOCAB = os.path.join(DATA, "checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt")
BATCH = 1024


def corpora():
    with open(os.path.join(DATA, "glue", "SST-2", "train.tsv"), encoding="utf-8") as f:
        sst2 = [line.split("\t")[0] for line in f.read().splitlines()[1:]]
    with open(os.path.join(DATA, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        squad = [p["context"] for a in json.load(f)["data"] for p in a["paragraphs"]]
    return {"SST-2 train": sst2, "SQuAD contexts": squad}


def tf_runner(tokenize):
    """`tokenize` traced once for batches of any size (the corpus' last batch is shorter)."""
    tokenize = tf.function(tokenize, input_signature=[tf.TensorSpec([None], tf.string)])

    def run(texts):
        out = []
        for i in range(0, len(texts), BATCH):
            out.extend(tokenize(tf.constant(texts[i : i + BATCH])).to_list())
        return out

    return run


def tokenizers():
    ours = BertTokenizer(VOCAB)
    ours_tflite = BertTokenizer(VOCAB, mode="tflite")
    found = {
        "keras-bert BertTokenizer (exact)": tf_runner(ours.tokenize),
        "keras-bert BertTokenizer (mode=tflite)": tf_runner(ours_tflite.tokenize),
    }
    import keras_hub

    hub = keras_hub.tokenizers.WordPieceTokenizer(vocabulary=VOCAB, lowercase=True, strip_accents=True, dtype="int32")
    found["keras-hub WordPieceTokenizer"] = tf_runner(hub.tokenize)
    from tokenizers import BertWordPieceTokenizer

    hf = BertWordPieceTokenizer(VOCAB, lowercase=True)

    def run_hf(texts):
        out = []
        for i in range(0, len(texts), BATCH):
            out.extend(e.ids for e in hf.encode_batch(texts[i : i + BATCH], add_special_tokens=False))
        return out

    found["HF tokenizers BertWordPieceTokenizer (Rust)"] = run_hf
    return found


def main():
    reference = ReferenceTokenizer(BertTokenizer(VOCAB).vocab)
    rows = []
    for corpus, texts in corpora().items():
        want = [reference.encode(t) for t in texts]
        for name, run in tokenizers().items():
            run(texts[:BATCH])
            start = time.perf_counter()
            got = run(texts)
            seconds = time.perf_counter() - start
            same = sum(list(g) == w for g, w in zip(got, want))
            rows.append((corpus, name, len(texts) / seconds, same, len(texts)))
    print(f"{'corpus':<16} {'tokenizer':<44} {'texts/s':>10} {'parity with original':>24}")
    for corpus, name, rate, same, total in rows:
        print(f"{corpus:<16} {name:<44} {rate:>10,.0f} {same:>8}/{total:<6} ({100 * same / total:6.2f}%)")


if __name__ == "__main__":
    main()
