"""`write_verified`, the write-verify-roll-back path of every export format, on plain files:
artifacts are `.npy` arrays (or folders holding one, as a SavedModel is a folder), verified by
reading them back against the array meant to be written."""

import os

import numpy as np
import pytest
from keras_bert.export import verify
from keras_bert.export.artifacts import write_verified

ARRAYS = {"a": np.arange(6, dtype=np.float32), "b": np.linspace(0.0, 1.0, 4, dtype=np.float32)}


def npy_writer(as_folder=False, corrupt=(), interrupt=()):
    """`write_and_verify(path, key)` writing `ARRAYS[key]` to `path` (a file, or a folder
    holding `values.npy`) and comparing what it reads back with `ARRAYS[key]`; keys in
    `corrupt` are written with an error, keys in `interrupt` stop the write half way."""
    calls = []

    def write_and_verify(path, key):
        calls.append(path)
        written = ARRAYS[key] + (0.5 if key in corrupt else 0.0)
        if as_folder:
            os.makedirs(path)
            path = os.path.join(path, "values.npy")
        with open(path, "wb") as f:
            np.save(f, written)
            if key in interrupt:
                raise KeyboardInterrupt
        return verify.compare(
            os.path.basename(path),
            "serving_default",
            {key: ARRAYS[key]},
            {key: np.load(path)},
            verify.FLOAT_TOLERANCE,
        )

    write_and_verify.calls = calls
    return write_and_verify


def artifact_paths(version_dir, as_folder):
    return {os.path.join(version_dir, key if as_folder else f"{key}.npy"): key for key in ARRAYS}


def tree(root):
    """Every path below `root`, relative to it."""
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, folders, files in os.walk(root)
        for name in folders + files
    )


@pytest.mark.parametrize("as_folder", [False, True])
def test_verified_artifacts_are_kept_and_returned(tmp_path, capsys, as_folder):
    artifacts = artifact_paths(str(tmp_path / "out" / "model" / "1"), as_folder)
    prepared = []
    result = write_verified(
        artifacts, npy_writer(as_folder), verbose=True, prepare=lambda: prepared.append(True)
    )
    assert prepared == [True]
    assert result.paths == list(artifacts)
    assert [(row.output, row.passed) for row in result.rows] == [("a", True), ("b", True)]
    for path, key in artifacts.items():
        values = os.path.join(path, "values.npy") if as_folder else path
        np.testing.assert_array_equal(np.load(values), ARRAYS[key])
    assert capsys.readouterr().out.strip() == result.table()


@pytest.mark.parametrize("as_folder", [False, True])
@pytest.mark.parametrize("failure", ["verification", "interrupt"])
def test_a_failure_removes_what_was_written_and_keeps_folders_that_existed(
    tmp_path, as_folder, failure
):
    """The second artifact fails after the first verified: both go, with the folders the
    export made; the export folder that was there, and what it held, stay."""
    out = tmp_path / "out"
    (out / "model").mkdir(parents=True)
    (out / "model" / "notes.txt").write_text("kept")
    artifacts = artifact_paths(str(out / "model" / "1"), as_folder)
    if failure == "verification":
        write = npy_writer(as_folder, corrupt={"b"})
        with pytest.raises(verify.VerificationError, match="does not match the Keras model"):
            write_verified(artifacts, write, verbose=False)
    else:
        write = npy_writer(as_folder, interrupt={"b"})
        with pytest.raises(KeyboardInterrupt):
            write_verified(artifacts, write, verbose=False)
    assert write.calls == list(artifacts)  # both were written before the failure
    assert tree(tmp_path) == ["out", "out/model", "out/model/notes.txt"]
    assert (out / "model" / "notes.txt").read_text() == "kept"


def test_a_failure_before_writing_leaves_nothing(tmp_path):
    def prepare():
        raise ValueError("an op the target lacks")

    write = npy_writer()
    with pytest.raises(ValueError, match="an op the target lacks"):
        write_verified(artifact_paths(str(tmp_path / "model" / "1"), False), write, prepare=prepare)
    assert write.calls == []
    assert tree(tmp_path) == []


def test_an_existing_artifact_is_refused_and_kept(tmp_path):
    artifacts = artifact_paths(str(tmp_path / "model" / "1"), as_folder=False)
    existing = list(artifacts)[1]
    os.makedirs(os.path.dirname(existing))
    with open(existing, "w") as f:
        f.write("a verified export")
    write = npy_writer()
    with pytest.raises(ValueError) as info:
        write_verified(artifacts, write, prepare=lambda: write.calls.append("prepare"))
    assert str(info.value) == (
        f"{existing} already exists; exported versions are immutable, pass a new --version."
    )
    assert write.calls == []
    assert tree(tmp_path) == ["model", "model/1", "model/1/b.npy"]
    with open(existing) as f:
        assert f.read() == "a verified export"
