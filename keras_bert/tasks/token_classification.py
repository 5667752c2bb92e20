"""Token classification (tagging, NER): a label per word, read at its first word piece.

The model is a `BertTokenClassifier` on `sequence_output`; the files CoNLL BIO files
(`files.read_conll`), each word's tag on its first word piece and `IGNORE_LABEL` (-100) on the
other pieces, `[CLS]`, `[SEP]` and padding; the scores entity-level precision, recall and F1
(`metrics.entity_f1`); the serving outputs the logits, label ids and names of every piece,
its token, the mask and the word of the text each piece belongs to.
"""

import numpy as np
import tensorflow as tf
from keras import ops

from keras_bert.models.token_classifier import IGNORE_LABEL, BertTokenClassifier
from keras_bert.tasks import files, metrics
from keras_bert.tasks.labels import label_ids, label_vocabulary
from keras_bert.tasks.serving_graph import computed_type_ids, predict_trimmed, tokens_of_text
from keras_bert.tasks.task import Prepared, Task
from keras_bert.text.packing import pad_to_mask


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


class TokenClassification(Task):
    """A tag per word of one text.

    Examples:

    ```python
    task = keras_bert.tasks.get("token_classification")
    tagger = task.build(encoder, label_names=["O", "B-LOC", "I-LOC"])
    ```
    """

    name = "token_classification"
    model_class = BertTokenClassifier
    head_keys = ("output_weights", "output_bias")
    huggingface_architecture = "BertForTokenClassification"
    labelled_head = True
    huggingface_head_names = ("classifier.weight", "classifier.bias")
    label_names_flag = True
    output_fill = 0.0
    progress_metrics = ("accuracy",)

    def build(self, encoder, num_labels=None, label_names=None, dropout=0.1, **settings):
        count = len(label_names) if num_labels is None else num_labels
        return BertTokenClassifier(encoder, count, dropout, label_names)

    def metric_names(self, num_labels=None):
        return ("precision", "recall", "f1")

    def read_file(self, path, options):
        return files.read_conll(path)

    def prepare(self, tokenizer, data, options, training, label_names, source):
        limit = options.max_train_examples if training else options.max_eval_examples
        sentences = data[:limit]
        tags = [t for _, sentence_tags in sentences for t in sentence_tags]
        named = bool(options.label_names)
        label_names = label_names or label_vocabulary(tags)
        label_ids(tags, label_names, source, named)  # every tag known, or a one-line error
        inputs, labels = align_tags(tokenizer, sentences, label_names, options.seq_length)
        return Prepared(inputs, labels, label_names, sentences)

    def batch_metrics(self, labels, outputs):
        labelled = ops.cast(labels != IGNORE_LABEL, "float32")
        hits = ops.argmax(outputs, axis=-1) == ops.cast(labels, "int32")
        count = ops.sum(labelled)
        return {"accuracy": ops.divide_no_nan(ops.sum(ops.cast(hits, "float32") * labelled), count)}

    def evaluate(self, outputs, prepared):
        sentences = prepared.extra
        predicted = word_predictions(
            sentences, prepared.labels, outputs.argmax(-1), prepared.label_names
        )
        return metrics.entity_f1([tags for _, tags in sentences], predicted)

    def serving_inputs(self, preprocessor, texts, with_text_outputs, settings):
        ids, word_ids, _, _ = preprocessor.tokenizer.tokenize_with_word_offsets(texts[0])
        inputs = computed_type_ids(preprocessor.bert_pack_inputs([ids]))
        return inputs, {"word_ids": tokens_of_text(word_ids, inputs)}

    def serving_outputs(self, model, inputs, extras, vocab):
        logits = pad_to_mask(predict_trimmed(model, inputs), inputs["input_mask"], 0.0)
        names = model.label_names or [str(i) for i in range(model.num_labels)]
        predicted_ids = tf.argmax(logits, axis=-1, output_type=tf.int32)
        return {
            "logits": logits,
            "label_ids": predicted_ids,
            "labels": tf.gather(tf.constant(names), predicted_ids),
            "tokens": tf.gather(vocab, inputs["input_word_ids"]),
            "input_mask": inputs["input_mask"],
            "word_ids": extras["word_ids"],
        }


TOKEN_CLASSIFICATION = TokenClassification()
TASKS = (TOKEN_CLASSIFICATION,)
