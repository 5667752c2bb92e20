"""Task files that are damaged or unusual: each is read right or refused with its file and
true line (the bad files come from tests/fixtures/bad_files.py)."""

import json

import pytest
from keras_bert.training.data import pretraining

from keras_bert.tasks import files, squad_windows
from tests.fixtures import bad_files


def test_tsv_with_a_byte_order_mark_reads_its_first_column_by_name(tmp_path):
    texts, labels = files.read_tsv(bad_files.tsv_with_bom(tmp_path))
    assert texts == [["good film", "bad"]]
    assert labels == ["1", "0"]


def test_tsv_field_over_128_kb_is_read_whole(tmp_path):
    texts, labels = files.read_tsv(bad_files.tsv_with_long_field(tmp_path, size=200_000))
    assert len(texts[0][1]) == 200_000
    assert labels == ["0", "1"]


def test_tsv_error_names_the_true_line_after_blank_lines(tmp_path):
    path, line = bad_files.tsv_with_bad_row_after_blank_lines(tmp_path)
    with pytest.raises(ValueError, match=rf"^{path} line {line} has 3 fields, the header has 2\.$"):
        files.read_tsv(path)


@pytest.mark.parametrize(
    "reader, name, good",
    [
        (lambda p: files.read_tsv(p), "bad.tsv", ["sentence\tlabel", "ok\t1", "", "fine\t0"]),
        (files.read_conll, "bad.conll", ["EU B-ORG", "", "rejects O"]),
        (lambda p: list(pretraining.read_documents([p])), "bad.txt", ["One.", "Two.", ""]),
    ],
)
def test_non_utf8_bytes_name_the_file_and_line(tmp_path, reader, name, good):
    path, line = bad_files.text_with_latin1_byte(tmp_path, name, good, "caf\u00e9\tO")
    with pytest.raises(
        ValueError, match=rf"^{path} line {line} is not UTF-8 text \(byte 0xe9 at column 4\)"
    ):
        reader(path)


def test_conll_line_with_an_extra_column_is_refused(tmp_path):
    path, line = bad_files.conll_with_extra_column(tmp_path)
    with pytest.raises(ValueError, match=rf"^{path} line {line} has 3 columns, line 1 has 2"):
        files.read_conll(path)


def test_squad_training_skips_answers_not_at_their_offset_and_says_so(tmp_path, capsys):
    context = bad_files.squad(tmp_path, [])[1]
    start = context.index("Normans")
    answers = [
        ("Normans", start),  # right
        ("Normans", start + 12),  # shifted to other words
        ("Normans", -5),  # negative
        ("Normans", len(context) + 10),  # past the end
        ("France", start),  # text not at its offset
        ("Normandy", context.index("Normandy")),  # right
    ]
    path, _ = bad_files.squad(tmp_path, answers)
    articles = files.read_squad(path)
    kept = squad_windows.squad_examples(articles, training=True, source=path)
    assert [e["id"] for e in kept] == ["q0", "q5"]
    err = capsys.readouterr().err
    assert f"{path}: skipped 4 of 6 training questions" in err
    assert "q1: 'Normans' at 16" in err and "Could not find answer" in err
    # Evaluation scores answers as texts: every question stays.
    assert len(squad_windows.squad_examples(articles)) == 6


def test_squad_answer_start_given_as_a_string_names_the_file_question_and_line(tmp_path):
    path, _ = bad_files.squad(tmp_path, [("Normans", 4)])
    data = json.load(open(path))
    data["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = "4"
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
    line = next(i for i, text in enumerate(open(path), 1) if '"q0"' in text)
    with pytest.raises(
        ValueError,
        match=rf"^{path}: question 'q0' \(line {line}\) has 'answer_start' '4', not an integer;",
    ):
        files.read_squad(path)
