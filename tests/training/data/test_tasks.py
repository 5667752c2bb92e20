import os
import time

import numpy as np
import pytest

from keras_bert.models.token_classifier import IGNORE_LABEL
from keras_bert.text import BertTokenizer
from keras_bert.training import metrics
from keras_bert.training.data import tasks
from tests.training import helpers


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return BertTokenizer(helpers.write_vocab(tmp_path_factory.mktemp("vocab") / "vocab.txt"))


def test_glue_tsv_pairs_and_singles(shared_data):
    texts, labels = tasks.read_tsv(os.path.join(shared_data, "glue/RTE/dev.tsv"))
    assert len(texts) == 2 and len(texts[0]) == len(labels) == 277
    assert texts[1][0] == "Christopher Reeve had an accident."
    assert tasks.label_vocabulary(labels) == ["entailment", "not_entailment"]
    assert labels.count("entailment") == 146
    texts, labels = tasks.read_tsv(os.path.join(shared_data, "glue/SST-2/dev.tsv"))
    assert len(texts) == 1 and len(labels) == 872 and tasks.label_vocabulary(labels) == ["0", "1"]


def test_tsv_text_column_errors(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("review\tlabel\ngood film\t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="name them with --text-column"):
        tasks.read_tsv(str(path))
    assert tasks.read_tsv(str(path), ["review"]) == ([["good film"]], ["1"])
    with pytest.raises(ValueError, match="has no column title"):
        tasks.read_tsv(str(path), ["title"])


def test_empty_or_broken_task_files_are_named(tmp_path):
    header_only = tmp_path / "header.tsv"
    header_only.write_text("sentence\tlabel\n", encoding="utf-8")
    with pytest.raises(ValueError) as e:
        tasks.read_tsv(str(header_only))
    assert str(e.value) == (
        f"{header_only} has a header and no rows; a TSV file with examples is expected."
    )
    broken = tmp_path / "train.json"
    broken.write_text('{"data": [', encoding="utf-8")
    with pytest.raises(ValueError) as e:
        tasks.read_squad(str(broken))
    assert str(e.value) == (
        f"{broken} is not SQuAD JSON (Expecting value: line 1 column 11 (char 10))."
    )


def test_conll_tags_sit_on_the_first_word_piece(tmp_path, tokenizer):
    path = tmp_path / "ner.conll"
    path.write_text("-DOCSTART-\tO\n\nab\tB-PER\ncd,\tI-PER\nx\tO\n\nqq\tB-LOC\n", encoding="utf-8")
    sentences = tasks.read_conll(str(path))
    assert sentences == [(["ab", "cd,", "x"], ["B-PER", "I-PER", "O"]), (["qq"], ["B-LOC"])]
    names = tasks.label_vocabulary([t for _, ts in sentences for t in ts])
    inputs, labels = tasks.align_tags(tokenizer, sentences, names, seq_length=12)
    ids = [tokenizer.id_to_token(i) for i in inputs["input_word_ids"][0]]
    # The character vocabulary splits each word into letters; "cd," is "c ##d ,".
    assert ids[:9] == ["[CLS]", "a", "##b", "c", "##d", ",", "x", "[SEP]", "[PAD]"]
    ignore = IGNORE_LABEL
    index = {n: i for i, n in enumerate(names)}
    assert labels[0].tolist() == [
        ignore, index["B-PER"], ignore, index["I-PER"], ignore, ignore, index["O"], ignore,
    ] + [ignore] * 4
    predicted = tasks.word_predictions(sentences, labels, labels.clip(0), names)
    assert predicted == [["B-PER", "I-PER", "O"], ["B-LOC"]]


def test_real_conll_file_reads(shared_data):
    sentences = tasks.read_conll(os.path.join(shared_data, "ner/wnut17/emerging.dev.conll"))
    assert len(sentences) == 1009
    assert sum(len(words) for words, _ in sentences) == 15733


def test_squad_spans_decode_back_to_the_answer_text(shared_data, tokenizer):
    articles = tasks.read_squad(os.path.join(shared_data, "squad/dev-v1.1.json"))
    examples = tasks.squad_examples(articles, limit=12)
    inputs, labels, features = tasks.squad_features(
        tokenizer, examples, seq_length=128, doc_stride=48, max_query_length=24
    )
    assert len(features) > len(examples)  # long contexts give several windows
    assert inputs["input_word_ids"].shape == (len(features), 128)
    # Logits that point exactly at the labeled spans must decode to the gold answer text.
    starts = np.full((len(features), 128), -10.0)
    ends = np.full((len(features), 128), -10.0)
    for i, (s, e) in enumerate(zip(labels["start_positions"], labels["end_positions"])):
        if s > 0:
            starts[i, s] = ends[i, e] = 10.0
    answers = tasks.decode_squad(examples, features, starts, ends)
    exact = 0
    for example in examples:
        # Spans are whole words (as in the original): an answer inside a word ("gold" in
        # "golden") comes back as the word.
        text, start = example["answers"][0]
        context, end = example["context"], start + len(text)
        while start > 0 and context[start - 1].isalnum() and context[start].isalnum():
            start -= 1
        while end < len(context) and context[end].isalnum() and context[end - 1].isalnum():
            end += 1
        assert answers[example["id"]] == context[start:end]
        exact += context[start:end] == text
    assert exact >= len(examples) - 2
    subset = [{"paragraphs": [{"qas": [
        {"id": e["id"], "answers": [{"text": t} for t, _ in e["answers"]]} for e in examples
    ]}]}]
    scores = metrics.squad_v1_scores(subset, answers)
    assert scores["exact_match"] == pytest.approx(100.0 * exact / len(examples))


def test_squad_windows_that_cannot_move_are_refused(tokenizer):
    """Without room for the context, or with a stride of 0, the window loop would never end."""
    example = {"id": "q", "question": "who ?", "context": "a b c d e f g", "answers": [("c", 4)]}
    with pytest.raises(ValueError) as e:
        tasks.squad_features(tokenizer, [example], seq_length=67, max_query_length=64)
    assert str(e.value) == (
        "--seq-length 67 leaves no room for the context after a question of up to "
        "--max-query-length 64 pieces and 3 special tokens; raise --seq-length or lower "
        "--max-query-length."
    )
    with pytest.raises(ValueError, match=r"^--doc-stride 0 must be at least 1 \(windows move by it\)\.$"):
        tasks.squad_features(tokenizer, [example], seq_length=16, doc_stride=0, max_query_length=4)
    inputs, _, _ = tasks.squad_features(tokenizer, [example], seq_length=68, max_query_length=64)
    assert len(inputs["input_word_ids"]) == 1


def test_tfds_names_fail_fast_when_not_prepared(tmp_path):
    began = time.perf_counter()
    with pytest.raises(FileNotFoundError, match="'glue/sst2' is not prepared in"):
        tasks.load_tfds("glue/sst2", "train", data_dir=str(tmp_path))
    assert time.perf_counter() - began < 5
    with pytest.raises(ValueError, match="Unknown data set 'mnli'"):
        tasks.load_tfds("mnli", "train", data_dir=str(tmp_path))
