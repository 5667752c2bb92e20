import keras_hub
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder
from keras_bert.checkpoints import from_keras_hub, to_keras_hub
from tests.keras_bert.model_weights import random_inputs, randomize_weights

CONFIG = BertConfig(
    vocab_size=37,
    hidden_size=16,
    num_layers=2,
    num_attention_heads=4,
    intermediate_size=24,
    max_position_embeddings=20,
    hidden_act="gelu_tanh",
)


@pytest.fixture(scope="module")
def encoder():
    model = BertEncoder(CONFIG)
    randomize_weights(model, seed=11, scale=0.3)
    return model


@pytest.fixture(scope="module")
def backbone(encoder):
    return to_keras_hub(encoder)


def test_backbone_reproduces_our_outputs(encoder, backbone):
    assert isinstance(backbone, keras_hub.models.BertBackbone)
    x = random_inputs(3, 12, CONFIG.vocab_size, seed=2)
    ours = encoder.predict(x, verbose=0)
    theirs = backbone.predict(
        {
            "token_ids": x["input_word_ids"],
            "segment_ids": x["input_type_ids"],
            "padding_mask": x["input_mask"],
        },
        verbose=0,
    )
    np.testing.assert_allclose(theirs["sequence_output"], ours["sequence_output"], atol=1e-5)
    np.testing.assert_allclose(theirs["pooled_output"], ours["pooled_output"], atol=1e-5)


def test_round_trip_through_keras_hub_is_exact(encoder, backbone):
    back = from_keras_hub(backbone)
    assert back.config == CONFIG
    assert len(back.weights) == len(encoder.weights) == len(backbone.weights)
    for a, b in zip(encoder.weights, back.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_other_numerics_are_refused():
    with pytest.raises(
        ValueError, match="this encoder has hidden_act 'gelu_erf' and layer_norm_eps 1e-12"
    ):
        to_keras_hub(BertEncoder(CONFIG.replace(hidden_act="gelu_erf")))


def test_wrong_types_are_refused(encoder):
    with pytest.raises(TypeError, match="from_keras_hub takes a BertBackbone, got BertEncoder"):
        from_keras_hub(encoder)
