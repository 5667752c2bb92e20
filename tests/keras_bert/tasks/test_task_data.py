import os
import time

import numpy as np
import pytest

from keras_bert.models.token_classifier import IGNORE_LABEL
from keras_bert.tasks import files, metrics, squad_windows, tfds, token_classification
from keras_bert.tasks.labels import label_vocabulary
from keras_bert.text import BertTokenizer
from tests.training import helpers


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return BertTokenizer(helpers.write_vocab(tmp_path_factory.mktemp("vocab") / "vocab.txt"))


def test_glue_tsv_pairs_and_singles(shared_data):
    texts, labels = files.read_tsv(os.path.join(shared_data, "glue/RTE/dev.tsv"))
    assert len(texts) == 2 and len(texts[0]) == len(labels) == 277
    assert texts[1][0] == "Christopher Reeve had an accident."
    assert label_vocabulary(labels) == ["entailment", "not_entailment"]
    assert labels.count("entailment") == 146
    texts, labels = files.read_tsv(os.path.join(shared_data, "glue/SST-2/dev.tsv"))
    assert len(texts) == 1 and len(labels) == 872 and label_vocabulary(labels) == ["0", "1"]


def test_tsv_text_column_errors(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("review\tlabel\ngood film\t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="name them with --text-column"):
        files.read_tsv(str(path))
    assert files.read_tsv(str(path), ["review"]) == ([["good film"]], ["1"])
    with pytest.raises(ValueError, match="has no column title"):
        files.read_tsv(str(path), ["title"])


def test_empty_or_broken_task_files_are_named(tmp_path):
    header_only = tmp_path / "header.tsv"
    header_only.write_text("sentence\tlabel\n", encoding="utf-8")
    with pytest.raises(ValueError) as e:
        files.read_tsv(str(header_only))
    assert str(e.value) == (
        f"{header_only} has a header and no rows; a TSV file with examples is expected."
    )
    broken = tmp_path / "train.json"
    broken.write_text('{"data": [', encoding="utf-8")
    with pytest.raises(ValueError) as e:
        files.read_squad(str(broken))
    assert str(e.value) == (
        f"{broken} is not SQuAD JSON (Expecting value: line 1 column 11 (char 10))."
    )


def test_conll_tags_sit_on_the_first_word_piece(tmp_path, tokenizer):
    path = tmp_path / "ner.conll"
    path.write_text("-DOCSTART-\tO\n\nab\tB-PER\ncd,\tI-PER\nx\tO\n\nqq\tB-LOC\n", encoding="utf-8")
    sentences = files.read_conll(str(path))
    assert sentences == [(["ab", "cd,", "x"], ["B-PER", "I-PER", "O"]), (["qq"], ["B-LOC"])]
    names = label_vocabulary([t for _, ts in sentences for t in ts])
    inputs, labels = token_classification.align_tags(tokenizer, sentences, names, seq_length=12)
    ids = [tokenizer.id_to_token(i) for i in inputs["input_word_ids"][0]]
    # The character vocabulary splits each word into letters; "cd," is "c ##d ,".
    assert ids[:9] == ["[CLS]", "a", "##b", "c", "##d", ",", "x", "[SEP]", "[PAD]"]
    ignore = IGNORE_LABEL
    index = {n: i for i, n in enumerate(names)}
    assert (
        labels[0].tolist()
        == [
            ignore,
            index["B-PER"],
            ignore,
            index["I-PER"],
            ignore,
            ignore,
            index["O"],
            ignore,
        ]
        + [ignore] * 4
    )
    predicted = token_classification.word_predictions(sentences, labels, labels.clip(0), names)
    assert predicted == [["B-PER", "I-PER", "O"], ["B-LOC"]]


def test_real_conll_file_reads(shared_data):
    sentences = files.read_conll(os.path.join(shared_data, "ner/wnut17/emerging.dev.conll"))
    assert len(sentences) == 1009
    assert sum(len(words) for words, _ in sentences) == 15733


def _squad_dev(shared_data):
    return files.read_squad(os.path.join(shared_data, "squad/dev-v1.1.json"))


def _real_tokenizer(shared_data):
    from tests.keras_bert.text.conftest import UNCASED_VOCAB

    return BertTokenizer(os.path.join(shared_data, *UNCASED_VOCAB))


def test_squad_features_are_run_squads_windows_of_the_whole_context(shared_data):
    """The windows hold the original tokenizer's pieces of the whole context, in
    `run_squad.py`'s windows (plain-Python references of both), and every context piece's
    offsets are its run's. The questions include contexts with "37°" and "€60m", which
    splitting at non-alphanumeric characters would tokenize differently."""
    from tests.reference_squad import squad_windows as reference_windows
    from tests.reference_tokenizer import ReferenceTokenizer, word_offsets

    tokenizer = _real_tokenizer(shared_data)
    examples = squad_windows.squad_examples(_squad_dev(shared_data))
    odd = [e for e in examples if "\u00b0" in e["context"] or "\u20ac" in e["context"]]
    examples = examples[:200:25] + odd[:2]
    assert len(odd) >= 2
    inputs, _, features = squad_windows.squad_features(
        tokenizer, examples, seq_length=96, doc_stride=32, max_query_length=16, training=False
    )
    ref = ReferenceTokenizer(tokenizer.vocab)
    want = [
        (index, window, word_offsets(ref, example["context"]))
        for index, example in enumerate(examples)
        for window in reference_windows(
            ref.encode(example["question"]),
            ref.encode(example["context"]),
            96,
            32,
            16,
            tokenizer.cls_id,
            tokenizer.sep_id,
            tokenizer.pad_id,
        )
    ]
    assert features["example_index"].tolist() == [index for index, _, _ in want]
    for name in inputs:
        np.testing.assert_array_equal(inputs[name], [w[name] for _, w, _ in want], err_msg=name)
    np.testing.assert_array_equal(features["max_context"], [w["max_context"] for _, w, _ in want])
    for key, name in ((1, "starts"), (2, "ends")):
        offsets = [[o[key][p] if p >= 0 else -1 for p in w["context_piece"]] for _, w, o in want]
        np.testing.assert_array_equal(features[name], offsets, err_msg=name)


def test_squad_labels_decode_back_to_the_answer_runs(shared_data):
    """Logits that point at the labeled spans decode to the gold answer, widened to whole
    runs of the context (an answer inside a word, "gold" in "golden", comes back as the
    word; "1990" in "(1990)," as "1990"), as an exported model cuts its answers."""
    from tests.reference_tokenizer import ReferenceTokenizer, word_offsets

    tokenizer = _real_tokenizer(shared_data)
    articles = _squad_dev(shared_data)
    examples = squad_windows.squad_examples(articles, limit=300)
    examples.append(
        {
            "id": "paren",
            "question": "when?",
            "context": "He was born (1990), they say.",
            "answers": [("1990", 13)],
        }
    )
    inputs, labels, features = squad_windows.squad_features(
        tokenizer, examples, seq_length=128, doc_stride=48, max_query_length=24
    )
    assert len(features["example_index"]) > len(examples)  # long contexts give several windows
    assert inputs["input_word_ids"].shape == (len(features["example_index"]), 128)
    starts = np.full((len(features["example_index"]), 128), -10.0)
    ends = np.full((len(features["example_index"]), 128), -10.0)
    for i, (s, e) in enumerate(zip(labels["start_positions"], labels["end_positions"])):
        if s > 0:
            starts[i, s] = ends[i, e] = 10.0
    answers = squad_windows.decode_squad(examples, features, starts, ends)
    ref = ReferenceTokenizer(tokenizer.vocab)
    exact = 0
    for example in examples:
        text, start = example["answers"][0]
        raw = example["context"].encode("utf-8")
        begin = len(example["context"][:start].encode("utf-8"))
        end = begin + len(text.encode("utf-8"))
        _, run_starts, run_ends = word_offsets(ref, example["context"])
        overlapping = [(s, e) for s, e in zip(run_starts, run_ends) if e > begin and s < end]
        widened = raw[overlapping[0][0] : overlapping[-1][1]].decode("utf-8")
        assert answers[example["id"]] == widened, example["id"]
        exact += widened == text
    assert answers["paren"] == "1990"
    assert exact >= 0.95 * len(examples)  # widening is the exception
    subset = [
        {
            "paragraphs": [
                {
                    "qas": [
                        {"id": e["id"], "answers": [{"text": t} for t, _ in e["answers"]]}
                        for e in examples
                    ]
                }
            ]
        }
    ]
    scores = metrics.squad_v1_scores(subset, answers)
    assert scores["exact_match"] == pytest.approx(100.0 * exact / len(examples))


def test_squad_ties_go_to_the_earliest_span_and_no_examples_to_no_windows(tokenizer):
    """Equal logits decode to the first valid span, as `run_squad.py`'s stable sort and the
    export's argmax pick it; no examples give no windows."""
    example = {"id": "q", "question": "who ?", "context": "ab cd ef", "answers": []}
    inputs, _, features = squad_windows.squad_features(
        tokenizer, [example], seq_length=16, max_query_length=4, training=False
    )
    zeros = np.zeros(inputs["input_word_ids"].shape)
    assert squad_windows.decode_squad([example], features, zeros, zeros) == {"q": "ab"}
    inputs, labels, features = squad_windows.squad_features(
        tokenizer, [], seq_length=16, max_query_length=4
    )
    assert inputs["input_word_ids"].shape == (0, 16) and labels["start_positions"].shape == (0,)
    assert squad_windows.decode_squad([], features, np.zeros((0, 16)), np.zeros((0, 16))) == {}


def test_squad_windows_that_cannot_move_are_refused(tokenizer):
    """Without room for the context, or with a stride of 0, the window loop would never end."""
    example = {"id": "q", "question": "who ?", "context": "a b c d e f g", "answers": [("c", 4)]}
    with pytest.raises(ValueError) as e:
        squad_windows.squad_features(tokenizer, [example], seq_length=67, max_query_length=64)
    assert str(e.value) == (
        "--seq-length 67 leaves no room for the context after a question of up to "
        "--max-query-length 64 pieces and 3 special tokens; raise --seq-length or lower "
        "--max-query-length."
    )
    with pytest.raises(
        ValueError, match=r"^--doc-stride 0 must be at least 1 \(windows move by it\)\.$"
    ):
        squad_windows.squad_features(
            tokenizer, [example], seq_length=16, doc_stride=0, max_query_length=4
        )
    inputs, _, _ = squad_windows.squad_features(
        tokenizer, [example], seq_length=68, max_query_length=64
    )
    assert len(inputs["input_word_ids"]) == 1


def test_tfds_names_fail_fast_when_not_prepared(tmp_path):
    began = time.perf_counter()
    with pytest.raises(FileNotFoundError, match="'glue/sst2' is not prepared in"):
        tfds.load_tfds("glue/sst2", "train", data_dir=str(tmp_path))
    assert time.perf_counter() - began < 5
    with pytest.raises(ValueError, match="Unknown data set 'mnli'"):
        tfds.load_tfds("mnli", "train", data_dir=str(tmp_path))
