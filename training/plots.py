"""Pictures of a training run: loss, learning rate and evaluation against steps, and a
classifier's confusion matrix on the evaluation set.

matplotlib is optional (`pip install 'keras-bert[plots]'`); without it the run says so in one
line and writes no picture. TensorBoard (`OUT/logs`) stays the live view.
"""

import os

import numpy as np

MISSING = "matplotlib is not installed (pip install 'keras-bert[plots]')"


def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or None when it is not installed."""
    try:
        import matplotlib  # noqa: PLC0415 - optional
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def _save(figure, plt, path):
    tmp = f"{path}.tmp.png"
    figure.savefig(tmp, dpi=110)
    plt.close(figure)
    os.replace(tmp, path)
    return path


def plot_run(history, path, metric=None):
    """Draws the training loss, the learning rate and the evaluation metric against steps.

    Args:
        history: entries as `Trainer.read_history()` gives them: `{"step", "loss", "lr", ...}`
            per logged call and `{"step", "eval": {name: value}}` per evaluation.
        path: the PNG to write.
        metric: the evaluation metric to draw, its best evaluation marked (default: all of
            them).

    Returns:
        `path`, or None when matplotlib is not installed or nothing was logged.
    """
    plt = _pyplot()
    training = [e for e in history if "loss" in e]
    evaluations = [e for e in history if "eval" in e]
    if plt is None or not training:
        return None
    steps = [e["step"] for e in training]
    panels = 3 if evaluations else 2
    figure, axes = plt.subplots(panels, 1, figsize=(7, 2.4 * panels), sharex=True, squeeze=False)
    axes = axes[:, 0]
    losses = np.array([e["loss"] for e in training])
    axes[0].plot(steps, losses, color="tab:blue", alpha=0.3, label="training loss")
    if len(losses) >= 20:  # the trend: a moving mean over a twentieth of the run
        width = len(losses) // 20
        trend = np.convolve(losses, np.ones(width) / width, mode="valid")
        axes[0].plot(steps[width - 1 :], trend, color="tab:blue", label=f"mean of {width}")
    axes[0].set_ylabel("loss")
    axes[0].legend(loc="best", fontsize="small")
    axes[1].plot(steps, [e["lr"] for e in training], color="tab:orange")
    axes[1].set_ylabel("learning rate")
    axes[1].ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
    if evaluations:
        names = [metric] if metric else list(evaluations[0]["eval"])
        eval_steps = [e["step"] for e in evaluations]
        for name in names:
            axes[2].plot(eval_steps, [e["eval"][name] for e in evaluations], marker="o", label=name)
        if metric:
            from keras_bert.training.evaluation import better  # noqa: PLC0415

            best = evaluations[0]
            for entry in evaluations[1:]:
                best = (
                    entry if better(metric, entry["eval"][metric], best["eval"][metric]) else best
                )
            axes[2].plot(
                [best["step"]],
                [best["eval"][metric]],
                marker="*",
                markersize=16,
                color="tab:red",
                linestyle="none",
                label=f"best (step {best['step']})",
            )
        axes[2].set_ylabel("evaluation")
        axes[2].legend(loc="best", fontsize="small")
    for axis in axes:
        axis.grid(alpha=0.3)
    axes[-1].set_xlabel("step")
    figure.suptitle(f"training run: {os.path.basename(os.path.dirname(os.path.abspath(path)))}")
    figure.tight_layout()
    return _save(figure, plt, path)


def plot_confusion_matrix(labels, predictions, label_names, path):
    """Draws the counts of each (true label, predicted label) pair; returns `path`, or None
    without matplotlib."""
    plt = _pyplot()
    if plt is None:
        return None
    count = len(label_names)
    matrix = np.zeros((count, count), np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predictions)), 1)
    size = max(3.2, 1.6 + 0.55 * count)
    figure, axis = plt.subplots(figsize=(size + 1.2, size))
    image = axis.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axis)
    axis.set_xticks(
        range(count),
        label_names,
        rotation=45 if count > 4 else 0,
        ha="right" if count > 4 else "center",
    )
    axis.set_yticks(range(count), label_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    axis.set_title(
        f"evaluation set: {matrix.sum()} examples\naccuracy {accuracy:.3f}", fontsize="medium"
    )
    for (row, column), value in np.ndenumerate(matrix):
        axis.text(
            column,
            row,
            str(value),
            ha="center",
            va="center",
            color="white" if value > matrix.max() / 2 else "black",
        )
    figure.tight_layout()
    return _save(figure, plt, path)
