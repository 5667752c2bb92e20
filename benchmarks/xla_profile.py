"""Where the XLA forward pass of the encoder spends its time: per-thunk traces, summed by kind.

Runs our encoder under `tf.function(jit_compile=True)` with XLA's per-thunk trace events on
(`--xla_cpu_enable_xprof_traceme`, which must be set before TensorFlow starts, so this is a
separate program), records `--calls` calls with `tf.profiler` and prints the time of matrix
products (XLA names them `dot` or after the TensorFlow op, `MatMul`) against everything else.
The profiler slows every thunk by about a third; the shares are what it measures.

    .venv/bin/python -m benchmarks.xla_profile [--preset bert_base] [--batch 8]
"""

import argparse
import collections
import glob
import os
import re
import tempfile

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_enable_xprof_traceme=true").strip()

import tensorflow as tf  # noqa: E402  (after XLA_FLAGS)
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

from benchmarks.common import print_table  # noqa: E402
from benchmarks.encoder_inference import _inputs  # noqa: E402
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="bert_base")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    config = BertConfig.from_preset(args.preset)
    encoder = BertEncoder(config)

    @tf.function(jit_compile=True)
    def forward(x):
        return encoder(x, training=False)["sequence_output"]

    x = _inputs(args.batch, args.seq_length, config.vocab_size)
    for _ in range(2):
        forward(x).numpy()
    with tempfile.TemporaryDirectory() as folder:
        tf.profiler.experimental.start(folder)
        for _ in range(args.calls):
            forward(x).numpy()
        tf.profiler.experimental.stop()
        [path] = glob.glob(os.path.join(folder, "**", "*.xplane.pb"), recursive=True)
        totals = thunk_totals(path, args.calls)
    everything = sum(totals.values())
    products = sum(ms for kind, ms in totals.items() if kind in ("dot", "MatMul", "MatMul_"))
    rows = [(kind, f"{ms:.1f}", f"{ms / everything:.0%}") for kind, ms in totals.most_common(12)]
    rows.append(("matrix products (dot, MatMul)", f"{products:.1f}", f"{products / everything:.0%}"))
    print_table(
        f"XLA thunks of one forward pass, {args.preset}, seq {args.seq_length}, batch {args.batch} "
        f"(ms per call under the profiler, summed over threads)",
        ["thunk kind", "ms", "share"],
        rows,
    )


if __name__ == "__main__":
    main()
