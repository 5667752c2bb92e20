"""Everything `keras-bert finetune` can check is checked before the first step: each bad path,
column, label set, flag combination or output folder fails with one line, and no checkpoint
is written."""

import argparse
import json

import pytest

from keras_bert import cli_args
from keras_bert.cli import main
from tests.training import helpers


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checks")

    def tsv(name, header, rows):
        path = folder / name
        path.write_text(header + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
        return str(path)

    binary = [f"{'good' if i % 2 else 'bad'} {i}\t{i % 2}" for i in range(16)]
    three = [f"w {i}\t{i % 3}" for i in range(16)]
    return {
        "folder": folder,
        "config": helpers.write_config(folder / "config.json"),
        "vocab": helpers.write_vocab(folder / "vocab.txt"),
        "train": tsv("train.tsv", "sentence\tlabel", binary),
        "dev_unseen": tsv("dev_unseen.tsv", "sentence\tlabel", ["a b\t0", "c d\t2"]),
        "dev_unlabeled": tsv("dev_unlabeled.tsv", "sentence", ["a b", "c d"]),
        "three": tsv("three.tsv", "sentence\tlabel", three),
        "a_file": tsv("a_file.tsv", "sentence\tlabel", ["a\t0"]),
    }


def _an_earlier_run(out, **run):
    """An --out with a checkpoint at step 3 and the flags it was written with."""
    checkpoints = out / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "checkpoint").write_text('model_checkpoint_path: "ckpt-3"\n')
    (checkpoints / "ckpt-3.index").write_bytes(b"")
    (checkpoints / "run.json").write_text(json.dumps(run))
    return out


CASES = {
    # case: (extra flags, expected error line after "keras-bert finetune: error: ")
    "eval file missing": (
        ["--eval-file", "{folder}/dev_typo.tsv"],
        "Task file {folder}/dev_typo.tsv does not exist.",
    ),
    "text column missing": (
        ["--text-column", "review"],
        "{train} has no column review; its columns are ['sentence', 'label'].",
    ),
    "eval file without labels": (
        ["--eval-file", "{dev_unlabeled}"],
        "{dev_unlabeled} has no 'label' column to train or evaluate on.",
    ),
    "dev labels unseen in train": (
        ["--eval-file", "{dev_unseen}"],
        "{dev_unseen} has labels ['2'] not seen in training (['0', '1']).",
    ),
    "labels outside --label-names": (
        ["--train-file", "{three}", "--label-names", "neg,pos"],
        "{three} has labels ['2'] not seen in --label-names neg,pos (or their indices 0-1).",
    ),
    "--keep-best without --eval-file": (
        ["--keep-best", "accuracy"],
        "Evaluation during training (--keep-best) needs an --eval-file.",
    ),
    "--keep-best of another task's metric": (
        ["--eval-file", "{train}", "--keep-best", "exact_match"],
        "--keep-best exact_match is not a metric of --task classification; use one of "
        "accuracy, mcc, f1.",
    ),
    "--keep-best f1 of three classes": (
        ["--train-file", "{three}", "--eval-file", "{three}", "--keep-best", "f1"],
        "--keep-best f1 is not a metric of --task classification with 3 labels; use one of "
        "accuracy, mcc.",
    ),
    "--keep-best evaluated at the end only": (
        ["--eval-file", "{train}", "--keep-best", "accuracy", "--eval-every", "end"],
        "--keep-best and --early-stopping-patience need evaluations during training, and "
        "--eval-every end evaluates once; pass --eval-every N or epoch.",
    ),
    "--label-names of a regression": (
        ["--task", "regression", "--label-names", "neg,pos"],
        "--label-names names classes, and --task regression has none; drop --label-names.",
    ),
    "--group-by-length with --fixed-length": (
        ["--group-by-length", "--fixed-length"],
        "--group-by-length groups texts to cut batches shorter, and batches here have a fixed "
        "length (--fixed-length, or a TPU); drop one of them.",
    ),
    "--out is a file": (["--out", "{a_file}"], "[Errno 17] File exists: '{a_file}'"),
    "--out holds a run": (
        ["--out", "{held}"],
        "{held} holds a run's checkpoints (ckpt-3); pass --resume to continue it, --overwrite "
        "to start afresh, or a new --out.",
    ),
    "--resume with another learning rate": (
        ["--out", "{held}", "--resume", "--learning-rate", "0.002"],
        "{held}/checkpoints holds another run's checkpoints (--learning-rate was 0.001, now "
        "0.002); resume with the command that wrote them, or pass --overwrite or a new --out.",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_run_fails_before_its_first_step_with_one_line(case, files, tmp_path, capsys):
    flags, expected = CASES[case]
    from keras_bert.training import program

    held = tmp_path / "held"
    values = dict(files, held=held)
    base = [
        "finetune",
        "--task",
        "classification",
        "--train-file",
        files["train"],
        "--config",
        files["config"],
        "--vocab",
        files["vocab"],
        "--batch-size",
        "4",
        "--seq-length",
        "16",
        "--max-steps",
        "2",
        "--learning-rate",
        "0.001",
        "--out",
        str(tmp_path / "out"),
        "--quiet",
    ]
    argv = base + [flag.format(**values) for flag in flags]
    if "{held}" in flags:
        parser = argparse.ArgumentParser()
        cli_args.add_finetune_arguments(parser)
        _an_earlier_run(
            held, **program.run_identity(parser.parse_args(base[1:] + ["--out", str(held)]))
        )
    assert main(argv) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "keras-bert finetune: error: " + expected.format(**values)
    )
    assert not (tmp_path / "out" / "checkpoints").exists()
    assert not (held / "logs").exists()
