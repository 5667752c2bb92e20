"""keras-hub presets: a folder written by keras-hub's own `save_to_preset`, the same files in
kagglehub's cache (laid out by kagglehub's own cache code) under a `kaggle://` handle and a
keras-hub preset name, checked against keras-hub's own model and tokenizer, with the network
refused."""

import os
import shutil
import time

import keras_hub
import numpy as np
import pytest
from kagglehub.cache import Cache
from kagglehub.handle import parse_model_handle

import keras_bert
from keras_bert import BertClassifier, BertEncoder, names
from keras_bert.checkpoints import formats
from keras_bert.text import BertTokenizer
from tests.keras_bert.model_weights import random_inputs, randomize_weights
from tests.tiny_hub import TinyHub, point_huggingface_hub_at

VOCAB = (
    ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    + [
        "the",
        "film",
        "##s",
        "a",
        "grip",
        "##ping",
        "story",
        ",",
        ".",
        "!",
        "not",
        "bad",
        "good",
    ]
    + [f"w{i}" for i in range(30)]
)
TEXTS = ["The films, a GRIPPING story!", "not bad.", "good good film w7 w12 unknownword"]
# The handle keras-hub's registry gives for `bert_tiny_en_uncased`.
HANDLE = "keras/bert/keras/bert_tiny_en_uncased/3"


@pytest.fixture(scope="module")
def backbone():
    model = keras_hub.models.BertBackbone(
        vocabulary_size=len(VOCAB),
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=24,
        max_sequence_length=32,
    )
    randomize_weights(model, seed=5, scale=0.3)
    return model


@pytest.fixture(scope="module")
def tokenizer():
    return keras_hub.models.BertTokenizer(vocabulary=VOCAB, lowercase=True)


@pytest.fixture(scope="module")
def preset(backbone, tokenizer, tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("preset") / "tiny_bert")
    backbone.save_to_preset(folder)
    tokenizer.save_to_preset(folder)
    return folder


@pytest.fixture()
def kaggle_cache(preset, tmp_path, monkeypatch):
    """kagglehub's cache with the preset as HANDLE, each file marked complete as
    `kagglehub.model_download(HANDLE, file)` leaves it; Kaggle itself refused."""
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub"))
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "LOCALHOST")
    cache, handle = Cache(), parse_model_handle(HANDLE)
    for root, _, files in os.walk(preset):
        for name in files:
            file = os.path.relpath(os.path.join(root, name), preset)
            os.makedirs(os.path.dirname(cache.get_path(handle, file)), exist_ok=True)
            shutil.copyfile(os.path.join(root, name), cache.get_path(handle, file))
            cache.mark_as_complete(handle, file)
    return cache.get_path(handle)


def _check_same_outputs(encoder, backbone):
    """Our encoder's outputs against keras-hub's backbone's (eager calls: tiny models)."""
    assert encoder.config.hidden_act == "gelu_tanh"
    inputs = random_inputs(3, 12, len(VOCAB), seed=3)
    ours = encoder(inputs, training=False)
    theirs = backbone(
        {
            "token_ids": inputs["input_word_ids"],
            "segment_ids": inputs["input_type_ids"],
            "padding_mask": inputs["input_mask"],
        },
        training=False,
    )
    for name in ("sequence_output", "pooled_output"):
        np.testing.assert_allclose(ours[name], theirs[name], atol=1e-5, err_msg=name)


def test_a_preset_folder_loads_as_keras_hub_computes_it(preset, backbone, tokenizer):
    assert sorted(os.listdir(preset)) == [
        "assets",
        "config.json",
        "metadata.json",
        "model.weights.h5",
        "tokenizer.json",
    ]
    _check_same_outputs(keras_bert.from_pretrained(preset), backbone)
    ours = BertTokenizer.from_pretrained(preset)
    assert ours.lower_case is True and ours.vocab == VOCAB
    assert ours.tokenize(TEXTS).to_list() == tokenizer(TEXTS)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(preset, task="pretraining")
    assert str(e.value) == (
        f"{preset} is a keras-hub preset of a BertBackbone, which has no pretraining model; load "
        "it with task='encoder' and put the task's head on it."
    )


def test_a_keras_hub_classifier_preset_loads_with_its_head(backbone, tokenizer, tmp_path):
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=16)
    theirs = keras_hub.models.BertTextClassifier(backbone, num_classes=3, preprocessor=preprocessor)
    randomize_weights(theirs.output_dense, seed=8)
    theirs.save_to_preset(str(tmp_path))
    ours = keras_bert.from_pretrained(str(tmp_path), task="auto")
    assert isinstance(ours, BertClassifier) and ours.num_classes == 3
    inputs = random_inputs(3, 12, len(VOCAB), seed=4)
    logits = theirs(
        {
            "token_ids": inputs["input_word_ids"],
            "segment_ids": inputs["input_type_ids"],
            "padding_mask": inputs["input_mask"],
        },
        training=False,
    )
    np.testing.assert_allclose(ours(inputs, training=False), logits, atol=1e-5)
    assert type(keras_bert.from_pretrained(str(tmp_path))) is BertEncoder


def test_kaggle_handles_and_preset_names_resolve_in_the_kagglehub_cache(kaggle_cache):
    assert names.resolve("kaggle://" + HANDLE) == kaggle_cache
    assert names.resolve("bert_tiny_en_uncased") == kaggle_cache
    # Without a version, and Kaggle unreachable: the newest cached version.
    assert names.resolve("kaggle://keras/bert/keras/bert_tiny_en_uncased") == kaggle_cache
    assert names.model_name("kaggle://" + HANDLE) == "bert_tiny_en_uncased"
    # A whole version, as `kagglehub.model_download(handle)` leaves it.
    whole = parse_model_handle(HANDLE.replace("/3", "/2"))
    shutil.copytree(kaggle_cache, Cache().get_path(whole))
    Cache().mark_as_complete(whole)
    assert names.resolve("kaggle://" + HANDLE.replace("/3", "/2")) == Cache().get_path(whole)
    encoder = keras_bert.from_pretrained("bert_tiny_en_uncased")
    # keras-hub resolves the same name to the same cached files.
    _check_same_outputs(encoder, keras_hub.models.BertBackbone.from_preset("bert_tiny_en_uncased"))
    assert BertTokenizer.from_pretrained("kaggle://" + HANDLE).vocab == VOCAB


def test_a_kaggle_handle_that_is_not_cached_fails_at_once(kaggle_cache):
    start = time.monotonic()
    with pytest.raises(FileNotFoundError) as e:
        keras_bert.from_pretrained("bert_small_en_uncased")
    assert time.monotonic() - start < 10
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(
        "kaggle://keras/bert/keras/bert_small_en_uncased/3 (config.json) is not in the kagglehub "
        "cache and cannot be downloaded (ConnectionError: "
    )
    assert message.endswith(
        "run `python -c \"import kagglehub; kagglehub.model_download('keras/bert/keras/"
        "bert_small_en_uncased/3')\"` on a machine with network (same KAGGLEHUB_CACHE), or pass "
        "a local preset folder."
    )
    with pytest.raises(ValueError, match="is a keras-hub preset of another architecture"):
        names.resolve("gemma_2b_en")
    with pytest.raises(ValueError, match="is not a Kaggle model handle; they look like"):
        names.resolve("kaggle://keras/bert")


def test_a_keras_hub_preset_on_the_huggingface_hub_is_fetched_as_a_preset(
    preset, tmp_path, monkeypatch
):
    files = {"README.md": b"not fetched"}
    for root, _, found in os.walk(preset):
        for name in found:
            with open(os.path.join(root, name), "rb") as f:
                files[os.path.relpath(os.path.join(root, name), preset)] = f.read()
    hub = TinyHub({"keras/tiny-bert": {"main": ("e" * 40, files)}})
    try:
        point_huggingface_hub_at(monkeypatch, hub.url, tmp_path)
        folder = names.resolve("hf://keras/tiny-bert")
    finally:
        hub.close()
    assert sorted(f for _, f in hub.requests) == [
        "assets/tokenizer/vocabulary.txt",
        "config.json",
        "model.weights.h5",
        "tokenizer.json",
    ]
    assert formats.detect(folder).format == formats.KERAS_HUB
