"""Tokenizer throughput and parity with the original BERT tokenizer, ours against the peers.

Run: `.venv/bin/python -m benchmarks.tokenization` from the project root (needs ../shared/data).
For each corpus (SST-2 train sentences, SQuAD dev contexts) and tokenizer, prints texts per
second (batches of 1024, after a warm-up; the best of `ROUNDS` passes over the corpus, the
tokenizers taking turns, since single passes on a shared 2-core machine varied by 30%) and the
share of texts whose ids equal the plain-Python
reference of google-research/bert's tokenizer (tests/reference_tokenizer.py). All use the real
uncased 30,522-token vocabulary; the TensorFlow ones run eagerly on the CPU, the Hugging Face one
uses `encode_batch` (Rust, all cores), which computes each piece's character offsets
alongside its ids: the "with word offsets" rows (`tokenize_with_word_offsets`, which also traces
each piece to its run and word in the raw text) are the like-for-like comparison with it.
"""

import json
import os
import time

import tensorflow as tf

import keras_bert  # noqa: F401  (sets the Keras backend before TensorFlow loads)
from keras_bert.text import BertTokenizer
from tests.reference_tokenizer import ReferenceTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DATA = os.path.join(ROOT, "..", "shared", "data")
VOCAB = os.path.join(
    DATA, "checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt"
)
BATCH = 1024
ROUNDS = 3


def corpora():
    with open(os.path.join(DATA, "glue", "SST-2", "train.tsv"), encoding="utf-8") as f:
        sst2 = [line.split("\t")[0] for line in f.read().splitlines()[1:]]
    with open(os.path.join(DATA, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        squad = [p["context"] for a in json.load(f)["data"] for p in a["paragraphs"]]
    return {"SST-2 train": sst2, "SQuAD contexts": squad}


def tf_runner(tokenize):
    """`tokenize` traced once for batches of any size (the corpus' last batch is shorter). It
    returns the ids, or a tuple that starts with them (every element is computed: the traced
    function returns them all, so none is pruned from its graph)."""
    tokenize = tf.function(tokenize, input_signature=[tf.TensorSpec([None], tf.string)])

    def run(texts):
        out = []
        for i in range(0, len(texts), BATCH):
            result = tokenize(tf.constant(texts[i : i + BATCH]))
            out.extend((result[0] if isinstance(result, tuple) else result).to_list())
        return out

    return run


def tokenizers():
    ours = BertTokenizer(VOCAB)
    ours_tflite = BertTokenizer(VOCAB, mode="tflite")
    found = {
        "keras-bert BertTokenizer (exact)": tf_runner(ours.tokenize),
        "keras-bert BertTokenizer (mode=tflite)": tf_runner(ours_tflite.tokenize),
        "keras-bert exact, with word offsets": tf_runner(ours.tokenize_with_word_offsets),
        "keras-bert mode=tflite, with word offsets": tf_runner(
            ours_tflite.tokenize_with_word_offsets
        ),
    }
    import keras_hub

    hub = keras_hub.tokenizers.WordPieceTokenizer(
        vocabulary=VOCAB, lowercase=True, strip_accents=True, dtype="int32"
    )
    found["keras-hub WordPieceTokenizer"] = tf_runner(hub.tokenize)
    from tokenizers import BertWordPieceTokenizer

    hf = BertWordPieceTokenizer(VOCAB, lowercase=True)

    def run_hf(texts):
        out = []
        for i in range(0, len(texts), BATCH):
            out.extend(
                e.ids for e in hf.encode_batch(texts[i : i + BATCH], add_special_tokens=False)
            )
        return out

    found["HF tokenizers BertWordPieceTokenizer (Rust)"] = run_hf
    return found


def main():
    reference = ReferenceTokenizer(BertTokenizer(VOCAB).vocab)
    rows = []
    for corpus, texts in corpora().items():
        want = [reference.encode(t) for t in texts]
        runners = tokenizers()
        seconds, same = dict.fromkeys(runners, float("inf")), {}
        for _name, run in runners.items():
            run(texts[:BATCH])
        for _ in range(ROUNDS):
            for name, run in runners.items():
                start = time.perf_counter()
                got = run(texts)
                seconds[name] = min(seconds[name], time.perf_counter() - start)
                same[name] = sum(list(g) == w for g, w in zip(got, want))
        rows.extend(
            (corpus, name, len(texts) / seconds[name], same[name], len(texts)) for name in runners
        )
    print(f"{'corpus':<16} {'tokenizer':<44} {'texts/s':>10} {'parity with original':>24}")
    for corpus, name, rate, same, total in rows:
        print(
            f"{corpus:<16} {name:<44} {rate:>10,.0f} {same:>8}/{total:<6} "
            f"({100 * same / total:6.2f}%)"
        )


if __name__ == "__main__":
    main()
