import numpy as np
import tensorflow as tf

from tests.export.conftest import SEQ_LENGTH


def test_signatures_trace_once_for_every_batch_size(classifier_dir):
    """The serving graphs take any batch size without retracing (one concrete function)."""
    from keras_bert.export import serving
    from keras_bert.model_dir import load_model_dir
    from keras_bert.text import BertPreprocessor, BertTokenizer

    model, _ = load_model_dir(classifier_dir)
    preprocessor = BertPreprocessor(BertTokenizer.from_pretrained(classifier_dir), seq_length=SEQ_LENGTH)
    _, endpoints = serving.build_archive(model, preprocessor)
    serve = endpoints["serving_default"]
    traces = serve.experimental_get_tracing_count()
    for batch in (1, 7, 1, 300):
        outputs = serve(tf.constant(["a fine film"] * batch))
        assert outputs["logits"].shape == (batch, 2)
        assert np.isfinite(outputs["logits"].numpy()).all()
    assert traces == 1
    assert serve.experimental_get_tracing_count() == traces


def test_encoder_archive_at_a_fixed_length_converts_to_tflite(tmp_path):
    """The TF Hub encoder interface at a fixed sequence length becomes a builtins-only TFLite
    file (any batch) whose outputs equal the Keras encoder's; the benchmarks time this file."""
    import keras
    import keras_bert
    from keras_bert.export import serving, tflite
    from keras_bert.export.verify import tflite_interpreter
    from tests.export.conftest import tiny_config
    from tests.keras_bert.model_weights import random_inputs

    keras.utils.set_random_seed(3)
    encoder = keras_bert.BertEncoder(tiny_config())
    archive, _ = serving.encoder_archive(encoder, seq_length=SEQ_LENGTH)
    archive.write_out(str(tmp_path), verbose=False)
    content = tflite.convert(str(tmp_path), "serving_default")
    assert all(op.isupper() for op in tflite.tflite_ops(content))
    runner = tflite_interpreter(content).get_signature_runner()
    for batch in (1, 3):
        inputs = random_inputs(batch, SEQ_LENGTH, 3000, seed=batch)
        want = encoder(inputs, training=False)
        got = runner(**inputs)
        for name in ("sequence_output", "pooled_output"):
            np.testing.assert_allclose(got[name], want[name], atol=1e-5)
