"""Size and latency of an exported BERT classifier: SavedModel and TFLite (float32, float16,
dynamic int8), raw text in, against keras-hub's BertBackbone (ids in, Keras), one process.

    .venv/bin/python -m benchmarks.export [--preset bert_base] [--seq-length 128]

The classifier has random weights (size and speed do not depend on them); accuracy of the
quantized files needs a fine-tuned model: `keras-bert export MODEL_DIR --quantize dynamic
--eval-file dev.tsv` prints it.
"""

import argparse
import os
import tempfile

import numpy as np
import tensorflow as tf

from benchmarks.common import machine, print_table, time_call
from keras_bert import BertClassifier, BertConfig, BertEncoder
from keras_bert.export import export_saved_model, export_tflite
from keras_bert.export.verify import SAMPLE_TEXTS, tflite_interpreter
from keras_bert.text import BertTokenizer

VOCAB = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "checkpoints",
                     "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt")


def _size_mb(path):
    if os.path.isfile(path):
        return os.path.getsize(path) / 2**20
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 2**20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="bert_base")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--quantize", nargs="+", default=["none", "float16", "dynamic"])
    args = parser.parse_args()
    tokenizer = BertTokenizer(os.path.normpath(VOCAB))
    config = BertConfig.from_preset(args.preset)
    model = BertClassifier(BertEncoder(config), num_classes=2, label_names=["neg", "pos"])
    texts = {b: [SAMPLE_TEXTS[i % 2] * 20 for i in range(b)] for b in (1, 8)}
    rows = []
    with tempfile.TemporaryDirectory() as out:
        saved = export_saved_model(model, out, name="bench", seq_length=args.seq_length, tokenizer=tokenizer, verbose=False)
        serve = tf.saved_model.load(saved.paths[0]).signatures["serving_default"]
        for b, batch in texts.items():
            rows.append(("SavedModel (TF)", f"{_size_mb(saved.paths[0]):.1f}", b,
                         f"{time_call(lambda: serve(text=tf.constant(batch)))[0]:.1f}"))
        for quantize in args.quantize:
            lite = export_tflite(model, out, name="bench", quantize=quantize, seq_length=args.seq_length,
                                 tokenizer=tokenizer, verbose=False)
            runner = tflite_interpreter(lite.paths[0]).get_signature_runner("serving_default")
            for b, batch in texts.items():
                x = np.array([t.encode() for t in batch], dtype=object)
                rows.append((f"TFLite {quantize}", f"{_size_mb(lite.paths[0]):.1f}", b,
                             f"{time_call(lambda: runner(text=x))[0]:.1f}"))
    import keras_hub

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=config.vocab_size, num_layers=config.num_layers, num_heads=config.num_attention_heads,
        hidden_dim=config.hidden_size, intermediate_dim=config.intermediate_size, max_sequence_length=512,
    )
    for b in (1, 8):
        ids = {"token_ids": np.ones((b, args.seq_length), "int32"), "padding_mask": np.ones((b, args.seq_length), "int32"),
               "segment_ids": np.zeros((b, args.seq_length), "int32")}
        rows.append(("keras-hub BertBackbone (ids in)", "-", b, f"{time_call(lambda: backbone(ids, training=False))[0]:.1f}"))
    print_table(f"Export size and latency, {args.preset}, seq {args.seq_length} ({machine()})",
                ["artifact", "size MB", "batch", "median ms"], rows)


if __name__ == "__main__":
    main()
