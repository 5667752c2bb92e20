"""Fine-tuning data: GLUE-style TSV, CoNLL BIO files, SQuAD v1.1 JSON, tensorflow-datasets.

Each reader returns plain Python data (task data sets are small); `*_dataset` functions turn it
into `tf.data` batches of `(encoder inputs, labels)` with the tokenizer and packing of
`keras_bert.text` (nothing here tokenizes differently from the exported preprocessor).

- TSV: a header row names the columns. Text columns come from `text_columns` or are found by
  GLUE's names (`sentence`; `sentence1`/`sentence2`; `question`/`sentence`;
  `question1`/`question2`; `text`). Fields are split on tabs only (GLUE text has raw quotes).
- CoNLL: `token<TAB>tag` (or space separated, tag last) per line, a blank line between
  sentences, `-DOCSTART-` lines skipped. Each word's tag goes to its first word piece; the
  other pieces, `[CLS]`, `[SEP]` and padding get `IGNORE_LABEL` (-100).
- SQuAD v1.1: as google-research/bert's `run_squad.py` (query cut to `max_query_length`
  pieces, windows over the context every `doc_stride` pieces, answers mapped to piece spans,
  a window without the answer points at `[CLS]`, n-best decoding with `max_answer_length`
  and the max-context rule), with the ids and windows of an exported model's serving graph.
  The context is tokenized whole with each piece traced to its run of the raw text, so an
  answer is the exact substring of the context from run to run (what the export answers),
  which replaces the original's `get_final_text` realignment.
- tensorflow-datasets: `glue/sst2`, `imdb_reviews`, `squad` load from the TFDS data folder when
  prepared there, and fail at once with the path that is missing otherwise (offline, `tfds.load`
  retries downloads for minutes).
"""

import collections
import csv
import io
import json
import os
import re
import sys

import numpy as np
import tensorflow as tf

from keras_bert.models.token_classifier import IGNORE_LABEL
from keras_bert.text import pack_inputs, pack_windows
from keras_bert.text.packing import values_at_windows
from keras_bert.text_file import read_lines, read_text

TEXT_COLUMN_CANDIDATES = (
    ("sentence1", "sentence2"),
    ("question1", "question2"),
    ("question", "sentence"),
    ("sentence",),
    ("text",),
)

TFDS_DATASETS = {
    # name: (text features, label feature, train split, eval split)
    "glue/sst2": (("sentence",), "label", "train", "validation"),
    "imdb_reviews": (("text",), "label", "train", "test"),
    "squad": (None, None, "train", "validation"),
}

# Questions packed into windows at a time by `squad_features` (bounds the in-graph tensors).
_SQUAD_CHUNK = 2048


# ---------------------------------------------------------------- classification (TSV)


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


def label_vocabulary(labels):
    """Sorted label names (numerically when all are integers)."""
    names = sorted(set(labels))
    if all(re.fullmatch(r"-?\d+", n) for n in names):
        names = sorted(names, key=int)
    return names


def encode_texts(tokenizer, texts, seq_length):
    """One or two lists of strings -> dict of int32 numpy encoder inputs `[n, seq_length]`."""
    segments = [tokenizer.tokenize(tf.constant(t)) for t in texts]
    packed = pack_inputs(segments, seq_length, tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id)
    return {k: v.numpy() for k, v in packed.items()}


# ---------------------------------------------------------------- tagging (CoNLL)


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


def align_tags(tokenizer, sentences, label_names, seq_length):
    """Encoder inputs and labels `[n, seq_length]` for tagging.

    Each word's label sits on its first word piece, `IGNORE_LABEL` everywhere else. Sentences
    longer than `seq_length - 2` pieces are cut.
    """
    index = {name: i for i, name in enumerate(label_names)}
    n = len(sentences)
    ids = np.full((n, seq_length), tokenizer.pad_id, np.int32)
    mask = np.zeros((n, seq_length), np.int32)
    labels = np.full((n, seq_length), IGNORE_LABEL, np.int32)
    for row, (words, tags) in enumerate(sentences):
        unknown = [t for t in tags if t not in index]
        if unknown:
            raise ValueError(f"Tag {unknown[0]!r} is not among the labels {label_names}.")
        pieces = tokenizer.tokenize(tf.constant(words)).to_list()
        tokens, token_labels = [tokenizer.cls_id], [IGNORE_LABEL]
        for word_pieces, tag in zip(pieces, tags):
            word_pieces = word_pieces or [tokenizer.unk_id]
            tokens += word_pieces
            token_labels += [index[tag]] + [IGNORE_LABEL] * (len(word_pieces) - 1)
        tokens = tokens[: seq_length - 1] + [tokenizer.sep_id]
        token_labels = token_labels[: seq_length - 1] + [IGNORE_LABEL]
        ids[row, : len(tokens)] = tokens
        mask[row, : len(tokens)] = 1
        labels[row, : len(tokens)] = token_labels
    inputs = {"input_word_ids": ids, "input_mask": mask, "input_type_ids": np.zeros_like(ids)}
    return inputs, labels


def word_predictions(sentences, label_ids, predicted_ids, label_names):
    """Per sentence, the predicted tag of each word (read at its first piece)."""
    result = []
    for (words, _), gold, predicted in zip(sentences, label_ids, predicted_ids):
        tags = [label_names[p] for g, p in zip(gold, predicted) if g != IGNORE_LABEL]
        result.append(tags + ["O"] * (len(words) - len(tags)))
    return result


# ---------------------------------------------------------------- SQuAD v1.1


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


def squad_examples(articles, limit=None, training=False, source="SQuAD data"):
    """Flat list of `{"id", "question", "context", "answers"}` (answers as `(text, start)`).

    With `training`, an example whose first answer is not found at its `answer_start` in the
    context (shifted, negative or past the end) is skipped, as google-research/bert's
    `run_squad.py` skips it ("Could not find answer"), so the model never learns a wrong span;
    a line on stderr gives their count and the first few. Evaluation keeps every example (its
    answers are only compared as texts).
    """

    def every_example():
        for article in articles:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    yield {
                        "id": qa["id"],
                        "question": qa["question"],
                        "context": paragraph["context"],
                        "answers": [(a["text"], a["answer_start"]) for a in qa["answers"]],
                    }

    examples, skipped = [], []
    for example in every_example():
        if limit is not None and len(examples) == limit:
            break
        if training and example["answers"] and not _answer_at_offset(example):
            skipped.append(example)
        else:
            examples.append(example)
    if skipped:
        shown = "; ".join(
            f"{e['id']}: {e['answers'][0][0]!r} at {e['answers'][0][1]}" for e in skipped[:3]
        )
        print(
            f"{source}: skipped {len(skipped)} of {len(skipped) + len(examples)} training "
            f"questions whose answer text is not at its answer_start in the context (as "
            "run_squad.py's 'Could not find answer'): "
            f"{shown}{'; ...' if len(skipped) > 3 else ''}",
            file=sys.stderr,
            flush=True,
        )
    return examples


def _answer_at_offset(example):
    """Whether the first answer is in the context at its `answer_start`, as `run_squad.py`
    checks it: the whitespace-separated words its characters touch, joined by single spaces,
    contain the answer text with its whitespace runs made single spaces."""
    text, start = example["answers"][0]
    context = example["context"]
    end = start + len(text) - 1
    if not text.strip() or start < 0 or end >= len(context):
        return False
    first, last = start, end
    while first > 0 and not context[first - 1].isspace():
        first -= 1
    while last + 1 < len(context) and not context[last + 1].isspace():
        last += 1
    return " ".join(text.split()) in " ".join(context[first : last + 1].split())


def squad_features(
    tokenizer, examples, seq_length=384, doc_stride=128, max_query_length=64, training=True
):
    """Windows of `[CLS] question [SEP] context part [SEP]`, with the ids, windows and answer
    offsets of an exported span QA model.

    Each context is tokenized whole (`BertTokenizer.tokenize_with_word_offsets`: the
    original's ids, each piece traced to its run of the raw text), and the windows are
    `keras_bert.text.pack_windows`, the serving graph's own. An answer is labeled from the
    first to the last piece whose run overlaps it, the spans `run_squad.py`'s
    `_improve_answer_span` finds: `"1990"` in `"(1990),"` is the piece `1990` alone.

    Returns:
        `(inputs, labels, features)`: encoder inputs `[n, seq_length]`; labels
        `{"start_positions", "end_positions"}` `[n]` (the first answer, `[CLS]` when the
        window does not hold it or the context's runs do not align); and `features`, what
        `decode_squad` needs, a dict of numpy arrays: `example_index` `[n]`, `starts` and
        `ends` `[n, seq_length]` (the UTF-8 byte span in the context of the run of each
        piece, -1 elsewhere) and `max_context` `[n, seq_length]`.
    """
    if seq_length <= max_query_length + 3:  # run_squad.py's own check
        raise ValueError(
            f"--seq-length {seq_length} leaves no room for the context after a question of up to "
            f"--max-query-length {max_query_length} pieces and 3 special tokens; raise "
            "--seq-length or lower --max-query-length."
        )
    if doc_stride < 1:
        raise ValueError(f"--doc-stride {doc_stride} must be at least 1 (windows move by it).")
    # Each context once (a SQuAD paragraph has about 5 questions), then gathered per question.
    row_of_context = {}
    rows = [row_of_context.setdefault(e["context"], len(row_of_context)) for e in examples]
    ids, _, starts, ends = tokenizer.tokenize_with_word_offsets(
        tf.constant(list(row_of_context), tf.string)
    )
    answers = _answer_pieces(examples, rows, starts.to_list(), ends.to_list(), training)
    parts = []
    for first in range(0, max(len(examples), 1), _SQUAD_CHUNK):  # no examples: 0 windows
        part = examples[first : first + _SQUAD_CHUNK]
        part_rows = tf.constant(rows[first : first + _SQUAD_CHUNK], tf.int32)
        inputs, windows = pack_windows(
            tokenizer.tokenize(tf.constant([e["question"] for e in part], tf.string)),
            tf.gather(ids, part_rows),
            seq_length,
            doc_stride,
            max_query_length,
            tokenizer.cls_id,
            tokenizer.sep_id,
            tokenizer.pad_id,
        )
        example, piece = windows["example"], windows["context_piece"]
        window = {name: x.numpy() for name, x in inputs.items()}
        window["example_index"] = example.numpy() + first
        window["max_context"] = windows["max_context"].numpy()
        for name, offsets in (("starts", starts), ("ends", ends)):
            window[name] = values_at_windows(
                tf.gather(offsets, part_rows), example, piece, -1
            ).numpy()
        piece = piece.numpy()
        for label, answer_piece in zip(("start_positions", "end_positions"), answers):
            hit = piece == answer_piece[window["example_index"]][:, np.newaxis]
            window[label] = hit.argmax(axis=1)  # 0, [CLS], where the window lacks the piece
        both = (window["start_positions"] > 0) & (window["end_positions"] > 0)
        for label in ("start_positions", "end_positions"):
            window[label] = np.where(both, window[label], 0).astype(np.int32)
        parts.append(window)
    arrays = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    inputs = {k: arrays[k] for k in ("input_word_ids", "input_mask", "input_type_ids")}
    labels = {k: arrays[k] for k in ("start_positions", "end_positions")}
    features = {k: arrays[k] for k in ("example_index", "starts", "ends", "max_context")}
    return inputs, labels, features


def _answer_pieces(examples, rows, starts, ends, training):
    """The first and last context piece of each example's first answer (numpy int `[n]`
    each): the pieces whose runs overlap the answer's bytes; -2 (never a piece) without one."""
    first, last = np.full(len(examples), -2), np.full(len(examples), -2)
    for i, (example, row) in enumerate(zip(examples, rows)):
        if not (training and example["answers"]):
            continue
        text, start = example["answers"][0]
        begin = len(example["context"][:start].encode("utf-8"))
        end = begin + len(text.encode("utf-8"))
        run_starts, run_ends = np.asarray(starts[row]), np.asarray(ends[row])
        overlap = np.flatnonzero((run_ends > begin) & (run_starts < end) & (run_starts >= 0))
        if len(overlap):
            first[i], last[i] = overlap[0], overlap[-1]
    return first, last


def decode_squad(
    examples, features, start_logits, end_logits, n_best_size=20, max_answer_length=30
):
    """n-best decoding: `{question_id: answer text}` (the best span over each example's windows).

    A span is valid when both ends are context pieces, the start is in the window where it has
    the most context, `start <= end` and it is at most `max_answer_length` pieces long; its
    score is the sum of the start and end logits. Its text is the context from the start of
    the run of its first piece to the end of the run of its last, as an exported model's
    `answer_start_byte` / `answer_end_byte` cut it.
    """
    best = {}
    for window, (starts, ends) in enumerate(zip(start_logits, end_logits)):
        example = examples[features["example_index"][window]]
        begin, end = features["starts"][window], features["ends"][window]
        max_context = features["max_context"][window]
        # Highest first, the earlier position first on a tie (as `run_squad.py`'s stable
        # sort, and as the export's argmax).
        start_indexes = np.argsort(-np.asarray(starts), kind="stable")[:n_best_size]
        end_indexes = np.argsort(-np.asarray(ends), kind="stable")[:n_best_size]
        for s in start_indexes:
            for e in end_indexes:
                if begin[s] < 0 or end[e] < 0 or not max_context[s]:
                    continue
                if e < s or e - s + 1 > max_answer_length:
                    continue
                score = float(starts[s] + ends[e])
                if example["id"] not in best or score > best[example["id"]][0]:
                    text = example["context"].encode("utf-8")[begin[s] : end[e]].decode("utf-8")
                    best[example["id"]] = (score, text)
    return {qid: text for qid, (_, text) in best.items()}


# ---------------------------------------------------------------- tensorflow-datasets


def _tfds_directory(name, data_dir):
    """The prepared folder of a TFDS data set (`DATA_DIR/NAME/VERSION`), or a clear error."""
    if name not in TFDS_DATASETS:
        raise ValueError(
            f"Unknown data set {name!r}; the tfds names known are {sorted(TFDS_DATASETS)}."
        )
    data_dir = data_dir or os.environ.get(
        "TFDS_DATA_DIR", os.path.join(os.path.expanduser("~"), "tensorflow_datasets")
    )
    base = os.path.join(data_dir, name)
    versions = sorted(
        (
            v
            for v in (os.listdir(base) if os.path.isdir(base) else [])
            if os.path.isfile(os.path.join(base, v, "dataset_info.json"))
        ),
        key=lambda v: [int(x) for x in v.split(".") if x.isdigit()],
    )
    if not versions:
        raise FileNotFoundError(
            f"tensorflow-datasets {name!r} is not prepared in {data_dir} (no {base}/VERSION/"
            "dataset_info.json); download it once with `tfds build` on a machine with network, "
            "or pass the files (--train-file) instead."
        )
    return os.path.join(base, versions[-1])


def load_tfds(name, split, data_dir=None):
    """A prepared tensorflow-datasets split as plain data, without any network access.

    Classification sets give `(texts, labels)` (labels as strings, like `read_tsv`); `squad`
    gives the articles list of `read_squad`'s shape.
    """
    import tensorflow_datasets as tfds

    builder = tfds.builder_from_directory(_tfds_directory(name, data_dir))
    dataset = tfds.as_numpy(builder.as_dataset(split=split))
    text_features, label_feature, _, _ = TFDS_DATASETS[name]
    if name == "squad":
        articles = collections.OrderedDict()
        for row in dataset:
            paragraph = {
                "context": row["context"].decode("utf-8"),
                "qas": [
                    {
                        "id": row["id"].decode("utf-8"),
                        "question": row["question"].decode("utf-8"),
                        "answers": [
                            {"text": t.decode("utf-8"), "answer_start": int(s)}
                            for t, s in zip(row["answers"]["text"], row["answers"]["answer_start"])
                        ],
                    }
                ],
            }
            articles.setdefault(row["title"].decode("utf-8"), []).append(paragraph)
        return [{"title": t, "paragraphs": p} for t, p in articles.items()]
    rows = list(dataset)
    texts = [[row[f].decode("utf-8") for row in rows] for f in text_features]
    labels = [str(int(row[label_feature])) for row in rows]
    return texts, labels
