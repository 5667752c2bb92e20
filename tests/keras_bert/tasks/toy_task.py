"""A task written for the tests as a user adds one: this module, which registers it, passed as
`keras-bert finetune --task-module tests/keras_bert/tasks/toy_task.py --task toy_keyword`. It
reads `LABEL TEXT` lines, learns which label word a text holds and serves that label."""

import numpy as np
import tensorflow as tf
from keras import ops

from keras_bert import tasks
from keras_bert.models.classifier import BertClassifier
from keras_bert.tasks import metrics
from keras_bert.tasks.classification import encode_texts
from keras_bert.tasks.labels import label_ids
from keras_bert.tasks.serving_graph import predict_trimmed
from keras_bert.tasks.task import Prepared, Task


class KeywordTask(Task):
    name = "toy_keyword"
    model_class = BertClassifier
    label_names_flag = True
    progress_metrics = ("accuracy",)

    def build(self, encoder, num_labels=None, label_names=None, dropout=0.1, **settings):
        return BertClassifier(encoder, len(label_names), dropout, label_names)

    def metric_names(self, num_labels=None):
        return ("accuracy",)

    def read_file(self, path, options):
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\n").split(" ", 1) for line in f if line.strip()]

    def prepare(self, tokenizer, data, options, training, label_names, source):
        labels, texts = zip(*data)
        label_names = label_names or sorted(set(labels))
        inputs = encode_texts(tokenizer, [list(texts)], options.seq_length)
        return Prepared(inputs, label_ids(labels, label_names, source, False), label_names)

    def batch_metrics(self, labels, outputs):
        hits = ops.argmax(outputs, axis=-1) == ops.cast(labels, "int32")
        return {"accuracy": ops.mean(ops.cast(hits, "float32"))}

    def evaluate(self, outputs, prepared):
        return {"accuracy": metrics.accuracy(prepared.labels, np.argmax(outputs, -1))}

    def serving_outputs(self, model, inputs, extras, vocab):
        logits = predict_trimmed(model, inputs)
        best = tf.argmax(logits, axis=-1, output_type=tf.int32)
        return {"keyword": tf.gather(tf.constant(model.label_names), best)}


KEYWORD = KeywordTask()
tasks.register(KEYWORD)
