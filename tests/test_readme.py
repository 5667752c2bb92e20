"""README and docs/*.md cannot rot: their Python blocks run here, and their links resolve.

Every ```python block of a page runs, in order, in a scratch folder that sees the repository's
`tests/` and `keras_bert/`. Code that is not meant to run (shell commands, output, sketches)
goes in a block of another language (```sh, ```text).
"""

import glob
import os
import re

import keras
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = "README.md"
DOCS = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
PAGES = [README, "BENCHMARKS.md"] + DOCS


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


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    assert _python_blocks(README), "README has no Python example"
    _run_python_blocks(README, tmp_path, monkeypatch)
    assert isinstance(keras.models.load_model("classifier.keras"), keras.Model)


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
