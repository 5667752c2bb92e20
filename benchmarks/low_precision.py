"""Do lower-precision kernels pay on this machine? One BERT-base feed-forward matmul, isolated.

`[batch * 128, 768] x [768, 3072]` (BERT-base's intermediate dense layer at seq 128) timed as:
- TFLite (LiteRT with its default XNNPACK delegate): float32, float16 weights, dynamic-range
  int8 (int8 weights, activations quantized per batch) and full int8 (calibrated);
- LiteRT's newer `CompiledModel` API, which takes XNNPACK flags: float32 and dynamic int8
  with the default flags and with the quantized ones turned on;
- TensorFlow: float32 and bfloat16 matmuls, with and without XLA.

Where a lower-precision row is not faster than float32 here, quantizing or casting the whole
model cannot make it faster either: this is the ceiling for the export and bfloat16 paths.

    .venv/bin/python -m benchmarks.low_precision [--threads 2]
"""

import argparse
import os
import tempfile

import numpy as np
import tensorflow as tf

from benchmarks.common import machine, print_table, time_call

HIDDEN, INTERMEDIATE, SEQ = 768, 3072, 128
# XNNPACK delegate flags (tflite/delegates/xnnpack/xnnpack_delegate.h): QS8 |
# DYNAMIC_FULLY_CONNECTED | ENABLE_LATEST_OPERATORS, everything XNNPACK offers for int8 weights.
XNNPACK_INT8_FLAGS = 0x1 | 0x8 | 0x40


def _tflite_files(folder):
    """The matmul as a SavedModel converted four ways; dict name -> .tflite bytes."""

    class FeedForward(tf.Module):
        def __init__(self):
            super().__init__()
            self.kernel = tf.Variable(
                tf.random.stateless_normal([HIDDEN, INTERMEDIATE], [0, 1]) * 0.02
            )

        @tf.function(input_signature=[tf.TensorSpec([None, SEQ, HIDDEN], tf.float32)])
        def __call__(self, x):
            return {"y": tf.einsum("bsh,hk->bsk", x, self.kernel)}

    module = FeedForward()
    path = os.path.join(folder, "feed_forward")
    tf.saved_model.save(module, path, signatures={"serving_default": module.__call__})
    rng = np.random.default_rng(0)
    files = {}
    for name in ("float32", "float16", "dynamic int8", "int8"):
        converter = tf.lite.TFLiteConverter.from_saved_model(path)
        if name != "float32":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if name == "float16":
            converter.target_spec.supported_types = [tf.float16]
        if name == "int8":
            converter.representative_dataset = lambda: (
                {"x": rng.standard_normal((1, SEQ, HIDDEN), dtype=np.float32)} for _ in range(16)
            )
        files[name] = converter.convert()
    return files


def _compiled_model_ms(content, xnnpack_flags, threads, x):
    """Median ms of one run through `ai_edge_litert.compiled_model.CompiledModel` (buffers bound
    once, as an app would)."""
    from ai_edge_litert.compiled_model import CompiledModel
    from ai_edge_litert.cpu_options import CpuOptions
    from ai_edge_litert.options import Options

    options = Options(cpu_options=CpuOptions(num_threads=threads, xnnpack_flags=xnnpack_flags))
    model = CompiledModel.from_buffer(content, options=options)
    model.resize_input_tensor(0, list(x.shape), 0)
    inputs, outputs = model.create_input_buffers(0), model.create_output_buffers(0)
    inputs[0].write(x)
    return time_call(lambda: model.run_by_index(0, inputs, outputs))[0]


def _matmul_by(kernel):
    """`x @ kernel`, closing over `kernel` (a variable the traced function captures)."""
    return lambda x: tf.matmul(x, kernel)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    from ai_edge_litert.interpreter import Interpreter

    rng = np.random.default_rng(0)
    flops = {b: 2 * b * SEQ * HIDDEN * INTERMEDIATE for b in (1, 8)}
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, content in _tflite_files(folder).items():
            runner = Interpreter(
                model_content=content, num_threads=args.threads
            ).get_signature_runner()
            for b in (1, 8):
                x = rng.standard_normal((b, SEQ, HIDDEN), dtype=np.float32)
                ms = time_call(lambda runner=runner, x=x: runner(x=x))[0]
                rows.append((f"TFLite {name}", b, f"{ms:.2f}", f"{flops[b] / ms / 1e6:.0f}"))
            if name in ("float32", "dynamic int8"):
                for flags in (None, XNNPACK_INT8_FLAGS):
                    for b in (1, 8):
                        x = rng.standard_normal((b, SEQ, HIDDEN), dtype=np.float32)
                        ms = _compiled_model_ms(content, flags, args.threads, x)
                        label = "default flags" if flags is None else "flags QS8+DYNAMIC_FC+LATEST"
                        rows.append(
                            (
                                f"LiteRT CompiledModel {name}, {label}",
                                b,
                                f"{ms:.2f}",
                                f"{flops[b] / ms / 1e6:.0f}",
                            )
                        )
    for dtype in (tf.float32, tf.bfloat16):
        kernel = tf.Variable(
            tf.cast(tf.random.stateless_normal([HIDDEN, INTERMEDIATE], [0, 1]), dtype)
        )
        for jit in (False, True):
            matmul = tf.function(_matmul_by(kernel), jit_compile=jit)
            for b in (1, 8):
                x = tf.cast(tf.random.stateless_normal([b * SEQ, HIDDEN], [0, 2]), dtype)
                ms = time_call(lambda matmul=matmul, x=x: matmul(x).numpy())[0]
                rows.append(
                    (
                        f"TensorFlow {dtype.name}{', XLA' if jit else ''}",
                        b,
                        f"{ms:.2f}",
                        f"{flops[b] / ms / 1e6:.0f}",
                    )
                )
    print_table(
        f"One [{SEQ}*batch, {HIDDEN}] x [{HIDDEN}, {INTERMEDIATE}] matmul, "
        f"TFLite {args.threads} threads "
        f"({machine()})",
        ["kernel", "batch", "median ms", "GFLOP/s"],
        rows,
    )


if __name__ == "__main__":
    main()
