"""BERT encoder forward pass: keras-bert against keras-hub's BertBackbone and onnxruntime.

keras-bert and keras-hub run under `tf.function(jit_compile=True)` with the same random
weights (ours copied into keras-hub's `BertBackbone` by `to_keras_hub`) on the same inputs;
onnxruntime runs our encoder converted by tf2onnx (where both are installed). The outputs are
compared before timing.

    .venv/bin/python benchmarks/encoder_inference.py [--preset bert_base] [--seq-length 128]
"""

import argparse

import keras
import numpy as np
import tensorflow as tf

from benchmarks.common import machine, onnxruntime_session, print_table, time_call
from keras_bert import BertConfig, BertEncoder
from keras_bert.checkpoints import to_keras_hub
from keras_bert.models.encoder import INPUT_NAMES


def _inputs(batch, seq_len, vocab):
    rng = np.random.default_rng(0)
    return {
        "input_word_ids": tf.constant(rng.integers(1, vocab, (batch, seq_len)), tf.int32),
        "input_mask": tf.ones((batch, seq_len), tf.int32),
        "input_type_ids": tf.zeros((batch, seq_len), tf.int32),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="bert_base")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    config = BertConfig.from_preset(args.preset)
    ours = BertEncoder(config)
    hub = to_keras_hub(ours)

    @tf.function(jit_compile=True)
    def run_ours(x):
        return ours(x, training=False)["sequence_output"]

    @tf.function(jit_compile=True)
    def run_hub(x):
        return hub(
            {"token_ids": x["input_word_ids"], "padding_mask": x["input_mask"],
             "segment_ids": x["input_type_ids"]},
            training=False,
        )["sequence_output"]

    spec = [tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES]

    @tf.function(input_signature=spec)
    def ids_in(*ids):
        return ours(dict(zip(INPUT_NAMES, ids)), training=False)["sequence_output"]

    session = onnxruntime_session(ids_in, spec)
    rows = []
    for batch in [int(b) for b in args.batches.split(",")]:
        x = _inputs(batch, args.seq_length, config.vocab_size)
        want = run_ours(x).numpy()
        diff = np.abs(want - run_hub(x).numpy()).max()
        if diff > 1e-4:
            raise SystemExit(f"keras-bert and keras-hub disagree by {diff:.2e}: not the same model")
        ours_ms, _ = time_call(lambda: run_ours(x).numpy(), repeats=args.repeats)
        hub_ms, _ = time_call(lambda: run_hub(x).numpy(), repeats=args.repeats)
        row = [batch, f"{ours_ms:.1f}", f"{hub_ms:.1f}", f"{ours_ms / hub_ms:.2f}x"]
        if session is not None:
            feed = {name: x[name].numpy() for name in INPUT_NAMES}
            diff = np.abs(want - session.run(None, feed)[0]).max()
            if diff > 1e-4:
                raise SystemExit(f"onnxruntime disagrees with keras-bert by {diff:.2e}")
            ort_ms, _ = time_call(lambda: session.run(None, feed), repeats=args.repeats)
            row += [f"{ort_ms:.1f}", f"{ours_ms / ort_ms:.2f}x"]
        rows.append(row)
    header = ["batch", "keras-bert ms", "keras-hub ms", "ours / keras-hub"]
    if session is not None:
        header += ["onnxruntime ms", "ours / onnxruntime"]
    print_table(
        f"Encoder forward, {args.preset}, seq {args.seq_length}, float32, XLA "
        f"(median ms; {machine()}; keras {keras.__version__})",
        header,
        rows,
    )


if __name__ == "__main__":
    main()
