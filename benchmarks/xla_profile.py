"""Where XLA spends its time: per-thunk traces of the encoder's forward pass or of a
pretraining step, summed by kind.

Runs our encoder under `tf.function(jit_compile=True)` (or, with `--pretraining`, the XLA
pretraining loop of `benchmarks/pretraining.py`: forward, backward and AdamW update of its
4-layer model) with XLA's per-thunk trace events on (`--xla_cpu_enable_xprof_traceme`, which
must be set before TensorFlow starts, so this is a separate program), records `--calls`
calls (updates) with `tf.profiler` and prints the time of matrix products (XLA names them
`dot` or after the TensorFlow op, `MatMul`) against everything else. The profiler slows every
thunk by about a third; the shares are what it measures. A dot's event can end before its
work does (the product runs on the thread pool), so two products that overlap are charged
to the later one.

    .venv/bin/python -m benchmarks.xla_profile [--size bert_base] [--batch 8]
    .venv/bin/python -m benchmarks.xla_profile --pretraining
"""

import argparse
import collections
import glob
import os
import re
import tempfile

os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_cpu_enable_xprof_traceme=true"
).strip()

import tensorflow as tf  # noqa: E402  (after XLA_FLAGS)
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

from benchmarks.common import print_table  # noqa: E402
from benchmarks.encoder_inference import encoder_inputs  # noqa: E402
from keras_bert import BertConfig, BertEncoder  # noqa: E402

# Thunk events that wrap others (the executor, thread-pool waits) rather than compute.
WRAPPERS = ("ThunkExecutor", "SlinkyThreadPool", "ThreadpoolListener", "end:")


def thunk_totals(xspace_path, calls):
    """Milliseconds per call of each thunk kind (`dot.12` and `dot.40` are both `dot`)."""
    space = xplane_pb2.XSpace()
    with open(xspace_path, "rb") as f:
        space.ParseFromString(f.read())
    totals = collections.Counter()
    for plane in space.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        for line in plane.lines:
            if not line.name.startswith("tf_numa"):  # the threads XLA's thunks run on
                continue
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if not name.startswith(WRAPPERS):
                    totals[re.sub(r"[.\d]+$", "", name)] += event.duration_ps / 1e9 / calls
    return totals


def _forward_pass(args):
    """`run()` makes `--calls` forward passes of the encoder under XLA."""
    config = BertConfig.from_size(args.size)
    encoder = BertEncoder(config)

    @tf.function(jit_compile=True)
    def forward(x):
        return encoder(x, training=False)["sequence_output"]

    x = encoder_inputs(args.batch, args.seq_length, config.vocab_size)

    def run():
        for _ in range(args.calls):
            forward(x).numpy()

    return run, f"one forward pass, {args.size}, seq {args.seq_length}, batch {args.batch}"


def _pretraining_step(folder, calls):
    """`run()` makes `calls` updates of the pretraining benchmark's XLA loop."""
    from benchmarks import pretraining

    x, y = pretraining.synthetic_batch()
    trainer = pretraining.Ours(
        lambda *_: tf.data.Dataset.from_tensors((x, y)).repeat(), calls, folder, True
    )
    return lambda: trainer.run(calls), (
        f"one pretraining update ({pretraining.LAYERS} layers, hidden {pretraining.HIDDEN}, "
        f"seq {pretraining.SEQ}, batch {pretraining.BATCH}, AdamW)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="bert_base")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument(
        "--pretraining",
        action="store_true",
        help="profile the XLA pretraining step of benchmarks/pretraining.py instead",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.pretraining:
            run, title = _pretraining_step(folder, args.calls)
        else:
            run, title = _forward_pass(args)
        run()  # traces and compiles
        tf.profiler.experimental.start(os.path.join(folder, "profile"))
        run()
        tf.profiler.experimental.stop()
        [path] = glob.glob(os.path.join(folder, "profile", "**", "*.xplane.pb"), recursive=True)
        totals = thunk_totals(path, args.calls)
    everything = sum(totals.values())
    products = sum(ms for kind, ms in totals.items() if kind in ("dot", "MatMul", "MatMul_"))
    rows = [(kind, f"{ms:.1f}", f"{ms / everything:.0%}") for kind, ms in totals.most_common(12)]
    rows.append(
        ("matrix products (dot, MatMul)", f"{products:.1f}", f"{products / everything:.0%}")
    )
    print_table(
        f"XLA thunks of {title} (ms per call under the profiler, summed over threads)",
        ["thunk kind", "ms", "share"],
        rows,
    )


if __name__ == "__main__":
    main()
