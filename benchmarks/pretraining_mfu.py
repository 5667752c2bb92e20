"""Model FLOPs utilization of the pretraining step: `6 x parameters x tokens/s / peak`.

Runs the `keras-bert pretrain` loop (`Trainer` on `BertPretrainer`, MLM + NSP, AdamW, forward,
backward and update compiled with XLA) on one fixed in-memory batch, so the input pipeline is
not in the number (`benchmarks.pretraining` measures its cost separately), at a Google
size and precision, and reports tokens/s and MFU two ways: the usual 6N definition (6 x the
model's parameters, embeddings included, x tokens per second, over the device's peak) and the
FLOPs of the products the step computes (`counted_flops_per_token`), the honest one for BERT.

The peak: on a GPU, `--peak-tflops` or the datasheet's dense 16-bit tensor-core rate for the
GPUs listed in `GPU_PEAK_TFLOPS` (looked up by the name TensorFlow reports); on a CPU, the rate
of one large matmul in the compute dtype measured here (what this machine's kernels reach,
not a datasheet number, so a CPU MFU reads as the share of the attainable matmul rate).

    .venv/bin/python -m benchmarks.pretraining_mfu [--size bert_base] [--precision mixed_bfloat16]
        [--batch 64] [--seq-length 128] [--steps 10] [--rounds 3] [--peak-tflops N]
"""

import argparse
import os
import tempfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks.common import machine, print_table, time_call  # noqa: E402
from benchmarks.pretraining import PREDICTIONS, Ours, synthetic_batch  # noqa: E402
from keras_bert import BertConfig  # noqa: E402
from keras_bert.cli_args import PRECISIONS  # noqa: E402

# Dense (no sparsity) bfloat16 / float16 tensor-core TFLOP/s from the vendors' datasheets, by
# a piece of the device name TensorFlow reports; the first match wins.
GPU_PEAK_TFLOPS = (
    ("H200", 989.4),
    ("H100 PCIe", 756.0),
    ("H100", 989.4),
    ("A100", 312.0),
    ("L40S", 362.1),
    ("L4", 121.0),
)


def six_n_flops_per_token(num_parameters):
    """Training FLOPs per token by the usual 6N rule (2N forward, 4N backward), N counting every
    parameter. It overcounts BERT: the word embeddings (a third of `bert_mini`, a fifth of
    `bert_base`) are looked up, not multiplied, at most positions."""
    return 6 * num_parameters


def counted_flops_per_token(config, seq_len, predictions):
    """Training FLOPs per token of the products the pretraining step computes (3x the forward
    pass's multiply-adds x 2), as `BertPretrainer` computes them: every block but the last at
    all `seq_len` positions; the last block's keys and values at all positions and the rest
    (query, attention, output, feed-forward) at `[CLS]` and the `predictions` masked positions
    only; the MLM head at the masked positions; the pooler and NSP head once per sequence.
    Elementwise work (softmax, LayerNorm, GELU) is not counted, as in PaLM's MFU."""
    h, i, v = config.hidden_size, config.intermediate_size, config.vocab_size
    rows = predictions + 1

    def block(queries):  # forward FLOPs of one block with `queries` query rows
        keys_values = 2 * seq_len * 2 * h * h
        query_side = 2 * queries * (2 * h * h + 2 * h * i)
        attention = 2 * 2 * queries * seq_len * h  # scores and context
        return keys_values + query_side + attention

    forward = (config.num_layers - 1) * block(seq_len) + block(rows)
    forward += 2 * predictions * (h * h + h * v)  # MLM transform and tied output layer
    forward += 2 * (h * h + 2 * h)  # pooler and NSP head
    return 3 * forward / seq_len


def gpu_peak_tflops(device_name, precision):
    """The datasheet peak of a GPU for a 16-bit mixed precision, or None if not listed."""
    if precision == "float32":
        return None
    for piece, tflops in GPU_PEAK_TFLOPS:
        if piece in device_name:
            return tflops
    return None


def measured_matmul_tflops(dtype, size=2048, repeats=10):
    """The best rate of one `[size, size] x [size, size]` matmul in `dtype` (TF's own kernel,
    as the model's dense layers use it), in TFLOP/s."""
    a = tf.cast(tf.random.stateless_normal([size, size], [0, 1]), dtype)
    matmul = tf.function(lambda x: tf.reduce_sum(tf.cast(tf.matmul(x, x), tf.float32)))
    best_ms = time_call(lambda: matmul(a).numpy(), warmup=1, repeats=repeats)[1]
    return 2 * size**3 / best_ms / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="bert_base", choices=BertConfig.sizes())
    parser.add_argument("--precision", default="mixed_bfloat16", choices=PRECISIONS)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="updates per timed call")
    parser.add_argument("--rounds", type=int, default=3, help="timed calls (median reported)")
    parser.add_argument(
        "--peak-tflops", type=float, help="the device's peak TFLOP/s in this precision"
    )
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    keras.mixed_precision.set_global_policy(args.precision)
    compute_dtype = keras.mixed_precision.global_policy().compute_dtype
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        device = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
        peak = args.peak_tflops or gpu_peak_tflops(device, args.precision)
        if peak is None:
            raise SystemExit(
                f"No peak is listed for GPU {device!r} in {args.precision}; pass --peak-tflops "
                "(the datasheet's dense TFLOP/s for that precision)."
            )
        peak_source = "--peak-tflops" if args.peak_tflops else "datasheet, dense"
    else:
        device = machine()
        peak = args.peak_tflops or measured_matmul_tflops(compute_dtype)
        peak_source = "--peak-tflops" if args.peak_tflops else f"measured {compute_dtype} matmul"
    config = BertConfig.from_size(args.size)
    if config.max_position_embeddings < args.seq_length:
        raise SystemExit(
            f"--seq-length {args.seq_length} exceeds {args.size}'s "
            f"{config.max_position_embeddings} positions; lower --seq-length."
        )
    x, y = synthetic_batch(0, args.batch, args.seq_length, PREDICTIONS, config.vocab_size)

    def fixed_batch(batch_size, input_context, skip):
        return tf.data.Dataset.from_tensors((x, y)).repeat()

    with tempfile.TemporaryDirectory() as folder:
        ours = Ours(
            fixed_batch,
            args.steps,
            folder,
            jit_compile=True,
            config=config,
            batch=args.batch,
            seq=args.seq_length,
        )
        tokens_per_s = float(np.median([ours.run(args.steps) for _ in range(args.rounds)]))
    parameters = ours.model.count_params()
    six_n = six_n_flops_per_token(parameters) * tokens_per_s / 1e12
    counted = counted_flops_per_token(config, args.seq_length, PREDICTIONS) * tokens_per_s / 1e12
    print_table(
        f"Pretraining MFU, {args.size} ({parameters / 1e6:.1f}M parameters), seq "
        f"{args.seq_length}, batch {args.batch}, {PREDICTIONS} predictions, {args.precision}, "
        f"XLA (median of {args.rounds} calls of {args.steps} updates) on {device}; peak "
        f"{peak:.3f} TFLOP/s ({peak_source})",
        ("tokens/s", "TFLOP/s, 6N", "MFU, 6N", "TFLOP/s, counted products", "MFU, counted"),
        [
            (
                f"{tokens_per_s:,.0f}",
                f"{six_n:.3f}",
                f"{six_n / peak:.1%}",
                f"{counted:.3f}",
                f"{counted / peak:.1%}",
            )
        ],
    )


if __name__ == "__main__":
    main()
