"""Hugging Face Hub ids, end to end against a hub served on 127.0.0.1 (`tests/tiny_hub.py`):
`huggingface_hub`'s own download functions fill a cache laid out as it lays it out, which then
loads with `HF_HUB_OFFLINE=1` (in a fresh process) and when the hub cannot be reached. The
repository holds tests/fixtures/hf_tiny_bert, written by transformers, whose outputs are in its
expected.npz."""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

import huggingface_hub
import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import keras_bert
from keras_bert import INPUT_NAMES, names
from keras_bert.text import BertTokenizer
from tests.tiny_hub import TinyHub, point_huggingface_hub_at

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "hf_tiny_bert")
REPO = "tiny-org/tiny-bert"
MAIN, SHARDED = "a" * 40, "b" * 40
# What the error for a name that is not cached tells to fetch: the files keras-bert reads.
INCLUDE = "--include '*.json' --include '*.safetensors' --include '*.txt'"


def _read(name):
    with open(os.path.join(FIXTURE, name), "rb") as f:
        return f.read()


def _shards(tmp_path):
    """The fixture's weights as two safetensors shards and their index, as transformers
    writes them."""
    tensors = load_file(os.path.join(FIXTURE, "model.safetensors"))
    keys = sorted(tensors)
    files, weight_map = {}, {}
    for i, part in enumerate((keys[: len(keys) // 2], keys[len(keys) // 2 :])):
        shard = f"model-0000{i + 1}-of-00002.safetensors"
        save_file({k: tensors[k] for k in part}, str(tmp_path / shard), metadata={"format": "pt"})
        files[shard] = (tmp_path / shard).read_bytes()
        weight_map.update({k: shard for k in part})
    files["model.safetensors.index.json"] = json.dumps({"weight_map": weight_map}).encode()
    return files


def _json(values):
    return json.dumps(values).encode()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    common = {name: _read(name) for name in ("config.json", "vocab.txt")}
    main = dict(
        common,
        **{
            "model.safetensors": _read("model.safetensors"),
            "tokenizer_config.json": _json({"do_lower_case": False}),
            "pytorch_model.bin": b"not fetched",
            "tf_model.h5": b"not fetched",
            "README.md": b"not fetched",
        },
    )
    sharded = dict(common, **_shards(tmp_path_factory.mktemp("shards")))
    sharded["tokenizer_config.json"] = _json({"do_lower_case": True})
    sentence_transformers = dict(
        main,
        **{
            "modules.json": _json(
                [
                    {
                        "idx": i,
                        "name": str(i),
                        "path": path,
                        "type": f"sentence_transformers.models.{kind}",
                    }
                    for i, (path, kind) in enumerate(
                        [
                            ("", "Transformer"),
                            ("1_Pooling", "Pooling"),
                            ("2_Normalize", "Normalize"),
                        ]
                    )
                ]
            ),
            "1_Pooling/config.json": _json({"pooling_mode_mean_tokens": True}),
            "sentence_bert_config.json": _json({"max_seq_length": 64}),
            "onnx/model.onnx": b"not fetched",
        },
    )
    pickle_only = {k: v for k, v in main.items() if k != "model.safetensors"}
    roberta = dict(main, **{"config.json": _json({"model_type": "roberta"})})
    server = TinyHub(
        {
            REPO: {"main": (MAIN, main), "sharded": (SHARDED, sharded)},
            "tiny-org/tiny-st": {"main": ("c" * 40, sentence_transformers)},
            "tiny-org/pickle-only": {"main": ("d" * 40, pickle_only)},
            "tiny-org/roberta": {"main": ("f" * 40, roberta)},
        }
    )
    yield server
    server.close()


@pytest.fixture(scope="module")
def hf_home(tmp_path_factory):
    return tmp_path_factory.mktemp("hf_home")


@pytest.fixture()
def online(monkeypatch, hub, hf_home):
    point_huggingface_hub_at(monkeypatch, hub.url, hf_home)
    return hub


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _inputs():
    expected = dict(np.load(os.path.join(FIXTURE, "expected.npz")))
    return {name: expected[name] for name in INPUT_NAMES}, expected


def _check_outputs(encoder):
    inputs, expected = _inputs()
    out = encoder(inputs, training=False)
    for name in ("sequence_output", "pooled_output"):
        np.testing.assert_allclose(out[name], expected[name], atol=1e-5, err_msg=name)


def test_a_hub_id_downloads_what_bert_needs_into_the_huggingface_cache(online, hf_home):
    encoder = keras_bert.from_pretrained(REPO)
    _check_outputs(encoder)
    assert sorted(f for r, f in online.requests if r == REPO) == [
        "config.json",
        "model.safetensors",
        "tokenizer_config.json",
        "vocab.txt",
    ]
    storage = hf_home / "hub" / "models--tiny-org--tiny-bert"
    assert (storage / "refs" / "main").read_text() == MAIN
    snapshot = storage / "snapshots" / MAIN
    assert sorted(os.listdir(snapshot)) == [
        "config.json",
        "model.safetensors",
        "tokenizer_config.json",
        "vocab.txt",
    ]
    assert all(os.path.islink(snapshot / f) for f in os.listdir(snapshot))
    assert len(os.listdir(storage / "blobs")) == 4
    # tokenizer_config.json says cased; the hf:// prefix names the same repository.
    tokenizer = BertTokenizer.from_pretrained("hf://" + REPO)
    assert tokenizer.lower_case is False and tokenizer.vocab_size == 99


def test_a_revision_is_fetched_with_its_shards(online, hf_home):
    assert names.resolve(REPO, revision="sharded") == str(
        hf_home / "hub" / "models--tiny-org--tiny-bert" / "snapshots" / SHARDED
    )
    assert sorted(f for r, f in online.requests if r == REPO and "0000" in f) == [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    ]
    _check_outputs(keras_bert.from_pretrained(REPO, revision="sharded"))
    assert BertTokenizer.from_pretrained(REPO, revision="sharded").lower_case is True
    with pytest.raises(FileNotFoundError) as e:
        names.resolve(REPO, revision="v9")
    assert str(e.value) == "tiny-org/tiny-bert has no revision 'v9' on the Hugging Face Hub."


def test_sentence_transformers_repositories_bring_their_module_settings(online):
    folder = names.resolve("tiny-org/tiny-st")
    assert sorted(f for r, f in online.requests if r == "tiny-org/tiny-st") == [
        "1_Pooling/config.json",
        "config.json",
        "model.safetensors",
        "modules.json",
        "sentence_bert_config.json",
        "tokenizer_config.json",
        "vocab.txt",
    ]
    assert os.path.isfile(os.path.join(folder, "1_Pooling", "config.json"))


def test_names_that_are_not_there_fail_with_one_line(online, tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        names.resolve("tiny-org/nothing")
    assert str(e.value) == (
        "tiny-org/nothing is neither a local folder nor a model on the Hugging Face Hub (a "
        "private one needs `hf auth login` or HF_TOKEN)."
    )
    with pytest.raises(ValueError) as e:
        names.resolve("tiny-org/pickle-only")
    assert str(e.value) == (
        "pytorch_model.bin is the only weights file, a pickle, which can run code when loaded; "
        "pass allow_pickle=True if you trust it."
    )
    with pytest.raises(ValueError, match=r"config.json describes a 'roberta' model, not BERT"):
        names.resolve("tiny-org/roberta")
    assert [f for r, f in online.requests if r == "tiny-org/roberta"] == ["config.json"]
    with pytest.raises(ValueError) as e:
        keras_bert.from_pretrained("bert_base")
    assert str(e.value) == (
        "'bert_base' is a model size, not a pretrained model; BertEncoder.from_size('bert_base') "
        "(--random-init-size bert_base on the command line) gives random weights of that size."
    )
    with pytest.raises(ValueError, match="revision='main' applies to Hugging Face Hub ids; "):
        names.resolve(str(tmp_path), revision="main")
    with pytest.raises(FileNotFoundError, match=f"Checkpoint folder {tmp_path}/no/such does not"):
        names.resolve(str(tmp_path / "no" / "such"))


def test_cached_names_resolve_offline_without_a_request(monkeypatch, online, hf_home):
    names.resolve(REPO)
    served = len(online.requests) + len(online.unknown)
    point_huggingface_hub_at(monkeypatch, online.url, hf_home, offline=True)
    start = time.monotonic()
    assert names.resolve("hf://" + REPO) == str(
        hf_home / "hub" / "models--tiny-org--tiny-bert" / "snapshots" / MAIN
    )
    with pytest.raises(FileNotFoundError) as e:
        names.resolve("tiny-org/never-downloaded")
    assert time.monotonic() - start < 10
    assert len(online.requests) + len(online.unknown) == served
    assert str(e.value) == (
        "tiny-org/never-downloaded is not in the Hugging Face cache and HF_HUB_OFFLINE is set: "
        f"run `hf download tiny-org/never-downloaded {INCLUDE}` on a machine with network (same "
        "HF_HOME), or pass a local folder."
    )


def test_cached_names_resolve_when_the_hub_cannot_be_reached(monkeypatch, online, hf_home):
    names.resolve(REPO)
    point_huggingface_hub_at(monkeypatch, f"http://127.0.0.1:{_closed_port()}", hf_home)
    start = time.monotonic()
    assert names.resolve(REPO) == str(
        hf_home / "hub" / "models--tiny-org--tiny-bert" / "snapshots" / MAIN
    )
    with pytest.raises(FileNotFoundError) as e:
        names.resolve("tiny-org/never-downloaded", revision="v1")
    assert time.monotonic() - start < 10
    assert str(e.value) == (
        "tiny-org/never-downloaded (revision v1) is not in the Hugging Face cache and the Hub "
        "cannot be reached (ConnectError): run `hf download tiny-org/never-downloaded --revision "
        f"v1 {INCLUDE}` on a machine with network (same HF_HOME), or pass a local folder."
    )


@pytest.mark.slow
def test_hf_hub_offline_loads_the_cache_in_a_fresh_process(online, hf_home):
    names.resolve(REPO)
    names.resolve(REPO, revision="sharded")
    script = """
import json, sys, time
import numpy as np
import keras_bert
from keras_bert.text import BertTokenizer
inputs = {k: np.asarray(v) for k, v in json.loads(sys.argv[1]).items()}
out = keras_bert.from_pretrained("tiny-org/tiny-bert").predict(inputs, verbose=0)
tokenizer = BertTokenizer.from_pretrained("tiny-org/tiny-bert", revision="sharded")
start = time.monotonic()
try:
    keras_bert.from_pretrained("google-bert/bert-base-uncased")
    error = None
except FileNotFoundError as e:
    error = str(e)
print(json.dumps({"sequence_output": out["sequence_output"].tolist(),
                  "lower_case": tokenizer.lower_case, "error": error,
                  "seconds": time.monotonic() - start}))
"""
    inputs, expected = _inputs()
    env = dict(os.environ, HF_HOME=str(hf_home), HF_HUB_OFFLINE="1", HF_ENDPOINT=online.url)
    env.pop("HF_HUB_CACHE", None)
    served = len(online.requests) + len(online.unknown)
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps({k: v.tolist() for k, v in inputs.items()})],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(online.requests) + len(online.unknown) == served
    np.testing.assert_allclose(
        np.array(answer["sequence_output"]), expected["sequence_output"], atol=1e-5
    )
    assert answer["lower_case"] is True
    assert answer["seconds"] < 10
    assert answer["error"] == (
        "google-bert/bert-base-uncased is not in the Hugging Face cache and HF_HUB_OFFLINE is "
        f"set: run `hf download google-bert/bert-base-uncased {INCLUDE}` on a machine with "
        "network (same HF_HOME), or pass a local folder."
    )


def test_huggingface_hub_reads_the_cache_it_wrote(online, hf_home):
    """The cache is huggingface_hub's own: its offline lookup finds the same files."""
    names.resolve(REPO)
    path = huggingface_hub.try_to_load_from_cache(REPO, "model.safetensors")
    assert path == str(
        hf_home / "hub" / "models--tiny-org--tiny-bert" / "snapshots" / MAIN / "model.safetensors"
    )


def test_the_command_line_and_export_take_hub_ids(monkeypatch, online, hf_home):
    from keras_bert.export import source
    from keras_bert.training import program

    names.resolve(REPO)
    names.resolve(REPO, revision="sharded")
    point_huggingface_hub_at(monkeypatch, online.url, hf_home, offline=True)
    args = argparse.Namespace(
        init_checkpoint=REPO,
        revision="sharded",
        vocab=None,
        cased=False,
        random_init_size=None,
        config=None,
        seq_length=16,
    )
    tokenizer = program.load_tokenizer(args)
    assert tokenizer.lower_case is True and tokenizer.vocab_size == 99
    assert program.starting_model(args, tokenizer).config.vocab_size == 99
    exported = source.resolve("hf://" + REPO, seq_length=32)
    assert (exported.name, exported.task.name) == ("tiny-bert", "pretraining")
    assert exported.tokenizer.lower_case is False


def test_export_takes_a_revision_of_a_hub_id(monkeypatch, online, hf_home, tmp_path):
    from keras_bert.export import cli as export_cli

    from keras_bert import cli_args

    snapshot = names.resolve(REPO, revision="sharded")
    point_huggingface_hub_at(monkeypatch, online.url, hf_home, offline=True)
    seen = {}

    def export_saved_model(model, out, **kwargs):
        seen.update(model=model, name=kwargs["name"])
        return argparse.Namespace(paths=[])

    monkeypatch.setattr(export_cli, "export_saved_model", export_saved_model)
    parser = argparse.ArgumentParser()
    cli_args.add_export_arguments(parser)
    args = parser.parse_args(
        [REPO, "--revision", "sharded", "--out", str(tmp_path), "--format", "saved_model"]
    )
    assert export_cli.run(args) == 0
    assert seen == {"model": snapshot, "name": "tiny-bert"}
