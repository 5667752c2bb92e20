"""Files written whole or absent, flushed to disk before they take their final name."""

import os

import pytest

from keras_bert import atomic


def test_a_write_appears_whole_after_an_fsync_and_a_failed_one_leaves_nothing(
    tmp_path, monkeypatch
):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(
        os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")) or real_fsync(fd)
    )
    target = tmp_path / "vocab.txt"
    with atomic.atomic_open(str(target)) as f:
        f.write("[PAD]\n")
        assert not target.exists()
    assert target.read_text() == "[PAD]\n"
    # The data under its temporary name, then the folder that holds the new name.
    assert synced == [str(tmp_path / ".partial-vocab.txt"), str(tmp_path)]
    with pytest.raises(RuntimeError):
        with atomic.atomic_open(str(target)) as f:
            f.write("[UNK]\n")
            raise RuntimeError("cut short")
    assert target.read_text() == "[PAD]\n"
    assert sorted(os.listdir(tmp_path)) == ["vocab.txt"]


def test_leftovers_of_a_killed_write_are_removed(tmp_path):
    (tmp_path / ".partial-model.keras").write_bytes(b"half")
    (tmp_path / ".partial-folder").mkdir()
    (tmp_path / "model.keras").write_bytes(b"whole")
    assert atomic.remove_partial_files(str(tmp_path)) == [".partial-folder", ".partial-model.keras"]
    assert os.listdir(tmp_path) == ["model.keras"]
