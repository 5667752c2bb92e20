"""The user-facing examples run on tiny settings (export and TFLite ones: tests/export)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(script, *args, cwd):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", script), *args],
        cwd=cwd, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_fit_classifier(tmp_path):
    out = _run("fit_classifier.py", "--epochs", "1", "--max-examples", "96", cwd=tmp_path)
    accuracy = float(out.strip().splitlines()[-1].split(": ")[1])
    assert 0.0 <= accuracy <= 1.0


def test_load_huggingface(tmp_path):
    out = _run("load_huggingface.py", cwd=tmp_path)
    diff = float(out.split("sequence_output: ")[1].split()[0])
    assert diff < 1e-5
    assert (tmp_path / "converted_hf" / "model.safetensors").is_file()
