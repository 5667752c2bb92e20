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
                         [b] (byte offsets of the answer in text_pair), and, for SavedModel,
                         answer [b]
    BertEncoder          sequence_output [b, s, hidden], pooled_output [b, hidden]
    BertTextEmbedder     embedding [b, hidden]
    BertPretrainer       serving_default as the encoder, plus `mlm`: text and
                         masked_lm_positions [b, p] (p fixed at export; positions in the
                         packed sequence to replace by [MASK]) -> mlm_logits [b, p, vocab],
                         predicted_tokens [b, p]

Each output is its task's (`keras_bert.tasks`: `Task.serving_inputs` and
`Task.serving_outputs`); a span QA signature reads a context of any length in windows and
answers with the context's own text (`keras_bert.tasks.span_qa_serving`).

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

import keras
import tensorflow as tf
from keras_bert.export.callable_saved_model import CallableSavedModel

from keras_bert import tasks
from keras_bert.models import INPUT_NAMES
from keras_bert.tasks.serving_graph import predict
from keras_bert.text.packing import pack_inputs

# The most segments a TF Hub preprocessor's `bert_pack_inputs` is traced for (each count in
# every mix of `[batch, (pieces)]` and `[batch, (words), (pieces)]` segments); exports take the
# encoder's `type_vocab_size` up to this.
MAX_PACKED_SEGMENTS = 4


def text_inputs(num_segments):
    """Input names of the text signatures: `["text"]` or `["text", "text_pair"]`."""
    return ["text", "text_pair"][:num_segments]


def build_archive(
    model,
    preprocessor,
    task=None,
    num_segments=None,
    with_text_outputs=True,
    max_predictions=20,
    settings=None,
):
    """Builds the serving `ExportArchive` of `model`.

    Args:
        model: a keras-bert model (see the module docstring).
        preprocessor: a `keras_bert.text.BertPreprocessor`; its tokenizer mode decides where
            the graph runs (`"exact"`: TensorFlow / TF Serving, `"tflite"`: also TFLite).
        task: the model's `keras_bert.tasks` task (default `tasks.of_model(model)`): its
            `serving_inputs` in, its `serving_outputs` out.
        num_segments: 1, or 2 for pairs; default the task's (1 for a task that takes either).
        with_text_outputs: include outputs built from string ops that TFLite lacks
            (`answer` of span QA).
        max_predictions: number of masked positions a pretrainer's `mlm` signature takes
            (fixed: TFLite cannot lower the head's gather with a dynamic count).
        settings: the task's serving settings (`Task.serving_settings`; default: the task's
            defaults at the preprocessor's `seq_length`).

    Returns:
        `(archive, endpoints)`: the `keras.export.ExportArchive` and a dict endpoint name ->
        the traced `tf.function` (callable in this process, for verification).
    """
    task = task or tasks.of_model(model, num_segments or 1)
    num_segments = task.num_segments or num_segments or 1
    if settings is None:
        settings = task.serving_settings(preprocessor.seq_length, {}, {})
    tokenizer = preprocessor.tokenizer
    # No `archive.track(model)`: the endpoints capture the variables they use, and tracking the
    # model as well stores every weight twice (keras-team/keras#23553).
    archive = keras.export.ExportArchive()
    text_spec = [tf.TensorSpec([None], tf.string, name=n) for n in text_inputs(num_segments)]
    vocab = tf.constant(tokenizer.vocab)

    def encode(texts):
        return task.serving_inputs(preprocessor, texts, with_text_outputs, settings)

    @tf.function(input_signature=text_spec)
    def serve(*texts):
        return task.serving_outputs(model, *encode(texts), vocab)

    endpoints = {"serving_default": serve}
    endpoints.update(
        task.extra_endpoints(model, encode, text_spec, vocab, tokenizer.mask_id, max_predictions)
    )
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
        outputs = predict(encoder, inputs, training)
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
