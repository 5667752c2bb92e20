"""The training progress line: a bar redrawn in place on a terminal, plain lines elsewhere.

On a terminal the line is redrawn with a carriage return after each call of the training
function. When the output is a file, a pipe or CI (`nohup`, `| tee`, a scheduler's log), it
prints one plain line, no carriage returns and no ANSI escapes, every `every` steps or
seconds. Either way the last line shows the run's means (loss and metrics weighted by steps;
the learning rate as it ends), not the last batch's values.

    step 120/1000  12%  loss 0.4196  accuracy 0.7923  lr 4.2e-05  tokens/s 5123  eta 3m05s
"""

import sys
import time

# Metrics shown as they are now rather than as a mean over the run.
CURRENT_VALUES = ("lr",)


def _format_seconds(seconds):
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _format_value(name, value):
    if name == "lr":
        return f"{value:.2e}"
    if name == "tokens/s":
        return f"{value:.0f}"
    return f"{value:.4f}"


class Progress:
    """Shows training progress from step `start` to `target`.

    Args:
        target: the last step.
        start: the step the run (or its resume) starts at.
        every: `(N, "steps")` or `(N, "seconds")`: how often a plain line is printed when the
            stream is not a terminal.
        stream: where to write (default `sys.stdout`).
    """

    def __init__(self, target, start=0, every=(30.0, "seconds"), stream=None):
        self.target = target
        self.start = start
        self.every, self.unit = every
        self.stream = stream or sys.stdout
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self.began = time.monotonic()
        self.sums = {}
        self.current = {}
        self.steps = 0
        self.step = start
        self.last_line = (start, self.began)
        self.finished = False

    def update(self, step, metrics):
        """Records the metrics of the steps up to `step` (means over those steps)."""
        count = step - self.step
        self.step = step
        self.steps += count
        for name, value in metrics.items():
            if name in CURRENT_VALUES:
                self.current[name] = value
            else:
                self.sums[name] = self.sums.get(name, 0.0) + value * count
        if self.terminal:
            self._write("\r" + self.line(), end="")
            return
        last_step, last_time = self.last_line
        now = time.monotonic()
        due = (
            step - last_step >= self.every
            if self.unit == "steps"
            else now - last_time >= self.every
        )
        if due and step < self.target:
            self._write(self.line())
            self.last_line = (step, now)

    def means(self):
        """The run's metrics so far: step-weighted means, and the current learning rate."""
        result = {name: total / max(self.steps, 1) for name, total in self.sums.items()}
        result.update(self.current)
        return result

    def line(self):
        elapsed = time.monotonic() - self.began
        parts = [f"step {self.step}/{self.target}", f"{100 * self.step // max(self.target, 1):3d}%"]
        parts += [f"{name} {_format_value(name, value)}" for name, value in self.means().items()]
        if not self.finished and self.step < self.target and self.steps:
            parts.append(f"eta {_format_seconds(elapsed / self.steps * (self.target - self.step))}")
        else:
            parts.append(f"took {_format_seconds(elapsed)}")
        return "  ".join(parts)

    def break_line(self):
        """Ends the line redrawn in place, so that other output starts on a line of its own."""
        if self.terminal and self.steps:
            self._write("")

    def finish(self):
        """The final line: the run's means (and the time it took, also when it stops early)."""
        self.finished = True
        if self.steps:
            self._write(("\r" if self.terminal else "") + self.line())

    def _write(self, text, end="\n"):
        self.stream.write(text + end)
        self.stream.flush()
