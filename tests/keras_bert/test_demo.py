"""`keras-bert demo` end to end on tiny settings (the full run is `make demo`)."""

import re
import subprocess
import sys

import pytest


def _demo(out):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_bert.cli",
            "demo",
            "--out",
            str(out),
            "--quiet",
            "--pretrain-steps",
            "20",
            "--finetune-epochs",
            "0.2",
            "--max-train-examples",
            "128",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.mark.slow
def test_demo_runs_every_step_and_exports_agree(tmp_path):
    result = _demo(tmp_path)
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

    # A second run resumes the model folders and exports them as version 2.
    again = _demo(tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "(version 2)" in again.stdout and "resumed from step" in again.stdout
    assert (tmp_path / "export" / "demo" / "2" / "saved_model.pb").is_file()
    assert list((tmp_path / "export" / "tflite" / "demo" / "2").glob("*.tflite"))
