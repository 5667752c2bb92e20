"""The task registry, and each task's loss: written once, the same in `fit` and the loop."""

import os

import keras
import numpy as np
import pytest

from keras_bert import (
    IGNORE_LABEL,
    BertClassifier,
    BertConfig,
    BertEncoder,
    BertPretrainer,
    BertSpanQA,
    BertTextEmbedder,
    BertTokenClassifier,
    model_dir,
    tasks,
)
from keras_bert.tasks.task import Task
from tests.keras_bert.model_weights import random_inputs

CONFIG = BertConfig(
    vocab_size=50,
    hidden_size=16,
    num_layers=1,
    num_attention_heads=2,
    intermediate_size=24,
    max_position_embeddings=16,
    hidden_dropout_prob=0.0,
    attention_dropout_prob=0.0,
)


def test_every_name_resolves_to_the_task_of_that_name_and_fine_tuning_tasks_are_complete():
    for name in tasks.NAMES:
        assert tasks.get(name).name == name
    for name in tasks.FINE_TUNING:
        task = type(tasks.get(name))
        for method in ("metric_names", "read_file", "prepare", "evaluate"):
            assert getattr(task, method) is not getattr(Task, method), (name, method)
    assert set(tasks.FINE_TUNING) < set(tasks.NAMES)


def test_unknown_and_former_names():
    with pytest.raises(ValueError) as e:
        tasks.get("ner")
    assert str(e.value) == (
        "Unknown task 'ner'; use one of encoder, pretraining, classification, "
        "pair_classification, regression, pair_regression, token_classification, squad, "
        "embedding."
    )
    former = {"classifier": 1, "token_classifier": 1, "span_qa": 2, "pretrainer": 1}
    for name, segments in former.items():
        assert model_dir.num_segments({"task": name}) == segments
    assert tasks.get("span_qa") is tasks.get("squad")


def test_of_model_names_each_models_task():
    encoder = BertEncoder(CONFIG)
    models = {
        "encoder": (encoder, 1),
        "pretraining": (BertPretrainer(encoder), 1),
        "classification": (BertClassifier(encoder, 3), 1),
        "pair_classification": (BertClassifier(encoder, 3), 2),
        "regression": (BertClassifier(encoder, 1), 1),
        "pair_regression": (BertClassifier(encoder, 1), 2),
        "token_classification": (BertTokenClassifier(encoder, 4), 1),
        "squad": (BertSpanQA(encoder), 1),
        "embedding": (BertTextEmbedder(encoder), 1),
    }
    for name, (model, segments) in models.items():
        assert tasks.of_model(model, segments).name == name
    with pytest.raises(TypeError, match="Dense is not a keras-bert model of any task"):
        tasks.of_model(keras.layers.Dense(2))


def _cross_entropy(logits, labels):
    """Per-row softmax cross-entropy in numpy (float64)."""
    logits = np.asarray(logits, np.float64)
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    return -np.take_along_axis(log_probs, labels[..., None], -1)[..., 0]


def _cases():
    """(task, model, inputs, labels, numpy loss of the model's outputs, sample weight)."""
    keras.utils.set_random_seed(3)
    encoder = BertEncoder(CONFIG)
    x = random_inputs(4, 8, CONFIG.vocab_size, seed=5, pairs=False)
    pairs = random_inputs(4, 8, CONFIG.vocab_size, seed=6)  # contexts at 4-7, 3-5, 2-3, 1
    tags = np.full((4, 8), IGNORE_LABEL, np.int32)
    tags[:, 1], tags[:2, 3] = [0, 2, 1, 2], [1, 0]
    weights = np.array([1.0, 0.5, 2.0, 0.0], np.float32)

    def classification(outputs, labels):
        return _cross_entropy(outputs, labels) * weights

    def regression(outputs, labels):
        return (np.asarray(outputs, np.float64)[:, 0] - labels) ** 2 * weights

    def tagging(outputs, labels):
        kept = labels != IGNORE_LABEL
        values = _cross_entropy(outputs, np.where(kept, labels, 0)) * weights[:, None]
        return np.sum(values * kept) / kept.sum()

    def squad(outputs, labels):
        start = _cross_entropy(outputs["start_logits"], labels["start_positions"])
        end = _cross_entropy(outputs["end_logits"], labels["end_positions"])
        return (start + end) * weights / 2

    spans = {
        "start_positions": np.array([4, 3, 0, 0], np.int32),
        "end_positions": np.array([5, 4, 0, 0], np.int32),
    }
    return [
        (
            "classification",
            BertClassifier(encoder, 3, 0.0),
            x,
            np.array([0, 2, 1, 2]),
            classification,
        ),
        (
            "regression",
            BertClassifier(encoder, 1, 0.0),
            x,
            np.array([0.5, -1.0, 2.0, 0.0]),
            regression,
        ),
        ("token_classification", BertTokenClassifier(encoder, 3, 0.0), x, tags, tagging),
        ("squad", BertSpanQA(encoder), pairs, spans, squad),
    ], weights


def test_the_loop_and_fit_compute_each_tasks_loss_as_numpy_does():
    cases, weights = _cases()
    for name, model, x, labels, reference in cases:
        outputs = model(x, training=False)
        numpy_outputs = keras.tree.map_structure(np.asarray, outputs)
        want = float(np.mean(reference(numpy_outputs, labels)))
        model.compile()
        fit_loss = float(model.compute_loss(x, labels, outputs, sample_weight=weights))
        np.testing.assert_allclose(fit_loss, want, rtol=1e-5, err_msg=name)
        loop_loss, progress = tasks.get(name).loss(model, x, labels)
        unweighted = float(model.compute_loss(x, labels, outputs))
        np.testing.assert_allclose(float(loop_loss), unweighted, rtol=1e-6, err_msg=name)
        assert sorted(progress) == sorted(tasks.get(name).progress_metrics)


def test_a_loss_given_to_compile_replaces_the_tasks_own(tmp_path):
    cases, _ = _cases()
    _, model, x, labels, _ = cases[0]
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    outputs = model(x)
    want = _cross_entropy(np.asarray(outputs), labels).mean()
    np.testing.assert_allclose(float(model.compute_loss(x, labels, outputs)), want, rtol=1e-5)
    model.compile()
    path = os.path.join(tmp_path, "classifier.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert reloaded.loss is None
    np.testing.assert_allclose(
        float(reloaded.compute_loss(x, labels, reloaded(x))), want, rtol=1e-5
    )


def test_a_task_of_ones_own_is_one_module_and_one_register_call(tmp_path, monkeypatch):
    """`tests/keras_bert/tasks/toy_task.py` and `tasks.register` are all fine-tuning needs: it
    reads, trains, evaluates and writes a model folder of that task, which loads back."""
    import argparse

    from keras_bert.training import finetune

    from keras_bert.cli_args import add_finetune_arguments
    from tests.training.helpers import write_config, write_vocab

    monkeypatch.setattr(tasks, "_REGISTERED", {})  # the module registers its task on import
    from tests.keras_bert.tasks.toy_task import KEYWORD

    tasks.register(KEYWORD)
    assert tasks.get("toy_keyword") is KEYWORD and tasks.names()[-1] == "toy_keyword"
    with pytest.raises(ValueError, match="^Task 'squad' is keras-bert's own; give yours"):
        tasks.register(type("Squad2", (Task,), {"name": "squad"})())
    with pytest.raises(TypeError, match="^register takes a keras_bert.tasks.task.Task, got str"):
        tasks.register("toy")
    vocab = write_vocab(tmp_path / "vocab.txt")
    data = tmp_path / "keyword.txt"
    data.write_text("".join(f"{w} the {w} is here\n" for w in ("cat", "dog") * 8))
    parser = argparse.ArgumentParser()
    add_finetune_arguments(parser)
    out = tmp_path / "run"
    args = parser.parse_args(
        ["--task", "classification", "--train-file", str(data), "--eval-file", str(data)]
        + ["--vocab", vocab, "--config", write_config(tmp_path / "config.json"), "--out", str(out)]
        + ["--seq-length", "16", "--batch-size", "4", "--max-steps", "2", "--quiet"]
    )
    args.task = "toy_keyword"
    _, scores = finetune.finetune(args)
    assert set(scores) == {"accuracy"} and 0.0 <= scores["accuracy"] <= 1.0
    assert model_dir.read_metadata(str(out))["task"] == "toy_keyword"
    model, _ = model_dir.load_model_dir(str(out))
    assert model.label_names == ["cat", "dog"]
    assert model_dir.num_segments(model_dir.read_metadata(str(out))) == 1


def test_finetune_refuses_a_task_it_does_not_train_and_a_missing_task_module(
    tmp_path, capsys, monkeypatch
):
    from keras_bert.cli import main

    monkeypatch.setattr(tasks, "_REGISTERED", {})
    common = ["--train-file", "x.tsv", "--vocab", "v.txt", "--out", str(tmp_path / "run")]
    assert main(["finetune", "--task", "encoder", *common]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "keras-bert finetune: error: --task encoder is not a task finetune trains; use one of "
        "classification, pair_classification, regression, pair_regression, "
        "token_classification, squad, or register yours with --task-module."
    )
    assert main(["finetune", "--task-module", "no_such_tasks.py", "--task", "x", *common]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "keras-bert finetune: error: --task-module no_such_tasks.py does not exist."
    )


@pytest.mark.slow
def test_the_cli_fine_tunes_and_exports_a_task_of_ones_own(tmp_path):
    """`--task-module` brings the toy task into `keras-bert finetune` and `keras-bert export`:
    the model folder records it and the SavedModel serves its own output, verified."""
    import subprocess
    import sys

    from tests.training.helpers import write_config, write_vocab

    module = os.path.join(os.path.dirname(__file__), "toy_task.py")
    data = tmp_path / "keyword.txt"
    data.write_text("".join(f"{w} the {w} is here\n" for w in ("cat", "dog") * 8))
    out, exported = tmp_path / "run", tmp_path / "export"
    cli = [sys.executable, "-m", "keras_bert.cli"]
    finetune = cli + ["finetune", "--task-module", module, "--task", "toy_keyword"]
    finetune += ["--train-file", str(data), "--eval-file", str(data), "--out", str(out)]
    finetune += ["--vocab", write_vocab(tmp_path / "vocab.txt")]
    finetune += ["--config", write_config(tmp_path / "config.json"), "--seq-length", "16"]
    finetune += ["--batch-size", "4", "--max-steps", "2", "--quiet"]
    subprocess.run(finetune, check=True, capture_output=True, timeout=300)
    assert model_dir.read_metadata(str(out))["task"] == "toy_keyword"
    export = cli + ["export", str(out), "--task-module", module, "--out", str(exported)]
    result = subprocess.run(
        export + ["--format", "saved_model"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "serving_default  keyword" in result.stdout
