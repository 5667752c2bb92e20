"""Exports of the token classifier, span QA model and pretrainer: SavedModel and TFLite.

Slow (each task converts and verifies its own files); `make test-all` runs them. The exporter
checks float parity itself and fails the export otherwise; these tests also compare the TFLite
outputs with the Keras model fed by the tokenizer (not by the export code), and send odd text
through both artifacts.
"""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_bert.layers.heads import SPAN_MASK_ADDER
from tests.export.conftest import SEQ_LENGTH, tiny_config
from tests.export.test_export import odd_texts
from tests.export.test_serving import assert_tokens_match

pytestmark = pytest.mark.slow

TAG_NAMES = ["O", "B-PER", "I-PER"]
TEXTS = ["John Smith went to Paris .", "who went to paris ?", "", "\U0001f600 \u4e2d\u6587"]
PAIRS = ["Paris is in France .", "", "where ?", "a b c"]
SIGNATURES = {
    "token_classifier": {"serving_default"},
    "span_qa": {"serving_default"},
    "pretrainer": {"serving_default", "mlm"},
}


def build(task):
    import keras

    import keras_bert

    keras.utils.set_random_seed(1)
    encoder = keras_bert.BertEncoder(tiny_config())
    if task == "token_classifier":
        return keras_bert.BertTokenClassifier(encoder, num_labels=3, label_names=TAG_NAMES)
    if task == "span_qa":
        return keras_bert.BertSpanQA(encoder)
    return keras_bert.BertPretrainer(encoder)


@pytest.fixture(scope="module", params=sorted(SIGNATURES))
def exported(request, small_vocab, tmp_path_factory):
    from keras_bert.export.saved_model import export_saved_model
    from keras_bert.export.tflite import export_tflite

    from keras_bert.text import BertTokenizer

    model = build(request.param)
    out = str(tmp_path_factory.mktemp(request.param))
    settings = dict(
        name=request.param,
        seq_length=SEQ_LENGTH,
        tokenizer=BertTokenizer(small_vocab),
        verbose=False,
    )
    saved = export_saved_model(model, out, **settings)
    lite = export_tflite(model, out, **settings)
    return {
        "task": request.param,
        "model": model,
        "vocab": small_vocab,
        "out": out,
        "tflite": lite.paths,
        "rows": saved.rows + lite.rows,
    }


def model_inputs(vocab, texts, pairs=None):
    """Encoder inputs from the tflite-mode tokenizer (the one the TFLite graph runs)."""
    from keras_bert.text import BertPreprocessor, BertTokenizer

    preprocessor = BertPreprocessor(BertTokenizer(vocab, mode="tflite"), seq_length=SEQ_LENGTH)
    if pairs is None:
        return preprocessor(tf.constant(texts))
    return preprocessor((tf.constant(texts), tf.constant(pairs)))


def run_lite(exported, signature, **inputs):
    from keras_bert.export.verify import tflite_interpreter

    [path] = [p for p in exported["tflite"] if f"-{signature}-" in os.path.basename(p)]
    runner = tflite_interpreter(path).get_signature_runner(signature)
    return runner(
        **{k: np.array(v, dtype=object) if k.startswith("text") else v for k, v in inputs.items()}
    )


def lite_word_offsets(exported, texts):
    """`tokenize_with_word_offsets` of the tflite-mode tokenizer, as lists."""
    from keras_bert.text import BertTokenizer

    tokenizer = BertTokenizer(exported["vocab"], mode="tflite")
    return [t.to_list() for t in tokenizer.tokenize_with_word_offsets(tf.constant(texts))[1:]]


def test_every_signature_is_written_and_passes_float_parity(exported):
    signatures = {row.signature for row in exported["rows"]}
    assert signatures == SIGNATURES[exported["task"]]
    assert len(exported["tflite"]) == len(signatures)
    checked = [row for row in exported["rows"] if row.tolerance is not None]
    assert checked and all(row.passed and row.max_abs_diff < row.tolerance for row in checked)


def test_tflite_matches_the_keras_model(exported):
    task, model, vocab = exported["task"], exported["model"], exported["vocab"]
    if task == "token_classifier":
        lite = run_lite(exported, "serving_default", text=TEXTS)
        inputs = model_inputs(vocab, TEXTS)
        logits = model(inputs, training=False).numpy()
        real = inputs["input_mask"].numpy() == 1
        assert_tokens_match(lite["logits"], logits, real, fill=0.0, atol=1e-4)
        names = np.where(real, np.array(TAG_NAMES)[logits.argmax(-1)], TAG_NAMES[0])
        assert (lite["labels"].astype(str) == names).all()
        word_ids = lite_word_offsets(exported, TEXTS)[0]
        for row, want in enumerate(word_ids):
            want = [-1] + want[: SEQ_LENGTH - 2]
            assert lite["word_ids"][row].tolist() == want + [-1] * (SEQ_LENGTH - len(want))
    elif task == "span_qa":
        lite = run_lite(exported, "serving_default", text=TEXTS, text_pair=PAIRS)
        inputs = model_inputs(vocab, TEXTS, PAIRS)
        outputs = model(inputs, training=False)
        real = inputs["input_mask"].numpy() == 1
        for name in ("start_logits", "end_logits"):
            assert_tokens_match(
                lite[name], outputs[name].numpy(), real, fill=SPAN_MASK_ADDER, atol=1e-4
            )
        start, end = lite["start_index"], lite["end_index"]
        assert ((start <= end) & (end < start + 30)).all()
        # The chosen span scores at least as high as every other span of context tokens.
        score = lite["start_logits"][np.arange(4), start] + lite["end_logits"][np.arange(4), end]
        types, mask = inputs["input_type_ids"].numpy(), inputs["input_mask"].numpy()
        for row in range(4):
            context = np.flatnonzero((types[row] == 1) & (mask[row] == 1))[:-1]
            if context.size == 0:  # PAIRS[1] is empty: no answer
                assert start[row] == end[row] == 0
                assert lite["answer_start_byte"][row] == lite["answer_end_byte"][row] == -1
                continue
            _, starts, ends = lite_word_offsets(exported, [PAIRS[row]])
            first = context[0]
            assert lite["answer_start_byte"][row] == starts[0][start[row] - first]
            assert lite["answer_end_byte"][row] == ends[0][end[row] - first]
            assert start[row] in context and end[row] in context
            for i in context:
                for j in context[(context >= i) & (context < i + 30)]:
                    assert (
                        lite["start_logits"][row, i] + lite["end_logits"][row, j]
                        <= score[row] + 1e-5
                    )
    else:
        inputs = {k: v.numpy() for k, v in model_inputs(vocab, TEXTS).items()}
        lite = run_lite(exported, "serving_default", text=TEXTS)
        outputs = model.encoder(inputs, training=False)
        real = inputs["input_mask"] == 1
        assert_tokens_match(
            lite["sequence_output"], outputs["sequence_output"].numpy(), real, fill=0.0, atol=1e-4
        )
        np.testing.assert_allclose(
            lite["pooled_output"], outputs["pooled_output"].numpy(), atol=1e-4
        )
        positions = np.tile(np.arange(1, 21, dtype=np.int32), (len(TEXTS), 1))
        lite = run_lite(exported, "mlm", text=TEXTS, masked_lm_positions=positions)
        ids = inputs["input_word_ids"].copy()
        ids[np.arange(len(TEXTS))[:, None], positions] = 103  # [MASK] in Google's vocabulary
        logits = model(
            dict(inputs, input_word_ids=ids, masked_lm_positions=positions), training=False
        )["mlm_logits"]
        np.testing.assert_allclose(lite["mlm_logits"], logits.numpy(), atol=1e-4)


def test_the_tflite_example_shows_answers_and_word_labels(exported):
    """examples/tflite_inference.py prints a SQuAD answer as the context's own text and a
    tagger's labels per word (the first piece's)."""
    import subprocess
    import sys

    task = exported["task"]
    if task == "pretrainer":
        return
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    text = (
        "Who went?\tJohn Smith went to Paris ."
        if task == "span_qa"
        else "John Smith went to Paris ."
    )
    [path] = [p for p in exported["tflite"] if "-serving_default-" in os.path.basename(p)]
    result = subprocess.run(
        [sys.executable, os.path.join(root, "examples", "tflite_inference.py"), path, text],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    shown = result.stdout.strip().splitlines()[-1].split(" -> ", 1)[1]
    if task == "span_qa":
        lite = run_lite(
            exported,
            "serving_default",
            text=["Who went?"],
            text_pair=["John Smith went to Paris ."],
        )
        answer = "John Smith went to Paris ."[
            lite["answer_start_byte"][0] : lite["answer_end_byte"][0]
        ]
        assert answer and shown == repr({"answer": answer})
    else:
        lite = run_lite(exported, "serving_default", text=["John Smith went to Paris ."])
        word_ids = list(lite["word_ids"][0])
        assert sorted(set(word_ids) - {-1}) == list(range(6))
        labels = [lite["labels"][0][word_ids.index(w)].decode() for w in range(6)]
        assert shown == repr({"words": list(zip("John Smith went to Paris .".split(), labels))})


def test_odd_inputs_through_saved_model_and_tflite(exported):
    texts = odd_texts(300, seed=3)
    pairs = texts[::-1]
    saved = tf.saved_model.load(os.path.join(exported["out"], exported["task"], "1"))
    serve = saved.signatures["serving_default"]
    inputs = (
        {"text": texts, "text_pair": pairs} if exported["task"] == "span_qa" else {"text": texts}
    )
    for outputs in (
        {k: v.numpy() for k, v in serve(**{k: tf.constant(v) for k, v in inputs.items()}).items()},
        run_lite(exported, "serving_default", **inputs),
    ):
        for name, value in outputs.items():
            assert value.shape[0] == len(texts), name
            if value.dtype.kind == "f":
                assert np.isfinite(value).all(), name
