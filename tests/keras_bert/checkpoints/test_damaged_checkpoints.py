"""Checkpoints that are damaged or hold NaN/inf: one error naming the file (and the weight),
never a traceback from the reader and never a model that loads silently. The folders come
from tests/fixtures/bad_files.py."""

import os

import numpy as np
import pytest

import keras_bert
from keras_bert.finite import NonFiniteError
from tests.fixtures import bad_files


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("truncated", "incomplete metadata, file not fully covered"),
        ("empty", "header too small"),
        ("garbage", "header too large"),
    ],
)
def test_damaged_safetensors_is_named(tmp_path, damage, reason):
    folder = bad_files.hf_with_safetensors(tmp_path, damage)
    with pytest.raises(ValueError) as error:
        keras_bert.from_pretrained(folder)
    assert str(error.value).startswith(
        f"{folder}/model.safetensors is not a readable safetensors file"
    )
    assert reason in str(error.value)


def test_config_json_that_is_a_list_is_named(tmp_path):
    folder = bad_files.hf_with_config_list(tmp_path)
    with pytest.raises(
        ValueError, match=rf"^BERT config file {folder}/config.json holds a JSON list"
    ):
        keras_bert.from_pretrained(folder)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_hugging_face_weights_with_nan_or_inf_are_refused_by_name(tmp_path, value):
    folder, key = bad_files.hf_with_nan(tmp_path, value=value)
    with pytest.raises(NonFiniteError) as error:
        keras_bert.from_pretrained(folder, task="pretraining")
    assert str(error.value).startswith(
        f"Hugging Face checkpoint {folder}: encoder.layer.0.attention.self.query.weight holds 1 "
        "NaN or infinite value of"
    )


def test_google_checkpoint_with_truncated_data_is_named(tmp_path):
    folder = bad_files.google_with_truncated_data(tmp_path)
    with pytest.raises(
        ValueError,
        match=rf"^TF checkpoint {folder}/bert_model.ckpt is damaged or truncated: reading bert/",
    ):
        keras_bert.from_pretrained(folder)


def test_google_checkpoint_with_nan_is_refused_by_name(tmp_path):
    import tensorflow as tf

    folder = bad_files.google_folder(tmp_path)
    prefix = f"{folder}/bert_model.ckpt"
    reader = tf.train.load_checkpoint(prefix)
    values = {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()}
    values["bert/pooler/dense/bias"][2] = np.nan
    names = sorted(values)
    tf.raw_ops.SaveV2(
        prefix=prefix,
        tensor_names=names,
        shape_and_slices=[""] * len(names),
        tensors=[tf.constant(values[n]) for n in names],
    )
    with pytest.raises(
        NonFiniteError, match=rf"^TF checkpoint {prefix}: bert/pooler/dense/bias holds 1 NaN"
    ):
        keras_bert.from_pretrained(folder)


def test_keras_hub_backbone_with_nan_is_refused_by_name():
    from keras_bert.checkpoints import from_keras_hub, to_keras_hub

    backbone = to_keras_hub(bad_files.tiny_encoder())
    weight = next(w for w in backbone.weights if w.path.endswith("pooled_dense/bias"))
    weight.assign(np.full(weight.shape, np.inf, "float32"))
    with pytest.raises(
        NonFiniteError, match=r"^keras-hub BertBackbone: pooled_dense/bias holds 16 NaN"
    ):
        from_keras_hub(backbone)


def test_google_checkpoint_with_a_damaged_index_is_named(tmp_path):
    folder = bad_files.google_folder(tmp_path)
    index = f"{folder}/bert_model.ckpt.index"
    with open(index, "r+b") as f:
        f.truncate(os.path.getsize(index) // 3)
    with pytest.raises(
        ValueError, match=rf"^TF checkpoint {folder}/bert_model.ckpt.index is damaged or truncated"
    ):
        keras_bert.from_pretrained(folder)
