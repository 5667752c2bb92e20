"""`keras-bert demo` end to end on tiny settings (the full run is `make demo`)."""

import re
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_runs_every_step_and_exports_agree(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "keras_bert.cli", "demo", "--out", str(tmp_path), "--quiet",
         "--pretrain-steps", "20", "--finetune-epochs", "0.2", "--max-train-examples", "128"],
        capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for step in ("1/5", "2/5", "3/5", "4/5", "5/5"):
        assert f"== {step}" in out
    accuracies = re.findall(r"dev accuracy, .*: +([0-9.]+)", out)
    assert len(accuracies) == 2
    diffs = [float(d) for d in re.findall(r"max \|keras - \w+\| probability: +([0-9.e+-]+)", out)]
    assert len(diffs) == 2 and max(diffs) < 1e-4
    assert (tmp_path / "export" / "demo" / "1" / "saved_model.pb").is_file()
    assert list((tmp_path / "export" / "tflite" / "demo" / "1").glob("*.tflite"))
