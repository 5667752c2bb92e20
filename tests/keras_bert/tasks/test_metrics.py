import math

import pytest

from keras_bert.tasks import metrics


def test_classification_metrics_by_hand():
    labels = [1, 1, 1, 0, 0, 0, 0, 1]
    predictions = [1, 1, 0, 0, 0, 1, 0, 1]
    # tp 3, fn 1, fp 1, tn 3.
    assert metrics.accuracy(labels, predictions) == 6 / 8
    assert metrics.f1(labels, predictions) == pytest.approx(2 * 3 / (2 * 3 + 1 + 1))
    expected_mcc = (3 * 3 - 1 * 1) / math.sqrt(4 * 4 * 4 * 4)
    assert metrics.matthews_corrcoef(labels, predictions) == pytest.approx(expected_mcc)
    assert metrics.matthews_corrcoef([0, 0, 1], [0, 0, 0]) == 0.0
    assert metrics.matthews_corrcoef([0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)


def test_bio_entities_follow_conlleval():
    tags = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-PER", "O", "B-ORG"]
    assert metrics.bio_entities(tags) == [
        ("PER", 0, 2),
        ("LOC", 3, 5),
        ("LOC", 5, 6),
        ("PER", 6, 7),
        ("ORG", 8, 9),
    ]


def test_entity_f1_counts_whole_entities():
    true = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    predicted = [["B-PER", "O", "O", "B-LOC"], ["B-ORG", "O"]]
    # True entities 3, predicted 3 (PER cut short is wrong), correct 2.
    scores = metrics.entity_f1(true, predicted)
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "text, normalized",
    [
        ("The Denver Broncos!", "denver broncos"),
        ("an  apple, a pear", "apple pear"),
        ("Theatre", "theatre"),  # articles only as whole words
        ("  A.D. 1066 ", "ad 1066"),
        ("the-the", "thethe"),  # punctuation goes first, then articles
    ],
)
def test_squad_normalization_as_the_official_script(text, normalized):
    assert metrics.normalize_answer(text) == normalized


def test_squad_scores_by_hand():
    dataset = [
        {
            "paragraphs": [
                {
                    "qas": [
                        {
                            "id": "q1",
                            "answers": [{"text": "Denver Broncos"}, {"text": "the Broncos"}],
                        },
                        {"id": "q2", "answers": [{"text": "Santa Clara, California"}]},
                        {"id": "q3", "answers": [{"text": "1066"}]},
                    ]
                }
            ]
        }
    ]
    predictions = {"q1": "Broncos", "q2": "in Santa Clara"}
    # q1: "broncos" equals the normalized "the Broncos": EM 1, F1 1.
    # q2: "in santa clara" vs "santa clara california": common 2, p 2/3, r 2/3, F1 2/3.
    # q3: unanswered, 0.
    scores = metrics.squad_v1_scores(dataset, predictions)
    assert scores["exact_match"] == pytest.approx(100 * 1 / 3)
    assert scores["f1"] == pytest.approx(100 * (1 + 2 / 3) / 3)
