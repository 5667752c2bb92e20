"""`save_pretrained` of task models, loaded back by transformers in a fresh process."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import keras_bert as kb
from keras_bert.text import BertPreprocessor, BertTokenizer

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "hf_tiny_bert")
RUNNER = os.path.join(os.path.dirname(__file__), "transformers_run.py")
TEXTS = ["tok5 tok7 tok9", "TOK11 tok12", "tok30 tok31 tok32 tok33 tok34 tok35 tok36 tok37"]
PAIRS = (["tok5 tok6", "tok7", "tok8 tok9 tok10"], TEXTS)

# task model -> (its arguments, transformers' auto class, the class it must build, inputs)
TASKS = {
    "classifier": (
        kb.BertClassifier,
        {"num_classes": 3, "label_names": ["neg", "neutral", "pos"]},
        "AutoModelForSequenceClassification",
        "BertForSequenceClassification",
        TEXTS,
    ),
    "token_classifier": (
        kb.BertTokenClassifier,
        {"num_labels": 2},
        "AutoModelForTokenClassification",
        "BertForTokenClassification",
        TEXTS,
    ),
    "span_qa": (
        kb.BertSpanQA,
        {},
        "AutoModelForQuestionAnswering",
        "BertForQuestionAnswering",
        PAIRS,
    ),
}


def run_transformers(folder, auto_class, texts, tmp_path):
    texts_file, out_file = tmp_path / "texts.json", tmp_path / "out.npz"
    texts = [list(t) for t in texts] if isinstance(texts, tuple) else texts
    texts_file.write_text(json.dumps(texts))
    subprocess.run(
        [sys.executable, RUNNER, folder, auto_class, str(texts_file), str(out_file)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    return dict(np.load(out_file))


@pytest.mark.parametrize(
    "task",
    # A fresh process with torch costs about 10 s: one task model in the fast suite.
    ["classifier"] + [pytest.param(t, marks=pytest.mark.slow) for t in TASKS if t != "classifier"],
)
def test_transformers_loads_task_models_with_the_same_ids_and_logits(task, tmp_path):
    cls, kwargs, auto_class, architecture, texts = TASKS[task]
    preprocessor = BertPreprocessor(BertTokenizer.from_pretrained(FIXTURE), seq_length=12)
    model = cls(kb.from_pretrained(FIXTURE), preprocessor=preprocessor, **kwargs)
    folder = str(tmp_path / "saved")
    kb.save_pretrained(model, folder)
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    assert config["architectures"] == [architecture]
    assert config["hidden_act"] == "gelu"  # the fixture's exact erf GELU, as transformers names it
    if "label_names" in kwargs:
        assert config["id2label"] == {"0": "neg", "1": "neutral", "2": "pos"}
        assert config["label2id"] == {"neg": 0, "neutral": 1, "pos": 2}

    theirs = run_transformers(folder, auto_class, texts, tmp_path)
    assert str(theirs["architecture"]) == architecture
    segments = [tf.constant(t) for t in texts] if isinstance(texts, tuple) else tf.constant(texts)
    ids = preprocessor(segments)
    np.testing.assert_array_equal(theirs["input_ids"], ids["input_word_ids"].numpy())
    np.testing.assert_array_equal(theirs["attention_mask"], ids["input_mask"].numpy())
    np.testing.assert_array_equal(theirs["token_type_ids"], ids["input_type_ids"].numpy())
    ours = model.predict(texts, verbose=0)
    if cls is kb.BertClassifier:
        np.testing.assert_allclose(ours, theirs["logits"], atol=1e-4)
    elif cls is kb.BertTokenClassifier:
        real = theirs["attention_mask"] > 0
        np.testing.assert_allclose(ours[real], theirs["logits"][real], atol=1e-4)
    else:
        # Our span head puts -1e9 outside the context (and on its [SEP]); transformers does not.
        sep = preprocessor.tokenizer.sep_id
        context = (theirs["token_type_ids"] == 1) & (theirs["input_ids"] != sep)
        for name in ("start_logits", "end_logits"):
            np.testing.assert_allclose(ours[name][context], theirs[name][context], atol=1e-4)
            np.testing.assert_allclose(ours[name][:, 0], theirs[name][:, 0], atol=1e-4)


def test_tokenizer_files_say_how_to_lower_case(tmp_path):
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "A"]
    cased = BertPreprocessor(vocab=vocab, lower_case=False)
    config = kb.BertConfig(
        vocab_size=6,
        hidden_size=8,
        num_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=16,
    )
    kb.save_pretrained(kb.BertEncoder(config, preprocessor=cased), str(tmp_path))
    with open(tmp_path / "tokenizer_config.json", encoding="utf-8") as f:
        assert json.load(f)["do_lower_case"] is False
    assert (tmp_path / "vocab.txt").read_text().split("\n")[:6] == cased.tokenizer.vocab
    with pytest.raises(ValueError, match="Google folders hold an encoder or a pretrainer"):
        qa = kb.BertSpanQA(kb.BertEncoder(config))
        kb.save_pretrained(qa, str(tmp_path / "g"), format="google")
