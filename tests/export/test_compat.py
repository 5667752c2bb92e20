import numpy as np
import pytest
import tensorflow as tf
import tensorflow_text as tf_text
from keras_bert.export import compat

from keras_bert.text import BertPreprocessor, BertTokenizer

TEXTS = ["Hello, World! It's a test.", "the unaffable players were running", ""]


def traced(preprocessor, pair=False):
    spec = tf.TensorSpec([None], tf.string)
    if pair:
        return tf.function(lambda a, b: preprocessor([a, b])).get_concrete_function(spec, spec)
    return tf.function(lambda a: preprocessor(a)).get_concrete_function(spec)


@pytest.fixture(scope="module")
def vocab(shared_data):
    return BertTokenizer(
        f"{shared_data}/checkpoints/google_bert_uncased_L-8_H-512_A-8_index_only/vocab.txt"
    ).vocab


@pytest.mark.parametrize("pair", [False, True])
def test_exact_preprocessor_runs_on_tf_serving_and_not_tflite(vocab, pair):
    fn = traced(BertPreprocessor(BertTokenizer(vocab), seq_length=16), pair)
    ops = compat.graph_ops(fn)
    assert {
        "StaticRegexReplace",
        "StringLower",
        "NormalizeUTF8",
        "FastWordpieceTokenizeWithOffsets",
    } <= ops
    assert not ops & {"RaggedGather", "TFText>RoundRobinTrim"}
    compat.check_ops(fn, "tf_serving")
    with pytest.raises(
        ValueError,
        match=r"Op \S+ in the preprocessor cannot run on tflite: the TFLite runtime has no",
    ):
        compat.check_ops(fn, "tflite", what="the preprocessor")


@pytest.mark.parametrize("pair", [False, True])
def test_tflite_mode_preprocessor_is_within_both_allowlists(vocab, pair):
    fn = traced(BertPreprocessor(BertTokenizer(vocab, mode="tflite"), seq_length=16), pair)
    compat.check_ops(fn, "tf_serving")
    compat.check_ops(fn, "tflite")
    assert {"FastBertNormalize", "FastWordpieceTokenizeWithOffsets"} <= compat.graph_ops(fn)


def test_tflite_mode_preprocessor_converts_and_runs_in_litert(vocab, tmp_path):
    from ai_edge_litert.interpreter import InterpreterWithCustomOps

    preprocessor = BertPreprocessor(BertTokenizer(vocab, mode="tflite"), seq_length=16)
    fn = traced(preprocessor)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], preprocessor)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    converter.allow_custom_ops = True
    interpreter = InterpreterWithCustomOps(
        model_content=converter.convert(),
        custom_op_registerers=tf_text.tflite_registrar.SELECT_TFTEXT_OPS,
    )
    runner = interpreter.get_signature_runner()
    texts = TEXTS + ["x " + "a" * 201 + " ok", "\u00e9" * 200]  # over and at the word limit
    got = runner(a=np.array(texts))
    want = preprocessor(tf.constant(texts))
    assert want["input_word_ids"][3, 2] == preprocessor.tokenizer.unk_id
    assert len(got) == 3
    for name in want:
        assert any(np.array_equal(value, want[name]) for value in got.values()), name


def test_tflite_mode_word_offsets_convert_and_run_in_litert(vocab):
    """The pieces' word ids and byte offsets (what the tagger and SQuAD files compute) in
    LiteRT, a word over the length limit among them."""
    from ai_edge_litert.interpreter import InterpreterWithCustomOps

    preprocessor = BertPreprocessor(BertTokenizer(vocab, mode="tflite"), seq_length=16)
    tokenizer = preprocessor.tokenizer

    def offsets(a):
        return {
            str(i): t.flat_values for i, t in enumerate(tokenizer.tokenize_with_word_offsets(a))
        }

    fn = tf.function(offsets).get_concrete_function(tf.TensorSpec([None], tf.string))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], preprocessor)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    converter.allow_custom_ops = True
    interpreter = InterpreterWithCustomOps(
        model_content=converter.convert(),
        custom_op_registerers=tf_text.tflite_registrar.SELECT_TFTEXT_OPS,
    )
    texts = TEXTS + ["x " + "a" * 201 + " ok, fine", "\u00e9" * 200]
    got = interpreter.get_signature_runner()(a=np.array(texts))
    want = offsets(tf.constant(texts))
    assert want["0"].numpy().tolist().count(tokenizer.unk_id) == 1
    for name in want:
        assert any(np.array_equal(value, want[name]) for value in got.values()), name


def test_allowlists_know_the_known_traps():
    assert "TFText>RoundRobinTrim" not in compat.TFTEXT_2_12_1_OPS
    assert "FastBertNormalize" in compat.TFTEXT_2_12_1_OPS
    assert not compat.allowed_ops("tflite")("StaticRegexReplace")
    assert not compat.allowed_ops("tflite")("RaggedGather")
    assert compat.allowed_ops("tf_serving")("StaticRegexReplace")
    assert not compat.allowed_ops("tf_serving")("TFText>RoundRobinTrim")
    with pytest.raises(ValueError, match="Unknown export target 'tpu'"):
        compat.allowed_ops("tpu")


def test_check_names_the_op_and_target():
    trimmer = tf_text.RoundRobinTrimmer(max_seq_length=4)
    fn = tf.function(lambda a: trimmer.trim([a, a])[0].flat_values).get_concrete_function(
        tf.RaggedTensorSpec([None, None], tf.int32)
    )
    assert "TFText>RoundRobinTrim" in compat.unsupported_ops(fn, "tf_serving")
    with pytest.raises(
        ValueError,
        match=(
            "Op TFText>RoundRobinTrim in the graph cannot run on tf_serving: "
            "TF Serving before 2.20 embeds tensorflow-text 2.12.1"
        ),
    ):
        compat.check_ops(fn, "tf_serving")
