"""One line for every failure the user's files or flags cause, naming the actual cause; the
traceback only with --debug or KERAS_BERT_DEBUG=1."""

import errno
import os

import pytest

from keras_bert import cli, failures
from tests.fixtures import bad_files


def _corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("the cat sat on the mat .\nthe dog sat on the log .\n" * 20)
    return str(path)


def test_vocab_on_binary_garbage_is_refused_in_one_line(tmp_path, capsys):
    garbage = bad_files.binary_garbage(tmp_path)
    out = tmp_path / "vocab.txt"
    assert cli.main(["vocab", garbage, "--vocab-size", "100", "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"keras-bert vocab: error: {garbage} line 1 is not UTF-8 text")
    assert not out.exists()


@pytest.mark.parametrize(
    "code, cause",
    [
        (
            errno.ENOSPC,
            "the disk is full ({path}): free some space or write elsewhere, then run the command "
            "again (nothing half-written was left under a final name)",
        ),
        (
            errno.EACCES,
            "permission denied ({path}): choose a folder you may write, or fix its permissions",
        ),
        (errno.EROFS, "the file system is read-only ({path}): write to another folder"),
    ],
)
def test_a_failed_write_names_its_cause_and_leaves_nothing(
    tmp_path, capsys, monkeypatch, code, cause
):
    out = tmp_path / "vocab.txt"

    def failing_fsync(path):
        raise OSError(code, os.strerror(code), path)

    monkeypatch.setattr("keras_bert.atomic.fsync_path", failing_fsync)
    assert cli.main(["vocab", _corpus(tmp_path), "--vocab-size", "60", "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    partial = str(tmp_path / ".partial-vocab.txt")
    assert err == [f"keras-bert vocab: error: {cause.format(path=partial)}"]
    assert sorted(os.listdir(tmp_path)) == ["corpus.txt"]


def test_debug_flag_and_variable_show_the_traceback(tmp_path, monkeypatch):
    garbage = bad_files.binary_garbage(tmp_path)
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        cli.main(["vocab", garbage, "-o", str(tmp_path / "v.txt"), "--debug"])
    monkeypatch.setenv("KERAS_BERT_DEBUG", "1")
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        cli.main(["vocab", garbage, "-o", str(tmp_path / "v.txt")])


def test_tensorflow_errors_name_their_cause():
    import tensorflow as tf

    message = "Graph execution error:\n\nDetected at node x\ncorrupted record at 12 [[{{node y}}]]"
    assert failures.failure_line(tf.errors.DataLossError(None, None, message)) == (
        "a file is damaged or truncated: corrupted record at 12; write or download it again"
    )
    full = tf.errors.ResourceExhaustedError(None, None, "out/ckpt-3_temp: No space left on device")
    assert failures.failure_line(full).startswith("the disk is full: free some space")
    assert failures.failure_line(tf.errors.UnknownError(None, None, "Permission denied: /x")) == (
        "TensorFlow could not write: Permission denied: /x: choose a folder you may write"
    )
    assert failures.failure_line(RuntimeError("a bug")) is None
