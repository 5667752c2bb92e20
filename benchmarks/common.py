"""What every benchmark shares: one timing harness and the machine's description."""

import os
import platform
import time

import numpy as np


def machine():
    """A one-line description of this machine for BENCHMARKS.md."""
    cpu = platform.processor() or "cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import tensorflow as tf

    return f"{cpu}, {os.cpu_count()} cores, TensorFlow {tf.__version__}"


def time_call(fn, warmup=2, repeats=10):
    """Median and min wall time of `fn()` in milliseconds, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times)), float(np.min(times))


def alternating_medians(fns, rounds=3, repeats=5):
    """Median ms of each of `fns` (name -> callable), timed in rounds that alternate between
    them so that a slow spell of a shared machine hits them all alike."""
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(time_call(fn, warmup=1, repeats=repeats)[0])
    return {name: float(np.median(values)) for name, values in times.items()}


def print_table(title, header, rows):
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


def onnxruntime_session(fn, input_signature):
    """`fn` (a TF function of `input_signature`) converted by tf2onnx and loaded in onnxruntime,
    or None where onnxruntime or tf2onnx is not installed (`make bench` installs both)."""
    try:
        import onnxruntime
        import tf2onnx
        from keras.src.export.tf2onnx_lib import patch_tf2onnx
    except ImportError:
        return None
    patch_tf2onnx()  # tf2onnx 1.17 predates numpy 2; Keras' own ONNX export applies the same fix
    proto, _ = tf2onnx.convert.from_function(fn, input_signature=input_signature, opset=17)
    return onnxruntime.InferenceSession(
        proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def keras_hub_inputs(x):
    """Our encoder input dict under keras-hub's `BertBackbone` names (its `padding_mask` is an
    int32 input, as our `input_mask`)."""
    return {
        "token_ids": x["input_word_ids"],
        "segment_ids": x["input_type_ids"],
        "padding_mask": x["input_mask"],
    }
