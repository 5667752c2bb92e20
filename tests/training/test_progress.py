"""The progress line: plain lines off a terminal, and the run's means at the end."""

import io

from keras_bert.training.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_off_a_terminal_progress_is_a_plain_line_every_n_steps_ending_with_the_runs_means():
    stream = io.StringIO()
    progress = Progress(12, start=0, every=(4, "steps"), stream=stream)
    losses = [0.9, 0.7, 0.5, 0.3, 0.2, 0.1]  # each call: the mean of 2 steps
    for call, loss in enumerate(losses, 1):
        progress.update(2 * call, {"loss": loss, "accuracy": 1 - loss, "lr": 1e-3 / call})
    progress.finish()
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert [line.split()[1] for line in lines] == ["4/12", "8/12", "12/12"]
    mean = sum(losses) / len(losses)
    assert f"loss {mean:.4f}" in lines[-1] and f"accuracy {1 - mean:.4f}" in lines[-1]
    assert f"lr {1e-3 / 6:.2e}" in lines[-1]  # the learning rate as the run ends


def test_seconds_apart_and_a_resumed_run_means_only_its_own_steps():
    stream = io.StringIO()
    progress = Progress(30, start=10, every=(3600.0, "seconds"), stream=stream)
    progress.update(20, {"loss": 1.0})
    progress.update(30, {"loss": 0.5})
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("step 30/30") and "loss 0.7500" in lines[0]


def test_on_a_terminal_the_line_is_redrawn_and_ends_with_the_means():
    stream = _Terminal()
    progress = Progress(4, every=(1, "steps"), stream=stream)
    progress.update(2, {"loss": 2.0})
    progress.update(4, {"loss": 1.0})
    progress.finish()
    redraws = stream.getvalue().split("\r")
    assert len(redraws) == 4 and "loss 2.0000" in redraws[1]
    assert (
        "loss 1.5000" in redraws[2]
        and redraws[3].startswith("step 4/4")
        and "loss 1.5000" in redraws[3]
    )
    assert stream.getvalue().endswith("\n")


def test_a_run_stopped_early_ends_with_the_time_it_took_not_an_eta():
    stream = io.StringIO()
    progress = Progress(100, every=(3600.0, "seconds"), stream=stream)
    progress.update(40, {"loss": 0.5})
    progress.finish()
    (line,) = stream.getvalue().splitlines()
    assert line.startswith("step 40/100") and " took " in line and "eta" not in line
