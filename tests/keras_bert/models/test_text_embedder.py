import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_bert
from keras_bert import BertConfig, BertEncoder, BertTextEmbedder
from keras_bert.layers.pooling import POOLING_MODES
from tests.keras_bert.model_weights import random_inputs, randomize_weights
from tests.keras_bert.numpy_pooling import sentence_embedding

CONFIG = BertConfig(
    vocab_size=50,
    hidden_size=32,
    num_layers=2,
    num_attention_heads=4,
    intermediate_size=48,
    max_position_embeddings=32,
)


def _embed(model, x):
    return {k: keras.ops.convert_to_numpy(v) for k, v in model(x, training=False).items()}


@pytest.fixture(scope="module")
def encoder():
    encoder = BertEncoder(CONFIG)
    randomize_weights(encoder, seed=3)
    return encoder


@pytest.mark.parametrize("mode", POOLING_MODES)
def test_embedding_is_the_pooled_sequence_output(encoder, mode):
    x = random_inputs(4, 10, CONFIG.vocab_size, seed=5)
    sequence = _embed(encoder, x)["sequence_output"]
    for normalize in (False, True):
        embedder = BertTextEmbedder(encoder, pooling=mode, normalize=normalize)
        out = _embed(embedder, x)
        assert list(out) == ["embedding"]
        assert out["embedding"].shape == (4, CONFIG.hidden_size)
        assert out["embedding"].dtype == np.float32
        want = sentence_embedding(sequence, x["input_mask"], mode, normalize)
        np.testing.assert_allclose(out["embedding"], want, rtol=1e-4, atol=1e-5)


def test_padding_does_not_change_the_embedding(encoder):
    """The same texts padded further give the same vectors (mean and max see real tokens only)."""
    x = random_inputs(3, 8, CONFIG.vocab_size, seed=6)
    padded = {k: np.pad(v, [(0, 0), (0, 5)]) for k, v in x.items()}
    for mode in ("mean", "max"):
        embedder = BertTextEmbedder(encoder, pooling=mode)
        np.testing.assert_allclose(
            _embed(embedder, padded)["embedding"],
            _embed(embedder, x)["embedding"],
            rtol=1e-5,
            atol=1e-5,
        )


def test_keras_file_round_trip_keeps_settings_and_numbers(encoder, tmp_path):
    embedder = BertTextEmbedder(encoder, pooling="max", normalize=True)
    path = os.path.join(tmp_path, "embedder.keras")
    embedder.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, BertTextEmbedder)
    assert (loaded.pooling, loaded.normalize) == ("max", True)
    x = random_inputs(2, 7, CONFIG.vocab_size, seed=9)
    np.testing.assert_allclose(
        _embed(loaded, x)["embedding"],
        _embed(embedder, x)["embedding"],
        rtol=1e-6,
        atol=1e-6,
    )


def test_model_folder_encoder_loads_as_an_embedder(encoder, tmp_path):
    """`from_pretrained(task="embedding")` on a folder holding an encoder wraps it (mean
    pooling, no normalization), and a saved embedder comes back as saved."""
    from keras_bert.model_dir import save_model_dir

    vocab = os.path.join(tmp_path, "vocab.txt")
    with open(vocab, "w") as f:
        f.write("".join(f"t{i}\n" for i in range(CONFIG.vocab_size)))
    save_model_dir(encoder, str(tmp_path / "enc"), vocab, task="encoder")
    wrapped = keras_bert.from_pretrained(str(tmp_path / "enc"), task="embedding")
    assert isinstance(wrapped, BertTextEmbedder)
    assert (wrapped.pooling, wrapped.normalize) == ("mean", False)
    save_model_dir(BertTextEmbedder(encoder, "cls", True), str(tmp_path / "emb"), vocab)
    saved = keras_bert.from_pretrained(str(tmp_path / "emb"), task="auto")
    assert (type(saved), saved.pooling, saved.normalize) == (BertTextEmbedder, "cls", True)


def test_bad_arguments_get_one_line_errors(encoder):
    with pytest.raises(TypeError, match="BertTextEmbedder takes a BertEncoder, got str."):
        BertTextEmbedder("encoder")
    with pytest.raises(ValueError, match="mode='first' is not one of cls, mean, max."):
        BertTextEmbedder(encoder, pooling="first")
    with pytest.raises(ValueError, match="BertTextEmbedder has no default loss"):
        BertTextEmbedder(encoder).compile()
    embedder = BertTextEmbedder(encoder)
    embedder.compile(loss=None)  # a custom train_step computes its own loss
    with pytest.raises(ValueError, match="BertTextEmbedder has no default loss"):
        embedder.compute_loss(y=None, y_pred=None)


def test_from_pretrained_attaches_the_tokenizer_and_predicts_on_text(tmp_path):
    """`BertTextEmbedder.from_pretrained` on a sentence-transformers folder: its settings, its
    tokenizer as the preprocessor, and raw text in `predict` giving the embedding of the ids."""
    from tests.keras_bert.checkpoints.test_sentence_transformers_folder import write_folder

    folder = write_folder(tmp_path / "st", "max", normalize=True)
    embedder = BertTextEmbedder.from_pretrained(folder, seq_length=16)
    assert (embedder.pooling, embedder.normalize) == ("max", True)
    texts = ["tok5 tok17 tok3", "tok40"]
    got = embedder.predict(texts, verbose=0)["embedding"]
    want = _embed(embedder, embedder.preprocessor(tf.constant(texts)))["embedding"]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    cls = BertTextEmbedder.from_pretrained(folder, preprocessor=None, pooling="cls")
    assert (cls.pooling, cls.normalize, cls.preprocessor) == ("cls", False, None)


def test_keras_hub_preset_loads_as_an_embedder(tmp_path):
    import keras_hub

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=20,
        num_layers=1,
        num_heads=2,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=16,
    )
    backbone.save_to_preset(str(tmp_path))
    model = keras_bert.from_pretrained(str(tmp_path), task="embedding")
    assert (type(model), model.pooling, model.normalize) == (BertTextEmbedder, "mean", False)
    x = random_inputs(2, 6, 20, seed=1)
    sequence = _embed(model.encoder, x)["sequence_output"]
    want = sentence_embedding(sequence, x["input_mask"], "mean", normalize=False)
    np.testing.assert_allclose(_embed(model, x)["embedding"], want, rtol=1e-5, atol=1e-6)
