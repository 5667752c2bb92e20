import json
import os

import pytest

from keras_bert.text import SPECIAL_TOKENS, BertTokenizer, load_vocab
from tests.reference_tokenizer import basic_tokenize

UNCASED_VOCAB = ("checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt")


def read_sst2(shared_data, split="train"):
    path = os.path.join(shared_data, "glue", "SST-2", f"{split}.tsv")
    with open(path, encoding="utf-8") as f:
        return [line.split("\t")[0] for line in f.read().splitlines()[1:]]


def read_squad_contexts(shared_data):
    with open(os.path.join(shared_data, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        data = json.load(f)["data"]
    return [p["context"] for article in data for p in article["paragraphs"]]


def read_wnut(shared_data):
    path = os.path.join(shared_data, "ner", "wnut17", "emerging.dev.conll")
    with open(path, encoding="utf-8") as f:
        blocks = f.read().split("\n\n")
    return [" ".join(line.split("\t")[0] for line in b.splitlines()) for b in blocks if b.strip()]


def read_wikitext(shared_data):
    path = os.path.join(shared_data, "corpus", "wikitext-2-raw", "wiki.test.raw")
    with open(path, encoding="utf-8") as f:
        return [line for line in f.read().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def corpora(shared_data):
    return {
        "sst2": read_sst2(shared_data),
        "squad": read_squad_contexts(shared_data),
        "wnut17": read_wnut(shared_data),
        "wikitext": read_wikitext(shared_data),
    }


@pytest.fixture(scope="session")
def uncased_vocab_file(shared_data):
    return os.path.join(shared_data, *UNCASED_VOCAB)


@pytest.fixture(scope="session")
def cased_vocab(uncased_vocab_file, corpora):
    """A cased vocabulary: the real uncased subwords plus cased words and every character seen.

    Built from the reference's cased words of a corpus sample (build_vocab is tested on its own;
    learning a vocabulary here would take most of the test budget).
    """
    uncased, _ = load_vocab(uncased_vocab_file)
    counts = {}
    for text in corpora["squad"][:400] + corpora["wnut17"] + corpora["wikitext"][:300]:
        for word in basic_tokenize(text, lower_case=False):
            counts[word] = counts.get(word, 0) + 1
    chars = sorted({ch for word in counts for ch in word})
    extra = [w for w, n in sorted(counts.items()) if n >= 3] + chars + ["##" + ch for ch in chars]
    tokens = list(SPECIAL_TOKENS) + [t for t in uncased if t not in SPECIAL_TOKENS]
    seen = set(tokens)
    return tokens + [t for t in dict.fromkeys(extra) if t not in seen]


@pytest.fixture(scope="module")
def uncased(uncased_vocab_file):
    return BertTokenizer(uncased_vocab_file)


@pytest.fixture(scope="module")
def cased(cased_vocab):
    return BertTokenizer(cased_vocab, lower_case=False)
