"""Checks the demo data that keras-bert ships in keras_bert/data (see its README.md)."""

import configparser
import fnmatch
import os
import random
import re
import subprocess
import sys

import pytest

# Found from this file rather than by importing keras_bert, which would load TensorFlow.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA_DIR = os.path.join(ROOT, "keras_bert", "data")
GENERATOR = os.path.join(ROOT, "tools", "generate_demo_data.py")
SETUP_CFG = os.path.join(ROOT, "setup.cfg")
CORPUS = "demo_corpus.txt"
TRAIN = "demo_reviews_train.tsv"
DEV = "demo_reviews_dev.tsv"
SHIPPED = [CORPUS, TRAIN, DEV, "README.md"]


def read_bytes(folder, name):
    with open(os.path.join(folder, name), "rb") as f:
        return f.read()


def read_documents():
    """The corpus as a list of documents, each a list of sentences (one a line)."""
    text = read_bytes(DATA_DIR, CORPUS).decode("utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n"), "corpus must end in one newline"
    return [doc.split("\n") for doc in text[:-1].split("\n\n")]


def read_reviews(name):
    lines = read_bytes(DATA_DIR, name).decode("utf-8").split("\n")
    assert lines[0] == "sentence\tlabel"
    assert lines[-1] == "", "the file must end in a newline"
    rows = [line.split("\t") for line in lines[1:-1]]
    assert all(len(row) == 2 for row in rows), "each row has exactly one tab"
    return [(sentence, int(label)) for sentence, label in rows]


def test_regenerating_gives_byte_identical_files(tmp_path):
    # -B: running the generator must not leave a __pycache__ in the shipped folder.
    subprocess.run(
        [sys.executable, "-B", GENERATOR, "--out", str(tmp_path)], check=True, capture_output=True
    )
    for name in (CORPUS, TRAIN, DEV):
        assert read_bytes(tmp_path, name) == read_bytes(DATA_DIR, name), (
            f"{name} differs from a fresh run of generate_demo_data.py; rerun it"
        )


def test_shipped_files_are_package_data_and_under_1_mb():
    parser = configparser.ConfigParser()
    parser.read(SETUP_CFG)
    patterns = parser["options.package_data"]["keras_bert"].split()
    names = sorted(os.listdir(DATA_DIR))
    assert names == sorted(SHIPPED), f"unexpected files in keras_bert/data: {names}"
    for name in names:
        assert os.path.isfile(os.path.join(DATA_DIR, name))
        assert any(fnmatch.fnmatch(f"data/{name}", p) for p in patterns), name
    total = sum(os.path.getsize(os.path.join(DATA_DIR, name)) for name in names)
    assert total < 1_000_000, f"keras_bert/data holds {total:,} bytes"


def test_corpus_is_in_the_google_research_bert_layout():
    size = os.path.getsize(os.path.join(DATA_DIR, CORPUS))
    assert 300_000 <= size <= 520_000, size
    documents = read_documents()
    assert len(documents) >= 200
    for doc in documents:
        assert 5 <= len(doc) <= 30, doc
        for sentence in doc:
            assert sentence and sentence == sentence.strip() and "\t" not in sentence
            assert sentence[0].isupper() or sentence[0] == '"', sentence
            assert sentence[-1] in '.!?"', sentence
            assert not re.search(r"[<>{}\[\]]|  ", sentence), f"template residue: {sentence}"


def test_corpus_exercises_tokenization():
    text = read_bytes(DATA_DIR, CORPUS).decode("utf-8")
    for word in ("café", "naïve", "façade"):
        assert word in text.lower(), word
    assert re.search(r"\d{4}", text) and re.search(r"\d,\d{3}", text)
    for mark in (",", ";", ":", "?", '"', "(", "–"):
        assert mark in text, mark


def content_words(sentence):
    return {w for w in re.findall(r"[a-zà-ÿ]+", sentence.lower()) if len(w) >= 5}


def test_consecutive_sentences_share_more_than_random_pairs():
    # Next-sentence prediction is learnable only if a document sticks to its entities.
    documents = read_documents()
    consecutive = [
        bool(content_words(a) & content_words(b)) for doc in documents for a, b in zip(doc, doc[1:])
    ]
    rng = random.Random(0)
    unrelated = []
    for _ in range(len(consecutive)):
        i, j = rng.sample(range(len(documents)), 2)
        pair = rng.choice(documents[i]), rng.choice(documents[j])
        unrelated.append(bool(content_words(pair[0]) & content_words(pair[1])))
    share_consecutive = sum(consecutive) / len(consecutive)
    share_unrelated = sum(unrelated) / len(unrelated)
    assert share_consecutive > 2.5 * share_unrelated, (share_consecutive, share_unrelated)


@pytest.mark.parametrize("name,low,high", [(TRAIN, 1100, 1300), (DEV, 250, 350)])
def test_reviews_are_balanced_short_and_unique(name, low, high):
    rows = read_reviews(name)
    assert low <= len(rows) <= high, len(rows)
    labels = [label for _, label in rows]
    assert set(labels) == {0, 1}
    assert 0.45 <= sum(labels) / len(labels) <= 0.55
    sentences = [sentence for sentence, _ in rows]
    assert len(set(sentences)) == len(sentences), "duplicate reviews"
    for sentence in sentences:
        assert sentence == sentence.strip() and not re.search(r"[<>{}\[\]]|  ", sentence)
        assert 1 <= len(re.findall(r"[.!?](?= |$)", sentence)) <= 3, sentence


def test_no_review_is_in_both_train_and_dev():
    train = {sentence for sentence, _ in read_reviews(TRAIN)}
    dev = {sentence for sentence, _ in read_reviews(DEV)}
    assert not train & dev


def test_reviews_hold_the_negation_cases_the_issue_asks_for():
    rows = read_reviews(TRAIN) + read_reviews(DEV)
    labels_of = {}
    for sentence, label in rows:
        for phrase in ("not bad at all", "hardly worth"):
            if phrase in sentence.lower():
                labels_of.setdefault(phrase, set()).add(label)
    assert labels_of == {"not bad at all": {1}, "hardly worth": {0}}


def test_most_review_words_appear_in_the_corpus():
    corpus_words = set(
        re.findall(r"[a-zà-ÿ']+", read_bytes(DATA_DIR, CORPUS).decode("utf-8").lower())
    )
    review_words = [
        w
        for sentence, _ in read_reviews(TRAIN) + read_reviews(DEV)
        for w in re.findall(r"[a-zà-ÿ']+", sentence.lower())
    ]
    covered = sum(w in corpus_words for w in review_words) / len(review_words)
    assert covered >= 0.85, covered
