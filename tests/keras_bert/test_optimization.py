import keras
import numpy as np
import pytest

import keras_bert as kb
from keras_bert import optimization


def tiny_pretrainer():
    config = kb.BertConfig(
        vocab_size=30,
        hidden_size=8,
        num_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=8,
    )
    return kb.BertPretrainer(kb.BertEncoder(config))


def test_schedule_warms_up_then_decays_linearly_to_zero():
    schedule = optimization.WarmupLinearDecay(1e-3, total_steps=100, warmup_steps=10)
    values = [float(schedule(step)) for step in (0, 5, 10, 50, 100, 120)]
    # Warm-up: peak * step / 10; then google-research/bert's decay peak * (1 - step / 100).
    np.testing.assert_allclose(values, [0.0, 5e-4, 9e-4, 5e-4, 0.0, 0.0], atol=1e-9)
    restored = optimization.WarmupLinearDecay.from_config(schedule.get_config())
    assert float(restored(37)) == pytest.approx(float(schedule(37)))


def test_warmup_fraction_sets_the_warmup_steps():
    optimizer = optimization.bert_optimizer(2e-5, total_steps=200, warmup_fraction=0.1)
    schedule = optimizer._learning_rate
    assert schedule.get_config() == {
        "peak_learning_rate": 2e-5,
        "total_steps": 200,
        "warmup_steps": 20,
    }
    # The peak is reached at the end of the warm-up, then decays linearly to 0.
    values = [float(schedule(step)) for step in (10, 20, 110, 200)]
    np.testing.assert_allclose(values, [1e-5, 1.8e-5, 0.9e-5, 0.0], rtol=1e-6, atol=1e-12)
    explicit = optimization.bert_optimizer(2e-5, total_steps=200, warmup_steps=5)
    assert explicit._learning_rate.warmup_steps == 5
    with pytest.raises(ValueError, match="warmup_fraction must be between 0 and 1"):
        optimization.bert_optimizer(2e-5, total_steps=200, warmup_fraction=1.5)


def test_schedule_rejects_warmup_longer_than_training():
    with pytest.raises(ValueError, match="warmup_steps must be between 0 and total_steps"):
        optimization.WarmupLinearDecay(1e-3, total_steps=10, warmup_steps=11)


def test_weight_decay_skips_layer_norm_and_every_bias():
    model = tiny_pretrainer()
    optimizer = optimization.bert_optimizer(1.0, total_steps=10, warmup_steps=0)
    for w in model.trainable_weights:
        w.assign(np.ones(w.shape, "float32"))
    # With zero gradients Adam's step is 0, so only the decoupled weight decay moves weights:
    # w <- w - lr * 0.01 * w, lr being the peak (1.0) at step 0 without warm-up.
    zeros = [np.zeros(w.shape, "float32") for w in model.trainable_weights]
    optimizer.apply(zeros, model.trainable_weights)
    decayed = set()
    for w in model.trainable_weights:
        value = w.numpy()
        assert np.allclose(value, 1.0) or np.allclose(value, 0.99), w.path
        if np.allclose(value, 0.99):
            decayed.add(w.path)
    expected = {
        w.path
        for w in model.trainable_weights
        if w.path.rsplit("/", 1)[-1] not in ("gamma", "beta", "bias", "output_bias")
    }
    assert decayed == expected
    assert "embeddings/word_embeddings/embeddings" in decayed
    assert "transformer_layer_0/attention/query/kernel" in decayed
    assert "mlm_head/output_bias" not in decayed
    assert "embeddings/layer_norm/gamma" not in decayed


def test_optimizer_clips_global_norm_and_uses_bert_epsilon():
    optimizer = optimization.bert_optimizer(1e-4, total_steps=10)
    assert optimizer.global_clipnorm == 1.0
    assert optimizer.epsilon == 1e-6
    assert optimizer.weight_decay == 0.01
    grads = [keras.ops.convert_to_tensor(np.full((4,), 3.0, "float32"))]
    clipped = optimizer._clip_gradients(grads)
    assert float(np.linalg.norm(clipped[0])) == pytest.approx(1.0, rel=1e-5)


def test_float16_wraps_in_loss_scaling():
    optimizer = optimization.bert_optimizer(1e-4, total_steps=10, loss_scaling=True)
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
