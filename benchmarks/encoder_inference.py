"""BERT encoder forward pass: keras-bert against keras-hub's BertBackbone and onnxruntime.

keras-bert and keras-hub run under `tf.function(jit_compile=True)` with the same random
weights (ours copied into keras-hub's `BertBackbone` by `to_keras_hub`) on the same inputs.
keras-bert also runs as the float32 TFLite file our exporter converts (ids in, LiteRT with
XNNPACK), and onnxruntime runs our encoder converted by tf2onnx (where both are installed).
It also runs as TensorFlow graphs without XLA, what a SavedModel and TF Serving run: float32
and bfloat16 (`keras-bert export --precision bfloat16`). All outputs are compared before
timing (bfloat16 within 0.25); rounds alternate between the engines.

    .venv/bin/python -m benchmarks.encoder_inference [--size bert_base] [--seq-length 128]
"""

import argparse
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf
from keras_bert.export import serving, tflite
from keras_bert.export.precision import with_precision
from keras_bert.export.verify import tflite_interpreter

from benchmarks.common import (
    alternating_medians,
    keras_hub_inputs,
    machine,
    onnxruntime_session,
    print_table,
)
from keras_bert import BertConfig, BertEncoder
from keras_bert.checkpoints import to_keras_hub
from keras_bert.models.encoder import INPUT_NAMES


def encoder_inputs(batch, seq_len, vocab):
    rng = np.random.default_rng(0)
    return {
        "input_word_ids": tf.constant(rng.integers(1, vocab, (batch, seq_len)), tf.int32),
        "input_mask": tf.ones((batch, seq_len), tf.int32),
        "input_type_ids": tf.zeros((batch, seq_len), tf.int32),
    }


def tflite_encoder(encoder, seq_length, threads):
    """Our encoder as a float32 TFLite file (ids in, any batch), run by LiteRT with XNNPACK."""
    archive, _ = serving.encoder_archive(encoder, seq_length)
    with tempfile.TemporaryDirectory() as folder:
        archive.write_out(folder, verbose=False)
        content = tflite.convert(folder, "serving_default")
    runner = tflite_interpreter(content, num_threads=threads).get_signature_runner()
    return lambda x: runner(**{name: x[name].numpy() for name in INPUT_NAMES})["sequence_output"]


def forward_arguments(rounds, repeats):
    """The command line shared by the forward-pass benchmarks."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="bert_base")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="LiteRT threads")
    return parser.parse_args()


def keras_hub_forward(hub):
    """keras-hub's `BertBackbone` under XLA on our input dict; returns `sequence_output`."""

    @tf.function(jit_compile=True)
    def run_hub(x):
        return hub(keras_hub_inputs(x), training=False)["sequence_output"]

    return run_hub


def main():
    args = forward_arguments(rounds=4, repeats=5)

    config = BertConfig.from_size(args.size)
    ours = BertEncoder(config)
    hub = to_keras_hub(ours)

    @tf.function(jit_compile=True)
    def run_ours(x):
        return ours(x, training=False)["sequence_output"]

    run_hub = keras_hub_forward(hub)

    # Without XLA: the TensorFlow graph a SavedModel (and TF Serving) runs, float32 and as
    # `keras-bert export --precision bfloat16` computes it.
    ours_bfloat16 = with_precision(ours, "bfloat16")
    run_graph = tf.function(lambda x: ours(x, training=False)["sequence_output"])
    run_bfloat16 = tf.function(
        lambda x: tf.cast(ours_bfloat16(x, training=False)["sequence_output"], tf.float32)
    )
    engines = {
        "keras-bert, XLA": lambda x: run_ours(x).numpy(),
        "keras-hub, XLA": lambda x: run_hub(x).numpy(),
        "keras-bert TFLite float32": tflite_encoder(ours, args.seq_length, args.threads),
        "keras-bert, TF graph (SavedModel)": lambda x: run_graph(x).numpy(),
        "keras-bert bfloat16, TF graph (SavedModel)": lambda x: run_bfloat16(x).numpy(),
    }
    spec = [tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES]

    @tf.function(input_signature=spec)
    def ids_in(*ids):
        return ours(dict(zip(INPUT_NAMES, ids)), training=False)["sequence_output"]

    session = onnxruntime_session(ids_in, spec)
    if session is not None:
        engines["onnxruntime"] = lambda x: session.run(
            None, {name: x[name].numpy() for name in INPUT_NAMES}
        )[0]
    rows = []
    for batch in [int(b) for b in args.batches.split(",")]:
        x = encoder_inputs(batch, args.seq_length, config.vocab_size)
        want = engines["keras-bert, XLA"](x)
        for name, engine in engines.items():
            diff = np.abs(want - engine(x)).max()
            # bfloat16 rounds to 8 bits (0.1 here); another model differs by about 1.
            if diff > (0.25 if "bfloat16" in name else 1e-4):
                raise SystemExit(
                    f"{name} disagrees with keras-bert by {diff:.2e}: not the same model"
                )
            if "bfloat16" in name:
                print(f"batch {batch}: {name} differs from float32 by at most {diff:.3f}")
        ms = alternating_medians(
            {name: (lambda e=engine, x=x: e(x)) for name, engine in engines.items()},
            rounds=args.rounds,
            repeats=args.repeats,
        )
        base = ms["keras-hub, XLA"]
        rows += [
            (batch, name, f"{value:.1f}", f"{value / base:.2f}x") for name, value in ms.items()
        ]
    print_table(
        f"Encoder forward, {args.size}, seq {args.seq_length}, float32, ids in (median ms of "
        f"{args.rounds} alternating rounds; {machine()}; keras {keras.__version__}; LiteRT "
        f"{args.threads} threads)",
        ["batch", "engine", "median ms", "vs keras-hub, XLA"],
        rows,
    )


if __name__ == "__main__":
    main()
