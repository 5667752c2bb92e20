import keras
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder
from tests.keras_bert.model_weights import google_named_weights, random_inputs, randomize_weights
from tests.keras_bert.numpy_bert import numpy_bert_forward

TINY = dict(
    vocab_size=97,
    hidden_size=32,
    num_layers=2,
    num_attention_heads=4,
    intermediate_size=37,
    max_position_embeddings=40,
    type_vocab_size=2,
)


@pytest.mark.parametrize("hidden_act", ["gelu_tanh", "gelu_erf"])
def test_encoder_matches_numpy_reference(hidden_act):
    config = BertConfig(hidden_act=hidden_act, **TINY)
    encoder = BertEncoder(config)
    randomize_weights(encoder, seed=1)
    inputs = random_inputs(batch=4, seq_len=12, vocab_size=config.vocab_size, seed=2)
    ours = encoder(inputs)
    ref = numpy_bert_forward(google_named_weights(encoder), config, **inputs)
    mask = inputs["input_mask"].astype(bool)
    np.testing.assert_allclose(
        np.array(ours["sequence_output"])[mask], ref["sequence_output"][mask], atol=1e-5
    )
    np.testing.assert_allclose(np.array(ours["pooled_output"]), ref["pooled_output"], atol=1e-5)
    assert len(ours["encoder_outputs"]) == config.num_layers
    for got, want in zip(ours["encoder_outputs"], ref["encoder_outputs"]):
        np.testing.assert_allclose(np.array(got)[mask], want[mask], atol=1e-5)


def test_pooled_output_alone_matches_the_numpy_reference_and_computes_one_row():
    """`pooled_output` with the last block at [CLS] only equals the full model's (and the
    independent NumPy BERT's); that block's output really is one position wide."""
    from keras_bert.models.encoder import _run_blocks

    config = BertConfig(**TINY)
    encoder = BertEncoder(config)
    randomize_weights(encoder, seed=3)
    inputs = random_inputs(batch=3, seq_len=11, vocab_size=config.vocab_size, seed=4)
    ref = numpy_bert_forward(google_named_weights(encoder), config, **inputs)
    # randomize_weights' large weights sharpen the softmax and amplify float32 round-off: the
    # full model and `pooled_output` both differ from the float64 reference by 1.4e-5 at this
    # seed on the AMD EPYC test machine's kernels, and by far more where the model is wrong.
    np.testing.assert_allclose(encoder.pooled_output(inputs), ref["pooled_output"], atol=5e-5)
    np.testing.assert_allclose(
        encoder.pooled_output(inputs), encoder(inputs)["pooled_output"], atol=1e-5
    )
    cls = np.zeros((3, 1), "int32")
    outputs = _run_blocks(encoder.embeddings, encoder.transformer_layers, inputs, positions=cls)
    assert [tuple(x.shape) for x in outputs] == [(3, 11, 32), (3, 1, 32)]


def test_sequence_output_at_gives_those_rows_of_the_numpy_reference():
    """Any positions, repeated, first and last, padded or not: the rows of the full output."""
    config = BertConfig(**TINY)
    encoder = BertEncoder(config)
    randomize_weights(encoder, seed=9)
    inputs = random_inputs(batch=3, seq_len=11, vocab_size=config.vocab_size, seed=10)
    ref = numpy_bert_forward(google_named_weights(encoder), config, **inputs)
    positions = np.array([[0, 10, 3, 3], [5, 0, 0, 1], [10, 9, 8, 7]], "int32")
    got = np.array(encoder.sequence_output_at(inputs, positions))
    assert got.shape == (3, 4, 32)
    want = np.take_along_axis(ref["sequence_output"], positions[:, :, None], axis=1)
    real = np.take_along_axis(inputs["input_mask"], positions, axis=1).astype(bool)
    np.testing.assert_allclose(got[real], want[real], atol=1e-5)
    full = np.array(encoder(inputs)["sequence_output"])
    np.testing.assert_allclose(got, np.take_along_axis(full, positions[:, :, None], 1), atol=1e-5)


def test_query_rows_give_those_rows_of_the_full_block():
    config = BertConfig(**TINY)
    encoder = BertEncoder(config)
    randomize_weights(encoder, seed=5)
    inputs = random_inputs(batch=2, seq_len=9, vocab_size=config.vocab_size, seed=6)
    x = encoder.embeddings(inputs["input_word_ids"], inputs["input_type_ids"])
    block = encoder.transformer_layers[0]
    full = np.array(block(x, inputs["input_mask"]))
    for positions in ([[0], [0]], [[8, 2, 2], [1, 0, 7]]):
        index = np.array(positions)[:, :, None]
        part = block(x, inputs["input_mask"], query=np.take_along_axis(np.array(x), index, 1))
        # float32 rounding only: the matmul kernels sum in another order for fewer rows (1.1e-6
        # on outputs near 2 seen on AVX2); a wrong row would differ by about 1.
        np.testing.assert_allclose(part, np.take_along_axis(full, index, 1), atol=1e-5)


def test_gelu_variants_differ_enough_to_matter():
    """The two GELUs give different outputs: hidden_act must name the right one."""
    encoders = [BertEncoder(BertConfig(hidden_act=a, **TINY)) for a in ("gelu_tanh", "gelu_erf")]
    for e in encoders:
        randomize_weights(e, seed=3)
    inputs = random_inputs(2, 8, TINY["vocab_size"], seed=4)
    a, b = (np.array(e(inputs)["sequence_output"]) for e in encoders)
    assert np.abs(a - b).max() > 1e-4


def test_padding_does_not_change_real_positions():
    config = BertConfig(**TINY)
    encoder = BertEncoder(config)
    randomize_weights(encoder, seed=5)
    rng = np.random.default_rng(6)
    ids = rng.integers(1, config.vocab_size, (1, 7)).astype("int32")
    short = {
        "input_word_ids": ids,
        "input_mask": np.ones((1, 7), "int32"),
        "input_type_ids": np.zeros((1, 7), "int32"),
    }
    padded = {
        "input_word_ids": np.pad(ids, ((0, 0), (0, 9)), constant_values=0),
        "input_mask": np.pad(short["input_mask"], ((0, 0), (0, 9))),
        "input_type_ids": np.zeros((1, 16), "int32"),
    }
    # Garbage ids in the padding must not leak either.
    padded["input_word_ids"][0, 7:] = rng.integers(1, config.vocab_size, 9)
    a = np.array(encoder(short)["sequence_output"])
    b = np.array(encoder(padded)["sequence_output"])[:, :7]
    np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(
        np.array(encoder(short)["pooled_output"]),
        np.array(encoder(padded)["pooled_output"]),
        atol=1e-5,
    )


def test_dropout_only_in_training():
    encoder = BertEncoder(BertConfig(**TINY))
    inputs = random_inputs(2, 10, TINY["vocab_size"], seed=7)
    infer = [np.array(encoder(inputs, training=False)["sequence_output"]) for _ in range(2)]
    np.testing.assert_array_equal(infer[0], infer[1])
    train = [np.array(encoder(inputs, training=True)["sequence_output"]) for _ in range(2)]
    assert np.abs(train[0] - train[1]).max() > 1e-3
    assert np.abs(train[0] - infer[0]).max() > 1e-3


def test_bert_base_parameter_count_matches_the_original():
    assert BertEncoder(BertConfig.from_size("bert_base")).count_params() == 109_482_240


def test_initialization_follows_bert():
    encoder = BertEncoder(BertConfig.from_size("bert_mini", vocab_size=500))
    table = np.array(encoder.embeddings.word_embeddings.embeddings)
    assert abs(table.std() - 0.02 * 0.88) < 0.002  # truncated at 2 stddev: std shrinks by 0.88
    assert np.abs(table).max() <= 0.04 + 1e-6
    np.testing.assert_array_equal(np.array(encoder.transformer_layers[0].intermediate.bias), 0.0)
    np.testing.assert_array_equal(np.array(encoder.embeddings.layer_norm.gamma), 1.0)
    assert encoder.embeddings.layer_norm.epsilon == 1e-12


def test_save_and_load_gives_identical_outputs(tmp_path):
    encoder = BertEncoder(BertConfig(**TINY))
    randomize_weights(encoder, seed=8)
    inputs = random_inputs(3, 9, TINY["vocab_size"], seed=9)
    path = str(tmp_path / "encoder.keras")
    encoder.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, BertEncoder)
    assert loaded.config == encoder.config
    for key in ("sequence_output", "pooled_output"):
        np.testing.assert_array_equal(np.array(loaded(inputs)[key]), np.array(encoder(inputs)[key]))


def test_layers_round_trip_through_get_config():
    encoder = BertEncoder(BertConfig(**TINY))
    for layer in [
        encoder.embeddings,
        encoder.transformer_layers[0],
        encoder.transformer_layers[0].attention,
    ]:
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_wrong_config_type_is_rejected():
    with pytest.raises(TypeError, match="BertEncoder takes a BertConfig, got str."):
        BertEncoder("bert_base")


def test_inputs_longer_than_the_position_table_are_named():
    encoder = BertEncoder(BertConfig(**TINY))
    with pytest.raises(ValueError) as e:
        encoder(random_inputs(2, 41, TINY["vocab_size"]))
    assert (  # Keras adds the layer and its arguments around it
        "Inputs of 41 tokens exceed the 40 positions of this model; pack them to at most 40 "
        "tokens (seq_length)."
    ) in str(e.value)
    assert encoder(random_inputs(2, 40, TINY["vocab_size"]))["sequence_output"].shape == (2, 40, 32)


def test_a_dtype_argument_is_refused_not_ignored():
    from keras_bert import BertClassifier

    message = (
        "{} takes no dtype: it computes in the global policy; call "
        "keras.mixed_precision.set_global_policy('mixed_bfloat16') before building it."
    )
    with pytest.raises(TypeError) as e:
        BertEncoder(BertConfig(**TINY), dtype="mixed_bfloat16")
    assert str(e.value) == message.format("BertEncoder")
    with pytest.raises(TypeError) as e:
        BertClassifier(BertEncoder(BertConfig(**TINY)), 2, dtype="mixed_bfloat16")
    assert str(e.value) == message.format("BertClassifier")


def test_mixed_bfloat16_keeps_layer_norm_and_softmax_in_float32():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        encoder = BertEncoder(BertConfig(**TINY))
        block = encoder.transformer_layers[0]
        assert block.compute_dtype == "bfloat16"
        assert block.attention_layer_norm.compute_dtype == "float32"
        assert encoder.embeddings.layer_norm.compute_dtype == "float32"
        assert encoder.embeddings.word_embeddings.embeddings.dtype == "float32"
        out = encoder(random_inputs(2, 8, TINY["vocab_size"]))
        assert out["sequence_output"].dtype == "bfloat16"
        assert np.isfinite(np.array(out["pooled_output"], dtype="float32")).all()
    finally:
        keras.mixed_precision.set_global_policy("float32")
