"""The user-facing examples run on tiny settings (export and TFLite ones: tests/export)."""

import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(script, *args, cwd):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_fit_classifier(tmp_path):
    out = _run("fit_classifier.py", "--epochs", "1", "--max-examples", "96", cwd=tmp_path)
    accuracy = float(out.strip().splitlines()[-1].split(": ")[1])
    assert 0.0 <= accuracy <= 1.0


def test_load_huggingface(tmp_path):
    out = _run("load_huggingface.py", cwd=tmp_path)
    diff = float(out.split("sequence_output: ")[1].split()[0])
    assert diff < 1e-5
    assert (tmp_path / "converted_hf" / "model.safetensors").is_file()


def test_pretrain_from_text(tmp_path):
    vocab = os.path.join(ROOT, "tests", "fixtures", "hf_tiny_bert", "vocab.txt")
    out = _run(
        "pretrain_from_text.py",
        "--vocab",
        vocab,
        "--steps",
        "5",
        "--seq-length",
        "32",
        cwd=tmp_path,
    )
    assert "mlm_loss" in out.splitlines()[-1]
    assert (tmp_path / "pretrained_encoder.keras").is_file()


def test_finetune_squad(tmp_path, shared_data):
    out = _run(
        "finetune_squad.py",
        "--squad",
        os.path.join(shared_data, "squad", "dev-v1.1.json"),
        "--checkpoint",
        os.path.join(ROOT, "tests", "fixtures", "hf_tiny_bert"),
        "--examples",
        "8",
        "--seq-length",
        "64",
        cwd=tmp_path,
    )
    last = out.strip().splitlines()[-1]
    assert last.startswith("exact match ") and last.endswith("on 8 questions")


@pytest.mark.slow
def test_semantic_search(tmp_path):
    """A tiny sentence-transformers folder, exported and searched: a query that is one of the
    sentences finds itself first, at cosine 1, and the scores come in decreasing order. Slow
    (about 15 s: the export verifies in a fresh process); tests/export/test_export_embedder.py
    checks the same export on every run."""
    from tests.keras_bert.checkpoints.test_sentence_transformers_folder import write_folder

    folder = write_folder(tmp_path / "tiny_st", "mean", normalize=True)
    rng = np.random.default_rng(0)
    sentences = [" ".join(f"tok{i}" for i in rng.integers(0, 94, 6)) for _ in range(40)]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(sentences) + "\n")
    out = _run(
        "semantic_search.py",
        folder,
        "--corpus",
        str(corpus),
        "--query",
        sentences[7],
        "--top-k",
        "5",
        cwd=tmp_path,
    )
    lines = out.strip().splitlines()
    assert lines[0] == "40 sentences, 32-dimensional embeddings"
    assert lines[-6] == f"query: {sentences[7]}"
    hits = [line.split("  ", 2)[1:] for line in lines[-5:]]
    scores = [float(score) for score, _ in hits]
    assert hits[0] == ["1.000", sentences[7]] and all(text in sentences for _, text in hits)
    assert scores == sorted(scores, reverse=True)
