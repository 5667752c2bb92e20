import keras
import numpy as np
import pytest
from keras import ops

from keras_bert.layers.attention import MASK_ADDER, BertSelfAttention


def _attention(head_size, seed=0, num_heads=2, hidden=8, seq_len=5, batch=2):
    layer = BertSelfAttention(num_heads, head_size, attention_dropout=0.0)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, seq_len, hidden)).astype("float32")
    mask = np.ones((batch, seq_len), "int32")
    mask[1, 3:] = 0
    layer(x, mask)
    for weight in layer.weights:
        weight.assign(rng.normal(scale=0.5, size=weight.shape).astype("float32"))
    return layer, x, mask


def _scaled_scores_attention(layer, x, mask):
    """google-research/bert's order: the scale multiplies the scores, not q."""
    q, k, v = layer.query(x), layer.key(x), layer.value(x)
    scores = ops.einsum("bqnd,bknd->bnqk", q, k) * layer.scale
    scores = scores + (1.0 - ops.cast(mask, "float32")[:, None, None, :]) * MASK_ADDER
    context = ops.einsum("bnqk,bknd->bqnd", ops.softmax(scores, axis=-1), v)
    return ops.convert_to_numpy(layer.output_dense(context))


def test_scaling_q_gives_bert_scores_bit_for_bit_at_head_size_64():
    layer, x, mask = _attention(head_size=64)
    got = ops.convert_to_numpy(layer(x, mask))
    np.testing.assert_array_equal(got, _scaled_scores_attention(layer, x, mask))


def test_scaling_q_matches_bert_to_round_off_at_other_head_sizes():
    layer, x, mask = _attention(head_size=6)
    got = ops.convert_to_numpy(layer(x, mask))
    want = _scaled_scores_attention(layer, x, mask)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("head_size", [6, 64])
def test_padded_keys_are_ignored(head_size):
    layer, x, mask = _attention(head_size)
    changed = x.copy()
    changed[1, 3:] = 10.0
    np.testing.assert_array_equal(
        ops.convert_to_numpy(layer(x, mask))[1, :3],
        ops.convert_to_numpy(layer(changed, mask))[1, :3],
    )


def test_config_round_trip():
    layer = BertSelfAttention(4, 16, initializer_range=0.03, attention_dropout=0.2, name="a")
    clone = BertSelfAttention.from_config(layer.get_config())
    assert (clone.num_heads, clone.head_size, clone.initializer_range) == (4, 16, 0.03)
    assert clone.attention_dropout == 0.2 and clone.scale == layer.scale == 0.25
    assert keras.saving.get_registered_object("keras_bert>BertSelfAttention") is BertSelfAttention
