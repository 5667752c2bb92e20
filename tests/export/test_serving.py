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
