"""Task files as plain Python data: GLUE-style TSV, CoNLL BIO files, SQuAD v1.1 JSON.

Each reader checks what it reads and names the file and line of what is wrong.

- TSV: a header row names the columns. Text columns come from `text_columns` or are found by
  GLUE's names (`sentence`; `sentence1`/`sentence2`; `question`/`sentence`;
  `question1`/`question2`; `text`). Fields are split on tabs only (GLUE text has raw quotes).
- CoNLL: `token<TAB>tag` (or space separated, tag last) per line, a blank line between
  sentences, `-DOCSTART-` lines skipped.
- SQuAD v1.1: the `data` list of articles, every field's type checked.
"""

import csv
import io
import json
import os

from keras_bert.text_file import read_lines, read_text

TEXT_COLUMN_CANDIDATES = (
    ("sentence1", "sentence2"),
    ("question1", "question2"),
    ("question", "sentence"),
    ("sentence",),
    ("text",),
)


def read_tsv(path, text_columns=None, label_column="label"):
    """Reads a GLUE-style TSV file.

    Returns `(texts, labels)`: `texts` a list of one or two lists of strings (the segments),
    `labels` a list of strings (None when the file has no `label_column`, as GLUE test files).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Task file {path} does not exist.")
    text = read_text(path)
    # csv's default limit (128 KB a field) would refuse long documents; no field is longer
    # than its file.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = [(reader.line_num, row) for row in reader]  # line_num counts blank lines too
    if not rows:
        raise ValueError(f"{path} is empty; a TSV file with a header row is expected.")
    header, rows = rows[0][1], [(number, r) for number, r in rows[1:] if r]
    if not rows:
        raise ValueError(f"{path} has a header and no rows; a TSV file with examples is expected.")
    if text_columns:
        missing = [c for c in text_columns if c not in header]
        if missing:
            raise ValueError(
                f"{path} has no column {', '.join(missing)}; its columns are {header}."
            )
    else:
        text_columns = next(
            (c for c in TEXT_COLUMN_CANDIDATES if all(name in header for name in c)), None
        )
        if text_columns is None:
            raise ValueError(
                f"{path} has none of GLUE's text columns (columns {header}); "
                "name them with --text-column."
            )
    if not 1 <= len(text_columns) <= 2:
        raise ValueError(f"Pass one or two text columns, got {list(text_columns)}.")
    for number, row in rows:
        if len(row) != len(header):
            raise ValueError(
                f"{path} line {number} has {len(row)} fields, the header has {len(header)}."
            )
    rows = [row for _, row in rows]
    texts = [[row[header.index(c)] for row in rows] for c in text_columns]
    labels = None
    if label_column in header:
        labels = [row[header.index(label_column)] for row in rows]
    return texts, labels


def read_conll(path):
    """Reads a CoNLL file: a list of `(words, tags)` sentences.

    Every word line has the columns of the first (`word ... tag`, the tag last); a line with
    more or fewer is an error naming it, since its last column would be read as its tag.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Task file {path} does not exist.")
    sentences, words, tags = [], [], []
    columns = None
    for number, line in read_lines(path):
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("-DOCSTART-"):
            if words:
                sentences.append((words, tags))
            words, tags = [], []
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 2:
            raise ValueError(f"{path} line {number} has no tag: {line!r}; expected 'word<TAB>tag'.")
        if columns is None:
            columns = (len(fields), number)
        elif len(fields) != columns[0]:
            raise ValueError(
                f"{path} line {number} has {len(fields)} columns, line {columns[1]} has "
                f"{columns[0]}: {line!r}; every word line needs the same columns, the tag last."
            )
        words.append(fields[0])
        tags.append(fields[-1])
    if words:
        sentences.append((words, tags))
    return sentences


def read_squad(path):
    """The `data` list (articles) of a SQuAD v1.1 JSON file, its fields checked: a field of
    the wrong type is an error naming the file, the question (or article) and the line."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Task file {path} does not exist.")
    text = read_text(path)
    try:
        dataset = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not SQuAD JSON ({e}).") from None
    if not isinstance(dataset, dict) or not isinstance(dataset.get("data"), list):
        raise ValueError(f"{path} is not SQuAD JSON (no 'data' list).")
    for a, article in enumerate(dataset["data"]):
        where = f"article {a}"
        _check_field(article, "paragraphs", list, path, where, text)
        for paragraph in article["paragraphs"]:
            _check_field(paragraph, "context", str, path, where, text)
            _check_field(paragraph, "qas", list, path, where, text)
            for qa in paragraph["qas"]:
                _check_field(qa, "id", (str, int), path, where, text)
                where = f"question {qa['id']!r}"
                _check_field(qa, "question", str, path, where, text, qa["id"])
                _check_field(qa, "answers", list, path, where, text, qa["id"])
                for answer in qa["answers"]:
                    _check_field(answer, "text", str, path, where, text, qa["id"])
                    _check_field(answer, "answer_start", int, path, where, text, qa["id"])
    return dataset["data"]


def _check_field(values, name, kind, path, where, text, question_id=None):
    """`values[name]` must be a `kind` (never a bool); else an error naming the file, `where`
    and the line (the line of the question's id, when it is found in the file's `text`)."""
    value = values.get(name) if isinstance(values, dict) else None
    if isinstance(value, kind) and not isinstance(value, bool):
        return
    line = ""
    if question_id is not None:
        found = text.find(json.dumps(question_id, ensure_ascii=False))
        if found >= 0:
            line = f" (line {text.count(chr(10), 0, found) + 1})"
    described = {str: "a string", int: "an integer", list: "a list"}
    kinds = " or ".join(described[k] for k in (kind if isinstance(kind, tuple) else (kind,)))
    got = (
        f"no {name!r}"
        if not isinstance(values, dict) or name not in values
        else (f"{name!r} {value!r}")
    )
    raise ValueError(f"{path}: {where}{line} has {got}, not {kinds}; fix that field of the file.")
