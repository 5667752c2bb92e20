"""How close the float32 TFLite encoder is to its matmul floor: the file against its products alone.

Times, in one process with alternating rounds, keras-hub's `BertBackbone` under XLA, our
encoder's float32 TFLite file (as `benchmarks.encoder_inference` builds it) and a TFLite file
of only the encoder's fully connected products with the same shapes and biases, chained
(query, key, value, attention output, both feed-forward layers, per layer). The last row is
the floor for any graph change at XNNPACK's matmul rate on this machine: only a faster matmul
kernel (or less arithmetic) goes below it.

    .venv/bin/python -m benchmarks.tflite_floor [--size bert_base] [--batches 1,8]
"""

import numpy as np
import tensorflow as tf
from keras_bert.export.verify import tflite_interpreter

from benchmarks.common import alternating_medians, machine, print_table
from benchmarks.encoder_inference import (
    encoder_inputs,
    forward_arguments,
    keras_hub_forward,
    tflite_encoder,
)
from keras_bert import BertConfig, BertEncoder
from keras_bert.checkpoints import to_keras_hub


def dense_products_file(config, rows):
    """A TFLite file of the encoder's dense products alone on `[rows, hidden]`, chained per
    layer; returns (file content, GFLOP of one call)."""
    hidden, inner = config.hidden_size, config.intermediate_size
    rng = np.random.default_rng(0)
    shapes = [(hidden, hidden)] * 4 + [(hidden, inner), (inner, hidden)]
    layers = [
        [(tf.constant(rng.normal(0, 0.02, s), tf.float32), tf.zeros([s[1]])) for s in shapes]
        for _ in range(config.num_layers)
    ]

    @tf.function(input_signature=[tf.TensorSpec([rows, hidden], tf.float32)])
    def products(x):
        for (wq, bq), (wk, bk), (wv, bv), (wo, bo), (wi, bi), (wf, bf) in layers:
            mixed = (tf.matmul(x, wq) + bq) + (tf.matmul(x, wk) + bk) + (tf.matmul(x, wv) + bv)
            x = tf.matmul(mixed, wo) + bo
            x = tf.matmul(tf.matmul(x, wi) + bi, wf) + bf
        return x

    content = tf.lite.TFLiteConverter.from_concrete_functions(
        [products.get_concrete_function()], products
    ).convert()
    gflop = 2 * rows * config.num_layers * sum(a * b for a, b in shapes) / 1e9
    return content, gflop


def products_only(config, rows, threads):
    """`dense_products_file` loaded in LiteRT on `threads`; returns (run callable, GFLOP of one
    call)."""
    content, gflop = dense_products_file(config, rows)
    interpreter = tflite_interpreter(content, num_threads=threads)
    interpreter.allocate_tensors()
    index = interpreter.get_input_details()[0]["index"]
    x = np.random.default_rng(0).normal(size=(rows, config.hidden_size)).astype(np.float32)

    def run():
        interpreter.set_tensor(index, x)
        interpreter.invoke()

    return run, gflop


def main():
    args = forward_arguments(rounds=6, repeats=3)
    config = BertConfig.from_size(args.size)
    ours = BertEncoder(config)
    run_hub = keras_hub_forward(to_keras_hub(ours))
    lite = tflite_encoder(ours, args.seq_length, args.threads)
    rows = []
    for batch in [int(b) for b in args.batches.split(",")]:
        x = encoder_inputs(batch, args.seq_length, config.vocab_size)
        products, gflop = products_only(config, batch * args.seq_length, args.threads)
        ms = alternating_medians(
            {
                "keras-hub, XLA": lambda x=x: run_hub(x).numpy(),
                "keras-bert TFLite float32": lambda x=x: lite(x),
                "its dense products alone (TFLite)": products,
            },
            rounds=args.rounds,
            repeats=args.repeats,
        )
        base = ms["keras-hub, XLA"]
        rows += [
            (
                batch,
                name,
                f"{value:.1f}",
                f"{value / base:.2f}x",
                f"{gflop / value * 1e3:.0f}" if "products" in name else "",
            )
            for name, value in ms.items()
        ]
    print_table(
        f"Encoder TFLite file against its matmul floor, {args.size}, seq {args.seq_length}, "
        f"float32 (median ms of {args.rounds} alternating rounds; {machine()}; LiteRT "
        f"{args.threads} threads)",
        ["batch", "engine", "median ms", "vs keras-hub, XLA", "products' GFLOP/s"],
        rows,
    )


if __name__ == "__main__":
    main()
