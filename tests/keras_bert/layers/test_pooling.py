import keras
import numpy as np
import pytest

from keras_bert.layers.pooling import POOLING_MODES, SequencePooling
from tests.keras_bert.numpy_pooling import sentence_embedding


def _batch(seed=0):
    """Token vectors with large values at padding (which must not leak into mean/max) and
    masks of full, partial, one-token and empty rows."""
    rng = np.random.default_rng(seed)
    tokens = rng.normal(size=(4, 6, 5)).astype("float32")
    mask = np.array(
        [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], "int32"
    )
    tokens = np.where(mask[:, :, None] == 1, tokens, 50.0).astype("float32")
    return tokens, mask


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("mode", POOLING_MODES)
def test_pooling_matches_sentence_transformers_definition(mode, normalize):
    tokens, mask = _batch()
    got = keras.ops.convert_to_numpy(SequencePooling(mode, normalize)(tokens, mask))
    want = sentence_embedding(tokens, mask, mode, normalize)
    assert got.shape == (4, 5)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert np.isfinite(got).all()
    if normalize:
        np.testing.assert_allclose(np.linalg.norm(got[:3], axis=1), 1.0, rtol=1e-6)


def test_pooling_in_a_functional_model_and_config_round_trip():
    tokens = keras.Input(shape=(None, 5))
    mask = keras.Input(shape=(None,), dtype="int32")
    layer = SequencePooling("max", normalize=True, name="pool")
    model = keras.Model([tokens, mask], layer(tokens, mask))
    assert model.output.shape == (None, 5)
    copy = SequencePooling.from_config(layer.get_config())
    assert (copy.mode, copy.normalize, copy.name) == ("max", True, "pool")
    x, m = _batch(1)
    np.testing.assert_allclose(
        model.predict([x, m], verbose=0), keras.ops.convert_to_numpy(copy(x, m)), rtol=1e-6
    )


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError) as e:
        SequencePooling("sum")
    assert str(e.value) == "SequencePooling mode='sum' is not one of cls, mean, max."
