"""`make bench`: runs every benchmark in turn; each prints its own table.

`pretraining_mfu` trains BERT-base at batch 64 in mixed_bfloat16, tens of seconds a step on
a 2-core CPU: it runs where `nvidia-smi` finds a GPU (on a CPU, run it by hand with a smaller
`--size` or `--batch`)."""

import os
import shutil
import subprocess
import sys

BENCHMARKS = [
    "encoder_inference",
    "tflite_floor",
    "attention",
    "tokenization",
    "pretraining",
    "finetuning",
    "export",
    "low_precision",
    "span_qa_long_context",
    "sentence_embeddings",
]
GPU_BENCHMARKS = ["pretraining_mfu"]

if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    names = BENCHMARKS + (GPU_BENCHMARKS if shutil.which("nvidia-smi") else [])
    for name in names:
        if os.path.exists(os.path.join(root, "benchmarks", f"{name}.py")):
            subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=root, check=True)
