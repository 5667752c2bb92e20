"""Pretraining data under failure: shards whole or absent, corpora that are not UTF-8, and a
corpus of very long lines that must not stall the text pipeline."""

import errno
import os

import pytest
from keras_bert.training.data import pretraining

from keras_bert.atomic import PARTIAL_PREFIX
from keras_bert.text import BertTokenizer
from tests.training import helpers


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return BertTokenizer(helpers.write_vocab(tmp_path_factory.mktemp("vocab") / "vocab.txt"))


def _write(corpus, out, tokenizer):
    return pretraining.write_pretraining_tfrecords(
        [str(corpus)],
        str(out),
        tokenizer,
        seq_length=32,
        max_predictions_per_seq=5,
        num_shards=2,
        batch_size=16,
    )


def test_a_bad_byte_late_in_the_corpus_leaves_no_shard_and_names_the_line(tmp_path, tokenizer):
    corpus = helpers.write_corpus(tmp_path / "corpus.txt", num_documents=12)
    lines = open(corpus, encoding="utf-8").read().count("\n")
    with open(corpus, "ab") as f:
        f.write(b"caf\xe9 au lait .\n")
    out = tmp_path / "records"
    with pytest.raises(ValueError, match=rf"^{corpus} line {lines + 1} is not UTF-8 text"):
        _write(corpus, out, tokenizer)
    assert os.listdir(out) == []


def test_a_full_disk_leaves_no_shard_and_a_killed_runs_leftovers_go(
    tmp_path, tokenizer, monkeypatch
):
    corpus = helpers.write_corpus(tmp_path / "corpus.txt", num_documents=12)
    out = tmp_path / "records"
    out.mkdir()
    leftover = out / (PARTIAL_PREFIX + "pretraining-00000-of-00002.tfrecord")
    leftover.write_bytes(b"half a record")
    original = pretraining._write_instances

    def fills_the_disk(writers, *args):
        original(writers, *args)  # every record written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pretraining, "_write_instances", fills_the_disk)
    with pytest.raises(OSError):
        _write(corpus, out, tokenizer)
    assert os.listdir(out) == []
    monkeypatch.setattr(pretraining, "_write_instances", original)
    paths, count = _write(corpus, out, tokenizer)
    assert sorted(os.listdir(out)) == [os.path.basename(p) for p in paths] and count > 0


def test_text_input_of_one_very_long_line_streams_and_reports(
    tmp_path, tokenizer, monkeypatch, capfd
):
    corpus = tmp_path / "one_line.txt"
    corpus.write_text(" ".join(["abc", "de", "fgh"] * 4_000) + " .\n")
    tokenized = []
    original = pretraining._tokenize_documents

    def counted(*args):
        tokenized.append(1)
        if len(tokenized) > 5:  # a pass for each of 1,000 buffered instances: fail, not hang
            raise RuntimeError("the text pipeline tokenizes the corpus on every pass")
        return original(*args)

    monkeypatch.setattr(pretraining, "_tokenize_documents", counted)
    monkeypatch.setattr(pretraining, "REPORT_SECONDS", 0.0)
    dataset = pretraining.text_dataset([str(corpus)], tokenizer, 2, 32, 5)
    inputs, labels = next(iter(dataset))
    assert inputs["input_word_ids"].shape == (2, 32)
    # Once for the check that the files give an instance, once for the stream.
    assert len(tokenized) == 2
    err = capfd.readouterr().err
    assert "text input: 1 pretraining instances made in" in err
    assert "write TFRecords once with make-pretraining-data" in err


def test_truncation_is_the_originals_token_by_token_loop():
    """google-research/bert's `truncate_seq_pair`, as written there, is the reference."""
    import random

    def original(tokens_a, tokens_b, max_num_tokens, rng):
        while len(tokens_a) + len(tokens_b) > max_num_tokens:
            trunc_tokens = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
            if rng.random() < 0.5:
                del trunc_tokens[0]
            else:
                trunc_tokens.pop()

    draw = random.Random(0)
    for _ in range(500):
        a = list(range(draw.randint(0, 60)))
        b = list(range(100, 100 + draw.randint(0, 60)))
        limit, seed = draw.randint(1, 80), draw.randint(0, 10**6)
        expected, got = (a[:], b[:]), (a[:], b[:])
        rng_expected, rng_got = random.Random(seed), random.Random(seed)
        original(*expected, limit, rng_expected)
        pretraining.truncate_seq_pair(*got, limit, rng_got)
        assert got == expected
        assert rng_got.random() == rng_expected.random()  # the same number of draws


@pytest.mark.slow
def test_make_pretraining_data_killed_mid_write_leaves_no_shard_and_reruns_clean(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    vocab = helpers.write_vocab(tmp_path / "vocab.txt")
    corpus = helpers.write_corpus(
        tmp_path / "corpus.txt", num_documents=26, sentences_per_document=600
    )
    out = tmp_path / "records"
    command = [
        sys.executable,
        "-m",
        "keras_bert.cli",
        "make-pretraining-data",
        "--input",
        corpus,
        "--vocab",
        vocab,
        "--output-dir",
        str(out),
        "--seq-length",
        "32",
        "--num-shards",
        "2",
        "--dupe-factor",
        "10",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline and not (
        out.exists() and any(name.startswith(PARTIAL_PREFIX) for name in os.listdir(out))
    ):
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    time.sleep(1.0)  # well into the writing
    assert process.poll() is None, "the run ended before it could be killed; make the corpus larger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    names = os.listdir(out)
    assert names and all(name.startswith(PARTIAL_PREFIX) for name in names)
    assert not pretraining.glob.glob(str(out / "pretraining-*.tfrecord"))
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(os.listdir(out)) == [
        "pretraining-00000-of-00002.tfrecord",
        "pretraining-00001-of-00002.tfrecord",
    ]


@pytest.mark.slow
def test_pretrain_from_a_one_megabyte_line_makes_its_steps_promptly(tmp_path):
    import random
    import time

    from keras_bert.cli import main

    rng = random.Random(0)
    words = (
        "".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(250_000)
    )
    (tmp_path / "one_line.txt").write_text(" ".join(words)[:1_000_000] + "\n")
    began = time.monotonic()
    assert (
        main(
            [
                "pretrain",
                "--train-files",
                str(tmp_path / "one_line.txt"),
                "--input-format",
                "text",
                "--config",
                helpers.write_config(tmp_path / "config.json"),
                "--vocab",
                helpers.write_vocab(tmp_path / "vocab.txt"),
                "--batch-size",
                "8",
                "--seq-length",
                "32",
                "--max-predictions-per-seq",
                "5",
                "--max-steps",
                "2",
                "--out",
                str(tmp_path / "run"),
                "--quiet",
            ]
        )
        == 0
    )
    assert time.monotonic() - began < 180
    assert (tmp_path / "run" / "model.keras").is_file()
