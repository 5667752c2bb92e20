import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_bert import (
    IGNORE_LABEL,
    BertClassifier,
    BertConfig,
    BertEncoder,
    BertSpanQA,
    BertTokenClassifier,
)
from tests.keras_bert.model_weights import random_inputs, randomize_weights
from tests.keras_bert.models.block_widths import last_block_widths

CONFIG = BertConfig(
    vocab_size=50,
    hidden_size=32,
    num_layers=2,
    num_attention_heads=4,
    intermediate_size=48,
    max_position_embeddings=32,
)


def _encoder():
    return BertEncoder(CONFIG)


def _separable_data(n=64, seq_len=8, seed=0):
    """Label 1 iff the sequence contains token 7: learnable by any working classifier."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(10, CONFIG.vocab_size, (n, seq_len)).astype("int32")
    labels = rng.integers(0, 2, n).astype("int32")
    ids[labels == 1, 3] = 7
    x = {
        "input_word_ids": ids,
        "input_mask": np.ones_like(ids),
        "input_type_ids": np.zeros_like(ids),
    }
    return x, labels


def test_classifier_fits_numpy_and_tf_data_in_user_code():
    keras.utils.set_random_seed(1)
    x, y = _separable_data()
    model = BertClassifier(_encoder(), num_classes=2)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x, y, batch_size=16, epochs=15, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] > 0.9
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    model.fit(ds, epochs=1, verbose=0)
    logits = model.predict(ds, verbose=0)
    assert logits.shape == (64, 2)
    assert ((logits.argmax(-1) == y).mean()) > 0.9


def test_classifier_runs_its_last_block_at_cls_only_with_the_same_logits():
    """`BertClassifier` computes through `BertEncoder.pooled_output` (the last block at [CLS]
    only) and gives the logits of its head on the whole encoder's `pooled_output`."""
    model = BertClassifier(_encoder(), num_classes=3, dropout=0.0)
    randomize_weights(model, seed=7)
    x = random_inputs(3, 9, CONFIG.vocab_size, seed=8)
    whole = model.head(model.encoder(x)["pooled_output"])
    np.testing.assert_allclose(model(x), whole, atol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), whole, atol=1e-5)
    assert last_block_widths(model.encoder, lambda: model(x)) == [1]


def test_regression_with_one_output():
    x, _ = _separable_data(32)
    y = np.linspace(0, 1, 32).astype("float32")
    model = BertClassifier(_encoder(), num_classes=1)
    model.compile()
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0).history
    assert "mean_absolute_error" in history
    assert model.predict(x, verbose=0).shape == (32, 1)


def test_token_classifier_ignores_label_minus_100():
    model = BertTokenClassifier(_encoder(), num_labels=3)
    model.compile()
    x = random_inputs(2, 6, CONFIG.vocab_size, seed=3)
    logits = np.array(model(x))
    assert logits.shape == (2, 6, 3)
    labels = np.full((2, 6), IGNORE_LABEL, "int32")
    labels[:, 1] = [0, 2]
    z = logits[:, 1] - logits[:, 1].max(-1, keepdims=True)
    want = -(z[np.arange(2), [0, 2]] - np.log(np.exp(z).sum(-1))).mean()
    got = model.compute_loss(x, labels, model(x))
    np.testing.assert_allclose(float(got), want, rtol=1e-5)


def test_span_qa_keeps_the_context_and_cls_and_trains():
    model = BertSpanQA(_encoder())
    x = random_inputs(3, 10, CONFIG.vocab_size, seed=4, pairs=True)
    out = model(x)
    lengths = x["input_mask"].sum(1)
    context = (x["input_type_ids"] == 1) & (x["input_mask"] == 1)
    context[np.arange(3), lengths - 1] = False  # the closing [SEP]
    kept = context.copy()
    kept[:, 0] = True  # [CLS]: where a window without the answer points
    for key in ("start_logits", "end_logits"):
        logits = np.array(out[key])
        assert logits.shape == (3, 10)
        assert (logits[~kept] <= -1e8).all()
        assert (np.abs(logits[kept]) < 100).all()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    starts = np.argmax(context, axis=1).astype("int32")
    starts[0] = 0  # this window does not hold the answer
    y = {"start_positions": starts, "end_positions": starts}
    history = model.fit(x, y, epochs=3, verbose=0).history
    assert history["loss"][0] < 10  # not the 5e8 a masked [CLS] target costs
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize(
    "make",
    [
        lambda e: BertClassifier(e, 3, label_names=["neg", "neu", "pos"]),
        lambda e: BertTokenClassifier(e, 4),
        BertSpanQA,
    ],
)
def test_task_models_save_and_load(tmp_path, make):
    model = make(_encoder())
    randomize_weights(model, seed=5, scale=0.2)
    x = random_inputs(2, 7, CONFIG.vocab_size, seed=6)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    for a, b in zip(keras.tree.flatten(loaded(x)), keras.tree.flatten(model(x))):
        np.testing.assert_array_equal(np.array(a), np.array(b))


@pytest.mark.parametrize(
    "make, labels",
    [
        (lambda e: BertClassifier(e, 3), lambda n, s: np.arange(n) % 3),
        (lambda e: BertTokenClassifier(e, 4), lambda n, s: np.arange(n * s).reshape(n, s) % 4),
        (
            BertSpanQA,
            lambda n, s: {"start_positions": np.arange(n) % s, "end_positions": np.arange(n) % s},
        ),
    ],
)
def test_compiled_task_models_reload_compiled_with_their_optimizer_state(tmp_path, make, labels):
    model = make(_encoder())
    model.compile()
    x = random_inputs(8, 7, CONFIG.vocab_size, seed=6)
    y = labels(8, 7)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = keras.models.load_model(path)
    assert not [w for w in caught if "compile" in str(w.message)]
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 2
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_span_qa_labels_by_squad_names_take_metrics_and_sample_weights():
    model = BertSpanQA(_encoder())
    x = random_inputs(4, 10, CONFIG.vocab_size, seed=4, pairs=True)
    y = {"start_positions": np.array([6, 4, 0, 2]), "end_positions": np.array([7, 5, 0, 3])}
    model.compile(metrics={"start_logits": "accuracy", "end_logits": "accuracy"})
    outputs = model.predict(x, verbose=0)
    result = model.evaluate(
        x, y, sample_weight=np.array([1.0, 1.0, 0.0, 0.0]), verbose=0, return_dict=True
    )
    for name in ("start", "end"):  # `metrics` are unweighted in Keras; the loss is weighted
        hits = outputs[f"{name}_logits"].argmax(-1) == y[f"{name}_positions"]
        np.testing.assert_allclose(result[f"{name}_logits_accuracy"], hits.mean(), atol=1e-6)
    halves = model.evaluate(
        {k: v[:2] for k, v in x.items()},
        {k: v[:2] for k, v in y.items()},
        verbose=0,
        return_dict=True,
    )
    # Keras' "sum_over_batch_size": the weighted sum over the 4 examples, over 4.
    np.testing.assert_allclose(result["loss"], halves["loss"] / 2, rtol=1e-5)


def test_a_frozen_encoder_stays_frozen_through_save_and_load(tmp_path):
    encoder = _encoder()
    model = BertClassifier(encoder, 2)
    encoder.trainable = False  # train the head only
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    x, y = _separable_data(n=8)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    head_weights = len(model.trainable_weights)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = keras.models.load_model(path)
    assert not caught  # no "skipping variable loading for optimizer"
    assert len(loaded.trainable_weights) == head_weights == 2
    assert not loaded.encoder.embeddings.trainable
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    before = [w.numpy() for w in loaded.encoder.weights]
    loaded.fit(x, y, batch_size=4, epochs=1, verbose=0)
    for a, w in zip(before, loaded.encoder.weights):
        np.testing.assert_array_equal(a, w.numpy(), err_msg=w.path)
    # A task model built on a frozen encoder leaves it frozen.
    assert not BertClassifier(loaded.encoder, 2).encoder.trainable


def test_task_argument_errors():
    with pytest.raises(ValueError, match="got 2 label_names for 3 classes"):
        BertClassifier(_encoder(), 3, label_names=["a", "b"])
    with pytest.raises(TypeError, match="BertClassifier takes a BertEncoder, got dict"):
        BertClassifier({}, 2)
