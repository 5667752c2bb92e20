"""A `BertTextEmbedder` exported as a raw-text SavedModel and a raw-text TFLite file: `text` in,
`embedding` out, equal to the Keras model fed by the tokenizer (not by the export code)."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tests.export.conftest import SEQ_LENGTH, tiny_config

TEXTS = [
    "a gripping , funny film .",
    "dull and far too long",
    "",
    "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u2026",
    "word " * 60,
]


@pytest.fixture(scope="module")
def exported(small_vocab, tmp_path_factory):
    import keras
    from keras_bert.export.saved_model import export_saved_model
    from keras_bert.export.tflite import export_tflite

    import keras_bert
    from keras_bert.text import BertTokenizer

    keras.utils.set_random_seed(2)
    model = keras_bert.BertTextEmbedder(
        keras_bert.BertEncoder(tiny_config()), pooling="mean", normalize=True
    )
    out = str(tmp_path_factory.mktemp("embedder"))
    settings = dict(seq_length=SEQ_LENGTH, tokenizer=BertTokenizer(small_vocab), verbose=False)
    saved = export_saved_model(model, out, **settings)
    lite = export_tflite(model, out, **settings)
    return {
        "model": model,
        "vocab": small_vocab,
        "saved_model": saved.paths[0],
        "tflite": lite.paths,
        "rows": saved.rows + lite.rows,
    }


def keras_embedding(exported, mode):
    from keras_bert.text import BertPreprocessor, BertTokenizer

    preprocessor = BertPreprocessor(
        BertTokenizer(exported["vocab"], mode=mode), seq_length=SEQ_LENGTH
    )
    return exported["model"](preprocessor(tf.constant(TEXTS)), training=False)["embedding"].numpy()


def test_both_files_verify_on_embedding(exported):
    assert exported["saved_model"].endswith(os.path.join("embedding", "1"))
    assert [os.path.basename(p) for p in exported["tflite"]] == [
        "embedding-serving_default-float32.tflite"
    ]
    rows = exported["rows"]
    assert {(row.signature, row.output) for row in rows} == {("serving_default", "embedding")}
    assert len(rows) == 2 and all(row.passed and row.max_abs_diff < 1e-4 for row in rows)


def test_saved_model_takes_text_and_returns_the_keras_embedding(exported):
    serve = tf.saved_model.load(exported["saved_model"]).signatures["serving_default"]
    assert list(serve.structured_input_signature[1]) == ["text"]
    out = serve(text=tf.constant(TEXTS))
    assert list(out) == ["embedding"]
    got = out["embedding"].numpy()
    assert got.shape == (len(TEXTS), tiny_config().hidden_size)
    np.testing.assert_allclose(got, keras_embedding(exported, "exact"), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, rtol=1e-5)


def test_tflite_takes_text_and_returns_the_keras_embedding(exported):
    from keras_bert.export.verify import tflite_interpreter

    runner = tflite_interpreter(exported["tflite"][0]).get_signature_runner("serving_default")
    got = runner(text=np.array(TEXTS, dtype=object))["embedding"]
    np.testing.assert_allclose(got, keras_embedding(exported, "tflite"), atol=1e-4)


def test_sentence_transformers_folder_exports_its_embedder_at_its_max_seq_length(tmp_path):
    """What `keras-bert export FOLDER` starts from: the folder's embedder, its settings, and its
    `max_seq_length` (40 in the test folder) as the packed length unless one is given."""
    from keras_bert.export import source

    from tests.keras_bert.checkpoints.test_sentence_transformers_folder import write_folder

    folder = write_folder(tmp_path / "st", "cls", normalize=False)
    src = source.resolve(folder)
    assert (src.task.name, src.seq_length, src.name) == ("embedding", 40, "st")
    assert (src.model.pooling, src.model.normalize) == ("cls", False)
    assert source.resolve(folder, seq_length=24).seq_length == 24
