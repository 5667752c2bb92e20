"""A plain-Python reference of google-research/bert's `run_squad.py` windows, written
after `convert_examples_to_features` and `_check_is_max_context`, for the tests of the
in-graph windows (`keras_bert.text.pack_windows`) and everything built on them."""


def is_max_context(spans, span_index, position):
    """`_check_is_max_context`: is this the span where `position` has the most context (min
    of left and right context, plus 0.01 per piece of the span; the first span on a tie)?"""
    best_score, best_index = None, None
    for index, (start, length) in enumerate(spans):
        end = start + length - 1
        if position < start or position > end:
            continue
        score = min(position - start, end - position) + 0.01 * length
        if best_score is None or score > best_score:
            best_score, best_index = score, index
    return span_index == best_index


def squad_windows(
    question, context, seq_length, doc_stride, max_query_length, cls_id, sep_id, pad_id=0
):
    """The windows of one question / context pair (lists of ids, without special tokens).

    Returns a list of dicts, one per window: `input_word_ids`, `input_mask`,
    `input_type_ids` (lists of `seq_length`), `context_piece` (the index in `context` of the
    piece at each position, -1 elsewhere) and `max_context` (bools).
    """
    question = question[:max_query_length]
    max_context_length = seq_length - len(question) - 3
    spans, start = [], 0
    while True:
        length = min(len(context) - start, max_context_length)
        spans.append((start, length))
        if start + length >= len(context):
            break
        start += min(length, doc_stride)
    windows = []
    for span_index, (span_start, length) in enumerate(spans):
        ids = [cls_id] + question + [sep_id]
        offset = len(ids)
        ids += context[span_start : span_start + length] + [sep_id]
        padding = seq_length - len(ids)
        piece = [-1] * seq_length
        max_context = [False] * seq_length
        for i in range(length):
            piece[offset + i] = span_start + i
            max_context[offset + i] = is_max_context(spans, span_index, span_start + i)
        windows.append(
            {
                "input_word_ids": ids + [pad_id] * padding,
                "input_mask": [1] * len(ids) + [0] * padding,
                "input_type_ids": [0] * offset + [1] * (length + 1) + [0] * padding,
                "context_piece": piece,
                "max_context": max_context,
            }
        )
    return windows
