"""Size, latency and cold start of an exported BERT classifier: SavedModel and TFLite (float32,
float16, dynamic int8), raw text in, against keras-hub's BertBackbone (ids in, XLA) and the same
classifier in onnxruntime (ids in, converted by tf2onnx, where installed), one process.

    .venv/bin/python -m benchmarks.export [--preset bert_base] [--seq-length 128]

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

from benchmarks.common import machine, onnxruntime_session, print_table, time_call
from keras_bert import BertClassifier, BertConfig, BertEncoder
from keras_bert.export import export_saved_model, export_tflite
from keras_bert.export.verify import SAMPLE_TEXTS, tflite_interpreter
from keras_bert.models.encoder import INPUT_NAMES
from keras_bert.text import BertTokenizer

VOCAB = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "checkpoints",
                     "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt")


def _size_mb(path):
    if os.path.isfile(path):
        return os.path.getsize(path) / 2**20
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 2**20


def _first_answer_ms(load_and_answer):
    """Cold start: milliseconds from nothing loaded to the first answer."""
    began = time.perf_counter()
    load_and_answer()
    return (time.perf_counter() - began) * 1000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="bert_base")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--quantize", nargs="+", default=["none", "float16", "dynamic"])
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="TFLite threads")
    args = parser.parse_args()
    tokenizer = BertTokenizer(os.path.normpath(VOCAB))
    config = BertConfig.from_preset(args.preset)
    model = BertClassifier(BertEncoder(config), num_classes=2, label_names=["neg", "pos"])
    texts = {b: [SAMPLE_TEXTS[i % 2] * 20 for i in range(b)] for b in (1, 8)}
    one = tf.constant(texts[1])
    rows = []
    with tempfile.TemporaryDirectory() as out:
        saved = export_saved_model(model, out, name="bench", seq_length=args.seq_length, tokenizer=tokenizer, verbose=False)
        cold = _first_answer_ms(
            lambda: tf.saved_model.load(saved.paths[0]).signatures["serving_default"](text=one)
        )
        serve = tf.saved_model.load(saved.paths[0]).signatures["serving_default"]
        for b, batch in texts.items():
            rows.append(("SavedModel (TF), text in", f"{_size_mb(saved.paths[0]):.1f}", b,
                         f"{time_call(lambda: serve(text=tf.constant(batch)))[0]:.1f}", f"{cold:.0f}"))
        for quantize in args.quantize:
            lite = export_tflite(model, out, name="bench", quantize=quantize, seq_length=args.seq_length,
                                 tokenizer=tokenizer, verbose=False)
            path = lite.paths[0]

            def load_and_answer(path=path):
                runner = tflite_interpreter(path, num_threads=args.threads).get_signature_runner("serving_default")
                runner(text=np.array([t.encode() for t in texts[1]], dtype=object))

            cold = _first_answer_ms(load_and_answer)
            runner = tflite_interpreter(path, num_threads=args.threads).get_signature_runner("serving_default")
            for b, batch in texts.items():
                x = np.array([t.encode() for t in batch], dtype=object)
                rows.append((f"TFLite {quantize}, text in", f"{_size_mb(path):.1f}", b,
                             f"{time_call(lambda: runner(text=x))[0]:.1f}", f"{cold:.0f}"))
    ids = {
        b: {name: np.ones((b, args.seq_length), "int32") * (1 if name != "input_type_ids" else 0) for name in INPUT_NAMES}
        for b in (1, 8)
    }
    spec = [tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES]

    @tf.function(input_signature=spec)
    def classifier_ids_in(*x):
        return model(dict(zip(INPUT_NAMES, x)), training=False)

    session = onnxruntime_session(classifier_ids_in, spec)
    if session is not None:
        for b in (1, 8):
            rows.append(("onnxruntime, same classifier, ids in", "-", b,
                         f"{time_call(lambda: session.run(None, ids[b]))[0]:.1f}", "-"))
    import keras_hub

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=config.vocab_size, num_layers=config.num_layers, num_heads=config.num_attention_heads,
        hidden_dim=config.hidden_size, intermediate_dim=config.intermediate_size, max_sequence_length=512,
    )
    hub = tf.function(lambda x: backbone(x, training=False)["pooled_output"], jit_compile=True)
    for b in (1, 8):
        x = {"token_ids": tf.constant(ids[b]["input_word_ids"]), "padding_mask": tf.constant(ids[b]["input_mask"]),
             "segment_ids": tf.constant(ids[b]["input_type_ids"])}
        rows.append(("keras-hub BertBackbone, XLA, ids in", "-", b,
                     f"{time_call(lambda: hub(x).numpy())[0]:.1f}", "-"))
    print_table(f"Export size and latency, {args.preset}, seq {args.seq_length}, TFLite {args.threads} threads ({machine()})",
                ["artifact", "size MB", "batch", "median ms", "cold start ms (load + first answer)"], rows)


if __name__ == "__main__":
    main()
