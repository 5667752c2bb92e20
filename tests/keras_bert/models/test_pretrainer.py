import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_bert import BertConfig, BertEncoder, BertPretrainer, split_pretraining_features
from keras_bert.models.pretrainer import masked_lm_hits
from tests.keras_bert.model_weights import google_named_weights, random_inputs, randomize_weights
from tests.keras_bert.models.block_widths import last_block_widths
from tests.keras_bert.numpy_bert import numpy_bert_forward, numpy_mlm_logits, numpy_nsp_logits

CONFIG = BertConfig(
    vocab_size=61,
    hidden_size=32,
    num_layers=2,
    num_attention_heads=4,
    intermediate_size=48,
    max_position_embeddings=32,
)


def _batch(seed=0, batch=4, seq_len=10, max_pred=3):
    rng = np.random.default_rng(seed)
    x = random_inputs(batch, seq_len, CONFIG.vocab_size, seed=seed)
    x["masked_lm_positions"] = rng.integers(1, 4, (batch, max_pred)).astype("int32")
    y = {
        "masked_lm_ids": rng.integers(0, CONFIG.vocab_size, (batch, max_pred)).astype("int32"),
        "masked_lm_weights": np.array([[1, 1, 0]] * (batch - 1) + [[1, 0, 0]], "float32"),
        "next_sentence_labels": rng.integers(0, 2, (batch, 1)).astype("int32"),
    }
    return x, y


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_heads_and_losses_match_hand_computation():
    pretrainer = BertPretrainer(BertEncoder(CONFIG))
    randomize_weights(pretrainer, seed=11, scale=0.3)
    x, y = _batch(seed=1)
    out = pretrainer(x)
    weights = google_named_weights(pretrainer.encoder, pretrainer)
    ref = numpy_bert_forward(
        weights, CONFIG, x["input_word_ids"], x["input_mask"], x["input_type_ids"]
    )
    mlm = numpy_mlm_logits(weights, CONFIG, ref["sequence_output"], x["masked_lm_positions"])
    nsp = numpy_nsp_logits(weights, ref["pooled_output"])
    np.testing.assert_allclose(np.array(out["mlm_logits"]), mlm, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.array(out["nsp_logits"]), nsp, rtol=1e-5, atol=1e-5)

    # BERT's losses: sum(w * ce) / (sum(w) + 1e-5) for MLM, mean ce for NSP.
    ce = -np.take_along_axis(_log_softmax(mlm), y["masked_lm_ids"][..., None], -1)[..., 0]
    w = y["masked_lm_weights"]
    want_mlm = (ce * w).sum() / (w.sum() + 1e-5)
    want_nsp = -np.take_along_axis(_log_softmax(nsp), y["next_sentence_labels"], -1).mean()
    got_mlm, got_nsp = pretrainer.pretraining_losses(y, out)
    np.testing.assert_allclose(float(got_mlm), want_mlm, rtol=1e-5)
    np.testing.assert_allclose(float(got_nsp), want_nsp, rtol=1e-5)

    pretrainer.compile()
    results = pretrainer.evaluate(x, y, batch_size=4, return_dict=True, verbose=0)
    np.testing.assert_allclose(results["loss"], want_mlm + want_nsp, rtol=1e-5)
    np.testing.assert_allclose(results["mlm_loss"], want_mlm, rtol=1e-5)
    hits = (mlm.argmax(-1) == y["masked_lm_ids"]).astype(float)
    np.testing.assert_allclose(results["mlm_accuracy"], (hits * w).sum() / w.sum(), rtol=1e-6)
    nsp_acc = (nsp.argmax(-1) == y["next_sentence_labels"][:, 0]).mean()
    np.testing.assert_allclose(results["nsp_accuracy"], nsp_acc, rtol=1e-6)


def test_masked_lm_hits_are_argmax_hits_with_ties_counted():
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(3, 4, 50)).astype("float32")
    ids = rng.integers(0, 50, (3, 4)).astype("int32")
    ids[0, :2] = logits[0, :2].argmax(-1)  # some hits among the random misses
    logits[1, 0, [7, 9]] = logits[1, 0].max() + 1.0  # a tie for the largest logit
    ids[1, 0] = 9
    want = (logits.argmax(-1) == ids).astype("float32")
    assert want.sum() == 2 and want[1, 0] == 0  # argmax takes the first of a tie
    want[1, 0] = 1.0
    np.testing.assert_array_equal(masked_lm_hits(logits, ids), want)
    under_xla = tf.function(masked_lm_hits, jit_compile=True)(logits, ids)
    np.testing.assert_array_equal(under_xla, want)


def test_last_block_runs_at_cls_and_masked_positions_only_with_the_same_gradients():
    """`BertPretrainer` computes its last block only at [CLS] and the masked positions
    (`BertEncoder.sequence_output_at`); its logits and the loss's gradients for every weight
    equal those of the heads on the whole encoder's outputs."""
    encoder = BertEncoder(CONFIG.replace(hidden_dropout_prob=0.0, attention_dropout_prob=0.0))
    pretrainer = BertPretrainer(encoder)
    randomize_weights(pretrainer, seed=12, scale=0.3)
    x, y = _batch(seed=3)

    def whole(training):
        outputs = pretrainer.encoder(x, training=training)
        return {
            "mlm_logits": pretrainer.mlm_head(outputs["sequence_output"], x["masked_lm_positions"]),
            "nsp_logits": pretrainer.nsp_head(outputs["pooled_output"]),
        }

    def loss_and_grads(forward):
        with tf.GradientTape() as tape:
            outputs = forward(training=True)
            loss = sum(pretrainer.pretraining_losses(y, outputs))
        return outputs, loss, tape.gradient(loss, pretrainer.trainable_variables)

    ours, ours_loss, ours_grads = loss_and_grads(lambda training: pretrainer(x, training=training))
    want, want_loss, want_grads = loss_and_grads(whole)
    for name in ("mlm_logits", "nsp_logits"):
        np.testing.assert_allclose(ours[name], want[name], atol=1e-5)
    np.testing.assert_allclose(float(ours_loss), float(want_loss), rtol=1e-6)
    for variable, got, expected in zip(pretrainer.trainable_variables, ours_grads, want_grads):
        np.testing.assert_allclose(
            tf.convert_to_tensor(got),
            tf.convert_to_tensor(expected),
            atol=1e-5,
            err_msg=variable.path,
        )

    assert last_block_widths(pretrainer.encoder, lambda: pretrainer(x)) == [
        1 + x["masked_lm_positions"].shape[1]
    ]


def test_mlm_output_projection_is_tied_to_word_embeddings():
    pretrainer = BertPretrainer(BertEncoder(CONFIG))
    table = pretrainer.encoder.embeddings.word_embeddings.embeddings
    ids = {id(w) for w in pretrainer.weights}
    assert id(table) in ids
    assert len(pretrainer.weights) == len(pretrainer.encoder.weights) + 7  # heads add 7 arrays
    x, _ = _batch(seed=2)
    before = np.array(pretrainer(x)["mlm_logits"])
    table.assign(table * 2.0)
    assert np.abs(np.array(pretrainer(x)["mlm_logits"]) - before).max() > 1e-3


def _synthetic_corpus(n, seq_len, vocab, rng):
    """Arithmetic sequences: each masked token is predictable from its neighbours."""
    start = rng.integers(5, vocab, (n, 1))
    step = rng.integers(1, 3, (n, 1))
    ids = 5 + (start + step * np.arange(seq_len)[None]) % (vocab - 5)
    ids[:, 0] = 2
    return ids.astype("int32")


def test_mlm_loss_falls_when_fit():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n, seq_len, max_pred = 512, 12, 2
    ids = _synthetic_corpus(n, seq_len, CONFIG.vocab_size, rng)
    positions = np.stack(
        [rng.choice(np.arange(1, seq_len), max_pred, replace=False) for _ in range(n)]
    ).astype("int32")
    labels = np.take_along_axis(ids, positions, 1)
    masked = ids.copy()
    np.put_along_axis(masked, positions, 4, 1)
    features = {
        "input_ids": masked,
        "input_mask": np.ones_like(ids),
        "segment_ids": np.zeros_like(ids),
        "masked_lm_positions": positions,
        "masked_lm_ids": labels,
        "masked_lm_weights": np.ones((n, max_pred), "float32"),
        "next_sentence_labels": np.zeros((n, 1), "int32"),
    }
    ds = tf.data.Dataset.from_tensor_slices(features).map(split_pretraining_features)
    ds = ds.shuffle(n, seed=0).batch(32).repeat()
    pretrainer = BertPretrainer(
        BertEncoder(CONFIG.replace(hidden_dropout_prob=0.0, attention_dropout_prob=0.0))
    )
    pretrainer.compile(optimizer=keras.optimizers.Adam(2e-3))
    history = pretrainer.fit(ds, steps_per_epoch=50, epochs=6, verbose=0).history
    assert history["mlm_loss"][0] > 3.0
    assert history["mlm_loss"][-1] < 0.5 * history["mlm_loss"][0]
    assert history["mlm_accuracy"][-1] > 0.5


def test_split_pretraining_features_names_what_is_missing():
    with pytest.raises(KeyError, match="Pretraining features lack masked_lm_weights"):
        split_pretraining_features(
            {
                "input_ids": 0,
                "input_mask": 0,
                "segment_ids": 0,
                "masked_lm_positions": 0,
                "masked_lm_ids": 0,
                "next_sentence_labels": 0,
            }
        )


def test_pretrainer_refuses_a_loss_and_round_trips(tmp_path):
    pretrainer = BertPretrainer(BertEncoder(CONFIG))
    with pytest.raises(ValueError, match="computes BERT's pretraining loss itself"):
        pretrainer.compile(loss="mse")
    randomize_weights(pretrainer, seed=3, scale=0.2)
    x, y = _batch(seed=3)
    pretrainer.compile()
    pretrainer.fit(x, y, batch_size=2, epochs=1, verbose=0)
    path = str(tmp_path / "p.keras")
    pretrainer.save(path)
    loaded = keras.models.load_model(path)
    # Compiled again as saved: the optimizer state and the metrics come back.
    assert int(loaded.optimizer.iterations) == 2
    for a, b in zip(loaded.optimizer.variables, pretrainer.optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == pretrainer.evaluate(
        x, y, verbose=0, return_dict=True
    )
    for key in ("mlm_logits", "nsp_logits"):
        np.testing.assert_array_equal(np.array(loaded(x)[key]), np.array(pretrainer(x)[key]))
    # The reloaded head is still tied to the reloaded encoder's table.
    assert loaded.mlm_head.embeddings is loaded.encoder.embeddings


def test_mixed_precision_pretrainer_answers_a_direct_call():
    """Called eagerly (not through predict or fit), the float32 MLM logits still add the
    float32 output bias, which autocasting would otherwise read as bfloat16."""
    x, _ = _batch()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = BertPretrainer(BertEncoder(CONFIG))
        for training in (False, True):
            out = model(x, training=training)
            assert out["mlm_logits"].dtype == "float32" and out["nsp_logits"].dtype == "float32"
        np.testing.assert_allclose(
            np.array(model(x)["mlm_logits"]), model.predict(x, verbose=0)["mlm_logits"], atol=0.05
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_sample_weight_is_refused_not_ignored():
    model = BertPretrainer(BertEncoder(CONFIG))
    model.compile()
    x, y = _batch()
    with pytest.raises(ValueError) as e:
        model.evaluate(x, y, sample_weight=np.ones(len(y["masked_lm_ids"])), verbose=0)
    assert str(e.value) == (
        "BertPretrainer weighs its predictions by masked_lm_weights and takes no sample_weight; "
        "to leave an example out of the MLM loss, zero its masked_lm_weights."
    )
