"""The training program end to end: strategies, resume after SIGKILL, several workers.

Each run is a fresh process (`run_training.py`): MirroredStrategy needs the CPU split into
logical devices before TensorFlow starts, and a worker of MultiWorkerMirroredStrategy owns its
process.
"""

import json
import os
import signal
import socket
import subprocess
import time

import numpy as np
import pytest
from keras_bert.training.data import pretraining

import keras_bert
from keras_bert.text import BertTokenizer
from tests.training import helpers


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("training")
    vocab = helpers.write_vocab(folder / "vocab.txt")
    config = helpers.write_config(folder / "config.json")
    corpus = helpers.write_corpus(folder / "corpus.txt", num_documents=16)
    pretraining.write_pretraining_tfrecords(
        [corpus],
        str(folder / "records"),
        BertTokenizer(vocab),
        seq_length=32,
        max_predictions_per_seq=5,
        num_shards=2,
        dupe_factor=2,
    )
    return {
        "folder": folder,
        "vocab": vocab,
        "config": config,
        "records": str(folder / "records" / "*.tfrecord"),
    }


def pretrain_flags(ws, out, *extra):
    return [
        "pretrain",
        "--train-files",
        ws["records"],
        "--config",
        ws["config"],
        "--vocab",
        ws["vocab"],
        "--batch-size",
        "8",
        "--seq-length",
        "32",
        "--max-predictions-per-seq",
        "5",
        "--learning-rate",
        "1e-3",
        "--warmup-steps",
        "2",
        "--out",
        str(out),
        "--resume",
        "--quiet",
        *extra,
    ]


def load_weights(path):
    with np.load(path) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


def test_mirrored_pretraining_then_finetuning(workspace):
    out = workspace["folder"] / "mirrored"
    weights = workspace["folder"] / "mirrored.npz"
    summary, _ = helpers.run_training(
        "--weights",
        weights,
        *pretrain_flags(
            workspace,
            out,
            "--strategy",
            "mirrored",
            "--max-steps",
            "16",
            "--steps-per-call",
            "4",
            "--checkpoint-every",
            "8",
        ),
        logical_cpus=2,
    )
    assert summary["replicas"] == 2 and summary["replicas_identical"]
    assert summary["step"] == 16 and len(summary["losses"]) == 4
    assert summary["losses"][-1] < summary["losses"][0]
    # The output folder is a model folder from_pretrained reads, with the trained weights.
    model = keras_bert.from_pretrained(str(out), task="pretraining")
    for loaded, saved in zip(model.weights, load_weights(weights)):
        np.testing.assert_array_equal(loaded.numpy(), saved)
    # The export's `mlm` signature takes the masked positions the pretraining used.
    assert keras_bert.model_dir.read_metadata(str(out))["max_predictions_per_seq"] == 5

    tsv = workspace["folder"] / "train.tsv"
    lines = ["sentence\tlabel"] + [
        f"{'a' if i % 2 else 'b'}{'c' * (i % 5)} x\t{i % 2}" for i in range(32)
    ]
    tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tuned = workspace["folder"] / "tuned"
    summary, stdout = helpers.run_training(
        "finetune",
        "--task",
        "classification",
        "--train-file",
        tsv,
        "--eval-file",
        tsv,
        "--label-names",
        "neg,pos",
        "--eval-every",
        "4",
        "--keep-best",
        "mcc",
        "--init-checkpoint",
        out,
        "--strategy",
        "mirrored",
        "--batch-size",
        "8",
        "--seq-length",
        "16",
        "--max-steps",
        "12",
        "--steps-per-call",
        "4",
        "--learning-rate",
        "1e-3",
        "--warmup-steps",
        "0",
        "--out",
        tuned,
        "--quiet",
        logical_cpus=2,
    )
    assert summary["replicas_identical"] and summary["losses"][-1] < summary["losses"][0]
    # The 0/1 labels of the file carry the names given, which the model folder keeps.
    metadata = keras_bert.model_dir.read_metadata(str(tuned))
    assert metadata["label_names"] == ["neg", "pos"] and metadata["task"] == "classification"
    # Evaluated at steps 4, 8 and 12; the model folder holds the best by MCC.
    evaluations = [
        json.loads(line) for line in (tuned / "logs" / "history.jsonl").read_text().splitlines()
    ]
    evaluations = [e for e in evaluations if "eval" in e]
    assert [e["step"] for e in evaluations] == [4, 8, 12]
    best = max(evaluations, key=lambda e: (e["eval"]["mcc"], -e["step"]))
    scores = json.loads((tuned / "eval_results.json").read_text())
    assert scores == best["eval"] and metadata["step"] == best["step"]
    assert stdout.count("eval at step") == 3
    # It ends by saying what it wrote, where, and the picture's path last.
    closing = stdout.strip().splitlines()[-3:-1]
    assert closing[0].startswith(f"wrote {tuned}: model.keras, vocab.txt, keras_bert.json")
    assert closing[1].endswith(str(tuned / "training.png")) and (tuned / "training.png").is_file()
    assert (tuned / "confusion_matrix.png").is_file()


def test_sigkill_then_resume_ends_like_an_uninterrupted_run(workspace):
    flags = ("--strategy", "one_device", "--max-steps", "30", "--checkpoint-every", "5")
    reference = workspace["folder"] / "reference.npz"
    interrupted = workspace["folder"] / "interrupted"
    uninterrupted = subprocess.Popen(
        helpers.runner_command(
            "--weights", reference, *pretrain_flags(workspace, workspace["folder"] / "ref", *flags)
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    victim = subprocess.Popen(
        helpers.runner_command(*pretrain_flags(workspace, interrupted, *flags)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        index = interrupted / "checkpoints" / "checkpoint"
        deadline = time.monotonic() + 180
        while not index.exists() and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
        uninterrupted.wait(timeout=240)
    finally:
        for process in (victim, uninterrupted):
            if process.poll() is None:
                process.kill()
    resumed_weights = workspace["folder"] / "resumed.npz"
    summary, stdout = helpers.run_training(
        "--weights", resumed_weights, *pretrain_flags(workspace, interrupted, *flags)
    )
    resumed_from = int(stdout.split("resumed from step ")[1].split()[0])
    assert 5 <= resumed_from < 30 and resumed_from % 5 == 0
    assert summary["step"] == 30
    for a, b in zip(load_weights(reference), load_weights(resumed_weights)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_workers(flags_of):
    """Runs `run_training.py flags_of(index)` as the two workers of a MultiWorkerMirroredStrategy
    cluster on 127.0.0.1; returns each worker's (summary, stdout)."""
    ports = [_free_port(), _free_port()]
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    processes = []
    try:
        for index in range(2):
            env = dict(
                os.environ,
                TF_CONFIG=json.dumps(
                    {"cluster": cluster, "task": {"type": "worker", "index": index}}
                ),
            )
            processes.append(
                subprocess.Popen(
                    helpers.runner_command(*flags_of(index)),
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        outputs = [p.communicate(timeout=300) for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    results = []
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-3000:]
        results.append((json.loads(stdout.strip().splitlines()[-1]), stdout))
    return results


def test_multi_worker_mirrored_strategy_two_processes(workspace):
    out = workspace["folder"] / "multi_worker"
    results = _two_workers(
        lambda index: [
            "--weights",
            workspace["folder"] / f"worker{index}.npz",
            *pretrain_flags(
                workspace,
                out,
                "--strategy",
                "multi_worker",
                "--max-steps",
                "6",
                "--steps-per-call",
                "3",
                "--checkpoint-every",
                "3",
            ),
        ]
    )
    for summary, _ in results:
        assert summary["replicas"] == 2 and summary["step"] == 6
    chief, other = (load_weights(workspace["folder"] / f"worker{i}.npz") for i in range(2))
    for a, b in zip(chief, other):
        np.testing.assert_array_equal(a, b)
    assert keras_bert.model_dir.is_model_dir(str(out))


@pytest.mark.slow
def test_multi_worker_finetuning_evaluates_mid_run_keeps_the_best_and_stops_together(workspace):
    """The chief evaluates every 2 updates while the other worker waits at the stop
    all-reduce; with a learning rate of 0 nothing improves after the first evaluation, so
    patience 2 stops both workers at step 6 of 20, and the model folder keeps step 2."""
    tsv = workspace["folder"] / "mw_train.tsv"
    tsv.write_text(
        "sentence\tlabel\n" + "".join(f"{'a' if i % 2 else 'b'} x\t{i % 2}\n" for i in range(32)),
        encoding="utf-8",
    )
    out = workspace["folder"] / "mw_tuned"
    (chief, chief_out), (other, other_out) = _two_workers(
        lambda index: [
            "finetune",
            "--task",
            "classification",
            "--train-file",
            tsv,
            "--eval-file",
            tsv,
            "--config",
            workspace["config"],
            "--vocab",
            workspace["vocab"],
            "--strategy",
            "multi_worker",
            "--batch-size",
            "8",
            "--seq-length",
            "16",
            "--max-steps",
            "20",
            "--learning-rate",
            "0",
            "--eval-every",
            "2",
            "--keep-best",
            "accuracy",
            "--early-stopping-patience",
            "2",
            "--out",
            out,
            "--quiet",
        ]
    )
    assert chief["step"] == other["step"] == 6 and chief["replicas"] == 2
    assert chief_out.count("eval at step") == 3 and "eval at step" not in other_out
    assert "no better accuracy in 2 evaluations: stopping" in chief_out
    assert keras_bert.model_dir.read_metadata(str(out))["step"] == 2


def test_squad_finetune_end_to_end_on_real_dev_examples(workspace, shared_data):
    out = workspace["folder"] / "squad"
    summary, stdout = helpers.run_training(
        "finetune",
        "--task",
        "squad",
        "--train-file",
        os.path.join(shared_data, "squad/dev-v1.1.json"),
        "--eval-file",
        os.path.join(shared_data, "squad/dev-v1.1.json"),
        "--max-train-examples",
        "16",
        "--max-eval-examples",
        "8",
        "--config",
        workspace["config"],
        "--vocab",
        workspace["vocab"],
        "--strategy",
        "one_device",
        "--batch-size",
        "8",
        "--seq-length",
        "64",
        "--doc-stride",
        "32",
        "--max-query-length",
        "16",
        "--max-steps",
        "4",
        "--out",
        out,
        "--quiet",
    )
    assert summary["step"] == 4
    scores = json.loads((out / "eval_results.json").read_text())
    assert set(scores) == {"exact_match", "f1"} and 0.0 <= scores["f1"] <= 100.0
    metadata = keras_bert.model_dir.read_metadata(str(out))
    assert metadata["task"] == "squad"
    # How the export reads contexts and answers (`export.source.resolve`).
    assert (
        metadata["max_query_length"],
        metadata["doc_stride"],
        metadata["max_answer_length"],
    ) == (16, 32, 30)


def test_float16_with_loss_scaling_accumulation_and_xla(workspace):
    summary, _ = helpers.run_training(
        *pretrain_flags(
            workspace,
            workspace["folder"] / "float16",
            "--strategy",
            "one_device",
            "--max-steps",
            "8",
            "--steps-per-call",
            "4",
            "--precision",
            "mixed_float16",
            "--accumulation-steps",
            "2",
            "--jit-compile",
            "--whole-word-masking",
        ),
    )
    assert summary["step"] == 8
    assert all(np.isfinite(summary["losses"])) and summary["losses"][-1] < summary["losses"][0]


def test_xla_single_replica_compiles_the_update_with_the_step(tmp_path):
    """With one replica under XLA the optimizer update joins the compiled step; it must give
    the weights the update applied outside XLA gives."""
    import keras
    import tensorflow as tf
    from keras_bert.training.strategy import resolve_strategy
    from keras_bert.training.trainer import Trainer

    from keras_bert.optimization import bert_optimizer
    from keras_bert.tasks.pretraining import PRETRAINING

    rng = np.random.default_rng(0)
    ids = rng.integers(5, 60, (8, 16)).astype("int32")
    positions = np.tile(np.array([1, 4, 7], "int32"), (8, 1))
    batch = (
        {
            "input_word_ids": ids,
            "input_mask": np.ones_like(ids),
            "input_type_ids": np.zeros_like(ids),
            "masked_lm_positions": positions,
        },
        {
            "masked_lm_ids": np.take_along_axis(ids, positions, 1),
            "masked_lm_weights": np.ones((8, 3), "float32"),
            "next_sentence_labels": rng.integers(0, 2, (8, 1)).astype("int32"),
        },
    )
    weights = {}
    for fused in (True, False):
        keras.utils.set_random_seed(3)
        strategy = resolve_strategy("one_device")
        with strategy.scope():
            config = keras_bert.BertConfig(
                vocab_size=64,
                hidden_size=32,
                num_layers=2,
                num_attention_heads=2,
                intermediate_size=64,
                max_position_embeddings=32,
            )
            model = keras_bert.BertPretrainer(keras_bert.BertEncoder(config))
            optimizer = bert_optimizer(1e-2, 100, warmup_steps=1)
        trainer = Trainer(
            strategy,
            model,
            optimizer,
            PRETRAINING,
            lambda *_: tf.data.Dataset.from_tensors(batch).repeat(),
            8,
            str(tmp_path / str(fused)),
            steps_per_call=3,
            jit_compile=True,
            verbose=False,
        )
        assert trainer.fuse_update
        trainer.fuse_update = fused
        before = [w.numpy() for w in model.weights]
        trainer.train(3)
        weights[fused] = [w.numpy() for w in model.weights]
        assert max(np.abs(a - b).max() for a, b in zip(before, weights[fused])) > 1e-3
    for a, b in zip(weights[True], weights[False]):
        np.testing.assert_allclose(a, b, atol=2e-5)


def test_resuming_another_runs_checkpoint_names_the_folder_and_what_to_do(tmp_path):
    """An OUT folder whose checkpoint has another head size: one line, not TF's traceback."""

    def new_trainer(num_classes, existing="resume"):
        return helpers.tiny_classifier_trainer(
            tmp_path, num_classes, total_steps=10, warmup_steps=1, existing=existing
        )

    new_trainer(2).train(1)
    trainer = new_trainer(3)
    latest = os.path.join(str(tmp_path), "checkpoints", "ckpt-1")
    with pytest.raises(ValueError) as error:
        trainer.train(2)
    assert str(error.value) == (
        f"{latest} is another run's checkpoint and does not fit this model (Received "
        "incompatible tensor with shape (16, 2) when attempting to restore variable with shape "
        "(16, 3) and name classifier_head/dense/kernel:0.); resume with the command that wrote it, "
        "or pass --overwrite or a new --out."
    )
    with pytest.raises(ValueError, match="holds a run's checkpoints .ckpt-1.; pass --resume"):
        new_trainer(3, "refuse").train(2)
    trainer = new_trainer(3, "overwrite")  # the earlier run goes; this one starts at step 0
    assert trainer.train(1) and trainer.step == 1
    assert trainer.manager.checkpoints == [latest]  # the new run's step 1, restorable:
    new_trainer(3).checkpoint.restore(latest).assert_existing_objects_matched()
