"""The TF Hub BERT pair (`NAME_preprocess/`, `NAME_encoder/`) run through the code of TF Hub's
BERT tutorials ("Classify text with BERT", "Solve GLUE tasks using BERT on TPU"), with
tensorflow_hub and tf_keras as their users have them (Keras 2: `import tf_keras`, while the
package itself stays on Keras 3), and through Keras 3's `TFSMLayer` and TF Serving's view.
"""

import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras

from tests.export.conftest import tiny_config
from tests.reference_tokenizer import basic_tokenize, wordpiece

SEQ_LENGTH = 24
TEXTS = [
    "The movie was a delight, from start to finish!",
    "U.S.-based firm's \u4e2d\u6587 r\u00e9sum\u00e9 (n\u00e4ive)",
    "",
    "long " * 40,
]
PAIRS = ["a short one", "", "a much longer second segment that has to be cut a lot here", "why?"]
REGULARIZATION = 0.01


@pytest.fixture(scope="module")
def pair(small_vocab, tmp_path_factory):
    """A tiny encoder and its TF Hub pair, written as `keras-bert export` writes them. The
    pooler kernel carries an L2 regularizer, which the encoder's `regularization_losses` hold."""
    import keras

    import keras_bert
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.tf_hub_pair import write_pair

    keras.utils.set_random_seed(7)
    encoder = keras_bert.BertEncoder(tiny_config())
    encoder.pooler.kernel.regularizer = keras.regularizers.L2(REGULARIZATION)
    preprocessor = BertPreprocessor(BertTokenizer(small_vocab), seq_length=SEQ_LENGTH)
    written = write_pair(encoder, preprocessor, tmp_path_factory.mktemp("hub"))
    return {
        "model": encoder,
        "preprocessor": preprocessor,
        "archives": {part: archive for part, (_, archive) in written.items()},
        **{part: path for part, (path, _) in written.items()},
    }


def reference_inputs(pair, segments, seq_length):
    """The encoder inputs of segments of text as keras_bert's own preprocessor packs them (its
    ids and packing are tested against google-research/bert's code in tests/keras_bert/text)."""
    from keras_bert.text import BertPreprocessor

    preprocessor = BertPreprocessor(pair["preprocessor"].tokenizer, seq_length=seq_length)
    texts = [tf.constant(s) for s in segments]
    return {k: v.numpy() for k, v in preprocessor(texts if len(texts) > 1 else texts[0]).items()}


def assert_same_inputs(got, want):
    assert sorted(got) == sorted(want)
    for name, value in want.items():
        assert got[name].dtype == tf.int32, name
        np.testing.assert_array_equal(got[name], value, err_msg=name)


def assert_encoder_outputs(got, encoder, inputs, atol=1e-5):
    """TF Hub's encoder outputs against our Keras encoder on the same ids."""
    want = encoder(inputs, training=False)
    np.testing.assert_allclose(got["pooled_output"], want["pooled_output"], atol=atol)
    np.testing.assert_allclose(got["default"], want["pooled_output"], atol=atol)
    np.testing.assert_allclose(got["sequence_output"], want["sequence_output"], atol=atol)
    assert len(got["encoder_outputs"]) == len(want["encoder_outputs"]) == encoder.config.num_layers
    for layer_got, layer_want in zip(got["encoder_outputs"], want["encoder_outputs"]):
        np.testing.assert_allclose(layer_got, layer_want, atol=atol)


def test_hub_keras_layers_load_both_and_match_our_encoder(pair):
    """The tutorials' first cells: `hub.KerasLayer(preprocess)(text)` gives int32 inputs at the
    default length, `hub.KerasLayer(encoder)` the outputs of our encoder within 1e-5."""
    preprocess = hub.KerasLayer(pair["preprocess"])
    encoder = hub.KerasLayer(pair["encoder"])
    inputs = {k: v.numpy() for k, v in preprocess(tf.constant(TEXTS)).items()}
    assert_same_inputs(inputs, reference_inputs(pair, [TEXTS], SEQ_LENGTH))
    assert inputs["input_word_ids"].shape == (len(TEXTS), SEQ_LENGTH)
    assert_encoder_outputs(encoder(inputs), pair["model"], inputs)


def test_tokenize_gives_bert_words_of_pieces(pair):
    """`.tokenize` returns `[batch, (words), (pieces)]`: google-research/bert's basic words
    (whitespace, punctuation, CJK characters), each split into its word piece ids."""
    preprocess = hub.load(pair["preprocess"])
    vocab = pair["preprocessor"].tokenizer.vocab
    ids = {token: i for i, token in enumerate(vocab)}
    got = preprocess.tokenize(tf.constant(TEXTS))
    assert got.dtype == tf.int32 and got.ragged_rank == 2
    want = [
        [[ids[p] for p in wordpiece(word, ids)] for word in basic_tokenize(text)] for text in TEXTS
    ]
    assert got.to_list() == want
    special = {k: int(v) for k, v in preprocess.tokenize.get_special_tokens_dict().items()}
    assert special == {
        "vocab_size": len(vocab),
        "start_of_sequence_id": ids["[CLS]"],
        "end_of_segment_id": ids["[SEP]"],
        "padding_id": ids["[PAD]"],
        "mask_id": ids["[MASK]"],
    }


@pytest.mark.parametrize("seq_length", [12, 40])
def test_glue_tutorial_packs_pairs_and_single_segments(pair, seq_length):
    """ "Solve GLUE tasks": `hub.KerasLayer(preprocess.tokenize)` and
    `hub.KerasLayer(preprocess.bert_pack_inputs, arguments=dict(seq_length=N))` in a tf_keras
    model on one or two string inputs, called directly and in `tf.data.Dataset.map`, packed as
    keras_bert packs them."""
    preprocess = hub.load(pair["preprocess"])
    for segments in ([TEXTS], [TEXTS, PAIRS]):
        names = ["sentence1", "sentence2"][: len(segments)]
        inputs = [tf_keras.layers.Input(shape=(), dtype=tf.string, name=name) for name in names]
        tokenizer = hub.KerasLayer(preprocess.tokenize, name="tokenizer")
        packer = hub.KerasLayer(
            preprocess.bert_pack_inputs, arguments=dict(seq_length=seq_length), name="packer"
        )
        model = tf_keras.Model(inputs, packer([tokenizer(s) for s in inputs]))
        want = reference_inputs(pair, segments, seq_length)
        assert_same_inputs(model([tf.constant(s) for s in segments]), want)
        batches = (
            tf.data.Dataset.from_tensor_slices(tuple(segments))
            .batch(3)
            .map(lambda *s, m=model: m(list(s)))
        )
        assert_same_inputs({k: np.concatenate([b[k] for b in batches]) for k in want}, want)


def test_bert_pack_inputs_defaults_and_segments_of_pieces(pair):
    """Without `seq_length` the preprocessor's length; a segment may also be `[batch,
    (pieces)]` (words merged), next to one of words."""
    preprocess = hub.load(pair["preprocess"])
    words = [preprocess.tokenize(tf.constant(t)) for t in (TEXTS, PAIRS)]
    assert_same_inputs(
        preprocess.bert_pack_inputs(words), reference_inputs(pair, [TEXTS, PAIRS], SEQ_LENGTH)
    )
    mixed = preprocess.bert_pack_inputs([words[0].merge_dims(1, 2), words[1]], seq_length=16)
    assert_same_inputs(mixed, reference_inputs(pair, [TEXTS, PAIRS], 16))


def test_tutorial_classifier_fine_tunes_and_saves(pair, tmp_path):
    """ "Classify text with BERT": string Input -> preprocess -> encoder(trainable=True) ->
    pooled_output -> Dropout -> Dense compiles, fits on strings (the encoder's weights move),
    and saves; the reloaded model gives the same predictions. Dropout follows `training`."""
    tf_keras.utils.set_random_seed(0)
    text = tf_keras.layers.Input(shape=(), dtype=tf.string, name="text")
    encoder = hub.KerasLayer(pair["encoder"], trainable=True, name="BERT_encoder")
    outputs = encoder(hub.KerasLayer(pair["preprocess"], name="preprocessing")(text))
    net = tf_keras.layers.Dropout(0.1)(outputs["pooled_output"])
    model = tf_keras.Model(text, tf_keras.layers.Dense(1, name="classifier")(net))
    assert len(encoder.trainable_weights) == len(pair["model"].trainable_weights)
    model.compile(
        optimizer=tf_keras.optimizers.Adam(1e-3),
        loss=tf_keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[tf_keras.metrics.BinaryAccuracy()],
    )
    before = [w.numpy() for w in encoder.trainable_weights]
    texts, labels = tf.constant(TEXTS * 2), tf.constant([1.0, 0.0, 0.0, 1.0] * 2)
    history = model.fit(texts, labels, batch_size=4, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    moved = [not np.array_equal(b, w.numpy()) for b, w in zip(before, encoder.trainable_weights)]
    assert all(moved)

    ids = hub.KerasLayer(pair["preprocess"])(texts)
    inference = encoder(ids, training=False)["sequence_output"]
    np.testing.assert_array_equal(encoder(ids, training=False)["sequence_output"], inference)
    assert not np.allclose(encoder(ids, training=True)["sequence_output"], inference)

    path = str(tmp_path / "classifier")
    model.save(path, include_optimizer=False)
    reloaded = tf.saved_model.load(path)
    np.testing.assert_allclose(
        reloaded(texts, training=False), model(texts, training=False), atol=1e-5
    )


def test_regularization_losses_follow_trainable(pair):
    """`hub.KerasLayer` adds the encoder's regularization losses while it is trainable."""
    kernel = pair["model"].pooler.kernel.numpy()
    want = REGULARIZATION * np.sum(np.square(kernel))
    trainable = hub.KerasLayer(pair["encoder"], trainable=True)
    np.testing.assert_allclose([float(loss) for loss in trainable.losses], [want], rtol=1e-5)
    frozen = hub.KerasLayer(pair["encoder"], trainable=False)
    assert [float(loss) for loss in frozen.losses] == [0.0]


def test_keras_3_tfsm_layer_runs_both(pair):
    """Keras 3 loads both SavedModels for inference through their signatures."""
    import keras

    preprocess = keras.layers.TFSMLayer(pair["preprocess"], call_endpoint="serving_default")
    encoder = keras.layers.TFSMLayer(pair["encoder"], call_endpoint="serving_default")
    inputs = {k: np.asarray(v) for k, v in preprocess(tf.constant(TEXTS)).items()}
    assert_same_inputs(inputs, reference_inputs(pair, [TEXTS], SEQ_LENGTH))
    outputs = encoder(inputs)
    layers = [outputs.pop(f"encoder_outputs_{i}") for i in range(pair["model"].config.num_layers)]
    assert_encoder_outputs({**outputs, "encoder_outputs": layers}, pair["model"], inputs)


def test_tf_serving_sees_named_dense_outputs_and_known_ops(pair):
    """Every signature's outputs are named dense tensors (what the Predict API returns), and
    every function in the saved graphs, signature or not, uses only ops that TF Serving with
    tensorflow-text 2.12.1 registers (it loads the whole function library)."""
    from keras_bert.export import compat
    from tensorflow.core.protobuf import saved_model_pb2

    expected = {
        "preprocess": {"input_word_ids", "input_mask", "input_type_ids"},
        "encoder": {"default", "pooled_output", "sequence_output"}
        | {f"encoder_outputs_{i}" for i in range(pair["model"].config.num_layers)},
    }
    for name, outputs in expected.items():
        loaded = tf.saved_model.load(pair[name])
        assert list(loaded.signatures) == ["serving_default"]
        specs = loaded.signatures["serving_default"].structured_outputs
        assert set(specs) == outputs
        assert all(type(spec) is tf.TensorSpec for spec in specs.values())
        saved = saved_model_pb2.SavedModel()
        with open(os.path.join(pair[name], "saved_model.pb"), "rb") as f:
            saved.ParseFromString(f.read())
        assert compat.unsupported_ops(saved.meta_graphs[0].graph_def, compat.TF_SERVING) == []
        traced = pair["archives"][name].concrete_functions
        assert all(
            compat.unsupported_ops(fn, compat.TF_SERVING) == []
            for fns in traced.values()
            for fn in fns
        )


def test_a_signature_with_a_ragged_output_is_refused():
    from keras_bert.export.callable_saved_model import CallableSavedModel

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def split(text):
        return {"words": tf.strings.split(text)}

    with pytest.raises(TypeError, match="Signature tokenize must return a dict of dense tensors"):
        CallableSavedModel().add_signature("tokenize", split)


@pytest.mark.slow
def test_an_encoder_export_writes_the_pair_verified(small_vocab, tmp_path):
    """`export_saved_model` of an encoder writes the pair beside its own SavedModel, verified in
    a fresh process, and `hub.KerasLayer` runs it as it runs the stand-in the other tests use."""
    import keras
    from keras_bert.export.saved_model import export_saved_model

    import keras_bert
    from keras_bert.text import BertTokenizer

    keras.utils.set_random_seed(3)
    encoder = keras_bert.BertEncoder(tiny_config())
    tokenizer = BertTokenizer(small_vocab)
    result = export_saved_model(
        encoder, tmp_path, name="bert", seq_length=SEQ_LENGTH, tokenizer=tokenizer, verbose=False
    )
    names = sorted(os.path.basename(os.path.dirname(path)) for path in result.paths)
    assert names == ["bert", "bert_encoder", "bert_preprocess"]
    artifacts = {row.artifact for row in result.rows}
    assert {"bert_preprocess SavedModel", "bert_encoder SavedModel"} <= artifacts
    preprocess = hub.KerasLayer(str(tmp_path / "bert_preprocess" / "1"))
    inputs = {k: v.numpy() for k, v in preprocess(tf.constant(TEXTS)).items()}
    assert inputs["input_word_ids"].shape == (len(TEXTS), SEQ_LENGTH)
    hub_encoder = hub.KerasLayer(str(tmp_path / "bert_encoder" / "1"))
    assert_encoder_outputs(hub_encoder(inputs), encoder, inputs)


MIRRORED_FIT = """
import sys
import numpy as np
import tensorflow as tf
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2)
import tensorflow_hub as hub
import tensorflow_text
import tf_keras

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    text = tf_keras.layers.Input(shape=(), dtype=tf.string)
    encoder = hub.KerasLayer(sys.argv[2], trainable=True)
    outputs = encoder(hub.KerasLayer(sys.argv[1])(text))
    model = tf_keras.Model(text, tf_keras.layers.Dense(1)(outputs["pooled_output"]))
    model.compile(optimizer="adam", loss=tf_keras.losses.BinaryCrossentropy(from_logits=True))
before = [w.numpy() for w in encoder.trainable_weights]
texts = tf.constant(["a fine film", "dull", "", "long " * 30] * 2)
data = tf.data.Dataset.from_tensor_slices((texts, tf.constant([1.0, 0.0] * 4))).batch(4)
loss = model.fit(data, epochs=1, verbose=0).history["loss"]
assert np.isfinite(loss).all(), loss
assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, encoder.trainable_weights))
print("fine-tuned on", strategy.num_replicas_in_sync, "replicas")
"""


@pytest.mark.slow
def test_the_encoder_fine_tunes_under_a_distribution_strategy(pair):
    """TF Hub's rule for distributed training: load the layers inside `strategy.scope()`. The
    encoder's dropout state (a variable updated in the training function) works in replica
    context: a `MirroredStrategy` over two CPU devices fits."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_FIT, pair["preprocess"], pair["encoder"]],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "fine-tuned on 2 replicas" in result.stdout
