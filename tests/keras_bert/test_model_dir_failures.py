"""keras-bert model folders that are damaged, half written or hold NaN."""

import json
import os

import numpy as np
import pytest

import keras_bert
from keras_bert import model_dir
from keras_bert.atomic import PARTIAL_PREFIX
from keras_bert.finite import NonFiniteError
from tests.fixtures import bad_files

VOCAB = os.path.join(bad_files.HF_TINY_BERT, "vocab.txt")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("model"))
    model_dir.save_model_dir(bad_files.tiny_encoder(), folder, VOCAB, task="encoder")
    return folder


def _copy(saved, tmp_path):
    import shutil

    return shutil.copytree(saved, tmp_path / "model")


def test_a_truncated_model_keras_is_named_as_damaged_not_missing(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    path = folder / "model.keras"
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(
        ValueError, match=rf"^{path} is not a readable Keras model \(.*\); the file is damaged"
    ):
        keras_bert.from_pretrained(str(folder))


@pytest.mark.parametrize(
    "content, what", [(b'{"format": "keras_b', "is not valid JSON"), (b"[]", "holds a JSON list")]
)
def test_a_broken_metadata_file_is_named(saved, tmp_path, content, what):
    folder = _copy(saved, tmp_path)
    (folder / "keras_bert.json").write_bytes(content)
    with pytest.raises(ValueError, match=rf"^keras-bert metadata {folder}/keras_bert.json {what}"):
        keras_bert.from_pretrained(str(folder))


def test_nan_weights_are_neither_saved_nor_loaded(saved, tmp_path):
    encoder = bad_files.tiny_encoder()
    weight = encoder.weights[0]
    weight.assign(np.where(np.arange(weight.shape[-1]) == 1, np.nan, weight.numpy()))
    target = tmp_path / "nan"
    with pytest.raises(
        NonFiniteError, match=rf"^the model to save in {target}: {weight.path} holds"
    ):
        model_dir.save_model_dir(encoder, str(target), VOCAB, task="encoder")
    assert not target.exists() or not os.listdir(target)
    # A folder written with NaN by other means is refused when read.
    folder = _copy(saved, tmp_path)
    encoder.save(str(folder / "model.keras"))
    with pytest.raises(NonFiniteError, match=rf"^{folder}/model.keras: {weight.path} holds"):
        keras_bert.from_pretrained(str(folder))


def test_a_failed_save_leaves_the_previous_folder_whole_and_no_leftovers(
    saved, tmp_path, monkeypatch
):
    import errno

    folder = _copy(saved, tmp_path)
    before = {name: (folder / name).read_bytes() for name in os.listdir(folder)}
    (folder / (PARTIAL_PREFIX + "model.keras")).write_bytes(b"left by a killed run")

    def disk_full(self, path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"PK half")
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr("keras.Model.save", disk_full)
    with pytest.raises(OSError) as error:
        model_dir.save_model_dir(
            bad_files.tiny_encoder(), str(folder), VOCAB, task="classification"
        )
    assert error.value.errno == errno.ENOSPC
    assert {name: (folder / name).read_bytes() for name in os.listdir(folder)} == before
    assert json.loads((folder / "keras_bert.json").read_text())["task"] == "encoder"
