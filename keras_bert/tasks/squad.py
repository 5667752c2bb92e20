"""SQuAD v1.1: extractive question answering, the answer a span of the context.

The model is a `BertSpanQA` (start and end logits over `[CLS] question [SEP] context [SEP]`);
the files SQuAD v1.1 JSON (`files.read_squad`), read into `run_squad.py`'s windows
(`squad_windows`); the scores the official exact match and F1; the serving graph reads a
context of any length in windows and answers with the context's own text
(`span_qa_serving`), with the question cut, window stride and longest answer the fine-tuning
used (`keras_bert.json`'s `max_query_length`, `doc_stride`, `max_answer_length`).
"""

from keras_bert.layers.heads import SPAN_MASK_ADDER
from keras_bert.models.span_qa import BertSpanQA
from keras_bert.tasks import files, metrics, span_qa_serving, squad_windows
from keras_bert.tasks.task import Prepared, Task

# The folder settings of a span QA model, which are also its export flags.
_SETTINGS = ("max_query_length", "doc_stride", "max_answer_length")


class Squad(Task):
    """The answer to a question, cut from its context.

    Examples:

    ```python
    task = keras_bert.tasks.get("squad")
    task.num_segments  # 2: (question, context)
    span_qa = task.build(encoder)
    ```
    """

    name = "squad"
    num_segments = 2
    model_class = BertSpanQA
    head_keys = ("cls/squad/output_weights", "cls/squad/output_bias")
    huggingface_architecture = "BertForQuestionAnswering"
    huggingface_head_names = ("qa_outputs.weight", "qa_outputs.bias")
    output_fill = SPAN_MASK_ADDER
    serving_flags = _SETTINGS
    scores_exports = True

    def metric_names(self, num_labels=None):
        return ("exact_match", "f1")

    def read_file(self, path, options):
        return files.read_squad(path)

    def prepare(self, tokenizer, data, options, training, label_names, source):
        limit = options.max_train_examples if training else options.max_eval_examples
        examples = squad_windows.squad_examples(data, limit, training=training, source=source)
        inputs, labels, features = squad_windows.squad_features(
            tokenizer,
            examples,
            options.seq_length,
            options.doc_stride,
            options.max_query_length,
            training=training,
        )
        decoding = (options.n_best_size, options.max_answer_length)
        return Prepared(inputs, labels, None, (data, examples, features, decoding))

    def evaluate(self, outputs, prepared):
        articles, examples, features, (n_best_size, max_answer_length) = prepared.extra
        answers = squad_windows.decode_squad(
            examples,
            features,
            outputs["start_logits"],
            outputs["end_logits"],
            n_best_size,
            max_answer_length,
        )
        ids = {e["id"] for e in examples}
        subset = [
            {
                "paragraphs": [
                    {"qas": [qa for qa in p["qas"] if qa["id"] in ids]} for p in a["paragraphs"]
                ]
            }
            for a in articles
        ]
        return metrics.squad_v1_scores(subset, answers)

    def folder_metadata(self, options):
        # The export reads and answers as the model was trained and scored.
        return {name: getattr(options, name) for name in _SETTINGS}

    def serving_settings(self, seq_length, metadata, flags):
        return span_qa_serving.span_qa_settings(
            seq_length,
            **{
                name: metadata.get(name) if flags.get(name) is None else flags[name]
                for name in _SETTINGS
            },
        )

    def serving_inputs(self, preprocessor, texts, with_text_outputs, settings):
        return span_qa_serving.span_qa_windows(preprocessor, *texts, with_text_outputs, settings)

    def serving_outputs(self, model, inputs, extras, vocab):
        return span_qa_serving.span_qa_outputs(model, inputs, extras, vocab)

    def export_metric(self, eval_file, exported, keras_model):
        """The official SQuAD v1.1 exact match and F1 on a SQuAD JSON file, each answer cut
        from its context by `answer_start_byte` / `answer_end_byte` (what a TFLite app
        shows)."""
        articles = files.read_squad(eval_file)
        examples = squad_windows.squad_examples(articles)
        questions = [e["question"] for e in examples]
        contexts = [e["context"] for e in examples]
        scores = []
        for run in (exported, keras_model):
            outputs = run(questions, contexts)
            predictions = {
                example["id"]: example["context"]
                .encode("utf-8")[max(start, 0) : max(end, 0)]
                .decode("utf-8", "replace")
                for example, start, end in zip(
                    examples, outputs["answer_start_byte"], outputs["answer_end_byte"]
                )
            }
            scores.append(metrics.squad_v1_scores(articles, predictions))
        exported_scores, keras_scores = scores
        return "answer_start_byte", (
            f"exact match {exported_scores['exact_match']:.2f}, f1 {exported_scores['f1']:.2f} "
            f"(Keras {keras_scores['exact_match']:.2f}, {keras_scores['f1']:.2f}, "
            f"n={len(examples)})"
        )


SQUAD = Squad()
TASKS = (SQUAD,)
