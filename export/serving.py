"""Serving graphs: raw text in, named task outputs out, as Keras `ExportArchive` endpoints.

One function, `build_archive`, turns a keras-bert model plus a `BertPreprocessor` into an
`ExportArchive` whose endpoints take tf.string `[batch]` tensors (`text`, and `text_pair` for
pair tasks) and return outputs by name:

    BertClassifier       logits [b, classes], probabilities [b, classes], label [b] (names)
                         (a regressor, num_classes=1: logits [b, 1] only)
    BertTokenClassifier  logits [b, s, labels], label_ids [b, s], labels [b, s] (names),
                         tokens [b, s] (the word pieces), input_mask [b, s], word_ids [b, s]
                         (the whitespace-separated word of `text` each piece belongs to, -1
                         at [CLS], [SEP] and padding)
    BertSpanQA           text = question, text_pair = context; start_logits, end_logits [b, s]
                         and start_index, end_index [b] (token positions of the best span) of
                         the window the answer comes from, answer_start_byte, answer_end_byte
                         [b] (see below), and, for SavedModel, answer [b]
    BertEncoder          sequence_output [b, s, hidden], pooled_output [b, hidden]
    BertTextEmbedder     embedding [b, hidden]
    BertPretrainer       serving_default as the encoder, plus `mlm`: text and
                         masked_lm_positions [b, p] (p fixed at export; positions in the
                         packed sequence to replace by [MASK]) -> mlm_logits [b, p, vocab],
                         predicted_tokens [b, p]

A span QA signature reads a long context as google-research/bert's `run_squad.py` does: the
question cut to the fine-tuning's `--max-query-length` pieces, the context in windows
`--doc-stride` pieces apart (without them, 64 and 128, and at shorter `seq_length` at most half
of it and a third of it: `span_qa_settings`), each window run through the model, and the best
span of all windows kept, at most the fine-tuning's `--max-answer-length` pieces (30 without
it) and its start in the window where it has the most context (`keras_bert.text.pack_windows`).
The windows go through the model `SPAN_QA_WINDOWS_PER_CALL` at a time (`_in_chunks`), so a
context of any length serves in bounded memory. The answer is the context as written:
`text_pair[answer_start_byte:answer_end_byte]` (UTF-8 bytes), from the start of the run (the
text between punctuation characters, or one such character) holding the span's first piece to
the end of the run holding its last, so "the U.S.-based firm" answers "U.S.-based", never
"u . s . - based" (the SavedModel's `answer` is that slice; TFLite has no string slicing). Without
context both offsets are -1 and the answer ""; the offsets are also -1 for the rare context
whose runs do not tokenize like the whole text (`BertTokenizer.tokenize_with_word_offsets`),
whose `answer` is then the span's word pieces joined into text.

Every text signature runs the model only up to the longest text of its batch
(`keras_bert.text.packing.trim_to_longest`), not over all of `seq_length`: the same numbers
at the real tokens (padding adds exactly 0 to the attention softmax) for a fraction of the
work on short texts. Outputs with a sequence axis are padded back to `seq_length`, so every
signature keeps its shapes; at padding positions `sequence_output` and the tagger's `logits`
are 0 (its `label_ids` 0) and the span logits -1e9, as everywhere outside the context.

The graphs are saved through `ExportArchive` (not a hand-made `tf.Module`: the same graph
saved that way converted to TFLite and then produced NaN in a probe here).

`encoder_archive` and `preprocess_archive` build the TF Hub BERT pair that an encoder export
adds: callable SavedModels (`CallableSavedModel`) with the interface of TF Hub's
`bert_en_uncased_L-12_H-768_A-12` and `bert_en_uncased_preprocess` (docs/tf_hub.md).
"""

import functools
import itertools
import numbers
import typing

import keras
import tensorflow as tf
from keras_bert.export.callable_saved_model import CallableSavedModel

from keras_bert.checkpoints.mapping import encoder_of
from keras_bert.layers.heads import SPAN_MASK_ADDER, answer_positions
from keras_bert.models import (
    INPUT_NAMES,
    BertClassifier,
    BertEncoder,
    BertPretrainer,
    BertSpanQA,
    BertTextEmbedder,
    BertTokenClassifier,
)
from keras_bert.text.packing import (
    pack_inputs,
    pack_windows,
    pad_to_mask,
    trim_to_longest,
    values_at_windows,
)

TASKS = ("classifier", "token_classifier", "span_qa", "encoder", "pretrainer", "embedder")
# Windows a span QA signature runs through the model at a time, so that a context of any
# length serves in bounded memory (BERT-base holds about 20 MB of activations per window at
# 384 positions): a long context's windows go through in turn.
SPAN_QA_WINDOWS_PER_CALL = 16
# The most segments a TF Hub preprocessor's `bert_pack_inputs` is traced for (each count in
# every mix of `[batch, (pieces)]` and `[batch, (words), (pieces)]` segments); exports take the
# encoder's `type_vocab_size` up to this.
MAX_PACKED_SEGMENTS = 4


class SpanQASettings(typing.NamedTuple):
    """How a span QA signature reads a context and picks its answer, in word pieces: the
    question cut, the stride between windows, and the longest answer."""

    max_query_length: int
    doc_stride: int
    max_answer_length: int


def task_of(model):
    """The task name of a keras-bert model (one of `TASKS`)."""
    for cls, name in (
        (BertClassifier, "classifier"),
        (BertTokenClassifier, "token_classifier"),
        (BertSpanQA, "span_qa"),
        (BertTextEmbedder, "embedder"),
        (BertPretrainer, "pretrainer"),
        (BertEncoder, "encoder"),
    ):
        if isinstance(model, cls):
            return name
    raise TypeError(
        f"Cannot export a {type(model).__name__}; export takes a BertEncoder, BertPretrainer, "
        "BertClassifier, BertTokenClassifier, BertSpanQA or BertTextEmbedder."
    )


def text_inputs(num_segments):
    """Input names of the text signatures: `["text"]` or `["text", "text_pair"]`."""
    return ["text", "text_pair"][:num_segments]


def build_archive(
    model, preprocessor, num_segments=1, with_text_outputs=True, max_predictions=20, span_qa=None
):
    """Builds the serving `ExportArchive` of `model`.

    Args:
        model: a keras-bert model (see the module docstring).
        preprocessor: a `keras_bert.text.BertPreprocessor`; its tokenizer mode decides where
            the graph runs (`"exact"`: TensorFlow / TF Serving, `"tflite"`: also TFLite).
        num_segments: 1, or 2 for pair tasks (a span QA model always takes 2).
        with_text_outputs: include outputs built from string ops that TFLite lacks
            (`answer` of span QA).
        max_predictions: number of masked positions the `mlm` signature takes (fixed: TFLite
            cannot lower the head's gather with a dynamic count).
        span_qa: a span QA model's `SpanQASettings` (default: `span_qa_settings`' defaults
            at the preprocessor's `seq_length`).

    Returns:
        `(archive, endpoints)`: the `keras.export.ExportArchive` and a dict endpoint name ->
        the traced `tf.function` (callable in this process, for verification).
    """
    task = task_of(model)
    if task == "span_qa":
        num_segments = 2
    if num_segments not in (1, 2):
        raise ValueError(f"num_segments={num_segments}; a text signature takes 1 or 2 texts.")
    tokenizer = preprocessor.tokenizer
    # No `archive.track(model)`: the endpoints capture the variables they use, and tracking the
    # model as well stores every weight twice (keras-team/keras#23553).
    archive = keras.export.ExportArchive()
    names = text_inputs(num_segments)
    text_spec = [tf.TensorSpec([None], tf.string, name=n) for n in names]
    outputs_of = _TASK_OUTPUTS[task]
    vocab = tf.constant(tokenizer.vocab)

    def encode(texts):
        """The encoder inputs of `texts`, and what the task's outputs need besides them: a
        span QA model's windows (`_span_qa_windows`), a tagger's word of each piece, else
        None."""
        if task == "span_qa":
            return _span_qa_windows(preprocessor, *texts, with_text_outputs, span_qa)
        if task == "token_classifier":
            ids, word_ids, _, _ = tokenizer.tokenize_with_word_offsets(texts[0])
            inputs = _computed_type_ids(preprocessor.bert_pack_inputs([ids]))
            return inputs, {"word_ids": _tokens_of_text(word_ids, inputs)}
        return _computed_type_ids(preprocessor(list(texts) if len(texts) == 2 else texts[0])), None

    @tf.function(input_signature=text_spec)
    def serve(*texts):
        return outputs_of(model, *encode(texts), vocab)

    endpoints = {"serving_default": serve}
    if task == "pretrainer":
        mask_id = preprocessor.tokenizer.mask_id

        @tf.function(
            input_signature=text_spec
            + [tf.TensorSpec([None, max_predictions], tf.int32, name="masked_lm_positions")]
        )
        def mlm(*args):
            *texts, positions = args
            inputs, _ = encode(texts)
            seq_length = inputs["input_word_ids"].shape[1]
            chosen = tf.reduce_any(
                tf.one_hot(positions, seq_length, on_value=True, off_value=False, dtype=tf.bool),
                axis=1,
            )
            inputs["input_word_ids"] = tf.where(chosen, mask_id, inputs["input_word_ids"])
            inputs = trim_to_longest(
                inputs, inputs["input_mask"], min_length=tf.reduce_max(positions) + 1
            )
            logits = _predict(model, {**inputs, "masked_lm_positions": positions})["mlm_logits"]
            predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
            return {"mlm_logits": logits, "predicted_tokens": tf.gather(vocab, predicted)}

        endpoints["mlm"] = mlm
    for name, fn in endpoints.items():
        archive.add_endpoint(name, fn)
    return archive, endpoints


def encoder_archive(encoder, seq_length=None):
    """The TF Hub BERT encoder (`bert_en_uncased_L-12_H-768_A-12/4`'s interface) as a callable
    SavedModel.

    - `hub.load(path)(inputs, training=False)`, or `hub.KerasLayer(path, trainable=True)`:
      `inputs` is the dict of int32 `[batch, seq]` `input_word_ids`, `input_mask`,
      `input_type_ids`; the result a dict of `default` and `pooled_output` `[batch, hidden]`,
      `sequence_output` `[batch, seq, hidden]` and `encoder_outputs` (a list, one `[batch,
      seq, hidden]` per layer), all float32. `training=True` applies dropout. The object has
      `variables`, `trainable_variables` (every weight) and `regularization_losses` (one
      function per weight with a regularizer), as `hub.KerasLayer` wants them.
    - `serving_default` (TF Serving, and Keras 3's `TFSMLayer`, which passes the dict): the
      same inputs and, by name, `default`, `pooled_output`, `sequence_output` and
      `encoder_outputs_0` ... `encoder_outputs_{L-1}`.

    Args:
        encoder: a `BertEncoder`.
        seq_length: `None` accepts any length (a SavedModel); a fixed one gives the static
            shapes the TFLite converter needs.

    Returns:
        `(archive, endpoints)`: a `CallableSavedModel` and `{"serving_default": tf.function}`.
    """
    archive = CallableSavedModel()
    spec = {name: tf.TensorSpec([None, seq_length], tf.int32, name=name) for name in INPUT_NAMES}

    @tf.function
    def call(inputs, training=False):
        outputs = _predict(encoder, inputs, training)
        return {
            "default": outputs["pooled_output"],
            "pooled_output": outputs["pooled_output"],
            "sequence_output": outputs["sequence_output"],
            "encoder_outputs": list(outputs["encoder_outputs"]),
        }

    traces = [((spec,), {"training": training}) for training in (False, True)]
    archive.add_function("__call__", call, traces)
    training_call = call.get_concrete_function(spec, training=True)
    archive.add_attribute("variables", list(training_call.variables))
    archive.add_attribute("trainable_variables", list(training_call.trainable_variables))
    losses = []
    for weight in encoder.weights:
        if weight.regularizer is not None:
            loss = tf.function(functools.partial(weight.regularizer, weight), input_signature=[])
            loss.get_concrete_function()
            losses.append(loss)
    archive.add_attribute("regularization_losses", losses)

    @tf.function(input_signature=[spec])
    def serve(inputs):
        outputs = call(inputs, training=False)
        layers = outputs.pop("encoder_outputs")
        return {**outputs, **{f"encoder_outputs_{i}": layer for i, layer in enumerate(layers)}}

    archive.add_signature("serving_default", serve)
    return archive, {"serving_default": serve}


def preprocess_archive(preprocessor, max_segments=2):
    """The TF Hub BERT preprocessor (`bert_en_uncased_preprocess/3`'s interface) as a callable
    SavedModel.

    - `hub.load(path)(text)`, or `hub.KerasLayer(path)`: tf.string `[batch]` -> the encoder
      inputs, int32 `[batch, seq_length]` (the preprocessor's).
    - `.tokenize(text)`: int32 RaggedTensor `[batch, (words), (pieces)]`, BERT's basic words
      (whitespace, punctuation, CJK characters) split into word pieces: the exact tokenizer's
      ids. `.tokenize.get_special_tokens_dict()`: `vocab_size`, `start_of_sequence_id`,
      `end_of_segment_id`, `padding_id`, `mask_id` (int32 scalars).
    - `.bert_pack_inputs(segments, seq_length=N)`: a list of 1 to `max_segments` int32
      RaggedTensors `[batch, (pieces)]` or `[batch, (words), (pieces)]` -> the encoder inputs
      at `seq_length` (default the preprocessor's), truncated round robin
      (`keras_bert.text.pack_inputs`: the original truncation for pairs).
    - `serving_default` (TF Serving): `text` -> the encoder inputs. `tokenize` and
      `bert_pack_inputs` take or give RaggedTensors, which TF Serving cannot pass, so they are
      functions of the object, not signatures.

    Args:
        preprocessor: a `BertPreprocessor` with the exact tokenizer.
        max_segments: the most segments `bert_pack_inputs` packs (the encoder's
            `type_vocab_size`: 2 for BERT).

    Returns:
        `(archive, endpoints)`: a `CallableSavedModel` and `{"serving_default": tf.function}`.
    """
    tokenizer = preprocessor.tokenizer
    archive = CallableSavedModel()
    text = tf.TensorSpec([None], tf.string, name="text")

    @tf.function(input_signature=[text])
    def preprocess(text):
        return preprocessor(text)

    @tf.function(input_signature=[text])
    def tokenize(text):
        return tokenizer.tokenize_words(text)

    @tf.function(input_signature=[])
    def special_tokens():
        ids = {
            "vocab_size": tokenizer.vocab_size,
            "start_of_sequence_id": tokenizer.cls_id,
            "end_of_segment_id": tokenizer.sep_id,
            "padding_id": tokenizer.pad_id,
            "mask_id": tokenizer.mask_id,
        }
        return {name: tf.constant(value, tf.int32) for name, value in ids.items()}

    @tf.function
    def bert_pack_inputs(inputs, seq_length=preprocessor.seq_length):
        return pack_inputs(inputs, seq_length, tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id)

    segment = {
        rank: tf.RaggedTensorSpec([None] * (rank + 1), tf.int32, ragged_rank=rank)
        for rank in (1, 2)
    }
    packings = [
        ([[segment[rank] for rank in ranks]], {"seq_length": tf.TensorSpec([], tf.int32)})
        for count in range(1, max_segments + 1)
        for ranks in itertools.product(segment, repeat=count)
    ]
    archive.add_function("__call__", preprocess)
    archive.add_function("tokenize.__call__", tokenize)
    archive.add_function("tokenize.get_special_tokens_dict", special_tokens)
    archive.add_function("bert_pack_inputs.__call__", bert_pack_inputs, packings)
    archive.add_signature("serving_default", preprocess)
    return archive, {"serving_default": preprocess}


def _predict(model, inputs, training=False):
    """`model(inputs)` with its floating outputs in float32: a bfloat16 export
    (`precision.with_precision`) computes in bfloat16 and still answers in float32."""
    outputs = model(inputs, training=training)
    return tf.nest.map_structure(
        lambda t: tf.cast(t, tf.float32) if t.dtype.is_floating else t, outputs
    )


def _predict_trimmed(model, inputs):
    """`_predict` on the encoder inputs cut after the batch's longest text."""
    return _predict(model, trim_to_longest(inputs, inputs["input_mask"]))


def _classifier_outputs(model, inputs, extras, vocab):
    logits = _predict_trimmed(model, inputs)
    if model.num_classes == 1:
        return {"logits": logits}
    names = model.label_names or [str(i) for i in range(model.num_classes)]
    label_id = tf.argmax(logits, axis=-1, output_type=tf.int32)
    return {
        "logits": logits,
        "probabilities": tf.nn.softmax(logits, axis=-1),
        "label": tf.gather(tf.constant(names), label_id),
    }


def _token_classifier_outputs(model, inputs, extras, vocab):
    logits = pad_to_mask(_predict_trimmed(model, inputs), inputs["input_mask"], 0.0)
    names = model.label_names or [str(i) for i in range(model.num_labels)]
    label_ids = tf.argmax(logits, axis=-1, output_type=tf.int32)
    return {
        "logits": logits,
        "label_ids": label_ids,
        "labels": tf.gather(tf.constant(names), label_ids),
        "tokens": tf.gather(vocab, inputs["input_word_ids"]),
        "input_mask": inputs["input_mask"],
        "word_ids": extras["word_ids"],
    }


def _span_qa_windows(preprocessor, question, context, with_text_outputs, settings):
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
    inputs = _computed_type_ids(inputs)
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


def _span_qa_outputs(model, inputs, extras, vocab):
    seq_length = inputs["input_mask"].shape[1]
    positions = tf.range(seq_length)
    distance = positions[tf.newaxis, :] - positions[:, tf.newaxis]  # end - start

    def best_spans(windows):
        """The logits of some windows and the best span of each: argmax of start + end over
        context tokens start <= end < start + max_answer_length, the start in its window
        with the most context (as `run_squad.py` and `tasks.decode_squad` decode), as a
        [windows, seq * seq] score table. A window without context scores below every span."""
        inputs, max_context = windows
        outputs = _predict_trimmed(model, inputs)
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

    spans = _in_chunks(
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


def _in_chunks(fn, tensors, size, output_spec):
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


def _computed_type_ids(inputs):
    """The encoder inputs with `input_type_ids` as min(type ids, mask): the same values (type
    ids are 0 wherever the mask is), kept computed. TFLite's converter folds the all-zero type
    ids of a single text into a bool `zeros_like` that no TFLite kernel accepts."""
    return {**inputs, "input_type_ids": tf.minimum(inputs["input_type_ids"], inputs["input_mask"])}


def _tokens_of_text(values, inputs):
    """Per-piece values of a single text (`[batch, (pieces)]`) at the positions its pieces
    take in the packed `inputs` (`[batch, seq_length]`): position 1 on, -1 at `[CLS]`,
    `[SEP]`, padding and for pieces cut off by packing (each text its own window)."""
    mask = inputs["input_mask"]
    positions = tf.range(mask.shape[1])[tf.newaxis, :]
    closing_sep = tf.reduce_sum(mask, axis=1, keepdims=True) - 1
    piece = tf.where((positions >= 1) & (positions < closing_sep), positions - 1, -1)
    return values_at_windows(values, tf.range(tf.shape(mask)[0]), piece, -1)


def _encoder_outputs(model, inputs, extras, vocab):
    outputs = _predict_trimmed(encoder_of(model), inputs)
    return {
        "sequence_output": pad_to_mask(outputs["sequence_output"], inputs["input_mask"], 0.0),
        "pooled_output": outputs["pooled_output"],
    }


def _embedder_outputs(model, inputs, extras, vocab):
    return {"embedding": _predict_trimmed(model, inputs)["embedding"]}


_TASK_OUTPUTS = {
    "classifier": _classifier_outputs,
    "token_classifier": _token_classifier_outputs,
    "span_qa": _span_qa_outputs,
    "encoder": _encoder_outputs,
    "pretrainer": _encoder_outputs,
    "embedder": _embedder_outputs,
}
