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


# Texts of different lengths in one batch: empty, short, and one longer than SEQ_LENGTH.
MIXED_TEXTS = ["", "a fine film", "the movie was a delight from start to finish .", "long " * 100]
MIXED_PAIRS = ["where ?", "", "a film about a delight", "short"]


def assert_tokens_match(got, want, real, fill, atol=1e-5):
    """A per-token output of a serving graph: the Keras model's numbers at the real tokens
    (`real`, bool `[batch, seq]`) and exactly `fill` at padding, since the graph runs only up
    to the batch's longest text."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    np.testing.assert_allclose(got[real], want[real], atol=atol)
    assert (got[~real] == fill).all()
    assert real.any(axis=1).all() and not real.all()  # both kinds of position are checked


def _task_models(config):
    import keras
    import keras_bert

    keras.utils.set_random_seed(5)
    encoder = keras_bert.BertEncoder(config)
    return {
        "classifier": keras_bert.BertClassifier(encoder, num_classes=3),
        "token_classifier": keras_bert.BertTokenClassifier(encoder, num_labels=4),
        "span_qa": keras_bert.BertSpanQA(encoder),
        "encoder": encoder,
    }


def _serve(model, preprocessor, texts, pairs=None):
    from keras_bert.export import serving

    _, endpoints = serving.build_archive(model, preprocessor, num_segments=1 if pairs is None else 2)
    args = [tf.constant(texts, tf.string)] + ([] if pairs is None else [tf.constant(pairs, tf.string)])
    return {name: value.numpy() for name, value in endpoints["serving_default"](*args).items()}


def test_text_signatures_give_the_model_numbers_at_every_real_token(small_vocab):
    """Each task's signature, run only up to the longest text, equals the model run on the
    inputs padded to `seq_length`: at every real token, and with a fixed fill at padding."""
    from keras_bert.layers.heads import SPAN_MASK_ADDER
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    preprocessor = BertPreprocessor(BertTokenizer(small_vocab), seq_length=SEQ_LENGTH)
    for task, model in _task_models(tiny_config()).items():
        pairs = MIXED_PAIRS if task == "span_qa" else None
        inputs = preprocessor(tf.constant(MIXED_TEXTS) if pairs is None else (tf.constant(MIXED_TEXTS), tf.constant(pairs)))
        real = inputs["input_mask"].numpy() == 1
        assert real.sum(axis=1).max() == SEQ_LENGTH and real.sum(axis=1).min() < SEQ_LENGTH // 2
        want = model(inputs, training=False)
        got = _serve(model, preprocessor, MIXED_TEXTS, pairs)
        if task == "classifier":
            np.testing.assert_allclose(got["logits"], want, atol=1e-5)
        elif task == "token_classifier":
            assert_tokens_match(got["logits"], want, real, fill=0.0)
            np.testing.assert_array_equal(got["label_ids"], np.where(real, np.argmax(want, -1), 0))
        elif task == "span_qa":
            for name in ("start_logits", "end_logits"):
                assert_tokens_match(got[name], want[name], real, fill=SPAN_MASK_ADDER)
        else:
            assert_tokens_match(got["sequence_output"], want["sequence_output"], real, fill=0.0)
            np.testing.assert_allclose(got["pooled_output"], want["pooled_output"], atol=1e-5)


def test_the_answer_is_the_best_span_of_context_tokens(small_vocab):
    """The answer never reaches `[CLS]` (kept in the logits for windows without the answer),
    the question or the closing `[SEP]`; no context gives an empty answer."""
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    preprocessor = BertPreprocessor(BertTokenizer(small_vocab), seq_length=SEQ_LENGTH)
    model = _task_models(tiny_config())["span_qa"]
    got = _serve(model, preprocessor, MIXED_TEXTS, MIXED_PAIRS)
    inputs = preprocessor((tf.constant(MIXED_TEXTS), tf.constant(MIXED_PAIRS)))
    mask, types = inputs["input_mask"].numpy(), inputs["input_type_ids"].numpy()
    for row in range(len(MIXED_TEXTS)):
        context = np.flatnonzero((types[row] == 1) & (mask[row] == 1))[:-1]  # without [SEP]
        start, end = got["start_index"][row], got["end_index"][row]
        if not MIXED_PAIRS[row]:
            assert context.size == 0 and (start, end) == (0, 0) and got["answer"][row] == b""
            continue
        spans = [(i, j) for i in context for j in context if i <= j < i + 30]
        scores = [got["start_logits"][row, i] + got["end_logits"][row, j] for i, j in spans]
        assert (start, end) == spans[int(np.argmax(scores))]
        assert b"[SEP]" not in got["answer"][row] and got["answer"][row]


def _squad_rows(shared_data, count):
    import json
    import os

    with open(os.path.join(shared_data, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        paragraphs = [p for article in json.load(f)["data"] for p in article["paragraphs"]]
    return [(p["qas"][0]["question"], p["context"]) for p in paragraphs[:count]]


def test_the_answer_is_the_context_as_written(small_vocab, shared_data):
    """The SavedModel answer is `text_pair[answer_start_byte:answer_end_byte]`: from the start
    of the run holding the span's first piece to the end of the run holding its last (the
    plain-Python runs), in the context's own case, accents and spacing."""
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config
    from tests.reference_tokenizer import ReferenceTokenizer, word_offsets

    rows = _squad_rows(shared_data, 24) + [
        ("Who?", "Café Ünal, the U.S.-based firm's 中文 owner (since 1990)."),
        ("unaligned", "ΑΣ'Β ΑΣ'Β ΑΣ'Β"),
        ("no context", ""),
    ]
    questions, contexts = (list(column) for column in zip(*rows))
    tokenizer = BertTokenizer(small_vocab)
    preprocessor = BertPreprocessor(tokenizer, seq_length=64)
    got = _serve(_task_models(tiny_config())["span_qa"], preprocessor, questions, contexts)
    inputs = preprocessor((tf.constant(questions), tf.constant(contexts)))
    first_context_piece = (inputs["input_type_ids"].numpy() == 0).sum(axis=1) - (inputs["input_mask"].numpy() == 0).sum(axis=1)
    ref = ReferenceTokenizer(tokenizer.vocab)
    widened = 0
    for row, context in enumerate(contexts):
        raw = context.encode("utf-8")
        start, end = got["start_index"][row] - first_context_piece[row], got["end_index"][row] - first_context_piece[row]
        _, starts, ends = word_offsets(ref, context)
        if not context or starts[0] == -1:
            assert got["answer_start_byte"][row] == got["answer_end_byte"][row] == -1
            if not context:
                assert got["answer"][row] == b""
                continue
            pieces = inputs["input_word_ids"].numpy()[row, got["start_index"][row]:got["end_index"][row] + 1]
            assert got["answer"][row] == tokenizer.detokenize(pieces[np.newaxis]).numpy()[0]
            continue
        assert (got["answer_start_byte"][row], got["answer_end_byte"][row]) == (starts[start], ends[end])
        assert got["answer"][row] == raw[starts[start]:ends[end]]
        widened += got["answer"][row] != tokenizer.detokenize(
            inputs["input_word_ids"].numpy()[row:row + 1, got["start_index"][row]:got["end_index"][row] + 1]
        ).numpy()[0]
    assert widened > len(rows) // 2  # most answers differ from their normalized pieces


def test_tagger_word_ids_name_the_whitespace_word_of_each_piece(small_vocab, shared_data):
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config
    from tests.keras_bert.text.conftest import read_wnut
    from tests.reference_tokenizer import ReferenceTokenizer, word_offsets

    texts = read_wnut(shared_data)[:20] + MIXED_TEXTS + ["U.S.-based  \u00a0firm\u3000中文 x\u2028y"]
    tokenizer = BertTokenizer(small_vocab)
    preprocessor = BertPreprocessor(tokenizer, seq_length=SEQ_LENGTH)
    got = _serve(_task_models(tiny_config())["token_classifier"], preprocessor, texts)["word_ids"]
    ref = ReferenceTokenizer(tokenizer.vocab)
    for row, text in enumerate(texts):
        word_ids = word_offsets(ref, text)[0][: SEQ_LENGTH - 2]
        want = [-1] + word_ids + [-1] * (SEQ_LENGTH - 1 - len(word_ids))
        assert got[row].tolist() == want, repr(text)
    # "U.S.-based" "firm" (4 pieces in this small vocabulary) "中文" "x" "y": NBSP, U+3000, U+2028 split.
    assert got[-1].tolist()[:16] == [-1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 4, -1]


def test_a_text_gets_the_same_outputs_alone_and_in_any_batch(small_vocab):
    """Trimming depends on the batch's longest text; the outputs of a text must not."""
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    preprocessor = BertPreprocessor(BertTokenizer(small_vocab), seq_length=SEQ_LENGTH)
    for task, model in _task_models(tiny_config()).items():
        pairs = MIXED_PAIRS if task == "span_qa" else None
        batch = _serve(model, preprocessor, MIXED_TEXTS, pairs)
        for i, text in enumerate(MIXED_TEXTS):
            alone = _serve(model, preprocessor, [text], None if pairs is None else [pairs[i]])
            for name, value in alone.items():
                if value.dtype.kind == "f":
                    np.testing.assert_allclose(value[0], batch[name][i], atol=1e-5, err_msg=f"{task}/{name}")
                else:
                    np.testing.assert_array_equal(value[0], batch[name][i], err_msg=f"{task}/{name}")


def test_text_signatures_never_compute_past_the_longest_text(small_vocab):
    """A model whose position table (8) is shorter than the packed length (SEQ_LENGTH) still
    serves texts that fit in 8 positions, with the numbers of a graph packed to 8: nothing
    past the longest text reaches the model."""
    import dataclasses

    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    config = dataclasses.replace(tiny_config(), max_position_embeddings=8)
    texts = ["a new day", "", "the end"]
    tokenizer = BertTokenizer(small_vocab)
    for task, model in _task_models(config).items():
        pairs = ["who ?", "no", ""] if task == "span_qa" else None
        got = _serve(model, BertPreprocessor(tokenizer, seq_length=SEQ_LENGTH), texts, pairs)
        want = _serve(model, BertPreprocessor(tokenizer, seq_length=8), texts, pairs)
        for name, value in want.items():
            if value.ndim >= 2 and got[name].shape[1] == SEQ_LENGTH:
                value, got[name] = value[:, :8], got[name][:, :8]
            if value.dtype.kind == "f":
                np.testing.assert_allclose(got[name], value, atol=1e-5, err_msg=f"{task}/{name}")
            else:
                np.testing.assert_array_equal(got[name], value, err_msg=f"{task}/{name}")


def test_text_signatures_take_an_empty_batch(small_vocab):
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    preprocessor = BertPreprocessor(BertTokenizer(small_vocab), seq_length=SEQ_LENGTH)
    for task, model in _task_models(tiny_config()).items():
        pairs = [] if task == "span_qa" else None
        outputs = _serve(model, preprocessor, [], pairs)
        assert outputs and all(value.shape[0] == 0 for value in outputs.values()), task


def test_export_verification_checks_a_full_and_a_trimmed_length(small_vocab):
    """The exporter's parity check feeds two batches: one whose longest text fills
    `seq_length` and one that the serving graph cuts shorter."""
    from keras_bert.export import serving, verify
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    preprocessor = BertPreprocessor(BertTokenizer(small_vocab), seq_length=64)
    model = _task_models(tiny_config())["classifier"]
    _, endpoints = serving.build_archive(model, preprocessor)
    batches = verify.verification_batches(endpoints["serving_default"], verify.SAMPLE_TEXTS)
    assert [len(b["text"]) for b in batches] == [len(verify.SAMPLE_TEXTS), len(verify.SAMPLE_TEXTS) - 1]
    longest = [int(preprocessor(tf.constant(b["text"]))["input_mask"].numpy().sum(1).max()) for b in batches]
    assert longest == [64, 31]
    outputs = verify.in_batches(lambda x: verify.reference_outputs(endpoints["serving_default"], x), batches)
    assert outputs["logits"].shape == (2 * len(verify.SAMPLE_TEXTS) - 1, 3)
