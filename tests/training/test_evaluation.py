"""Evaluation during training: the monitor keeps the best and stops early, writes `eval/`
scalars, picks up a resumed run's evaluations, and serves Keras `fit` as a callback."""

import glob

import numpy as np
import pytest
import tensorflow as tf
from keras_bert.training.evaluation import EvaluationCallback, EvaluationMonitor


def _scalars(log_dir):
    """{tag: [(step, value)]} of the TensorBoard event files in `log_dir`."""
    found = {}
    for path in glob.glob(f"{log_dir}/events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                found.setdefault(value.tag, []).append(
                    (event.step, float(tf.make_ndarray(value.tensor)))
                )
    return found


def test_the_monitor_keeps_the_best_and_stops_after_its_patience(tmp_path, capsys):
    accuracies = iter([0.5, 0.7, 0.6, 0.7, 0.65])
    saved = []
    monitor = EvaluationMonitor(
        lambda: {"mse": 1.0, "accuracy": next(accuracies)},
        metric="accuracy",
        patience=3,
        save_best=lambda step, scores: saved.append((step, scores["accuracy"])),
        log_dir=str(tmp_path),
    )
    stops = [monitor(step) for step in (10, 20, 30, 40, 50)]
    assert stops == [False, False, False, False, True]  # 0.7 again is not better
    assert saved == [(10, 0.5), (20, 0.7)] and monitor.best["step"] == 20
    assert monitor(50) is True and len(monitor.history) == 5  # once per step
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == (
        "eval at step 50: mse 1.0000, accuracy 0.6500 (best accuracy 0.7000 at step 20; no "
        "better accuracy in 3 evaluations: stopping)"
    )
    written = _scalars(tmp_path)["eval/accuracy"]
    assert [step for step, _ in written] == [10, 20, 30, 40, 50]
    np.testing.assert_allclose([v for _, v in written], [0.5, 0.7, 0.6, 0.7, 0.65], rtol=1e-6)

    resumed = EvaluationMonitor(
        lambda: {"accuracy": 0.1}, metric="accuracy", patience=3, verbose=False
    )
    resumed.restore(monitor.history[:3])
    assert resumed.best["step"] == 20 and resumed.waited == 1 and not resumed.stopped


def test_lower_is_better_for_mse_and_an_unknown_metric_is_named():
    monitor = EvaluationMonitor(lambda: {"mse": 0.3, "pearson": 0.1}, metric="mse", verbose=False)
    monitor(1)
    monitor.evaluate = lambda: {"mse": 0.2, "pearson": 0.0}
    monitor(2)
    assert monitor.best["step"] == 2
    with pytest.raises(
        ValueError, match="has no 'accuracy' to keep the best by; it gives mse, pearson"
    ):
        EvaluationMonitor(lambda: {"mse": 0.3, "pearson": 0.1}, metric="accuracy", verbose=False)(1)


def test_keras_fit_gets_the_same_evaluation_as_a_callback(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.0),  # never improves: stops on patience
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    best = str(tmp_path / "best.keras")
    monitor = EvaluationMonitor(
        lambda: model.evaluate(x, y, return_dict=True, verbose=0),
        metric="accuracy",
        patience=2,
        save_best=lambda step, scores: model.save(best),
        verbose=False,
    )
    history = model.fit(
        x, y, batch_size=16, epochs=10, verbose=0, callbacks=[EvaluationCallback(monitor, every=2)]
    )
    # 4 updates an epoch, an evaluation every 2: the first is the best, two more and it stops.
    assert [e["step"] for e in monitor.history] == [2, 4, 6]
    assert len(history.epoch) == 2 and monitor.best["step"] == 2
    assert keras.saving.load_model(best).count_params() == model.count_params()


def test_a_history_cut_short_by_a_kill_loses_only_its_last_line(tmp_path):
    """A resumed run reads its evaluations back from `logs/history.jsonl`; a SIGKILL in the
    middle of an append leaves half a line, which is dropped (the resume redoes that step)."""
    import types

    from keras_bert.training.trainer import Trainer

    history = tmp_path / "history.jsonl"
    history.write_text('{"step": 2, "eval": {"accuracy": 0.5}}\n{"step": 4, "lo')
    reader = types.SimpleNamespace(history_file=str(history))
    assert Trainer.read_history(reader) == [{"step": 2, "eval": {"accuracy": 0.5}}]
    history.write_text('{"step": 2, "lo\n{"step": 4, "loss": 1.0}\n')
    with pytest.raises(ValueError, match="line 1 is not JSON; delete the file"):
        Trainer.read_history(reader)
