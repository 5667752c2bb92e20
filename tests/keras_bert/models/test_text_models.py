"""Models that carry a preprocessor: raw text in fit / evaluate / predict, and .keras files."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_bert as kb
from keras_bert.models.token_classifier import IGNORE_LABEL
from keras_bert.text import BertPreprocessor

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "hf_tiny_bert")
SEQ = 16
TEXTS = ["tok5 tok7 tok9", "tok11 tok12", "tok30 tok31 tok32 tok33 tok34 tok35", "tok40"]
QUESTIONS = ["tok5 tok6", "tok7", "tok8 tok9 tok10", "tok11"]
# Word pieces to check alignment against: "playing" is "play ##ing", "unhappily" three pieces.
PIECE_VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "i",
    "was",
    "play",
    "##ing",
    "un",
    "##happ",
    "##ily",
    "in",
    "york",
    "new",
    ".",
    "who",
    "?",
]


PIECE_VOCAB_SIZE = len(PIECE_VOCAB)


def tiny_encoder(vocab_size=PIECE_VOCAB_SIZE):
    config = kb.BertConfig(
        vocab_size=vocab_size,
        hidden_size=8,
        num_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=32,
    )
    return kb.BertEncoder(config)


def ids_of(model, x):
    """The model inputs of raw text through the model's own preprocessor, called directly
    (a pretrainer's: its masking outside fit, fixed)."""
    x = tuple(tf.constant(t) for t in x) if isinstance(x, tuple) else tf.constant(x)
    if isinstance(model, kb.BertPretrainer):
        return model.preprocess_samples(x)[0]
    return {name: value.numpy() for name, value in model.preprocessor(x).items()}


# (class, its arguments, x, y for fit)
CASES = {
    "classifier": (kb.BertClassifier, {"num_classes": 2}, TEXTS, [1, 0, 1, 0]),
    "token_classifier": (
        kb.BertTokenClassifier,
        {"num_labels": 3, "label_names": ["O", "B", "I"]},
        TEXTS,
        [["O", "B", "I"], ["B", "O"], ["O"] * 6, ["B"]],
    ),
    "span_qa": (
        kb.BertSpanQA,
        {},
        (QUESTIONS, TEXTS),
        {"answer_start": [5, 0, 18, 0], "answer_text": ["tok7", "tok11", "tok33", ""]},
    ),
    "pretrainer": (kb.BertPretrainer, {}, TEXTS, None),
    "encoder": (kb.BertEncoder, {}, TEXTS, None),
}


def assert_outputs_equal(a, b):
    keras.tree.map_structure(np.testing.assert_array_equal, a, b)


@pytest.mark.parametrize(
    "name",
    # One model in the fast suite; each costs about 10 s of tracing (fit, predict, reload).
    ["classifier"]
    + [pytest.param(name, marks=pytest.mark.slow) for name in CASES if name != "classifier"],
)
def test_raw_text_fit_predict_and_keras_round_trip(name, tmp_path):
    cls, kwargs, x, y = CASES[name]
    model = cls.from_pretrained(FIXTURE, seq_length=SEQ, **kwargs)
    assert model.preprocessor.seq_length == SEQ
    if cls is not kb.BertEncoder:
        model.compile(optimizer=kb.bert_optimizer(1e-3, total_steps=2))
        history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
    predicted = model.predict(x, batch_size=3, verbose=0)
    # The same numbers as the ids the preprocessor gives, fed to the model as ids.
    assert_outputs_equal(predicted, model.predict(ids_of(model, x), batch_size=3, verbose=0))

    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is cls
    assert loaded.preprocessor.get_config() == model.preprocessor.get_config()
    assert_outputs_equal(loaded.predict(x, batch_size=3, verbose=0), predicted)


@pytest.fixture(scope="module")
def classifier():
    model = kb.BertClassifier.from_pretrained(FIXTURE, seq_length=SEQ, num_classes=2)
    model.compile()
    return model


def test_evaluate_on_text_is_evaluate_on_its_ids(classifier):
    model = classifier
    labels = np.array([1, 0, 1, 0])
    on_text = model.evaluate(TEXTS, labels, batch_size=2, verbose=0)
    on_ids = model.evaluate(ids_of(model, TEXTS), labels, batch_size=2, verbose=0)
    np.testing.assert_allclose(on_text, on_ids, rtol=1e-6)
    # A batched tf.data.Dataset of text goes through the preprocessor too.
    dataset = tf.data.Dataset.from_tensor_slices((TEXTS, labels)).batch(2)
    np.testing.assert_allclose(model.evaluate(dataset, verbose=0), on_ids, rtol=1e-6)


def test_text_pairs_pack_as_pairs(classifier):
    model = classifier
    pairs = (TEXTS, QUESTIONS)
    ids = ids_of(model, pairs)
    assert ids["input_type_ids"].max() == 1  # the second text is segment 1
    np.testing.assert_array_equal(model.predict(pairs, verbose=0), model.predict(ids, verbose=0))
    assert not np.allclose(model.predict(pairs, verbose=0), model.predict(TEXTS, verbose=0))


def test_without_a_preprocessor_ids_work_and_text_is_refused():
    model = kb.BertClassifier.from_pretrained(FIXTURE, preprocessor=None, num_classes=2)
    assert model.preprocessor is None
    ids = {
        "input_word_ids": np.array([[2, 10, 11, 3]], "int32"),
        "input_mask": np.ones((1, 4), "int32"),
        "input_type_ids": np.zeros((1, 4), "int32"),
    }
    assert model.predict(ids, verbose=0).shape == (1, 2)
    with pytest.raises(ValueError, match="has no preprocessor"):
        model.predict(TEXTS, verbose=0)
    with pytest.raises(ValueError, match="Calling a BertClassifier takes ids, not text"):
        model(TEXTS)
    with pytest.raises(ValueError, match="has no preprocessor"):
        model.fit(TEXTS, [1, 0, 1, 0], verbose=0)


def test_a_checkpoint_task_loads_whole_without_head_arguments(tmp_path):
    names = ["a", "b", "c"]
    trained = kb.BertClassifier(kb.from_pretrained(FIXTURE), num_classes=3, label_names=names)
    kb.save_pretrained(trained, str(tmp_path))
    whole = kb.BertClassifier.from_pretrained(str(tmp_path), preprocessor=None)
    assert whole.label_names == ["a", "b", "c"]
    kernel = trained.head.dense.kernel.numpy()
    np.testing.assert_array_equal(whole.head.dense.kernel.numpy(), kernel)
    fresh = kb.BertClassifier.from_pretrained(str(tmp_path), preprocessor=None, num_classes=2)
    assert fresh.num_classes == 2


def piece_tagger():
    preprocessor = BertPreprocessor(vocab=PIECE_VOCAB, seq_length=12)
    return kb.BertTokenClassifier(
        tiny_encoder(), num_labels=3, label_names=["O", "B", "I"], preprocessor=preprocessor
    )


def test_word_labels_go_to_the_first_piece_of_each_word():
    tagger = piece_tagger()
    texts = ["I was playing in New York.", "unhappily playing"]
    words = [["O", "O", "O", "O", "B", "I"], ["B", "I"]]
    labels = tagger.prepare_labels(np.array(texts, dtype=object), words)
    inputs, aligned = tagger.preprocess_samples(tf.constant(texts), labels)
    # Reference: each word's pieces from the tokenizer alone, the label on the first.
    tokenizer, index = tagger.preprocessor.tokenizer, {"O": 0, "B": 1, "I": 2}
    for row, (text, tags) in enumerate(zip(texts, words)):
        expected = [IGNORE_LABEL]
        for word, tag in zip(text.split(), tags):
            pieces = tokenizer.tokenize(tf.constant([word])).to_list()[0]
            expected += [index[tag]] + [IGNORE_LABEL] * (len(pieces) - 1)
        expected += [IGNORE_LABEL] * (12 - len(expected))
        np.testing.assert_array_equal(aligned.numpy()[row], expected[:12])
    # "york." is two pieces, "unhappily" three: only their first carries the label.
    assert inputs["input_word_ids"].numpy()[1, 1:4].tolist() == [9, 10, 11]
    predicted = tagger.predict_words(texts)
    assert [len(tags) for tags in predicted] == [6, 2]
    assert all(tag in ("O", "B", "I") for tags in predicted for tag in tags)


def test_word_labels_must_match_the_words():
    tagger = piece_tagger()
    with pytest.raises(ValueError, match="Text 0 has 2 words .* but 3 labels"):
        tagger.prepare_labels(np.array(["in york"], dtype=object), [["O", "O", "B"]])
    with pytest.raises(ValueError, match="Text 1 has 3 words, but the tokenizer finds pieces"):
        tagger.prepare_labels(np.array(["in", "in \u200b york"], dtype=object), [["O"], ["O"] * 3])
    with pytest.raises(ValueError, match="'X' of text 0 is not among label_names"):
        tagger.prepare_labels(np.array(["in york"], dtype=object), [["O", "X"]])


def test_span_labels_cover_the_answer_pieces_or_point_at_cls():
    preprocessor = BertPreprocessor(vocab=PIECE_VOCAB, seq_length=10)
    qa = kb.BertSpanQA(tiny_encoder(), preprocessor=preprocessor)
    questions, contexts = ["who?", "who?"], ["I was unhappily playing", "I was in New York playing"]
    y = {"answer_start": [6, 18], "answer_text": ["unhappily", "playing"]}
    labels = qa.prepare_labels((np.array(questions, object), np.array(contexts, object)), y)
    pairs = (tf.constant(questions), tf.constant(contexts))
    inputs, positions = qa.preprocess_samples(pairs, labels)
    ids = inputs["input_word_ids"].numpy()
    start, end = positions["start_positions"].numpy(), positions["end_positions"].numpy()
    answer = preprocessor.tokenizer.detokenize(ids[0, start[0] : end[0] + 1]).numpy().decode()
    assert answer == "unhappily"
    # The second context is cut after "york" (10 positions): its answer points at [CLS].
    assert (start[1], end[1]) == (0, 0)
    with pytest.raises(ValueError, match="is not at character 0"):
        qa.prepare_labels(
            (np.array(questions, object), np.array(contexts, object)),
            {"answer_start": [0, 0], "answer_text": ["was", "was"]},
        )


def test_pretrainer_masks_raw_text_reproducibly_outside_fit():
    preprocessor = BertPreprocessor(vocab=PIECE_VOCAB, seq_length=12)
    pretrainer = kb.BertPretrainer(
        tiny_encoder(), max_predictions_per_seq=3, preprocessor=preprocessor
    )
    texts = tf.constant(["I was playing in New York.", "unhappily playing"])
    first = pretrainer.preprocess_samples(texts)
    assert_outputs_equal(first, pretrainer.preprocess_samples(texts))
    inputs, labels = first
    original = preprocessor(texts)["input_word_ids"].numpy()
    positions = inputs["masked_lm_positions"].numpy()
    weights = labels["masked_lm_weights"].numpy()
    assert positions.shape == (2, 3) and weights.sum() >= 2
    for row in range(2):
        real = positions[row][weights[row] > 0]
        masked_ids = labels["masked_lm_ids"].numpy()[row][weights[row] > 0]
        np.testing.assert_array_equal(masked_ids, original[row, real])
    np.testing.assert_array_equal(labels["next_sentence_labels"].numpy(), [0, 0])
