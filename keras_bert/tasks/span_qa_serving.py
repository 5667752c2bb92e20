"""The span QA serving graph: a question and a context of any length in, the answer out.

A span QA signature reads a long context as google-research/bert's `run_squad.py` does: the
question cut to the fine-tuning's `--max-query-length` pieces, the context in windows
`--doc-stride` pieces apart (without them, 64 and 128, and at shorter `seq_length` at most half
of it and a third of it: `span_qa_settings`), each window run through the model, and the best
span of all windows kept, at most the fine-tuning's `--max-answer-length` pieces (30 without
it) and its start in the window where it has the most context (`keras_bert.text.pack_windows`).
The windows go through the model `SPAN_QA_WINDOWS_PER_CALL` at a time (`in_chunks`), so a
context of any length serves in bounded memory. The answer is the context as written:
`text_pair[answer_start_byte:answer_end_byte]` (UTF-8 bytes), from the start of the run (the
text between punctuation characters, or one such character) holding the span's first piece to
the end of the run holding its last, so "the U.S.-based firm" answers "U.S.-based", never
"u . s . - based" (the SavedModel's `answer` is that slice; TFLite has no string slicing).
Without context both offsets are -1 and the answer ""; the offsets are also -1 for the rare
context whose runs do not tokenize like the whole text
(`BertTokenizer.tokenize_with_word_offsets`), whose `answer` is then the span's word pieces
joined into text.
"""

import numbers
import typing

import tensorflow as tf

from keras_bert.layers.heads import SPAN_MASK_ADDER, answer_positions
from keras_bert.tasks.serving_graph import computed_type_ids, predict_trimmed
from keras_bert.text.packing import pack_windows, pad_to_mask, values_at_windows

# Windows a span QA signature runs through the model at a time, so that a context of any
# length serves in bounded memory (BERT-base holds about 20 MB of activations per window at
# 384 positions): a long context's windows go through in turn.
SPAN_QA_WINDOWS_PER_CALL = 16


class SpanQASettings(typing.NamedTuple):
    """How a span QA signature reads a context and picks its answer, in word pieces: the
    question cut, the stride between windows, and the longest answer."""

    max_query_length: int
    doc_stride: int
    max_answer_length: int


def span_qa_settings(seq_length, max_query_length=None, doc_stride=None, max_answer_length=None):
    """The `SpanQASettings` of an exported span QA model at `seq_length`: the fine-tuning's
    `--max-query-length`, `--doc-stride` and `--max-answer-length` when given, checked; by
    default google-research/bert's 64, 128 and 30 (at `seq_length` 384), the first two at
    most half of a shorter sequence and a third of it, so that windows always overlap."""
    if seq_length < 5:
        raise ValueError(
            f"seq_length={seq_length} is too short for a span QA model: [CLS] question [SEP] "
            "context [SEP] needs at least 5 positions; export with a longer --seq-length."
        )
    given = {
        "max_query_length": max_query_length,
        "doc_stride": doc_stride,
        "max_answer_length": max_answer_length,
    }
    for name, value in given.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1
        ):
            flag = "--" + name.replace("_", "-")
            raise ValueError(
                f"{name}={value!r} must be a positive whole number of pieces; export with {flag} 1 "
                "or more."
            )
    if max_query_length is None:
        max_query_length = min(64, (seq_length - 3) // 2)
    elif max_query_length > seq_length - 4:
        raise ValueError(
            f"max_query_length={max_query_length} leaves no room for the context at seq_length="
            f"{seq_length} (at most {seq_length - 4}); export with a smaller --max-query-length "
            "or a longer --seq-length."
        )
    if doc_stride is None:
        doc_stride = max(1, min(128, seq_length // 3))
    return SpanQASettings(int(max_query_length), int(doc_stride), int(max_answer_length or 30))


def span_qa_windows(preprocessor, question, context, with_text_outputs, settings):
    """The windows of each question / context pair (`pack_windows`, with `settings` or the
    defaults of `span_qa_settings`), and where their context pieces lie in the context."""
    tokenizer, seq_length = preprocessor.tokenizer, preprocessor.seq_length
    ids, _, starts, ends = tokenizer.tokenize_with_word_offsets(context)
    settings = settings or span_qa_settings(seq_length)
    inputs, windows = pack_windows(
        preprocessor.tokenize(question),
        ids,
        seq_length,
        settings.doc_stride,
        settings.max_query_length,
        tokenizer.cls_id,
        tokenizer.sep_id,
        tokenizer.pad_id,
    )
    inputs = computed_type_ids(inputs)
    example, piece = windows["example"], windows["context_piece"]
    return inputs, {
        "text": context if with_text_outputs else None,
        "example": example,
        "max_context": windows["max_context"],
        "num_examples": tf.shape(context)[0],
        "max_answer_length": settings.max_answer_length,
        "starts": values_at_windows(starts, example, piece, -1),
        "ends": values_at_windows(ends, example, piece, -1),
    }


def span_qa_outputs(model, inputs, extras, vocab):
    seq_length = inputs["input_mask"].shape[1]
    positions = tf.range(seq_length)
    distance = positions[tf.newaxis, :] - positions[:, tf.newaxis]  # end - start

    def best_spans(windows):
        """The logits of some windows and the best span of each: argmax of start + end over
        context tokens start <= end < start + max_answer_length, the start in its window
        with the most context (as `run_squad.py` and `squad_windows.decode_squad` decode), as a
        [windows, seq * seq] score table. A window without context scores below every span."""
        inputs, max_context = windows
        outputs = predict_trimmed(model, inputs)
        start_logits, end_logits = (
            pad_to_mask(outputs[name], inputs["input_mask"], SPAN_MASK_ADDER)
            for name in ("start_logits", "end_logits")
        )
        context = answer_positions(inputs["input_mask"], inputs["input_type_ids"])
        allowed = (
            ((distance >= 0) & (distance < extras["max_answer_length"]))[tf.newaxis]
            & (context & max_context)[:, :, tf.newaxis]
            & context[:, tf.newaxis, :]
        )
        scores = start_logits[:, :, tf.newaxis] + end_logits[:, tf.newaxis, :]
        scores = tf.reshape(
            tf.where(allowed, scores, tf.fill(tf.shape(scores), -3e9)), [tf.shape(scores)[0], -1]
        )
        found = tf.reduce_any(allowed, axis=[1, 2])
        return {
            "start_logits": start_logits,
            "end_logits": end_logits,
            "best": tf.argmax(scores, axis=-1, output_type=tf.int32),
            "found": found,
            "score": tf.where(found, tf.reduce_max(scores, axis=-1), -4e9),
        }

    spans = in_chunks(
        best_spans,
        (inputs, extras["max_context"]),
        SPAN_QA_WINDOWS_PER_CALL,
        {
            "start_logits": tf.TensorSpec([seq_length], tf.float32),
            "end_logits": tf.TensorSpec([seq_length], tf.float32),
            "best": tf.TensorSpec([], tf.int32),
            "found": tf.TensorSpec([], tf.bool),
            "score": tf.TensorSpec([], tf.float32),
        },
    )
    start_logits, end_logits, best, found, window_score = (
        spans[name] for name in ("start_logits", "end_logits", "best", "found", "score")
    )
    # The answer of a pair: the best span of its windows (the first window on a tie).
    example, num_examples = extras["example"], extras["num_examples"]
    top = tf.math.unsorted_segment_max(window_score, example, num_examples)
    window = tf.range(tf.shape(example)[0])
    is_top = window_score >= tf.gather(top, example)
    chosen = tf.math.unsorted_segment_min(
        tf.where(is_top, window, tf.shape(example)[0]), example, num_examples
    )
    found, best = tf.gather(found, chosen), tf.gather(best, chosen)
    start_index = tf.where(found, best // seq_length, 0)
    end_index = tf.where(found, best % seq_length, 0)
    result = {
        "start_logits": tf.gather(start_logits, chosen),
        "end_logits": tf.gather(end_logits, chosen),
        "start_index": start_index,
        "end_index": end_index,
    }
    byte_start = tf.gather(tf.gather(extras["starts"], chosen), start_index, batch_dims=1)
    byte_end = tf.gather(tf.gather(extras["ends"], chosen), end_index, batch_dims=1)
    sliced = found & (byte_start >= 0)
    byte_start, byte_end = (tf.where(sliced, offset, -1) for offset in (byte_start, byte_end))
    result["answer_start_byte"] = byte_start
    result["answer_end_byte"] = byte_end
    if extras["text"] is not None:
        written = tf.strings.substr(
            extras["text"], tf.maximum(byte_start, 0), tf.where(sliced, byte_end - byte_start, 0)
        )
        in_span = (
            (positions[tf.newaxis, :] >= start_index[:, tf.newaxis])
            & (positions[tf.newaxis, :] <= end_index[:, tf.newaxis])
            & found[:, tf.newaxis]
        )
        pieces = tf.where(
            in_span, tf.gather(vocab, tf.gather(inputs["input_word_ids"], chosen)), ""
        )
        joined = tf.strings.regex_replace(
            tf.strings.reduce_join(pieces, axis=-1, separator=" "), " ##", ""
        )
        joined = tf.strings.strip(tf.strings.regex_replace(joined, " +", " "))
        result["answer"] = tf.where(sliced, written, joined)
    return result


def in_chunks(fn, tensors, size, output_spec):
    """`fn` on `size` rows of `tensors` at a time, its outputs concatenated: the memory of
    `size` rows for any number of rows.

    A `tf.while_loop` (TFLite's WHILE, whose body XNNPACK still delegates) that runs its
    iterations one after another. LiteRT cannot read a loop's zero-row output, so zero rows
    run as one row of zeros whose outputs are dropped.

    Args:
        fn: nested tensors `[rows, ...]` -> dict of tensors `[rows, ...]`.
        tensors: a nest of tensors with the same leading dimension.
        size: rows per call.
        output_spec: dict name -> `tf.TensorSpec` of one row of `fn`'s output.

    Returns:
        dict name -> `[rows, ...]`.
    """
    rows = tf.shape(tf.nest.flatten(tensors)[0])[0]
    tensors = tf.nest.map_structure(
        lambda t: tf.pad(t, [[0, tf.maximum(1 - rows, 0)]] + [[0, 0]] * (len(t.shape) - 1)), tensors
    )

    def body(start, done):
        out = fn(tf.nest.map_structure(lambda t: t[start : start + size], tensors))
        return start + size, {name: tf.concat([done[name], out[name]], axis=0) for name in done}

    empty = {name: tf.zeros([0, *spec.shape], spec.dtype) for name, spec in output_spec.items()}
    _, out = tf.while_loop(
        lambda start, _: start < tf.maximum(rows, 1),
        body,
        (tf.constant(0), empty),
        shape_invariants=(
            tf.TensorShape([]),
            {n: tf.TensorShape([None, *s.shape]) for n, s in output_spec.items()},
        ),
        parallel_iterations=1,
    )
    return {name: value[:rows] for name, value in out.items()}
