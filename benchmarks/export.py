"""Size, latency and cold start of an exported BERT classifier: SavedModel (float32, bfloat16)
and TFLite (float32, float16, dynamic int8), raw text in, against keras-hub's BertBackbone
(ids in, XLA) and the same classifier in onnxruntime (ids in, converted by tf2onnx, where
installed), one process.

Two kinds of text: texts that fill all of `--seq-length` (every engine does the full work),
and real sentences (SST-2 dev from `../shared/data`, else the demo reviews the package ships)
taken in turn, 8 batches a call. Our signatures compute only up to each batch's longest text;
keras-hub's preprocessors pack every batch to `sequence_length`, so its time on ids of that
length is its time for any text.

    .venv/bin/python -m benchmarks.export [--size bert_base] [--seq-length 128]

The classifier has random weights (size and speed do not depend on them); accuracy of the
quantized files needs a fine-tuned model: `keras-bert export MODEL_DIR --quantize dynamic
--eval-file dev.tsv` prints it.
"""

import argparse
import os
import tempfile
import time

import numpy as np
import tensorflow as tf
from keras_bert.export import export_saved_model, export_tflite
from keras_bert.export.tflite import FILE_SUFFIX
from keras_bert.export.verify import SAMPLE_TEXTS, tflite_interpreter

from benchmarks.common import (
    alternating_medians,
    keras_hub_inputs,
    machine,
    onnxruntime_session,
    print_table,
)
from keras_bert import BertClassifier, BertConfig, BertEncoder
from keras_bert.models.encoder import INPUT_NAMES
from keras_bert.text import BertPreprocessor, BertTokenizer
from keras_bert.text.packing import trim_to_longest

SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
VOCAB = os.path.join(
    SHARED_DATA, "checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt"
)
DEMO_DATA = os.path.join(os.path.dirname(__file__), "..", "keras_bert", "data")
BATCHES_PER_CALL = 8


def real_sentences(split="dev"):
    """`(name, sentences)`: SST-2's `split` ("train" or "dev") where `../shared/data` has it,
    else the demo reviews the package ships."""
    from keras_bert.tasks.files import read_tsv

    path, name = os.path.join(SHARED_DATA, "glue", "SST-2", f"{split}.tsv"), f"SST-2 {split}"
    if not os.path.isfile(path):
        path, name = os.path.join(DEMO_DATA, f"demo_reviews_{split}.tsv"), f"demo reviews {split}"
    return name, read_tsv(path)[0][0]


def _size_mb(path):
    if os.path.isfile(path):
        return os.path.getsize(path) / 2**20
    return (
        sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 2**20
    )


def _first_answer_ms(load_and_answer):
    """Cold start: milliseconds from nothing loaded to the first answer."""
    began = time.perf_counter()
    load_and_answer()
    return (time.perf_counter() - began) * 1000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="bert_base")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument(
        "--precision", nargs="+", default=["float32", "bfloat16"], help="SavedModel precisions"
    )
    parser.add_argument("--quantize", nargs="+", default=["none", "float16", "dynamic"])
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="TFLite threads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    tokenizer = BertTokenizer(os.path.normpath(VOCAB))
    config = BertConfig.from_size(args.size)
    model = BertClassifier(BertEncoder(config), num_classes=2, label_names=["neg", "pos"])
    full = f"{args.seq_length} tokens"
    real, sentences = real_sentences()
    # (texts, batch) -> the batches one timed call runs, in turn.
    batches = {(full, b): [[SAMPLE_TEXTS[i % 2] * 20 for i in range(b)]] for b in (1, 8)}
    for b in (1, 8):
        batches[(real, b)] = [sentences[i * b : (i + 1) * b] for i in range(BATCHES_PER_CALL)]
    one = tf.constant(batches[(full, 1)][0])
    # artifact -> (size MB, cold start ms, {(texts, batch): one timed call}); timed together below.
    artifacts = {}
    with tempfile.TemporaryDirectory() as out:
        for precision in args.precision:
            saved = export_saved_model(
                model,
                out,
                name=f"bench_{precision}",
                seq_length=args.seq_length,
                tokenizer=tokenizer,
                precision=precision,
                verbose=False,
            )
            cold = _first_answer_ms(
                lambda saved=saved: tf.saved_model.load(saved.paths[0]).signatures[
                    "serving_default"
                ](text=one)
            )
            serve = tf.saved_model.load(saved.paths[0]).signatures["serving_default"]
            artifacts[f"SavedModel (TF) {precision}, text in"] = (
                f"{_size_mb(saved.paths[0]):.1f}",
                f"{cold:.0f}",
                {
                    key: _in_turn(lambda x, s=serve: s(text=x), [tf.constant(t) for t in texts])
                    for key, texts in batches.items()
                },
            )
        for quantize in args.quantize:
            lite = export_tflite(
                model,
                out,
                name="bench",
                quantize=quantize,
                seq_length=args.seq_length,
                tokenizer=tokenizer,
                verbose=False,
            )
            path = lite.paths[0]

            def load_and_answer(path=path):
                runner = tflite_interpreter(path, num_threads=args.threads).get_signature_runner(
                    "serving_default"
                )
                runner(text=one.numpy())

            cold = _first_answer_ms(load_and_answer)
            runner = tflite_interpreter(path, num_threads=args.threads).get_signature_runner(
                "serving_default"
            )
            artifacts[f"TFLite {FILE_SUFFIX[quantize].replace('_', ' ')}, text in"] = (
                f"{_size_mb(path):.1f}",
                f"{cold:.0f}",
                {
                    key: _in_turn(
                        lambda x, r=runner: r(text=x), [tf.constant(t).numpy() for t in texts]
                    )
                    for key, texts in batches.items()
                },
            )
    ids = {
        b: {
            name: np.ones((b, args.seq_length), "int32") * (1 if name != "input_type_ids" else 0)
            for name in INPUT_NAMES
        }
        for b in (1, 8)
    }
    spec = [tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES]

    @tf.function(input_signature=spec)
    def classifier_ids_in(*x):
        return model(dict(zip(INPUT_NAMES, x)), training=False)

    session = onnxruntime_session(classifier_ids_in, spec)
    if session is not None:
        artifacts["onnxruntime, same classifier, ids in"] = (
            "-",
            "-",
            {(full, b): (lambda f=ids[b]: session.run(None, f)) for b in (1, 8)},
        )
    import keras_hub

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=config.vocab_size,
        num_layers=config.num_layers,
        num_heads=config.num_attention_heads,
        hidden_dim=config.hidden_size,
        intermediate_dim=config.intermediate_size,
        max_sequence_length=512,
    )
    hub = tf.function(lambda x: backbone(x, training=False)["pooled_output"], jit_compile=True)
    hub_inputs = {
        b: keras_hub_inputs({k: tf.constant(v) for k, v in ids[b].items()}) for b in (1, 8)
    }
    hub_name = "keras-hub BertBackbone, XLA, ids in"
    # keras-hub packs any text to `sequence_length`: one batch of full-length ids is its cost.
    artifacts[hub_name] = (
        "-",
        "-",
        {
            (kind, b): _in_turn(lambda x: hub(x).numpy(), [hub_inputs[b]] * len(batches[(kind, b)]))
            for kind in (full, real)
            for b in (1, 8)
        },
    )
    rows = []
    for kind, b in batches:
        calls = {
            name: calls[(kind, b)]
            for name, (_, _, calls) in artifacts.items()
            if (kind, b) in calls
        }
        ms = alternating_medians(calls, rounds=args.rounds, repeats=args.repeats)
        per_batch = {name: value / len(batches[(kind, b)]) for name, value in ms.items()}
        for name in calls:
            size, cold, _ = artifacts[name]
            rows.append(
                (  # cold start is measured once, at batch 1
                    name,
                    kind,
                    size,
                    b,
                    f"{per_batch[name]:.1f}",
                    f"{ms[name] / ms[hub_name]:.2f}x",
                    cold if (kind, b) == (full, 1) else "",
                )
            )
    print_table(
        f"Export size and latency, {args.size}, seq {args.seq_length}, "
        f"TFLite {args.threads} threads, "
        f"median ms of {args.rounds} alternating rounds ({machine()})",
        [
            "artifact",
            "texts",
            "size MB",
            "batch",
            "median ms a batch",
            "vs keras-hub",
            "cold start ms (load + first answer)",
        ],
        rows,
    )
    packer = BertPreprocessor(tokenizer, seq_length=args.seq_length)
    for b in (1, 8):
        longest = [
            trim_to_longest(x, x["input_mask"])["input_mask"].shape[1]
            for x in (packer(tf.constant(t)) for t in batches[(real, b)])
        ]
        print(
            f"{real}, batch {b}: the longest text of each batch has "
            f"{np.mean(longest):.1f} tokens on average "
            f"(range {min(longest)}-{max(longest)})."
        )


def _in_turn(fn, inputs):
    """A call that runs `fn(x)` for each of `inputs` in turn."""

    def call():
        for x in inputs:
            fn(x)

    return call


if __name__ == "__main__":
    main()
