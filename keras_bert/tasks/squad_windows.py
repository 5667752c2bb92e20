"""SQuAD v1.1 examples as google-research/bert's `run_squad.py` reads and answers them.

Windows of `[CLS] question [SEP] context part [SEP]` (the query cut to `max_query_length`
pieces, windows over the context every `doc_stride` pieces, answers mapped to piece spans, a
window without the answer pointing at `[CLS]`) and n-best decoding with `max_answer_length`
and the max-context rule, with the ids and windows of an exported model's serving graph. The
context is tokenized whole with each piece traced to its run of the raw text, so an answer is
the exact substring of the context from run to run (what the export answers), which replaces
the original's `get_final_text` realignment.
"""

import sys

import numpy as np
import tensorflow as tf

from keras_bert.text import pack_windows
from keras_bert.text.packing import values_at_windows

# Questions packed into windows at a time by `squad_features` (bounds the in-graph tensors).
_SQUAD_CHUNK = 2048


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
