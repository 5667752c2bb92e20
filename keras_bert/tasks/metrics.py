"""Evaluation metrics of the fine-tuning tasks, computed on numpy arrays and Python lists.

- Classification: accuracy, F1 of the positive class (GLUE's MRPC/QQP F1), Matthews
  correlation (GLUE's CoLA).
- Tagging: entity-level precision/recall/F1 over BIO tags, as CoNLL's `conlleval` counts them
  (an `I-X` after `O` or after another type starts a new entity; an entity counts only when
  its type and both ends match).
- SQuAD v1.1: the official `evaluate-v1.1.py` exact match and F1 (lower-case, punctuation and
  the articles a/an/the removed, whitespace collapsed; F1 over the bag of tokens; best over
  the reference answers; percentages).

These are a few lines each; they are written here rather than pulling in scikit-learn and
seqeval as dependencies, and they are tested against hand-worked examples.
"""

import collections
import re
import string

import numpy as np


def accuracy(labels, predictions):
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    return float(np.mean(labels == predictions)) if labels.size else 0.0


def f1(labels, predictions, positive=1):
    """F1 of the class `positive`."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    tp = np.sum((predictions == positive) & (labels == positive))
    fp = np.sum((predictions == positive) & (labels != positive))
    fn = np.sum((predictions != positive) & (labels == positive))
    return float(2 * tp / (2 * tp + fp + fn)) if tp else 0.0


def matthews_corrcoef(labels, predictions):
    """Matthews correlation for any number of classes (Gorodkin's R_K); 0 when undefined."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    classes = np.union1d(labels, predictions)
    confusion = np.array(
        [[np.sum((labels == a) & (predictions == b)) for b in classes] for a in classes],
        dtype=np.float64,
    )
    t, p = confusion.sum(axis=1), confusion.sum(axis=0)
    c, s = np.trace(confusion), confusion.sum()
    denominator = np.sqrt((s * s - p @ p) * (s * s - t @ t))
    return float((c * s - t @ p) / denominator) if denominator else 0.0


def classification_metrics(labels, predictions, num_classes):
    """`accuracy` and `mcc`; plus `f1` (of class 1) for two classes."""
    result = {
        "accuracy": accuracy(labels, predictions),
        "mcc": matthews_corrcoef(labels, predictions),
    }
    if num_classes == 2:
        result["f1"] = f1(labels, predictions)
    return result


def bio_entities(tags):
    """The entities `(type, start, end)` (end exclusive) of one BIO tag sequence."""
    entities = []
    start, kind = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, tag_type = tag.partition("-")
        continues = prefix == "I" and kind == tag_type
        if start is not None and not continues:
            entities.append((kind, start, i))
            start, kind = None, None
        if prefix == "B" or (prefix == "I" and not continues):
            start, kind = i, tag_type
    return entities


def entity_f1(true_sequences, predicted_sequences):
    """Entity-level `precision`, `recall`, `f1` over lists of BIO tag sequences."""
    true_total = predicted_total = correct = 0
    for true_tags, predicted_tags in zip(true_sequences, predicted_sequences):
        true_entities = set(bio_entities(true_tags))
        predicted_entities = set(bio_entities(predicted_tags))
        true_total += len(true_entities)
        predicted_total += len(predicted_entities)
        correct += len(true_entities & predicted_entities)
    precision = correct / predicted_total if predicted_total else 0.0
    recall = correct / true_total if true_total else 0.0
    f = 2 * precision * recall / (precision + recall) if correct else 0.0
    return {"precision": precision, "recall": recall, "f1": f}


def normalize_answer(text):
    """SQuAD v1.1's normalization: lower case, no punctuation, no articles, single spaces."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def squad_exact_match(prediction, ground_truth):
    return float(normalize_answer(prediction) == normalize_answer(ground_truth))


def squad_f1(prediction, ground_truth):
    prediction_tokens = normalize_answer(prediction).split()
    truth_tokens = normalize_answer(ground_truth).split()
    common = collections.Counter(prediction_tokens) & collections.Counter(truth_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(prediction_tokens)
    recall = same / len(truth_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_v1_scores(dataset, predictions):
    """The official v1.1 `{"exact_match", "f1"}` in percent.

    Args:
        dataset: the `data` list of a SQuAD v1.1 JSON file (articles).
        predictions: `{question_id: answer_text}`; unanswered questions score 0.
    """
    exact = f = total = 0.0
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                total += 1
                if qa["id"] not in predictions:
                    continue
                truths = [answer["text"] for answer in qa["answers"]]
                prediction = predictions[qa["id"]]
                exact += max(squad_exact_match(prediction, t) for t in truths)
                f += max(squad_f1(prediction, t) for t in truths)
    return {"exact_match": 100.0 * exact / total, "f1": 100.0 * f / total}
