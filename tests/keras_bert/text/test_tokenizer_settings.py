import json

import pytest

from keras_bert import model_dir, names
from keras_bert.text import BertTokenizer
from keras_bert.text.tokenizer_settings import read_tokenizer_settings


def _folder(tmp_path, name, vocab, **files):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    for filename, content in files.items():
        (folder / filename.replace("__", ".")).write_text(json.dumps(content), encoding="utf-8")
    return str(folder)


def test_from_pretrained_reads_casing_and_word_limit(tmp_path, uncased, cased_vocab):
    small = uncased.vocab[:2000]
    google_uncased = BertTokenizer.from_pretrained(
        _folder(tmp_path, "uncased_L-2_H-128_A-2", small, bert_config__json={})
    )
    assert (google_uncased.lower_case, google_uncased.max_chars_per_word) == (True, 200)
    google_cased = BertTokenizer.from_pretrained(
        _folder(tmp_path, "cased_L-12_H-768_A-12", cased_vocab, bert_config__json={})
    )
    assert google_cased.lower_case is False
    inferred = BertTokenizer.from_pretrained(_folder(tmp_path, "my_model", cased_vocab))
    assert inferred.lower_case is False
    assert (
        BertTokenizer.from_pretrained(_folder(tmp_path, "my_other_model", small)).lower_case is True
    )
    hf = BertTokenizer.from_pretrained(
        _folder(tmp_path, "hf", cased_vocab, tokenizer_config__json={"do_lower_case": False})
    )
    assert (hf.lower_case, hf.max_chars_per_word) == (False, 100)
    ours_dir = _folder(
        tmp_path, "kb", small, keras_bert__json={"lower_case": True, "max_chars_per_word": 50}
    )
    assert BertTokenizer.from_pretrained(ours_dir).max_chars_per_word == 50


def test_from_pretrained_hf_tokenizer_json_without_vocab_txt(tmp_path, uncased):
    folder = tmp_path / "hf_fast"
    folder.mkdir()
    spec = {
        "normalizer": {"type": "BertNormalizer", "lowercase": True, "strip_accents": None},
        "model": {
            "type": "WordPiece",
            "vocab": {t: i for i, t in enumerate(uncased.vocab[:3000])},
            "max_input_chars_per_word": 100,
        },
    }
    (folder / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    tok = BertTokenizer.from_pretrained(str(folder))
    assert tok.vocab == uncased.vocab[:3000]
    assert (tok.lower_case, tok.max_chars_per_word) == (True, 100)
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": False}))
    assert BertTokenizer.from_pretrained(str(folder)).lower_case is False
    with pytest.raises(FileNotFoundError, match="No vocab.txt or tokenizer.json in"):
        BertTokenizer.from_pretrained(str(tmp_path))


def test_reads_keras_bert_metadata_and_keras_hub_tokenizer(tmp_path, uncased):
    small = uncased.vocab[:2000]
    folder = _folder(tmp_path, "kb", small)
    (tmp_path / "kb" / model_dir.METADATA_FILE).write_text(
        json.dumps({"format": "keras_bert", "lower_case": False, "max_chars_per_word": 50})
    )
    assert read_tokenizer_settings(folder) == {
        "vocab": str(tmp_path / "kb" / "vocab.txt"),
        "lower_case": False,
        "max_chars_per_word": 50,
    }
    preset = tmp_path / "preset"
    (preset / "assets" / "tokenizer").mkdir(parents=True)
    (preset / "config.json").write_text(json.dumps({"registered_name": "keras_hub>BertBackbone"}))
    (preset / names.KERAS_HUB_WEIGHTS).write_bytes(b"")
    (preset / names.KERAS_HUB_TOKENIZER).write_text(json.dumps({"config": {"lowercase": True}}))
    vocab = preset / names.KERAS_HUB_VOCAB
    vocab.write_text("\n".join(small) + "\n", encoding="utf-8")
    assert read_tokenizer_settings(str(preset)) == {
        "vocab": str(vocab),
        "lower_case": True,
        "max_chars_per_word": 100,
    }
