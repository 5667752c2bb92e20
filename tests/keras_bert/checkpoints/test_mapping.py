import numpy as np
import pytest

import keras_bert
from keras_bert import BertClassifier, BertConfig, BertEncoder, BertPretrainer, BertSpanQA
from keras_bert.checkpoints.google import google_weights
from keras_bert.checkpoints.huggingface import huggingface_name
from keras_bert.checkpoints.mapping import bert_weights, check_names, load_weights
from tests.keras_bert.model_weights import google_named_weights, randomize_weights

CONFIG = BertConfig(
    vocab_size=23,
    hidden_size=8,
    num_layers=2,
    num_attention_heads=2,
    intermediate_size=12,
    max_position_embeddings=16,
)


@pytest.fixture(scope="module")
def pretrainer():
    model = BertPretrainer(BertEncoder(CONFIG))
    randomize_weights(model, seed=3)
    return model


def test_every_weight_has_one_canonical_name(pretrainer):
    weights = bert_weights(pretrainer)
    # 5 embedding weights, 16 per layer, the pooler's 2, the heads' 7 (Google's count: 46).
    assert len(weights) == 5 + 16 * 2 + 2 + 7 == len(pretrainer.weights)
    assert len({w.key for w in weights}) == len(weights)
    assert len(bert_weights(pretrainer.encoder)) == 39


def test_google_layout_matches_an_independent_reading(pretrainer):
    # google_named_weights reads the layers directly, without keras_bert.checkpoints.
    expected = google_named_weights(pretrainer.encoder, pretrainer)
    exported = {fw.name: fw.from_keras() for fw in google_weights(pretrainer)}
    assert sorted(exported) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(exported[name], value, err_msg=name)
        assert exported[name].shape == value.shape


def test_file_layout_round_trips_to_keras(pretrainer):
    for fw in google_weights(pretrainer):
        np.testing.assert_array_equal(fw.to_keras(fw.from_keras()), fw.weight.variable.numpy())


@pytest.mark.parametrize(
    "key, name",
    [
        ("bert/embeddings/word_embeddings", "embeddings.word_embeddings.weight"),
        ("bert/embeddings/LayerNorm/gamma", "embeddings.LayerNorm.weight"),
        (
            "bert/encoder/layer_1/attention/self/query/kernel",
            "encoder.layer.1.attention.self.query.weight",
        ),
        (
            "bert/encoder/layer_0/attention/output/LayerNorm/beta",
            "encoder.layer.0.attention.output.LayerNorm.bias",
        ),
        ("bert/encoder/layer_0/output/dense/bias", "encoder.layer.0.output.dense.bias"),
        ("bert/pooler/dense/kernel", "pooler.dense.weight"),
        ("cls/predictions/output_bias", "cls.predictions.bias"),
        ("cls/predictions/transform/LayerNorm/gamma", "cls.predictions.transform.LayerNorm.weight"),
        ("cls/seq_relationship/output_weights", "cls.seq_relationship.weight"),
        ("cls/seq_relationship/output_bias", "cls.seq_relationship.bias"),
    ],
)
def test_huggingface_names(key, name):
    assert huggingface_name(key) == name


def test_task_heads_have_the_names_of_googles_fine_tuning_scripts(tmp_path):
    classifier = BertClassifier(BertEncoder(CONFIG), num_classes=3)
    head = {w.key: w for w in bert_weights(classifier)[-2:]}
    assert sorted(head) == ["output_bias", "output_weights"]
    assert head["output_weights"].shape == (3, CONFIG.hidden_size)
    assert head["output_weights"].transposed
    assert head["output_weights"].variable is classifier.head.dense.kernel
    span = bert_weights(BertSpanQA(BertEncoder(CONFIG)))[-2:]
    assert [w.key for w in span] == ["cls/squad/output_weights", "cls/squad/output_bias"]
    assert huggingface_name("output_weights") == "classifier.weight"
    assert huggingface_name("cls/squad/output_bias") == "qa_outputs.bias"
    # Google folders stay for encoders and pretrainers (task models go to Hugging Face).
    with pytest.raises(ValueError, match="Google folders hold an encoder or a pretrainer"):
        keras_bert.save_pretrained(classifier, str(tmp_path), format="google")


def _shapes(model):
    return {fw.name: fw.shape for fw in google_weights(model)}


def test_missing_names_are_listed(pretrainer):
    shapes = _shapes(pretrainer)
    del shapes["bert/pooler/dense/bias"], shapes["cls/predictions/output_bias"]
    with pytest.raises(ValueError) as e:
        check_names(google_weights(pretrainer), shapes, "ckpt")
    assert str(e.value) == (
        "ckpt lacks 2 variable(s) the model needs: bert/pooler/dense/bias, "
        "cls/predictions/output_bias."
    )


def test_shape_mismatch_names_the_variable_and_both_shapes(pretrainer):
    shapes = _shapes(pretrainer)
    shapes["bert/encoder/layer_1/intermediate/dense/kernel"] = (8, 13)
    with pytest.raises(ValueError) as e:
        check_names(google_weights(pretrainer), shapes, "ckpt")
    assert (
        "bert/encoder/layer_1/intermediate/dense/kernel is [8, 13] in the checkpoint but the "
        "model needs [8, 12]" in str(e.value)
    )
    assert "\n" not in str(e.value)


def test_leftovers_are_an_error_but_skipped_and_unused_names_are_not(pretrainer):
    shapes = _shapes(pretrainer)
    shapes.update({"x/adam_m": (1,), "cls/extra": (2,), "other/thing": (3,)})
    with pytest.raises(
        ValueError, match=r"has 2 variable\(s\) the model has no place for: cls/extra, other/thing;"
    ):
        check_names(google_weights(pretrainer), shapes, "ckpt", skip=lambda n: n.endswith("adam_m"))
    check_names(
        google_weights(pretrainer),
        shapes,
        "ckpt",
        skip=lambda n: n.endswith("adam_m"),
        unused=("cls/extra", "other/thing"),
    )


def test_nothing_is_assigned_when_a_tie_fails():
    model = BertEncoder(CONFIG)
    before = [w.numpy().copy() for w in model.weights]
    source = BertEncoder(CONFIG)
    values = {fw.name: fw.from_keras() for fw in google_weights(source)}
    values["tied"] = values["bert/embeddings/word_embeddings"] + 1.0
    shapes = {name: v.shape for name, v in values.items()}
    with pytest.raises(ValueError, match="tied differs from bert/embeddings/word_embeddings"):
        load_weights(
            google_weights(model),
            shapes,
            values.__getitem__,
            "ckpt",
            ties={"tied": "bert/embeddings/word_embeddings"},
        )
    for w, old in zip(model.weights, before):
        np.testing.assert_array_equal(w.numpy(), old)
