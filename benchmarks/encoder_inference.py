"""BERT encoder forward pass: keras-bert against keras-hub's BertBackbone, one process.

Both run under `tf.function(jit_compile=True)` with the same random weights (ours copied into
keras-hub's `BertBackbone` by `to_keras_hub`) on the same inputs; the outputs are compared too.

    .venv/bin/python benchmarks/encoder_inference.py [--preset bert_base] [--seq-length 128]
"""

import argparse

import keras
import numpy as np
import tensorflow as tf

from benchmarks.common import machine, print_table, time_call
from keras_bert import BertConfig, BertEncoder
from keras_bert.checkpoints import to_keras_hub


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

    rows = []
    for batch in [int(b) for b in args.batches.split(",")]:
        x = _inputs(batch, args.seq_length, config.vocab_size)
        diff = np.abs(run_ours(x).numpy() - run_hub(x).numpy()).max()
        if diff > 1e-4:
            raise SystemExit(f"keras-bert and keras-hub disagree by {diff:.2e}: not the same model")
        ours_ms, _ = time_call(lambda: run_ours(x).numpy(), repeats=args.repeats)
        hub_ms, _ = time_call(lambda: run_hub(x).numpy(), repeats=args.repeats)
        rows.append((batch, f"{ours_ms:.1f}", f"{hub_ms:.1f}", f"{ours_ms / hub_ms:.2f}x"))
    print_table(
        f"Encoder forward, {args.preset}, seq {args.seq_length}, float32, XLA "
        f"(median ms; {machine()}; keras {keras.__version__})",
        ["batch", "keras-bert ms", "keras-hub ms", "ours / keras-hub"],
        rows,
    )


if __name__ == "__main__":
    main()
