import os

import numpy as np
import pytest

import keras_bert
from keras_bert import BertClassifier, BertConfig, BertEncoder, BertPretrainer
from keras_bert.model_dir import save_model_dir

CONFIG = BertConfig(
    vocab_size=20,
    hidden_size=8,
    num_layers=1,
    num_attention_heads=2,
    intermediate_size=12,
    max_position_embeddings=16,
)


@pytest.fixture()
def vocab(tmp_path):
    path = tmp_path / "vocab_src.txt"
    path.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]) + "\n")
    return str(path)


def _same_weights(a, b):
    assert len(a.weights) == len(b.weights)
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_keras_bert_model_folder(tmp_path, vocab):
    classifier = BertClassifier(BertEncoder(CONFIG), num_classes=3)
    save_model_dir(classifier, str(tmp_path / "clf"), vocab, task="classifier")
    encoder = keras_bert.from_pretrained(str(tmp_path / "clf"))
    assert type(encoder) is BertEncoder
    _same_weights(encoder, classifier.encoder)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(str(tmp_path / "clf"), task="pretraining")
    assert str(e.value) == (
        f"{tmp_path}/clf holds a BertClassifier, not a BertPretrainer; load it with task='encoder'."
    )
    loaded = keras_bert.from_pretrained(str(tmp_path / "clf"), task="classification")
    assert type(loaded) is BertClassifier and loaded.num_classes == 3
    _same_weights(loaded, classifier)
    with pytest.raises(ValueError, match="holds a BertClassifier, not a BertSpanQA; load it with"):
        keras_bert.from_pretrained(str(tmp_path / "clf"), task="squad")


def test_keras_bert_pretrainer_folder(tmp_path, vocab):
    pretrainer = BertPretrainer(BertEncoder(CONFIG))
    save_model_dir(pretrainer, str(tmp_path), vocab, task="pretraining")
    loaded = keras_bert.from_pretrained(str(tmp_path), task="pretraining")
    assert type(loaded) is BertPretrainer
    _same_weights(loaded, pretrainer)


@pytest.mark.parametrize("format", ["huggingface", "google"])
def test_vocab_is_copied_and_format_detected(tmp_path, vocab, format):
    encoder = BertEncoder(CONFIG)
    keras_bert.save_pretrained(encoder, str(tmp_path / "out"), format=format, vocab_file=vocab)
    with open(tmp_path / "out" / "vocab.txt") as f, open(vocab) as g:
        assert f.read() == g.read()
    expected = "config.json" if format == "huggingface" else "bert_config.json"
    assert os.path.isfile(tmp_path / "out" / expected)
    _same_weights(keras_bert.from_pretrained(str(tmp_path / "out")), encoder)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        keras_bert.from_pretrained(str(tmp_path / "nope"))
    assert str(e.value) == f"Checkpoint folder {tmp_path}/nope does not exist."
    (tmp_path / "model.tsv").write_text("")
    with pytest.raises(FileNotFoundError) as e:
        keras_bert.from_pretrained(str(tmp_path / "model.tsv"))
    assert str(e.value) == f"Checkpoint folder {tmp_path}/model.tsv is a file, not a folder."


def test_unknown_folder(tmp_path):
    (tmp_path / "weights.h5").write_bytes(b"")
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(str(tmp_path))
    assert str(e.value) == (
        f"{tmp_path} is not a checkpoint keras-bert knows: expected keras_bert.json (keras-bert), "
        "config.json + model.weights.h5 (a keras-hub preset), bert_config.json + "
        "bert_model.ckpt.index (Google) or config.json + model.safetensors or its shards' "
        "model.safetensors.index.json (Hugging Face)."
    )


def test_bad_arguments(tmp_path, vocab):
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(str(tmp_path), task="mlm")
    assert str(e.value) == (
        "Unknown task 'mlm'; use one of encoder, pretraining, classification, "
        "pair_classification, regression, pair_regression, token_classification, squad, "
        "embedding, auto."
    )
    encoder = BertEncoder(CONFIG)
    with pytest.raises(
        ValueError, match="Unknown checkpoint format 'onnx'; use one of huggingface, google."
    ):
        keras_bert.save_pretrained(encoder, str(tmp_path), format="onnx")
    with pytest.raises(FileNotFoundError, match="Vocabulary file .*missing.txt does not exist."):
        keras_bert.save_pretrained(encoder, str(tmp_path), vocab_file=str(tmp_path / "missing.txt"))
    classifier = BertClassifier(encoder, num_classes=2)
    with pytest.raises(ValueError, match="Google folders hold an encoder or a pretrainer"):
        keras_bert.save_pretrained(classifier, str(tmp_path / "c"), format="google")
    assert not os.path.exists(tmp_path / "c")
