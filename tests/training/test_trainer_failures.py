"""The training loop under failure: non-finite losses, damaged or missing checkpoint files,
saves cut short. Each runs a tiny classifier in this process."""

import os

import numpy as np
import pytest

from keras_bert.finite import NonFiniteError
from tests.training import helpers


def _trainer(out, learning_rate=1e-3, keep=5):
    return helpers.tiny_classifier_trainer(out, learning_rate=learning_rate, keep_checkpoints=keep)


def _weights(model):
    return [w.numpy().copy() for w in model.weights]


def test_a_diverged_run_stops_at_the_first_non_finite_step_and_saves_nothing_of_it(tmp_path):
    trainer = _trainer(tmp_path, learning_rate=1e30)
    with pytest.raises(NonFiniteError, match=r"Training stopped at step \d+:") as error:
        trainer.train(20)
    step = int(str(error.value).split("step ")[1].split(":")[0])
    assert 1 <= step < 20
    saved = sorted(os.listdir(tmp_path / "checkpoints"))
    assert f"ckpt-{step}.index" not in saved
    assert f"ckpt-{step - 1}.index" in saved or step == 1
    # Every checkpoint on disk holds finite weights only.
    import tensorflow as tf

    for name in saved:
        if name.endswith(".index"):
            reader = tf.train.load_checkpoint(str(tmp_path / "checkpoints" / name[:-6]))
            for variable in reader.get_variable_to_shape_map():
                value = reader.get_tensor(variable)
                if np.issubdtype(np.asarray(value).dtype, np.floating):
                    assert np.isfinite(value).all(), (name, variable)


@pytest.fixture(scope="module")
def three_checkpoints(tmp_path_factory):
    """An OUT folder with checkpoints of steps 1, 2, 3 and the weights after step 2."""
    out = tmp_path_factory.mktemp("run")
    trainer = _trainer(out)
    trainer.train(2)
    after_two = _weights(trainer.model)
    trainer.train(3)
    return out, after_two, _weights(trainer.model)


def _copy(source, target):
    import shutil

    shutil.copytree(source, target)
    return target


@pytest.mark.parametrize("damage", ["truncated", "emptied"])
def test_an_unreadable_newest_checkpoint_falls_back_to_the_newest_readable(
    three_checkpoints, tmp_path, capfd, damage
):
    source, after_two, _ = three_checkpoints
    out = _copy(source, tmp_path / "out")
    data = next((out / "checkpoints").glob("ckpt-3.data-*"))
    size = data.stat().st_size
    with open(data, "r+b") as f:
        f.truncate(size // 2 if damage == "truncated" else 0)
    trainer = _trainer(out)
    assert trainer.restore() == 2
    for restored, expected in zip(_weights(trainer.model), after_two):
        np.testing.assert_array_equal(restored, expected)
    err = capfd.readouterr().err
    assert f"checkpoint {out / 'checkpoints' / 'ckpt-3'} is unreadable" in err
    assert f"resuming from {out / 'checkpoints' / 'ckpt-2'}" in err
    assert not list((out / "checkpoints").glob("ckpt-3.*"))
    assert trainer.manager.latest_checkpoint.endswith("ckpt-2")


def test_a_missing_state_file_is_rebuilt_and_save_leftovers_are_removed(
    three_checkpoints, tmp_path, capfd
):
    source, _, after_three = three_checkpoints
    out = _copy(source, tmp_path / "out")
    os.remove(out / "checkpoints" / "checkpoint")
    leftover = out / "checkpoints" / "ckpt-4_temp"
    leftover.mkdir()
    (leftover / "part-00000-of-00001.data-00000-of-00001.tempstate123").write_bytes(b"x" * 1000)
    trainer = _trainer(out)
    assert not leftover.exists()
    assert trainer.restore() == 3
    for restored, expected in zip(_weights(trainer.model), after_three):
        np.testing.assert_array_equal(restored, expected)
    err = capfd.readouterr().err
    assert "ckpt-4_temp" in err
    assert "checkpoint is missing; rebuilt it from the 3 checkpoints on disk (newest ckpt-3)" in err


def test_a_damaged_state_file_is_rebuilt(three_checkpoints, tmp_path, capfd):
    source, _, _ = three_checkpoints
    out = _copy(source, tmp_path / "out")
    (out / "checkpoints" / "checkpoint").write_bytes(b"\x00\xffgarbage {{{")
    assert _trainer(out).restore() == 3
    assert "checkpoint is unreadable; rebuilt it" in capfd.readouterr().err


def test_a_broken_run_file_is_named(three_checkpoints, tmp_path):
    source, _, _ = three_checkpoints
    out = _copy(source, tmp_path / "out")
    (out / "checkpoints" / "run.json").write_text('{"task": "classifi')
    with pytest.raises(
        ValueError,
        match=rf"^run metadata {out}/checkpoints/run.json is not valid JSON \(Unterminated string",
    ):
        _trainer(out).restore()


def test_a_checkpoint_save_on_a_full_disk_leaves_no_temporary_folder(tmp_path, monkeypatch):
    import errno

    trainer = _trainer(tmp_path / "out")
    directory = trainer.manager.directory

    def disk_full(checkpoint_number):
        os.makedirs(os.path.join(directory, f"ckpt-{checkpoint_number}_temp"))
        with open(
            os.path.join(directory, f"ckpt-{checkpoint_number}_temp", "part.tempstate1"), "wb"
        ) as f:
            f.write(b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(trainer.manager, "save", disk_full)
    with pytest.raises(OSError):
        trainer._save(4)
    assert os.listdir(directory) == []


def test_no_readable_checkpoint_at_all_is_one_error(three_checkpoints, tmp_path):
    source, _, _ = three_checkpoints
    out = _copy(source, tmp_path / "out")
    for data in (out / "checkpoints").glob("ckpt-*.data-*"):
        data.write_bytes(b"")
    with pytest.raises(
        ValueError,
        match=(
            rf"^No checkpoint in {out}/checkpoints reads back "
            rf"\(the newest, {out}/checkpoints/ckpt-3: "
        ),
    ):
        _trainer(out).restore()
