import os

import numpy as np
import pytest
import tensorflow as tf

import keras_bert
from keras_bert import BertConfig, BertEncoder, BertPretrainer
from keras_bert.checkpoints.google import check_google_checkpoint, is_optimizer_state
from tests.keras_bert.model_weights import google_named_weights, random_inputs, randomize_weights
from tests.keras_bert.numpy_bert import numpy_bert_forward, numpy_mlm_logits, numpy_nsp_logits

CONFIG = BertConfig(
    vocab_size=31,
    hidden_size=16,
    num_layers=2,
    num_attention_heads=2,
    intermediate_size=20,
    max_position_embeddings=16,
)


@pytest.fixture(scope="module")
def test_checkpoint(shared_data):
    """The folder, the reader and every (non-optimizer) variable of the keras-bert test ckpt."""
    folder = os.path.join(shared_data, "checkpoints", "keras_bert_test_checkpoint")
    prefix = os.path.join(folder, "bert_model.ckpt")
    reader = tf.train.load_checkpoint(prefix)
    values = {
        name: reader.get_tensor(name)
        for name, _ in tf.train.list_variables(prefix)
        if not is_optimizer_state(name)
    }
    return folder, values


@pytest.fixture(scope="module")
def loaded(test_checkpoint):
    folder, _ = test_checkpoint
    return keras_bert.from_pretrained(folder, task="pretraining")


def test_test_checkpoint_is_google_gelu(test_checkpoint, loaded):
    # Its bert_config.json says "gelu", which Google's code computes with tanh.
    assert loaded.encoder.config.hidden_act == "gelu_tanh"
    assert loaded.encoder.config.hidden_size == 4


def test_all_46_model_variables_map(test_checkpoint, loaded):
    _, values = test_checkpoint
    assert len(values) == 46
    ours = google_named_weights(loaded.encoder, loaded)
    assert sorted(ours) == sorted(values)
    for name, value in values.items():
        np.testing.assert_array_equal(ours[name], value, err_msg=name)


def test_outputs_match_a_numpy_forward_on_the_checkpoint_arrays(test_checkpoint, loaded):
    _, values = test_checkpoint
    config = loaded.encoder.config
    x = random_inputs(3, 10, config.vocab_size, seed=5)
    positions = np.array([[1, 2, 3], [2, 4, 5], [1, 1, 2]], "int32")
    out = loaded.predict(dict(x, masked_lm_positions=positions), verbose=0)
    encoded = loaded.encoder.predict(x, verbose=0)
    ref = numpy_bert_forward(
        values, config, x["input_word_ids"], x["input_mask"], x["input_type_ids"]
    )
    np.testing.assert_allclose(encoded["sequence_output"], ref["sequence_output"], atol=1e-5)
    np.testing.assert_allclose(encoded["pooled_output"], ref["pooled_output"], atol=1e-5)
    mlm = numpy_mlm_logits(values, config, ref["sequence_output"], positions)
    np.testing.assert_allclose(out["mlm_logits"], mlm, atol=1e-5)
    nsp = numpy_nsp_logits(values, ref["pooled_output"])
    np.testing.assert_allclose(out["nsp_logits"], nsp, atol=1e-5)


def test_encoder_task_leaves_out_the_heads(test_checkpoint, loaded):
    folder, _ = test_checkpoint
    encoder = keras_bert.from_pretrained(folder)
    assert type(encoder) is BertEncoder
    for a, b in zip(encoder.weights, loaded.encoder.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_released_bert_medium_index_maps_onto_a_pretrainer(shared_data):
    folder = os.path.join(
        shared_data, "checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only"
    )
    prefix = os.path.join(folder, "bert_model.ckpt")
    config = BertConfig.from_json(os.path.join(folder, "bert_config.json"), source="google")
    model = BertPretrainer(BertEncoder(config))
    check_google_checkpoint(model, prefix)
    names = {name for name, _ in tf.train.list_variables(prefix)}
    assert len(names) == 142 == len(model.weights)
    with pytest.raises(FileNotFoundError) as e:
        keras_bert.from_pretrained(folder)
    assert str(e.value) == (
        f"TF checkpoint {prefix} has an index but no bert_model.ckpt.data-* file."
    )


def test_released_index_does_not_fit_another_size(shared_data):
    folder = os.path.join(
        shared_data, "checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only"
    )
    config = BertConfig.from_json(os.path.join(folder, "bert_config.json"), source="google")
    model = BertEncoder(config.replace(num_layers=1, vocab_size=100))
    with pytest.raises(ValueError) as e:
        check_google_checkpoint(model, os.path.join(folder, "bert_model.ckpt"))
    assert (
        "bert/embeddings/word_embeddings is [30522, 512] in the checkpoint "
        "but the model needs [100, 512]" in str(e.value)
    )


def _random_pretrainer(seed=0):
    model = BertPretrainer(BertEncoder(CONFIG))
    randomize_weights(model, seed=seed)
    return model


def test_round_trip_through_google_format_is_exact(tmp_path, test_checkpoint):
    model = _random_pretrainer(1)
    vocab = tmp_path / "vocab_in.txt"
    vocab.write_text("[PAD]\n[UNK]\n")
    keras_bert.save_pretrained(model, str(tmp_path / "g"), format="google", vocab_file=str(vocab))
    assert sorted(os.listdir(tmp_path / "g")) == [
        "bert_config.json",
        "bert_model.ckpt.data-00000-of-00001",
        "bert_model.ckpt.index",
        "vocab.txt",
    ]
    # Google's own names, readable the way google-research/bert reads them.
    prefix = str(tmp_path / "g" / "bert_model.ckpt")
    reader = tf.train.load_checkpoint(prefix)
    expected = google_named_weights(model.encoder, model)
    assert sorted(name for name, _ in tf.train.list_variables(prefix)) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)
    back = keras_bert.from_pretrained(str(tmp_path / "g"), task="pretraining")
    assert back.encoder.config == CONFIG
    for a, b in zip(model.weights, back.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_written_names_and_shapes_are_those_of_google_code(tmp_path, test_checkpoint):
    folder, values = test_checkpoint
    config = BertConfig.from_json(os.path.join(folder, "bert_config.json"), source="google")
    keras_bert.save_pretrained(BertPretrainer(BertEncoder(config)), str(tmp_path), format="google")
    written = dict(tf.train.list_variables(str(tmp_path / "bert_model.ckpt")))
    assert written == {name: list(v.shape) for name, v in values.items()}


def test_pretraining_task_names_the_missing_heads(tmp_path):
    keras_bert.save_pretrained(BertEncoder(CONFIG), str(tmp_path), format="google")
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(str(tmp_path), task="pretraining")
    assert str(e.value).startswith(f"TF checkpoint {tmp_path}/bert_model.ckpt lacks 7 variable(s)")
    assert "cls/seq_relationship/output_weights" in str(e.value)


def test_unknown_variables_are_an_error(tmp_path):
    model = _random_pretrainer()
    keras_bert.save_pretrained(model, str(tmp_path), format="google")
    prefix = str(tmp_path / "bert_model.ckpt")
    reader = tf.train.load_checkpoint(prefix)
    names = [name for name, _ in tf.train.list_variables(prefix)]
    tensors = [reader.get_tensor(n) for n in names]
    tf.raw_ops.SaveV2(
        prefix=prefix,
        tensor_names=names + ["bert/encoder/layer_0/extra/kernel", "global_step"],
        shape_and_slices=[""] * (len(names) + 2),
        tensors=tensors + [np.zeros((2,), "float32"), np.int64(3)],
    )
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(str(tmp_path), task="pretraining")
    assert (
        "has 1 variable(s) the model has no place for: bert/encoder/layer_0/extra/kernel;"
        in str(e.value)
    )


@pytest.mark.parametrize(
    "head",
    [("output_weights", "output_bias"), ("cls/squad/output_weights", "cls/squad/output_bias")],
)
def test_encoder_loads_from_a_fine_tuned_checkpoint(tmp_path, head):
    # What run_classifier.py / run_squad.py save: the encoder, Adam's slots and the task head.
    encoder = BertEncoder(CONFIG)
    randomize_weights(encoder, seed=4)
    keras_bert.save_pretrained(encoder, str(tmp_path), format="google")
    prefix = str(tmp_path / "bert_model.ckpt")
    reader = tf.train.load_checkpoint(prefix)
    names = [name for name, _ in tf.train.list_variables(prefix)]
    extra = {
        head[0]: np.ones((2, CONFIG.hidden_size), "float32"),
        head[1]: np.ones((2,), "float32"),
        head[0] + "/adam_m": np.ones((2, CONFIG.hidden_size), "float32"),
    }
    tf.raw_ops.SaveV2(
        prefix=prefix,
        tensor_names=names + list(extra),
        shape_and_slices=[""] * (len(names) + len(extra)),
        tensors=[reader.get_tensor(n) for n in names] + list(extra.values()),
    )
    loaded = keras_bert.from_pretrained(str(tmp_path))
    for a, b in zip(encoder.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # The same checkpoint as the task model whose head it holds.
    task = "classification" if head[0] == "output_weights" else "squad"
    model = keras_bert.from_pretrained(str(tmp_path), task=task)
    assert type(keras_bert.from_pretrained(str(tmp_path), task="auto")) is type(model)
    np.testing.assert_array_equal(model.head.dense.kernel.numpy(), extra[head[0]].T)
    np.testing.assert_array_equal(model.head.dense.bias.numpy(), extra[head[1]])


def test_gelu_erf_has_no_google_name(tmp_path):
    with pytest.raises(ValueError, match="hidden_act 'gelu_erf' has no name in google configs"):
        keras_bert.save_pretrained(
            BertEncoder(CONFIG.replace(hidden_act="gelu_erf")), str(tmp_path), format="google"
        )
