"""README cannot rot: its Python blocks run here."""

import os
import re

import keras

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def _python_blocks():
    with open(README, encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = _python_blocks()
    assert blocks, "README has no Python example"
    # Blocks run in a scratch folder that sees the repository's files (tests/fixtures, ...).
    root = os.path.dirname(os.path.abspath(README))
    for name in ("tests", "keras_bert"):
        os.symlink(os.path.join(root, name), tmp_path / name)
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert isinstance(keras.models.load_model("classifier.keras"), keras.Model)


def test_readme_shows_the_two_commands():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    assert "make demo" in text and "make test" in text
