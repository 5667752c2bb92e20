"""The run's picture and a classifier's confusion matrix, and the one line without matplotlib."""

import sys

from keras_bert.training import plots

PNG = b"\x89PNG\r\n\x1a\n"


def _history():
    entries = [
        {"step": s, "loss": 1.0 / s, "lr": 1e-3 * (1 - s / 10), "tokens/s": 100.0}
        for s in range(1, 11)
    ]
    entries += [
        {"step": s, "eval": {"accuracy": a, "mcc": a - 0.5}} for s, a in ((5, 0.8), (10, 0.7))
    ]
    return entries


def test_the_run_and_the_confusion_matrix_are_drawn(tmp_path):
    picture = plots.plot_run(_history(), str(tmp_path / "training.png"), metric="accuracy")
    assert picture == str(tmp_path / "training.png")
    matrix = plots.plot_confusion_matrix(
        [0, 1, 1, 2], [0, 1, 2, 2], ["a", "b", "c"], str(tmp_path / "cm.png")
    )
    for path in (picture, matrix):
        with open(path, "rb") as f:
            assert f.read(8) == PNG
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cm.png",
        "training.png",
    ]  # no temporaries


def test_without_matplotlib_the_run_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    from keras_bert.training import program

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises ImportError
    assert plots.plot_run(_history(), str(tmp_path / "training.png")) is None
    assert plots.plot_confusion_matrix([0], [0], ["a"], str(tmp_path / "cm.png")) is None

    class Trainer:
        chief = True
        log_dir = str(tmp_path / "logs")

        def read_history(self):
            return _history()

    program.finish(Trainer(), ["model.keras"])
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {tmp_path}: model.keras",
        "no picture of the run: matplotlib is not installed (pip install 'keras-bert[plots]')",
    ]
    assert not list(tmp_path.glob("*.png"))
