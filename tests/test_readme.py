"""README and docs/*.md cannot rot: their Python blocks run here, and their links resolve.

Every ```python block of a page runs, in order, in a scratch folder that sees the repository's
`tests/` and `keras_bert/`. Code that is not meant to run (shell commands, output, sketches)
goes in a block of another language (```sh, ```text).
"""

import glob
import hashlib
import json
import os
import re

import keras
import pytest
from huggingface_hub import constants as hub_constants

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = "README.md"
DOCS = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
PAGES = [README, "BENCHMARKS.md"] + DOCS
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "hf_tiny_bert")
# The hub id the README's quickstart starts from; the cache holds the tiny fixture under it.
QUICKSTART_ID = "google-bert/bert-base-uncased"
REVISION = "0" * 40


def lay_out_hub_cache(hub_cache, repo_id, files):
    """`files` (name -> bytes) as huggingface_hub caches a model: blobs named by their hash,
    `snapshots/REVISION/NAME` linking to them, `refs/main` naming the revision."""
    repo = os.path.join(hub_cache, "models--" + repo_id.replace("/", "--"))
    os.makedirs(os.path.join(repo, "blobs"))
    os.makedirs(os.path.join(repo, "refs"))
    snapshot = os.path.join(repo, "snapshots", REVISION)
    os.makedirs(snapshot)
    for name, data in files.items():
        blob = os.path.join(repo, "blobs", hashlib.sha256(data).hexdigest())
        with open(blob, "wb") as f:
            f.write(data)
        os.symlink(os.path.relpath(blob, snapshot), os.path.join(snapshot, name))
    with open(os.path.join(repo, "refs", "main"), "w", encoding="utf-8") as f:
        f.write(REVISION)


@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    """HF_HOME in a temporary folder holding the fixture under `QUICKSTART_ID`, offline."""
    home = tmp_path / "hf_home"
    files = {}
    for name in ("config.json", "model.safetensors", "vocab.txt"):
        with open(os.path.join(FIXTURE, name), "rb") as f:
            files[name] = f.read()
    files["tokenizer_config.json"] = json.dumps({"do_lower_case": True}).encode()
    lay_out_hub_cache(str(home / "hub"), QUICKSTART_ID, files)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub reads both when it is imported: set its constants too.
    monkeypatch.setattr(hub_constants, "HF_HOME", str(home))
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    return home


def _read(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as f:
        return f.read()


def _python_blocks(page):
    return re.findall(r"```python\n(.*?)```", _read(page), flags=re.S)


def _run_python_blocks(page, tmp_path, monkeypatch):
    for name in ("tests", "keras_bert"):
        os.symlink(os.path.join(ROOT, name), tmp_path / name)
    monkeypatch.chdir(tmp_path)
    for block in _python_blocks(page):
        exec(compile(block, page, "exec"), {})


def test_readme_python_blocks_run(tmp_path, monkeypatch, offline_hub):
    assert _python_blocks(README), "README has no Python example"
    assert QUICKSTART_ID in _python_blocks(README)[0]
    _run_python_blocks(README, tmp_path, monkeypatch)
    assert isinstance(keras.models.load_model("classifier.keras"), keras.Model)
    assert os.path.isfile(os.path.join("hf_classifier", "tokenizer_config.json"))


@pytest.mark.parametrize("page", [page for page in DOCS if _python_blocks(page)])
def test_docs_python_blocks_run(page, tmp_path, monkeypatch):
    _run_python_blocks(page, tmp_path, monkeypatch)


def test_readme_shows_the_two_commands():
    text = _read(README)
    assert "make demo" in text and "make test" in text


def _anchors(page):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats
    numbered."""
    anchors, seen = set(), {}
    text = re.sub(r"```.*?```", "", _read(page), flags=re.S)
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_resolve(page):
    text = re.sub(r"```.*?```", "", _read(page), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        linked = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        assert os.path.exists(os.path.join(ROOT, linked)), f"{page} links to missing {target}"
        if anchor:
            assert anchor in _anchors(linked), f"{page} links to missing heading {target}"
