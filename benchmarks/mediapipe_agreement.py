"""MediaPipe Tasks against the original BERT tokenizer, and its latency next to our TFLite file.

Run: `.venv/bin/python -m benchmarks.mediapipe_agreement` from the project root (needs
../shared/data and the mediapipe extra).

1. Agreement: for SST-2 dev sentences, WNUT-17 dev sentences (tokens joined by spaces) and the
   SQuAD dev questions, the share of texts whose encoder inputs at `--seq-length` equal the
   original BERT tokenizer's (`BertPreprocessor`, exact mode), with the real uncased
   30,522-token vocabulary:
   - through MediaPipe: the ids its `TextEmbedder` feeds, read back from the ids probe
     (`export.mediapipe.ids_probe_function`), run by the `mediapipe` package;
   - through our raw-text TFLite file's tokenizer (`BertTokenizer(mode="tflite")`, the graph
     the file holds).
   Beside it, `predicted_to_differ`, a rule written from MediaPipe's C++ (ASCII-only
   lower-casing, no accent stripping, no cleaning, RE2 `\\s` whitespace, 100-byte words) that
   tells from the text alone whether MediaPipe tokenizes it differently, and how often the
   rule and MediaPipe's measured ids disagree.
2. Latency: one randomly initialized classifier (`--layers`, `--hidden`, `--heads`), exported
   both ways (`--format mediapipe`, and `--format tflite`: text in, tokenized in the graph with
   the tensorflow-text kernels), run on the same SST-2 dev sentences one text at a time in
   this process, and on SQuAD dev contexts (longer than `--seq-length`: both compute every
   position): MediaPipe's `TextClassifier.classify` against the raw-text file's signature in
   LiteRT, both on one CPU thread (MediaPipe's default off Android, iOS and the web). Median
   milliseconds per text over rounds that alternate between them. The raw-text file computes
   each text only to its length; MediaPipe's file always runs all `--seq-length` positions.
"""

import argparse
import json
import os
import tempfile
import unicodedata

import numpy as np
import tensorflow as tf
from keras_bert.export import mediapipe as mp_export
from keras_bert.export.tflite import export_tflite

import keras_bert  # noqa: F401  (sets the Keras backend before TensorFlow loads)
from benchmarks.common import alternating_medians, machine, print_table
from keras_bert.text import BertPreprocessor, BertTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
VOCAB = os.path.join(
    DATA, "checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt"
)
# MediaPipe's BertTokenizerOptions default: a word of more bytes is [UNK].
MEDIAPIPE_MAX_BYTES_PER_WORD = 100


def corpora():
    with open(os.path.join(DATA, "glue", "SST-2", "dev.tsv"), encoding="utf-8") as f:
        sst2 = [line.split("\t")[0] for line in f.read().splitlines()[1:]]
    with open(os.path.join(DATA, "ner", "wnut17", "emerging.dev.conll"), encoding="utf-8") as f:
        blocks = f.read().split("\n\n")
    wnut = [" ".join(line.split("\t")[0] for line in b.splitlines()) for b in blocks if b.strip()]
    with open(os.path.join(DATA, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        squad = [
            q["question"] for a in json.load(f)["data"] for p in a["paragraphs"] for q in p["qas"]
        ]
    return {"SST-2 dev": sst2, "WNUT-17 dev": wnut, "SQuAD dev questions": squad}


def _squad_paragraphs():
    with open(os.path.join(DATA, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        return [p for a in json.load(f)["data"] for p in a["paragraphs"]]


def predicted_to_differ(text):
    """Whether MediaPipe's tokenizer, by its rules, splits `text` differently from the original
    (uncased): a character the original changes and MediaPipe keeps (an upper-case or accented
    non-ASCII letter, one NFD decomposes, a control or format character the original deletes,
    non-ASCII whitespace the original splits on), or a word of more than 100 bytes."""
    for ch in text:
        if ch in "\t\n\r" or (" " <= ch <= "~"):
            continue
        if ch.isascii() or ch.lower() != ch or unicodedata.normalize("NFD", ch) != ch:
            return True
        if unicodedata.category(ch) in ("Cc", "Cf", "Mn", "Zs", "Zl", "Zp") or ch == "\ufffd":
            return True
    return any(len(word.encode("utf-8")) > MEDIAPIPE_MAX_BYTES_PER_WORD for word in text.split())


def agreement(texts, seq_length, probe_path):
    """Rows of texts whose inputs equal the original's: through MediaPipe, through the tflite
    mode, and how often `predicted_to_differ` disagrees with MediaPipe."""
    batch = tf.constant(texts)
    original = BertPreprocessor(BertTokenizer(VOCAB), seq_length=seq_length)(batch)
    lite = BertPreprocessor(BertTokenizer(VOCAB, mode="tflite"), seq_length=seq_length)(batch)
    outputs, _ = mp_export.run_in_mediapipe([(probe_path, "text_embedder", texts)])
    fed = mp_export.fed_inputs(outputs[0], seq_length)

    def same(inputs):
        names = mp_export.INPUT_NAMES
        return np.all(
            [np.all(np.asarray(original[n]) == np.asarray(inputs[n]), axis=1) for n in names],
            axis=0,
        )

    mediapipe_same, lite_same = same(fed), same(lite)
    predicted_same = ~np.array([predicted_to_differ(t) for t in texts])
    return (
        int(mediapipe_same.sum()),
        int(lite_same.sum()),
        int((predicted_same != mediapipe_same).sum()),
    )


def latency(texts_by_set, args, tmp):
    """Median ms per text of MediaPipe's TextClassifier and of the raw-text TFLite file, same
    model, for each set of texts: dict set name -> (MediaPipe ms, raw-text TFLite ms)."""
    import keras
    from keras_bert.export.verify import tflite_interpreter
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.text import text_classifier

    keras.utils.set_random_seed(0)
    config = keras_bert.BertConfig(
        vocab_size=30522,
        hidden_size=args.hidden,
        num_layers=args.layers,
        num_attention_heads=args.heads,
        intermediate_size=4 * args.hidden,
    )
    model = keras_bert.BertClassifier(
        keras_bert.BertEncoder(config), num_classes=2, label_names=["0", "1"]
    )
    settings = {
        "name": "bench",
        "seq_length": args.seq_length,
        "tokenizer": BertTokenizer(VOCAB),
        "verbose": False,
    }
    sample = next(iter(texts_by_set.values()))[:8]
    (mediapipe_file,) = mp_export.export_mediapipe(
        model, tmp, verify_texts=sample, **settings
    ).paths
    (lite_file,) = export_tflite(model, tmp, verify_texts=sample, **settings).paths
    options = text_classifier.TextClassifierOptions(
        base_options=BaseOptions(model_asset_path=mediapipe_file)
    )
    classifier = text_classifier.TextClassifier.create_from_options(options)
    # One thread each: MediaPipe's XNNPACK default off Android, iOS and the web.
    lite = tflite_interpreter(lite_file, num_threads=1).get_signature_runner("serving_default")
    results = {}
    for name, texts in texts_by_set.items():
        encoded = [np.array([t.encode("utf-8")], dtype=object) for t in texts]

        def run_mediapipe(texts=texts):
            for text in texts:
                classifier.classify(text)

        def run_lite(encoded=encoded):
            for text in encoded:
                lite(text=text)

        runs = {"mediapipe": run_mediapipe, "lite": run_lite}
        medians = alternating_medians(runs, rounds=3, repeats=1)
        results[name] = (medians["mediapipe"] / len(texts), medians["lite"] / len(texts))
    classifier.close()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument(
        "--latency-texts",
        type=int,
        default=200,
        help="SST-2 dev sentences timed (a quarter as many contexts)",
    )
    args = parser.parse_args()
    texts_by_corpus = corpora()
    vocab = BertTokenizer(VOCAB).vocab
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, "ids_probe.tflite")
        content = mp_export.convert_ids_function(
            mp_export.ids_probe_function(args.seq_length), "ids probe"
        )
        with open(probe, "wb") as f:
            f.write(mp_export.with_metadata(content, vocab, None, "ids probe"))
        rows = []
        for corpus, texts in texts_by_corpus.items():
            mediapipe_same, lite_same, rule_misses = agreement(texts, args.seq_length, probe)
            n = len(texts)
            rows.append(
                (
                    corpus,
                    f"{n:,}",
                    f"{mediapipe_same:,} ({100 * mediapipe_same / n:.2f}%)",
                    f"{lite_same:,} ({100 * lite_same / n:.2f}%)",
                    rule_misses,
                )
            )
        print(f"Machine: {machine()}")
        print_table(
            f"Texts whose encoder inputs (seq {args.seq_length}) equal the original BERT's",
            (
                "corpus",
                "texts",
                "MediaPipe",
                "raw-text TFLite (tflite mode)",
                "rule vs MediaPipe: disagreements",
            ),
            rows,
        )
        squad_contexts = [p["context"] for p in _squad_paragraphs()]
        sets = {
            "SST-2 dev sentences": texts_by_corpus["SST-2 dev"][: args.latency_texts],
            f"SQuAD dev contexts (cut to {args.seq_length})": squad_contexts[
                : args.latency_texts // 4
            ],
        }
        ms = latency(sets, args, tmp)
    print_table(
        f"Classifier, L={args.layers} H={args.hidden}, seq {args.seq_length}, one text at a time, "
        "one thread: ms per text",
        (
            "texts",
            "MediaPipe TextClassifier",
            "raw-text TFLite (LiteRT + tensorflow-text kernels)",
            "ratio",
        ),
        [(name, f"{m:.2f}", f"{lite:.2f}", f"{m / lite:.2f}x") for name, (m, lite) in ms.items()],
    )


if __name__ == "__main__":
    main()
