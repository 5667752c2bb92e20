"""Evaluation during training: metrics to the log and TensorBoard, the best model kept,
early stopping.

`EvaluationMonitor` is the one implementation. The training loop (`Trainer`, under every
strategy) calls it every `--eval-every` updates; Keras `fit` users get the same through
`EvaluationCallback`:

    monitor = EvaluationMonitor(lambda: model.evaluate(dev, return_dict=True, verbose=0),
                                metric="accuracy", patience=3, save_best=save, log_dir="logs")
    model.fit(train, epochs=20, callbacks=[EvaluationCallback(monitor)])
"""

import keras
import tensorflow as tf

# Metrics where lower is better; every other metric is better higher.
LOWER_IS_BETTER = ("loss", "mse")


def better(metric, value, best):
    """Whether `value` of `metric` beats `best` (None: nothing to beat)."""
    if best is None:
        return True
    return value < best if metric in LOWER_IS_BETTER else value > best


class EvaluationMonitor:
    """Evaluates on call, logs the metrics, keeps the best, and says when to stop.

    Args:
        evaluate: `evaluate() -> {name: float}`, the metrics of the model now.
        metric: the metric that decides the best evaluation (default: the first the
            evaluation returns); `loss` and `mse` are better lower, the others higher.
        patience: stop after this many evaluations without a better `metric` (None: never).
        save_best: `save_best(step, scores)`, called when an evaluation is the best so far
            (e.g. writes the model folder).
        log_dir: TensorBoard folder; the metrics go there as `eval/NAME`.
        verbose: print a line per evaluation.

    Example:
        >>> scores = iter([0.5, 0.7, 0.6, 0.6])
        >>> monitor = EvaluationMonitor(lambda: {"accuracy": next(scores)}, patience=2,
        ...                             verbose=False)
        >>> [monitor(step) for step in (10, 20, 30, 40)]
        [False, False, False, True]
        >>> monitor.best
        {'step': 20, 'scores': {'accuracy': 0.7}}
    """

    def __init__(
        self, evaluate, metric=None, patience=None, save_best=None, log_dir=None, verbose=True
    ):
        self.evaluate = evaluate
        self.metric = metric
        self.patience = patience
        self.save_best = save_best
        self.log_dir = log_dir
        self.verbose = verbose
        self.history = []  # [{"step": int, "scores": {name: float}}]
        self.best = None  # {"step": int, "scores": {...}}
        self._writer = None

    @property
    def waited(self):
        """Evaluations since the best one."""
        if self.best is None:
            return 0
        return sum(1 for entry in self.history if entry["step"] > self.best["step"])

    @property
    def stopped(self):
        """Whether the patience has run out."""
        return self.patience is not None and self.waited >= self.patience

    def restore(self, history):
        """Takes up the evaluations of an earlier run (`history` as in `self.history`), so a
        resumed run keeps its best and its patience."""
        self.history, self.best = [], None
        for entry in history:
            self._record(entry["step"], entry["scores"])

    def scores_at(self, step):
        """The scores of the evaluation at `step`, or None."""
        return next((e["scores"] for e in self.history if e["step"] == step), None)

    def __call__(self, step):
        """Evaluates (once per step); returns True when training should stop."""
        scores = self.scores_at(step)
        if scores is None:
            scores = {name: float(value) for name, value in self.evaluate().items()}
            improved = self._record(step, scores)
            if improved and self.save_best is not None:
                self.save_best(step, scores)
            self._log(step, scores, improved)
        return self.stopped

    def _record(self, step, scores):
        if self.metric is None:
            self.metric = next(iter(scores))
        if self.metric not in scores:
            raise ValueError(
                f"The evaluation has no {self.metric!r} to keep the best by; it gives "
                f"{', '.join(scores)}."
            )
        self.history.append({"step": step, "scores": scores})
        improved = self.best is None or better(
            self.metric, scores[self.metric], self.best["scores"][self.metric]
        )
        if improved:
            self.best = {"step": step, "scores": scores}
        return improved

    def _log(self, step, scores, improved):
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.log_dir)
            with self._writer.as_default(step=step):
                for name, value in scores.items():
                    tf.summary.scalar(f"eval/{name}", value)
            self._writer.flush()
        if self.verbose:
            best = self.best
            note = (
                "best so far"
                if improved
                else (
                    f"best {self.metric} {best['scores'][self.metric]:.4f} at step {best['step']}"
                )
            )
            if self.stopped:
                evaluations = "evaluation" if self.patience == 1 else "evaluations"
                note += f"; no better {self.metric} in {self.patience} {evaluations}: stopping"
            shown = ", ".join(f"{name} {value:.4f}" for name, value in scores.items())
            print(f"eval at step {step}: {shown} ({note})", flush=True)


class EvaluationCallback(keras.callbacks.Callback):
    """`EvaluationMonitor` for Keras `fit`: evaluates every `every` updates or at the end of
    each epoch, and stops training when the monitor's patience runs out.

    Args:
        monitor: an `EvaluationMonitor`.
        every: `"epoch"`, or a number of optimizer updates.

    Example:
        >>> save = lambda step, scores: model.save("best.keras")
        >>> monitor = EvaluationMonitor(
        ...     lambda: model.evaluate(dev, return_dict=True, verbose=0), metric="accuracy",
        ...     patience=2, save_best=save)
        >>> model.fit(train, epochs=10, callbacks=[EvaluationCallback(monitor)])
    """

    def __init__(self, monitor, every="epoch"):
        super().__init__()
        if every != "epoch" and not (isinstance(every, int) and every >= 1):
            raise ValueError(f"every={every!r} is neither 'epoch' nor a number of updates.")
        self.monitor = monitor
        self.every = every

    def _step(self):
        return int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def _evaluate(self):
        if self.monitor(self._step()):
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.every != "epoch" and self._step() % self.every == 0:
            self._evaluate()

    def on_epoch_end(self, epoch, logs=None):
        if self.every == "epoch":
            self._evaluate()
