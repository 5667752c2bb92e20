import numpy as np
import pytest
import tensorflow as tf

from tests.export.conftest import SEQ_LENGTH


def test_signatures_trace_once_for_every_batch_size(classifier_dir):
    """The serving graphs take any batch size without retracing (one concrete function)."""
    from keras_bert.export import serving

    from keras_bert.model_dir import load_model_dir
    from keras_bert.text import BertPreprocessor, BertTokenizer

    model, _ = load_model_dir(classifier_dir)
    preprocessor = BertPreprocessor(
        BertTokenizer.from_pretrained(classifier_dir), seq_length=SEQ_LENGTH
    )
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
    from keras_bert.export import serving, tflite
    from keras_bert.export.verify import tflite_interpreter

    import keras_bert
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

    _, endpoints = serving.build_archive(
        model, preprocessor, num_segments=1 if pairs is None else 2
    )
    args = [tf.constant(texts, tf.string)] + (
        [] if pairs is None else [tf.constant(pairs, tf.string)]
    )
    return {name: value.numpy() for name, value in endpoints["serving_default"](*args).items()}


def test_text_signatures_give_the_model_numbers_at_every_real_token(small_vocab):
    """Each task's signature, run only up to the longest text, equals the model run on the
    inputs padded to `seq_length`: at every real token, and with a fixed fill at padding."""
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    preprocessor = BertPreprocessor(BertTokenizer(small_vocab), seq_length=SEQ_LENGTH)
    for task, model in _task_models(tiny_config()).items():
        if (
            task == "span_qa"
        ):  # windows of its own: test_span_qa_answers_over_windows_like_run_squad
            continue
        inputs = preprocessor(tf.constant(MIXED_TEXTS))
        real = inputs["input_mask"].numpy() == 1
        assert real.sum(axis=1).max() == SEQ_LENGTH and real.sum(axis=1).min() < SEQ_LENGTH // 2
        want = model(inputs, training=False)
        got = _serve(model, preprocessor, MIXED_TEXTS)
        if task == "classifier":
            np.testing.assert_allclose(got["logits"], want, atol=1e-5)
        elif task == "token_classifier":
            assert_tokens_match(got["logits"], want, real, fill=0.0)
            np.testing.assert_array_equal(got["label_ids"], np.where(real, np.argmax(want, -1), 0))
        else:
            assert_tokens_match(got["sequence_output"], want["sequence_output"], real, fill=0.0)
            np.testing.assert_allclose(got["pooled_output"], want["pooled_output"], atol=1e-5)


def reference_span_qa(model, tokenizer, seq_length, questions, contexts):
    """What a span QA signature must answer, in plain Python and numpy: `run_squad.py`'s
    windows (`tests.reference_squad`) of the reference tokenizer's pieces, the Keras model on
    each, per window the best span (both ends context pieces, the start in its max-context
    window, at most 30 pieces; the first on a tie), per pair the best window (the first on a
    tie), and the answer's bytes from the plain-Python runs of the context."""
    from keras_bert.tasks.span_qa_serving import span_qa_settings
    from tests.reference_squad import squad_windows
    from tests.reference_tokenizer import ReferenceTokenizer, word_offsets

    max_question_length, doc_stride, _ = span_qa_settings(seq_length)
    ref = ReferenceTokenizer(tokenizer.vocab)
    windows = [
        (example, window)
        for example, (question, context) in enumerate(zip(questions, contexts))
        for window in squad_windows(
            ref.encode(question),
            ref.encode(context),
            seq_length,
            doc_stride,
            max_question_length,
            tokenizer.cls_id,
            tokenizer.sep_id,
            tokenizer.pad_id,
        )
    ]
    inputs = {
        name: np.array([w[name] for _, w in windows], np.int32)
        for name in ("input_word_ids", "input_mask", "input_type_ids")
    }
    outputs = {k: v.numpy() for k, v in model(inputs, training=False).items()}
    want = {
        name: []
        for name in (
            "start_logits",
            "end_logits",
            "start_index",
            "end_index",
            "answer_start_byte",
            "answer_end_byte",
            "mask",
        )
    }
    for example, context in enumerate(contexts):
        best = None  # (score, window, start, end)
        for index, (of, window) in enumerate(windows):
            if of != example:
                continue
            context_positions = np.flatnonzero(np.array(window["context_piece"]) >= 0)
            for i in context_positions:
                if not window["max_context"][i]:
                    continue
                for j in context_positions[(context_positions >= i) & (context_positions < i + 30)]:
                    score = outputs["start_logits"][index, i] + outputs["end_logits"][index, j]
                    if best is None or score > best[0]:
                        best = (score, index, i, j)
        first = next(index for index, (of, _) in enumerate(windows) if of == example)
        _, index, start, end = best or (None, first, 0, 0)
        want["start_logits"].append(outputs["start_logits"][index])
        want["end_logits"].append(outputs["end_logits"][index])
        want["mask"].append(inputs["input_mask"][index] == 1)
        want["start_index"].append(start)
        want["end_index"].append(end)
        byte_start = byte_end = -1
        if best is not None:
            piece = windows[index][1]["context_piece"]
            _, starts, ends = word_offsets(ref, context)
            byte_start, byte_end = starts[piece[start]], ends[piece[end]]
        want["answer_start_byte"].append(byte_start)
        want["answer_end_byte"].append(byte_end)
    return {name: np.array(values) for name, values in want.items()}


@pytest.mark.parametrize("windows_per_call", [16, 5])
def test_span_qa_answers_over_windows_like_run_squad(
    small_vocab, shared_data, monkeypatch, windows_per_call
):
    """Long contexts are read in `run_squad.py`'s windows, at most `windows_per_call` of them
    through the model at a time; each pair gets the best span of its windows, as the
    plain-Python reference decodes them, with that window's logits."""
    from keras_bert.layers.heads import SPAN_MASK_ADDER
    from keras_bert.tasks import span_qa_serving
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    largest_call, windows = tf.Variable(0), tf.Variable(0)
    predict_trimmed = span_qa_serving.predict_trimmed

    def spy(model, inputs):
        largest_call.assign(tf.maximum(largest_call, tf.shape(inputs["input_mask"])[0]))
        windows.assign_add(tf.shape(inputs["input_mask"])[0])
        return predict_trimmed(model, inputs)

    monkeypatch.setattr(span_qa_serving, "predict_trimmed", spy)
    monkeypatch.setattr(span_qa_serving, "SPAN_QA_WINDOWS_PER_CALL", windows_per_call)
    rows = _squad_rows(shared_data, 12) + list(zip(MIXED_TEXTS, MIXED_PAIRS))
    questions, contexts = (list(column) for column in zip(*rows))
    tokenizer = BertTokenizer(small_vocab)
    model = _task_models(tiny_config())["span_qa"]
    got = _serve(model, BertPreprocessor(tokenizer, seq_length=SEQ_LENGTH), questions, contexts)
    assert largest_call.numpy() == windows_per_call and windows.numpy() > 5 * windows_per_call
    want = reference_span_qa(model, tokenizer, SEQ_LENGTH, questions, contexts)
    for name in ("start_index", "end_index", "answer_start_byte", "answer_end_byte"):
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    for name in ("start_logits", "end_logits"):
        assert_tokens_match(got[name], want[name], want["mask"], fill=SPAN_MASK_ADDER)
    later = [
        row for row in range(12) if got["answer_start_byte"][row] > len(contexts[row].encode()) // 2
    ]
    assert later  # answers found past the first window
    assert got["answer"][12 + MIXED_PAIRS.index("")] == b""


def test_a_long_context_costs_memory_in_step_with_its_length(small_vocab):
    """100,000 characters at seq_length 16 are 20,000 windows; each gathers only its own
    pieces (a [windows, pieces] gather of the context asked for 8 GB here and failed)."""
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    context = "中" * 100_000
    preprocessor = BertPreprocessor(BertTokenizer(small_vocab), seq_length=16)
    got = _serve(
        _task_models(tiny_config())["span_qa"], preprocessor, ["what?", "who?"], [context, "a b"]
    )
    start, end = got["answer_start_byte"][0], got["answer_end_byte"][0]
    assert 0 <= start < end <= len(context.encode()) and start % 3 == end % 3 == 0
    assert got["answer"][0] == context.encode()[start:end] and got["answer"][1] in (
        b"a",
        b"b",
        b"a b",
    )


def test_a_span_qa_export_needs_room_for_question_and_context():
    from keras_bert.tasks.span_qa_serving import span_qa_settings

    assert span_qa_settings(5) == (1, 1, 30) and span_qa_settings(384) == (64, 128, 30)
    with pytest.raises(ValueError) as e:
        span_qa_settings(4)
    assert str(e.value) == (
        "seq_length=4 is too short for a span QA model: [CLS] question [SEP] context [SEP] "
        "needs at least 5 positions; export with a longer --seq-length."
    )
    assert span_qa_settings(48, 8, 12, 5) == (8, 12, 5) and span_qa_settings(48, 44) == (44, 16, 30)
    with pytest.raises(ValueError) as e:
        span_qa_settings(48, 45)
    assert str(e.value) == (
        "max_query_length=45 leaves no room for the context at seq_length=48 (at most 44); "
        "export with a smaller --max-query-length or a longer --seq-length."
    )
    for arguments, message in (
        (
            (8, 0),
            "doc_stride=0 must be a positive whole number of pieces; "
            "export with --doc-stride 1 or more.",
        ),
        (
            (8, 4, -1),
            "max_answer_length=-1 must be a positive whole number of pieces; "
            "export with --max-answer-length 1 or more.",
        ),
        (
            (0,),
            "max_query_length=0 must be a positive whole number of pieces; "
            "export with --max-query-length 1 or more.",
        ),
        (
            (8, 4.5),
            "doc_stride=4.5 must be a positive whole number of pieces; "
            "export with --doc-stride 1 or more.",
        ),
        (
            ("8",),
            "max_query_length='8' must be a positive whole number of pieces; "
            "export with --max-query-length 1 or more.",
        ),
    ):
        with pytest.raises(ValueError) as e:
            span_qa_settings(48, *arguments)
        assert str(e.value) == message


def test_a_squad_folder_serves_the_answers_its_fine_tuning_scored(
    small_vocab, shared_data, tmp_path
):
    """A span QA folder keeps the fine-tuning's --max-query-length, --doc-stride and
    --max-answer-length (`keras-bert finetune` writes them); the export reads contexts and
    picks answers with them (or with the export's own flags) and answers exactly what the
    fine-tuning's evaluation decodes (`squad_windows.squad_features` +
    `squad_windows.decode_squad`, n-best over every position): the answer a user is served
    is the one that was scored."""
    import keras
    from keras_bert.export import source

    import keras_bert
    from keras_bert.model_dir import save_model_dir
    from keras_bert.tasks import squad_windows
    from tests.export.conftest import tiny_config

    keras.utils.set_random_seed(11)
    folder = str(tmp_path / "qa")
    save_model_dir(
        keras_bert.BertSpanQA(keras_bert.BertEncoder(tiny_config())),
        folder,
        small_vocab,
        task="squad",
        lower_case=True,
        max_chars_per_word=200,
        seq_length=48,
        max_query_length=8,
        doc_stride=12,
        max_answer_length=30,
    )
    rows = _squad_rows(shared_data, 16)
    examples = [
        {"id": str(i), "question": q, "context": c, "answers": []} for i, (q, c) in enumerate(rows)
    ]
    served = {}
    for flags, settings in (
        ({}, (8, 12, 30)),
        ({"max_query_length": 20, "doc_stride": 6}, (20, 6, 30)),
        ({"max_answer_length": 2}, (8, 12, 2)),
    ):
        src = source.resolve(folder, **flags)
        assert src.settings == settings
        _, endpoints = src.archive(src.model, src.preprocessor("exact"))
        got = endpoints["serving_default"](*(tf.constant(column) for column in zip(*rows)))
        max_query_length, doc_stride, max_answer_length = settings
        inputs, _, features = squad_windows.squad_features(
            src.tokenizer, examples, 48, doc_stride, max_query_length, training=False
        )
        outputs = src.model(inputs, training=False)
        want = squad_windows.decode_squad(
            examples,
            features,
            outputs["start_logits"].numpy(),
            outputs["end_logits"].numpy(),
            n_best_size=48,
            max_answer_length=max_answer_length,
        )
        served[settings] = [answer.decode("utf-8") for answer in got["answer"].numpy()]
        assert served[settings] == [want[e["id"]] for e in examples]
    # Each setting changes the answers.
    assert served[(8, 12, 30)] != served[(20, 6, 30)] and served[(8, 12, 30)] != served[(8, 12, 2)]

    with pytest.raises(ValueError, match=r"^doc_stride=0 must be a positive whole number"):
        source.resolve(folder, doc_stride=0)  # not the folder's 12
    with pytest.raises(ValueError) as e:
        source.resolve(folder, seq_length=11)
    assert str(e.value) == (
        "max_query_length=8 leaves no room for the context at seq_length=11 (at most 7); "
        "export with a smaller --max-query-length or a longer --seq-length."
    )


def test_span_qa_flags_are_refused_for_other_tasks(classifier_dir):
    from keras_bert.export import source

    for flags in ({"doc_stride": 64}, {"max_answer_length": 0}):
        with pytest.raises(ValueError) as e:
            source.resolve(classifier_dir, **flags)
        assert str(e.value) == (
            "--max-query-length, --doc-stride and --max-answer-length set how a span QA model "
            "reads and answers; sentiment is a classification model: drop them."
        )


def _squad_rows(shared_data, count):
    import json
    import os

    with open(os.path.join(shared_data, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        paragraphs = [p for article in json.load(f)["data"] for p in article["paragraphs"]]
    return [(p["qas"][0]["question"], p["context"]) for p in paragraphs[:count]]


def test_the_answer_is_the_context_as_written(small_vocab, shared_data):
    """The SavedModel answer is `text_pair[answer_start_byte:answer_end_byte]`, from the start
    of the run holding the span's first piece to the end of the run holding its last, in the
    context's own case, accents and spacing; a context the runs do not trace answers with its
    joined pieces."""
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config

    rows = _squad_rows(shared_data, 24) + [
        ("Who?", "Café Ünal, the U.S.-based firm's 中文 owner (since 1990)."),
        ("unaligned", "ΑΣ'Β 'Σ'"),  # uncased: its runs do not tokenize like the whole text
    ]
    questions, contexts = (list(column) for column in zip(*rows))
    # "##σ" and "##ς" in place of two unused tokens: the sigma that is final in its run alone
    # gives another piece than in the whole text.
    tokens = BertTokenizer(small_vocab).vocab
    assert tokens[1:3] == ["[unused0]", "[unused1]"]
    tokenizer = BertTokenizer(tokens[:1] + ["##σ", "##ς"] + tokens[3:])
    model = _task_models(tiny_config())["span_qa"]
    got = _serve(model, BertPreprocessor(tokenizer, seq_length=64), questions, contexts)
    want = reference_span_qa(model, tokenizer, 64, questions, contexts)
    for row, context in enumerate(contexts[:-1]):
        start, end = want["answer_start_byte"][row], want["answer_end_byte"][row]
        assert 0 <= start < end and got["answer"][row] == context.encode()[start:end]
    assert any(answer != answer.lower() for answer in got["answer"][:-1])  # not lower-cased
    assert got["answer_start_byte"][-1] == got["answer_end_byte"][-1] == -1
    assert got["answer"][-1] and got["answer"][-1] in "ασ ' β ' σ '".encode()  # its pieces, joined


def test_tagger_word_ids_name_the_whitespace_word_of_each_piece(small_vocab, shared_data):
    from keras_bert.text import BertPreprocessor, BertTokenizer
    from tests.export.conftest import tiny_config
    from tests.keras_bert.text.conftest import read_wnut
    from tests.reference_tokenizer import ReferenceTokenizer, word_offsets

    texts = (
        read_wnut(shared_data)[:20] + MIXED_TEXTS + ["U.S.-based  \u00a0firm\u3000中文 x\u2028y"]
    )
    tokenizer = BertTokenizer(small_vocab)
    preprocessor = BertPreprocessor(tokenizer, seq_length=SEQ_LENGTH)
    got = _serve(_task_models(tiny_config())["token_classifier"], preprocessor, texts)["word_ids"]
    ref = ReferenceTokenizer(tokenizer.vocab)
    for row, text in enumerate(texts):
        word_ids = word_offsets(ref, text)[0][: SEQ_LENGTH - 2]
        want = [-1] + word_ids + [-1] * (SEQ_LENGTH - 1 - len(word_ids))
        assert got[row].tolist() == want, repr(text)
    # "U.S.-based" "firm" (4 pieces in this small vocabulary) "中文" "x" "y":
    # NBSP, U+3000, U+2028 split.
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
                    np.testing.assert_allclose(
                        value[0], batch[name][i], atol=1e-5, err_msg=f"{task}/{name}"
                    )
                else:
                    np.testing.assert_array_equal(
                        value[0], batch[name][i], err_msg=f"{task}/{name}"
                    )


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
        if task == "span_qa":  # at 8 positions a question keeps (8 - 3) // 2 = 2 pieces
            texts = ["a day", "", "the end"]
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
    assert [len(b["text"]) for b in batches] == [
        len(verify.SAMPLE_TEXTS),
        len(verify.SAMPLE_TEXTS) - 1,
    ]
    longest = [
        int(preprocessor(tf.constant(b["text"]))["input_mask"].numpy().sum(1).max())
        for b in batches
    ]
    assert longest == [64, 31]
    outputs = verify.in_batches(
        lambda x: verify.reference_outputs(endpoints["serving_default"], x), batches
    )
    assert outputs["logits"].shape == (2 * len(verify.SAMPLE_TEXTS) - 1, 3)
