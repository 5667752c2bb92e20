"""`--format mediapipe`: files that MediaPipe's TextClassifier and TextEmbedder run as they are.

MediaPipe runs in its own process (`mediapipe.run_in_mediapipe`, the package's Python API over
the same C++ as Android, iOS and the web); the Keras model and the original tokenizer are the
references.
"""

import os
import zipfile

import numpy as np
import pytest

from tests.export.conftest import LABELS, SEQ_LENGTH, tiny_config

PLAIN_TEXTS = ["the movie was a delight .", "terrible plot , wooden acting !", "an hour of it"]


def _original_inputs(model_dir, texts):
    """The encoder inputs the original tokenizer makes of `texts` at the folder's length."""
    from keras_bert.text import BertTokenizer

    return _original_inputs_of(BertTokenizer.from_pretrained(model_dir).vocab, texts)


def _original_inputs_of(vocab, texts):
    """The encoder inputs the original (uncased) tokenizer makes of `texts` with `vocab`."""
    import tensorflow as tf

    from keras_bert.text import BertPreprocessor, BertTokenizer

    preprocessor = BertPreprocessor(BertTokenizer(vocab), seq_length=SEQ_LENGTH)
    return {k: v.numpy() for k, v in preprocessor(tf.constant(texts)).items()}


@pytest.fixture(scope="module")
def sharp_classifier_dir(small_vocab, tmp_path_factory):
    """A tiny classifier whose head is scaled up, so that its probabilities vary from text to
    text (a freshly initialized head gives about 0.5 for every text)."""
    import keras

    import keras_bert
    from keras_bert.model_dir import save_model_dir

    keras.utils.set_random_seed(1)
    model = keras_bert.BertClassifier(
        keras_bert.BertEncoder(tiny_config()), num_classes=2, label_names=LABELS
    )
    model.head.set_weights([w * 300.0 for w in model.head.get_weights()])
    path = str(tmp_path_factory.mktemp("models") / "sentiment")
    save_model_dir(
        model,
        path,
        small_vocab,
        task="classification",
        lower_case=True,
        max_chars_per_word=200,
        seq_length=SEQ_LENGTH,
    )
    return path


def test_a_classifier_runs_in_text_classifier_with_its_labels(
    sharp_classifier_dir, small_vocab, tmp_path, capsys
):
    from keras_bert.export.mediapipe import run_in_mediapipe
    from keras_bert.export.tflite import tflite_ops
    from keras_bert.export.verify import tflite_interpreter

    from keras_bert.cli import main
    from keras_bert.model_dir import load_model_dir

    eval_file = tmp_path / "dev.tsv"
    eval_file.write_text(
        "sentence\tlabel\n" + "".join(f"{t}\t{LABELS[i % 2]}\n" for i, t in enumerate(PLAIN_TEXTS))
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "export",
                sharp_classifier_dir,
                "--out",
                str(out),
                "--format",
                "mediapipe",
                "--eval-file",
                str(eval_file),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    path = out / "mediapipe" / "sentiment" / "1" / "sentiment-text_classifier.tflite"
    assert f"MediaPipe: {path}" in printed
    assert "3/3 texts tokenized as the original" in printed and "accuracy" in printed
    assert sorted(os.listdir(out)) == ["mediapipe"]  # --format mediapipe writes nothing else

    # What MediaPipe needs: ids in (int32 [1, seq], the TF Hub names), builtin ops only, and
    # the vocabulary and label names packed in the file.
    interpreter = tflite_interpreter(str(path))
    inputs = {d["name"]: d for d in interpreter.get_input_details()}
    assert sorted(inputs) == sorted(
        f"serving_default_{n}:0" for n in ("input_word_ids", "input_mask", "input_type_ids")
    )
    assert all(
        d["dtype"] == np.int32 and list(d["shape"]) == [1, SEQ_LENGTH] for d in inputs.values()
    )
    assert all(
        op.isupper() and op not in ("VAR_HANDLE", "READ_VARIABLE")
        for op in tflite_ops(path.read_bytes())
    )
    with zipfile.ZipFile(path) as packed:
        assert packed.read("labels.txt").decode().split("\n") == LABELS
        with open(small_vocab, encoding="utf-8") as f:
            assert packed.read("vocab.txt").decode().split("\n") == f.read().splitlines()

    # MediaPipe's scores are the Keras model's probabilities on the original's ids.
    outputs, labels = run_in_mediapipe([(str(path), "text_classifier", PLAIN_TEXTS)])
    assert labels == [LABELS]
    model, _ = load_model_dir(sharp_classifier_dir)
    logits = np.asarray(model(_original_inputs(sharp_classifier_dir, PLAIN_TEXTS), training=False))
    want = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    got = np.stack(outputs[0])
    assert (
        np.ptp(want[:, 0]) > 1e-3
    )  # the texts score apart by 10x the tolerance: the check tells them apart
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_an_encoder_runs_in_text_embedder_as_its_pooled_output(small_vocab, tmp_path):
    import keras
    from keras_bert.export.mediapipe import export_mediapipe, run_in_mediapipe

    import keras_bert
    from keras_bert.model_dir import save_model_dir

    keras.utils.set_random_seed(2)
    encoder = keras_bert.BertEncoder(tiny_config())
    folder = str(tmp_path / "encoder")
    save_model_dir(
        encoder,
        folder,
        small_vocab,
        task="pretraining",
        lower_case=True,
        max_chars_per_word=200,
        seq_length=SEQ_LENGTH,
    )
    result = export_mediapipe(folder, str(tmp_path / "out"), verbose=False)
    (path,) = result.paths
    assert path.endswith(os.path.join("mediapipe", "encoder", "1", "encoder-text_embedder.tflite"))
    assert all(row.passed for row in result.rows)
    outputs, _ = run_in_mediapipe([(path, "text_embedder", PLAIN_TEXTS)])
    want = np.asarray(
        encoder(_original_inputs(folder, PLAIN_TEXTS), training=False)["pooled_output"]
    )
    np.testing.assert_allclose(np.stack(outputs[0]), want, atol=1e-4)


def test_mediapipe_lower_cases_ascii_only_and_keeps_accents(tmp_path):
    """The ids MediaPipe's tokenizer feeds (read back through the ids probe), against what its
    C++ does (ASCII lower-casing, RE2 `\\s` whitespace, no accent stripping, no cleaning) and
    what the original does."""
    from keras_bert.export.mediapipe import (
        convert_ids_function,
        fed_inputs,
        ids_probe_function,
        run_in_mediapipe,
        with_metadata,
    )

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "cafe", "caf", "##é", "a", "b", "!"]
    ids = {token: i for i, token in enumerate(vocab)}
    probe = tmp_path / "probe.tflite"
    probe.write_bytes(
        with_metadata(convert_ids_function(ids_probe_function(8), "probe"), vocab, None, "probe")
    )
    texts = ["Café!", "CAFÉ", "a\u00a0b", "a\x0cb", "A B"]
    outputs, _ = run_in_mediapipe([(str(probe), "text_embedder", texts)])
    fed = fed_inputs(outputs[0], 8)
    pieces = {
        "Café!": ["caf", "##é", "!"],  # the original: cafe !
        "CAFÉ": ["[UNK]"],  # "cafÉ": only ASCII letters are lower-cased
        "a\u00a0b": ["[UNK]"],  # a no-break space joins the word (the original splits: a b)
        "a\x0cb": ["a", "b"],  # a form feed is RE2 whitespace (the original deletes it: ab)
        "A B": ["a", "b"],
    }
    for row, text in enumerate(texts):
        want = [ids["[CLS]"]] + [ids[p] for p in pieces[text]] + [ids["[SEP]"]]
        assert list(fed["input_word_ids"][row]) == want + [0] * (8 - len(want)), text
        assert list(fed["input_mask"][row]) == [1] * len(want) + [0] * (8 - len(want))
        assert not fed["input_type_ids"][row].any()


def test_what_mediapipe_cannot_run_is_refused(classifier_dir, small_vocab, tmp_path, capsys):
    from keras_bert.export.mediapipe import export_mediapipe

    import keras_bert
    from keras_bert.cli import main
    from keras_bert.text import BertTokenizer

    cased = BertTokenizer(small_vocab, lower_case=False)
    with pytest.raises(ValueError, match="cased vocabulary"):
        export_mediapipe(
            keras_bert.BertEncoder(tiny_config()), str(tmp_path), seq_length=16, tokenizer=cased
        )
    tagger = keras_bert.BertTokenClassifier(keras_bert.BertEncoder(tiny_config()), num_labels=3)
    with pytest.raises(ValueError, match="MediaPipe has no task for a token_classification model"):
        export_mediapipe(tagger, str(tmp_path), seq_length=16, tokenizer=BertTokenizer(small_vocab))
    assert (
        main(
            [
                "export",
                classifier_dir,
                "--out",
                str(tmp_path),
                "--format",
                "mediapipe",
                "--quantize",
                "dynamic",
            ]
        )
        == 1
    )
    assert "--quantize do not apply to --format mediapipe" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_a_sentence_embedder_runs_in_text_embedder_as_its_embedding(small_vocab, tmp_path):
    """A `BertTextEmbedder` (mean pooling, L2-normalized): MediaPipe's embedding is the Keras
    model's `embedding` on the original's ids. A model with two float matrices is refused."""
    import keras
    from keras_bert.export.mediapipe import export_mediapipe, ids_function, run_in_mediapipe

    import keras_bert
    from keras_bert.text import BertTokenizer

    keras.utils.set_random_seed(3)
    encoder = keras_bert.BertEncoder(tiny_config())
    embedder = keras_bert.BertTextEmbedder(encoder, pooling="mean", normalize=True)
    result = export_mediapipe(
        embedder,
        str(tmp_path),
        name="sentences",
        seq_length=SEQ_LENGTH,
        tokenizer=BertTokenizer(small_vocab),
        verbose=False,
    )
    (path,) = result.paths
    assert path.endswith("sentences-text_embedder.tflite")
    outputs, _ = run_in_mediapipe([(path, "text_embedder", PLAIN_TEXTS)])
    inputs = _original_inputs_of(small_vocab, PLAIN_TEXTS)
    want = np.asarray(embedder(inputs, training=False)["embedding"])
    np.testing.assert_allclose(np.stack(outputs[0]), want, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(want, axis=1), 1.0, atol=1e-5)

    ids = {name: keras.Input((SEQ_LENGTH,), dtype="int32", name=name) for name in inputs}
    pooled = encoder(ids)["pooled_output"]
    two = keras.Model(ids, {"a": pooled, "b": 2.0 * pooled})
    with pytest.raises(ValueError, match="needs a model with one float"):
        ids_function(two, SEQ_LENGTH, "text_embedder")(**{k: v[:1] for k, v in inputs.items()})
