"""Hugging Face checkpoints, against tests/fixtures/hf_tiny_bert (written by transformers; see
tests/fixtures/make_hf_checkpoint.py). The variants (BertModel, BertForMaskedLM, old LayerNorm
names, sentence-transformers folders) are that file with its keys renamed or dropped the way
transformers and sentence-transformers lay them out."""

import json
import os
import shutil
import sys
import warnings

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import keras_bert
from keras_bert import (
    INPUT_NAMES,
    BertClassifier,
    BertConfig,
    BertEncoder,
    BertPretrainer,
    BertSpanQA,
    BertTokenClassifier,
)
from tests.keras_bert.model_weights import randomize_weights

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "hf_tiny_bert")


@pytest.fixture(scope="module")
def expected():
    return dict(np.load(os.path.join(FIXTURE, "expected.npz")))


@pytest.fixture(scope="module")
def tensors():
    return load_file(os.path.join(FIXTURE, "model.safetensors"))


@pytest.fixture(scope="module")
def pretrainer():
    return keras_bert.from_pretrained(FIXTURE, task="pretraining")


def _write(folder, tensors, config_source=FIXTURE):
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(os.path.join(config_source, "config.json"), os.path.join(folder, "config.json"))
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    return str(folder)


def _inputs(expected):
    return {name: expected[name] for name in INPUT_NAMES}


def test_transformers_outputs_are_reproduced(pretrainer, expected):
    assert pretrainer.encoder.config.hidden_act == "gelu_erf"
    out = pretrainer.predict(
        dict(_inputs(expected), masked_lm_positions=expected["masked_lm_positions"]), verbose=0
    )
    encoded = pretrainer.encoder.predict(_inputs(expected), verbose=0)
    for name in ("sequence_output", "pooled_output"):
        np.testing.assert_allclose(encoded[name], expected[name], atol=1e-5, err_msg=name)
    for name in ("mlm_logits", "nsp_logits"):
        np.testing.assert_allclose(out[name], expected[name], atol=1e-5, err_msg=name)


def test_encoder_from_a_pretraining_checkpoint(pretrainer, expected):
    encoder = keras_bert.from_pretrained(FIXTURE)
    assert type(encoder) is BertEncoder
    for a, b in zip(encoder.weights, pretrainer.encoder.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def _assert_same_weights(model_a, model_b):
    assert len(model_a.weights) == len(model_b.weights)
    for a, b in zip(model_a.weights, model_b.weights):
        assert a.path == b.path
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_bert_model_layout_without_prefix(tmp_path, tensors, pretrainer):
    base = {k[len("bert.") :]: v for k, v in tensors.items() if k.startswith("bert.")}
    folder = _write(tmp_path, base)
    _assert_same_weights(keras_bert.from_pretrained(folder), pretrainer.encoder)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(folder, task="pretraining")
    assert str(e.value).startswith(
        f"Hugging Face checkpoint {folder} lacks 5 variable(s) the model needs: "
        "cls.predictions.transform.dense.weight, "
    )


def test_masked_lm_checkpoint_loads_without_pooler_and_nsp_head(tmp_path, tensors, expected):
    # BertForMaskedLM: no pooler, no seq_relationship (transformers builds it without them).
    masked_lm = {
        k: v for k, v in tensors.items() if "pooler" not in k and "seq_relationship" not in k
    }
    folder = _write(tmp_path, masked_lm)
    with pytest.warns(UserWarning) as record:
        model = keras_bert.from_pretrained(folder, task="auto")
    assert type(model) is BertPretrainer
    assert [str(w.message) for w in record] == [
        f"Hugging Face checkpoint {folder} has no pooler.dense.weight, pooler.dense.bias, "
        "cls.seq_relationship.weight, cls.seq_relationship.bias (transformers saves "
        "BertForMaskedLM, BertForTokenClassification and BertForQuestionAnswering without "
        "them): they keep their random initial values, so pooled_output and nsp_logits mean "
        "nothing until trained."
    ]
    out = model.predict(
        dict(_inputs(expected), masked_lm_positions=expected["masked_lm_positions"]), verbose=0
    )
    np.testing.assert_allclose(out["mlm_logits"], expected["mlm_logits"], atol=1e-5)
    assert not np.allclose(out["nsp_logits"], expected["nsp_logits"], atol=1e-3)

    with pytest.warns(UserWarning, match=r"so pooled_output mean nothing until trained\.$"):
        encoder = keras_bert.from_pretrained(folder)
    encoded = encoder.predict(_inputs(expected), verbose=0)
    np.testing.assert_allclose(encoded["sequence_output"], expected["sequence_output"], atol=1e-5)


def test_old_layer_norm_names_and_tied_decoder(tmp_path, tensors, pretrainer):
    old = {
        k.replace("LayerNorm.weight", "LayerNorm.gamma").replace(
            "LayerNorm.bias", "LayerNorm.beta"
        ): v
        for k, v in tensors.items()
    }
    old["cls.predictions.decoder.weight"] = tensors["bert.embeddings.word_embeddings.weight"]
    old["cls.predictions.decoder.bias"] = tensors["cls.predictions.bias"]
    old["bert.embeddings.position_ids"] = np.arange(64, dtype=np.int64)[None]
    assert "bert.embeddings.LayerNorm.gamma" in old
    folder = _write(tmp_path, old)
    _assert_same_weights(keras_bert.from_pretrained(folder, task="pretraining"), pretrainer)

    old["cls.predictions.decoder.weight"] = old["cls.predictions.decoder.weight"] * 2.0
    folder = _write(tmp_path / "untied", old)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(folder, task="pretraining")
    assert str(e.value) == (
        f"Hugging Face checkpoint {folder}: cls.predictions.decoder.weight differs from "
        "embeddings.word_embeddings.weight; keras-bert ties them (one shared matrix) and "
        "cannot load an untied checkpoint."
    )


def test_sentence_transformers_folders(tmp_path, tensors, pretrainer):
    base = {k[len("bert.") :]: v for k, v in tensors.items() if k.startswith("bert.")}
    old_style = tmp_path / "old"
    _write(old_style / "0_Transformer", base)
    (old_style / "modules.json").write_text("[]")
    _assert_same_weights(keras_bert.from_pretrained(str(old_style)), pretrainer.encoder)

    new_style = tmp_path / "new"
    _write(new_style / "transformer", base)
    modules = [
        {
            "idx": 0,
            "name": "0",
            "path": "transformer",
            "type": "sentence_transformers.models.Transformer",
        },
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
    ]
    (new_style / "modules.json").write_text(json.dumps(modules))
    _assert_same_weights(keras_bert.from_pretrained(str(new_style)), pretrainer.encoder)


def _write_shards(folder, tensors, num_shards=3):
    """What transformers writes for large models: shards plus `model.safetensors.index.json`."""
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(os.path.join(FIXTURE, "config.json"), os.path.join(folder, "config.json"))
    names = sorted(tensors)
    weight_map = {}
    for i in range(num_shards):
        shard = f"model-{i + 1:05d}-of-{num_shards:05d}.safetensors"
        part = {n: tensors[n] for n in names[i::num_shards]}
        save_file(part, os.path.join(folder, shard), metadata={"format": "pt"})
        weight_map.update(dict.fromkeys(part, shard))
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)
    return str(folder)


def test_sharded_checkpoints(tmp_path, tensors, pretrainer):
    folder = _write_shards(tmp_path / "sharded", tensors)
    _assert_same_weights(keras_bert.from_pretrained(folder, task="pretraining"), pretrainer)
    os.remove(os.path.join(folder, "model-00002-of-00003.safetensors"))
    with pytest.raises(FileNotFoundError) as e:
        keras_bert.from_pretrained(folder)
    assert str(e.value) == (
        f"{folder}/model.safetensors.index.json lists the shard model-00002-of-00003.safetensors, "
        "which is missing; download every shard."
    )
    index = os.path.join(folder, "model.safetensors.index.json")
    with open(index) as f:
        weight_map = json.load(f)["weight_map"]
    name = sorted(tensors)[0]
    weight_map[name] = "model-00003-of-00003.safetensors"
    folder = _write_shards(tmp_path / "wrong_map", tensors)
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"weight_map": weight_map}, f)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(folder)
    assert str(e.value) == (
        f"{folder}/model.safetensors.index.json puts {name} in model-00003-of-00003.safetensors, "
        "which does not hold it."
    )


def _fine_tuned(folder, tensors, head, rows, id2label=None, architecture=None, pooler=True):
    """The fixture's encoder with a transformers task head (`rows` outputs) beside it; without
    the pooler when `pooler` is False, as transformers writes `BertForTokenClassification` and
    `BertForQuestionAnswering`."""
    rng = np.random.default_rng(7)
    fine_tuned = {
        k: v for k, v in tensors.items() if k.startswith("bert.") and (pooler or "pooler" not in k)
    }
    fine_tuned[f"{head}.weight"] = rng.standard_normal((rows, 32)).astype(np.float32)
    fine_tuned[f"{head}.bias"] = rng.standard_normal(rows).astype(np.float32)
    folder = _write(folder, fine_tuned)
    config_file = os.path.join(folder, "config.json")
    with open(config_file) as f:
        config = json.load(f)
    config.pop("architectures")
    if id2label is not None:
        config["id2label"] = {str(i): name for i, name in enumerate(id2label)}
    if architecture is not None:
        config["architectures"] = [architecture]
    with open(config_file, "w") as f:
        json.dump(config, f)
    return folder, fine_tuned[f"{head}.weight"], fine_tuned[f"{head}.bias"]


def test_fine_tuned_task_models_reproduce_transformers_heads(tmp_path, tensors, expected):
    # transformers' heads are linear layers on its own pooled / sequence outputs (expected.npz).
    folder, w, b = _fine_tuned(tmp_path / "cls", tensors, "classifier", 3, ["neg", "neu", "pos"])
    classifier = keras_bert.from_pretrained(folder, task="classification")
    assert type(classifier) is BertClassifier and classifier.label_names == ["neg", "neu", "pos"]
    logits = classifier.predict(_inputs(expected), verbose=0)
    np.testing.assert_allclose(logits, expected["pooled_output"] @ w.T + b, atol=1e-5)

    folder, w, b = _fine_tuned(tmp_path / "tok", tensors, "classifier", 5, pooler=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the tagger does not use the pooler: nothing to say
        tagger = keras_bert.from_pretrained(folder, task="token_classification")
    assert type(tagger) is BertTokenClassifier and tagger.label_names is None
    logits = tagger.predict(_inputs(expected), verbose=0)
    np.testing.assert_allclose(logits, expected["sequence_output"] @ w.T + b, atol=1e-5)

    folder, w, b = _fine_tuned(tmp_path / "qa", tensors, "qa_outputs", 2, pooler=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = keras_bert.from_pretrained(folder, task="squad")
    out = reader.predict(_inputs(expected), verbose=0)
    spans = expected["sequence_output"] @ w.T + b
    context = (expected["input_type_ids"] == 1) & (expected["input_mask"] == 1)
    context[np.arange(len(context)), expected["input_mask"].sum(1) - 1] = False  # [SEP]
    context[:, 0] = True  # [CLS], where a window without the answer points
    assert context[:, 1:].any()
    for i, name in enumerate(("start_logits", "end_logits")):
        np.testing.assert_allclose(out[name][context], spans[..., i][context], atol=1e-5)


def test_auto_task_follows_the_heads_present(tmp_path, tensors):
    assert type(keras_bert.from_pretrained(FIXTURE, task="auto")) is BertPretrainer
    cases = [
        ("classifier", "BertForSequenceClassification", BertClassifier),
        ("classifier", "BertForTokenClassification", BertTokenClassifier),
        ("classifier", None, BertClassifier),
        ("qa_outputs", "BertForQuestionAnswering", BertSpanQA),
        ("qa_outputs", "BertForPreTraining", BertSpanQA),  # the weights win over a wrong config
    ]
    for i, (head, architecture, cls) in enumerate(cases):
        folder, _, _ = _fine_tuned(
            tmp_path / str(i),
            tensors,
            head,
            2,
            architecture=architecture,
            pooler=cls is BertClassifier,
        )
        assert type(keras_bert.from_pretrained(folder, task="auto")) is cls, (head, architecture)
    # BertModel weights under a config that still says BertForPreTraining: an encoder.
    bare = _write(tmp_path / "bare", {k: v for k, v in tensors.items() if k.startswith("bert.")})
    assert type(keras_bert.from_pretrained(bare, task="auto")) is BertEncoder


def test_sequence_classifier_needs_the_pooler(tmp_path, tensors):
    folder, _, _ = _fine_tuned(tmp_path, tensors, "classifier", 3, pooler=False)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(folder, task="classification")
    assert str(e.value) == (
        f"Hugging Face checkpoint {folder} lacks 2 variable(s) the model needs: "
        "pooler.dense.weight, pooler.dense.bias."
    )


def test_task_without_its_head_is_named(tmp_path, tensors):
    folder = _write(tmp_path, tensors)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(folder, task="classification")
    assert str(e.value) == (
        f"Hugging Face checkpoint {folder} has no classification head (classifier.weight); load "
        "its encoder with task='encoder' and fine-tune a head on it."
    )


def test_bfloat16_and_float16_checkpoints_load_as_float32(tmp_path, tensors):
    import ml_dtypes

    for dtype in (ml_dtypes.bfloat16, np.float16):
        low = {k: v.astype(dtype) if v.dtype == np.float32 else v for k, v in tensors.items()}
        folder = _write(tmp_path / np.dtype(dtype).name, low)
        model = keras_bert.from_pretrained(folder, task="pretraining")
        widened = _write(tmp_path / "widened", {k: v.astype(np.float32) for k, v in low.items()})
        reference = keras_bert.from_pretrained(widened, task="pretraining")
        _assert_same_weights(model, reference)
        assert all(w.dtype == "float32" for w in model.weights)


def test_unknown_keys_are_an_error(tmp_path, tensors):
    decoder = dict(tensors)  # BERT as a decoder: cross-attention keras-bert does not have
    decoder["bert.encoder.layer.0.crossattention.self.query.weight"] = np.zeros(
        (32, 32), np.float32
    )
    folder = _write(tmp_path, decoder)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(folder)
    assert str(e.value) == (
        f"Hugging Face checkpoint {folder} has 1 variable(s) the model has no place for: "
        "encoder.layer.0.crossattention.self.query.weight; keras-bert loads no checkpoint "
        "partially (is it a BERT of this architecture?)."
    )


@pytest.mark.parametrize("head, rows", [("classifier", 3), ("qa_outputs", 2)])
def test_encoder_loads_from_a_fine_tuned_checkpoint(tmp_path, tensors, pretrainer, head, rows):
    # BertForSequenceClassification / BertForTokenClassification / BertForQuestionAnswering:
    # the encoder and pooler under `bert.`, the task head beside them.
    folder, _, _ = _fine_tuned(tmp_path, tensors, head, rows)
    _assert_same_weights(keras_bert.from_pretrained(folder), pretrainer.encoder)


def test_pickle_is_refused_by_default(tmp_path):
    shutil.copyfile(os.path.join(FIXTURE, "config.json"), tmp_path / "config.json")
    (tmp_path / "pytorch_model.bin").write_bytes(b"not read")
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(str(tmp_path))
    assert str(e.value).startswith(
        f"{tmp_path}/pytorch_model.bin is a pickle, which can run code when loaded; pass "
        "allow_pickle=True"
    )


def test_round_trip_pretrainer_uses_transformers_names(tmp_path, tensors):
    config = BertConfig.from_json(os.path.join(FIXTURE, "config.json"))
    model = BertPretrainer(BertEncoder(config))
    randomize_weights(model, seed=7)
    keras_bert.save_pretrained(model, str(tmp_path), format="huggingface")
    written = load_file(str(tmp_path / "model.safetensors"))
    # The same keys and shapes transformers' BertForPreTraining.save_pretrained writes.
    assert {k: v.shape for k, v in written.items()} == {k: v.shape for k, v in tensors.items()}
    assert BertConfig.from_json(str(tmp_path / "config.json")) == config
    with open(tmp_path / "config.json") as f:
        assert json.load(f)["architectures"] == ["BertForPreTraining"]
    _assert_same_weights(keras_bert.from_pretrained(str(tmp_path), task="pretraining"), model)


def test_round_trip_encoder_as_bert_model(tmp_path, tensors):
    config = BertConfig(
        vocab_size=40,
        hidden_size=16,
        num_layers=1,
        num_attention_heads=4,
        intermediate_size=24,
        hidden_act="gelu_tanh",
        max_position_embeddings=20,
    )
    encoder = BertEncoder(config)
    randomize_weights(encoder, seed=8)
    keras_bert.save_pretrained(encoder, str(tmp_path), format="huggingface")
    written = load_file(str(tmp_path / "model.safetensors"))
    assert sorted(written) == sorted(
        k[len("bert.") :] for k in tensors if k.startswith("bert.") and ".layer.1." not in k
    )
    with open(tmp_path / "config.json") as f:
        values = json.load(f)
    assert values["architectures"] == ["BertModel"] and values["hidden_act"] == "gelu_new"
    back = keras_bert.from_pretrained(str(tmp_path))
    assert back.config == config
    _assert_same_weights(back, encoder)


def test_shape_mismatch_with_the_config(tmp_path, tensors):
    folder = _write(tmp_path, tensors)
    with open(os.path.join(folder, "config.json")) as f:
        values = json.load(f)
    values["intermediate_size"] = 40
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(values, f)
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained(folder)
    message = str(e.value)
    assert (
        "encoder.layer.0.intermediate.dense.weight is [37, 32] in the checkpoint "
        "but the model needs [40, 32]" in message
    )
    assert "\n" not in message


def test_pickle_needs_torch(tmp_path, monkeypatch):
    shutil.copyfile(os.path.join(FIXTURE, "config.json"), tmp_path / "config.json")
    (tmp_path / "pytorch_model.bin").write_bytes(b"not read")
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError) as e:
        keras_bert.from_pretrained(str(tmp_path), allow_pickle=True)
    assert str(e.value) == (
        f"{tmp_path}/pytorch_model.bin is a PyTorch pickle; reading it needs torch (pip install "
        "torch), or convert it to model.safetensors."
    )
