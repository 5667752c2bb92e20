import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_bert.text import BertPreprocessor, BertTokenizer
from tests.reference_tokenizer import ReferenceTokenizer

TEXTS = ["Café naïve. ½ …", "the unaffable players, running!", "中文 ＦＵＬＬ"]
PAIRS = ["a short one", "a much longer second segment that has to be truncated a lot here"]


@pytest.fixture(scope="module")
def preprocessor(uncased_vocab_file):
    return BertPreprocessor(BertTokenizer(uncased_vocab_file), seq_length=16)


def expected(preprocessor, a, b=None):
    ref = ReferenceTokenizer(preprocessor.tokenizer.vocab)
    ids_a, ids_b = ref.encode(a), ref.encode(b) if b is not None else None
    if ids_b is None:
        ids = [101] + ids_a[:14] + [102]
        types = [0] * len(ids)
    else:
        while len(ids_a) + len(ids_b) > 13:
            (ids_a if len(ids_a) > len(ids_b) else ids_b).pop()
        ids = [101] + ids_a + [102] + ids_b + [102]
        types = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)
    pad = 16 - len(ids)
    return ids + [0] * pad, [1] * len(ids) + [0] * pad, types + [0] * pad


def assert_outputs(preprocessor, out, texts, pairs=None):
    for i, text in enumerate(texts):
        words, mask, types = expected(preprocessor, text, pairs[i] if pairs else None)
        assert np.asarray(out["input_word_ids"][i]).tolist() == words
        assert np.asarray(out["input_mask"][i]).tolist() == mask
        assert np.asarray(out["input_type_ids"][i]).tolist() == types


def test_single_and_pair(preprocessor):
    assert_outputs(preprocessor, preprocessor(tf.constant(TEXTS)), TEXTS)
    out = preprocessor([tf.constant(PAIRS), tf.constant(PAIRS[::-1])])
    assert_outputs(preprocessor, out, PAIRS, PAIRS[::-1])


def test_functional_model_and_keras_file_round_trip(preprocessor, tmp_path):
    text = keras.Input(shape=(), dtype="string")
    model = keras.Model(text, preprocessor(text))
    assert_outputs(preprocessor, model(tf.constant(TEXTS)), TEXTS)
    path = str(tmp_path / "pre.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert_outputs(preprocessor, restored(tf.constant(TEXTS)), TEXTS)
    layer = restored.layers[-1]
    assert layer.tokenizer.vocab == preprocessor.tokenizer.vocab and layer.seq_length == 16


def test_tf_data_map_batched_and_unbatched(preprocessor):
    ds = tf.data.Dataset.from_tensor_slices(TEXTS)
    batched = next(iter(ds.batch(3).map(preprocessor)))
    assert_outputs(preprocessor, batched, TEXTS)
    single = next(iter(ds.map(preprocessor)))
    assert single["input_word_ids"].shape == (16,)
    assert single["input_word_ids"].numpy().tolist() == expected(preprocessor, TEXTS[0])[0]


def test_tf_function_with_none_signature(preprocessor):
    fn = tf.function(preprocessor, input_signature=[tf.TensorSpec([None], tf.string)])
    assert_outputs(preprocessor, fn(tf.constant(TEXTS)), TEXTS)


def test_tokenize_and_bert_pack_inputs_like_tf_hub(preprocessor):
    segments = [
        preprocessor.tokenize(tf.constant(PAIRS)),
        preprocessor.tokenize(tf.constant(PAIRS[::-1])),
    ]
    out = preprocessor.bert_pack_inputs(segments, seq_length=16)
    assert_outputs(preprocessor, out, PAIRS, PAIRS[::-1])
    assert preprocessor.bert_pack_inputs(segments[:1], seq_length=24)["input_word_ids"].shape == (
        2,
        24,
    )


def test_config_builds_its_own_tokenizer(preprocessor):
    config = preprocessor.get_config()
    assert config["vocab"] == preprocessor.tokenizer.vocab and config["lower_case"] is True
    clone = BertPreprocessor.from_config(config)
    np.testing.assert_array_equal(
        clone(tf.constant(TEXTS))["input_word_ids"],
        preprocessor(tf.constant(TEXTS))["input_word_ids"],
    )
    with pytest.raises(ValueError, match="needs a tokenizer"):
        BertPreprocessor()
