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


def print_table(title, header, rows):
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
