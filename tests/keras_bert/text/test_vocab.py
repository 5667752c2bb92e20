import pytest

from keras_bert import cli
from keras_bert.text import SPECIAL_TOKENS, BertTokenizer, build_vocab
from keras_bert.text.vocab import read_vocab_file
from tests.reference_tokenizer import ReferenceTokenizer, basic_tokenize


@pytest.fixture(scope="module")
def text_file(tmp_path_factory, corpora):
    path = tmp_path_factory.mktemp("text") / "wiki.txt"
    path.write_text("\n".join(corpora["wikitext"][:40]), encoding="utf-8")
    return path


def test_build_vocab_via_cli_then_tokenize(text_file, tmp_path, capsys):
    out = tmp_path / "vocab.txt"
    assert cli.main(["vocab", str(text_file), "--vocab-size", "300", "--output", str(out)]) == 0
    tokens = read_vocab_file(str(out))
    assert f"wrote {len(tokens)} tokens to {out}" in capsys.readouterr().out
    assert tokens[: len(SPECIAL_TOKENS)] == list(SPECIAL_TOKENS)
    assert len(tokens) <= 300 and len(set(tokens)) == len(tokens)
    text = text_file.read_text(encoding="utf-8").splitlines()
    # Learned from our exact uncased words: every character of them is a token or a ## suffix,
    # so nothing in its own training text becomes [UNK], and no upper case or accent survives.
    tokenizer = BertTokenizer(str(out))
    ids = tokenizer.tokenize(text).to_list()
    assert tokenizer.unk_id not in {i for row in ids for i in row}
    assert ids == [ReferenceTokenizer(tokens).encode(t) for t in text]
    assert all(t == t.lower() for t in tokens[len(SPECIAL_TOKENS) :])
    words = {w for t in text for w in basic_tokenize(t)}
    assert len(words & set(tokens)) > 50


def test_build_vocab_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Text file .*missing.txt does not exist"):
        build_vocab([str(tmp_path / "missing.txt")], 100)
    with pytest.raises(ValueError, match="vocab_size=5 is too small"):
        build_vocab([str(tmp_path / "missing.txt")], 5)
    assert cli.main(["vocab", str(tmp_path / "missing.txt")]) == 1
