"""`make bench`: runs every benchmark in turn; each prints its own table."""

import os
import subprocess
import sys

BENCHMARKS = ["encoder_inference", "attention", "tokenization", "pretraining", "export", "low_precision"]

if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in BENCHMARKS:
        if os.path.exists(os.path.join(root, "benchmarks", f"{name}.py")):
            subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=root, check=True)
