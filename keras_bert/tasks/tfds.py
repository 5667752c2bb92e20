"""Task data from tensorflow-datasets, read from the TFDS data folder without network access.

`glue/sst2`, `imdb_reviews` and `squad` load when prepared there, and fail at once with the
path that is missing otherwise (offline, `tfds.load` retries downloads for minutes).
"""

import collections
import os

TFDS_DATASETS = {
    # name: (text features, label feature, train split, eval split)
    "glue/sst2": (("sentence",), "label", "train", "validation"),
    "imdb_reviews": (("text",), "label", "train", "test"),
    "squad": (None, None, "train", "validation"),
}


def _tfds_directory(name, data_dir):
    """The prepared folder of a TFDS data set (`DATA_DIR/NAME/VERSION`), or a clear error."""
    if name not in TFDS_DATASETS:
        raise ValueError(
            f"Unknown data set {name!r}; the tfds names known are {sorted(TFDS_DATASETS)}."
        )
    data_dir = data_dir or os.environ.get(
        "TFDS_DATA_DIR", os.path.join(os.path.expanduser("~"), "tensorflow_datasets")
    )
    base = os.path.join(data_dir, name)
    versions = sorted(
        (
            v
            for v in (os.listdir(base) if os.path.isdir(base) else [])
            if os.path.isfile(os.path.join(base, v, "dataset_info.json"))
        ),
        key=lambda v: [int(x) for x in v.split(".") if x.isdigit()],
    )
    if not versions:
        raise FileNotFoundError(
            f"tensorflow-datasets {name!r} is not prepared in {data_dir} (no {base}/VERSION/"
            "dataset_info.json); download it once with `tfds build` on a machine with network, "
            "or pass the files (--train-file) instead."
        )
    return os.path.join(base, versions[-1])


def load_tfds(name, split, data_dir=None):
    """A prepared tensorflow-datasets split as plain data, without any network access.

    Classification sets give `(texts, labels)` (labels as strings, like `read_tsv`); `squad`
    gives the articles list of `read_squad`'s shape.
    """
    import tensorflow_datasets as tfds

    builder = tfds.builder_from_directory(_tfds_directory(name, data_dir))
    dataset = tfds.as_numpy(builder.as_dataset(split=split))
    text_features, label_feature, _, _ = TFDS_DATASETS[name]
    if name == "squad":
        articles = collections.OrderedDict()
        for row in dataset:
            paragraph = {
                "context": row["context"].decode("utf-8"),
                "qas": [
                    {
                        "id": row["id"].decode("utf-8"),
                        "question": row["question"].decode("utf-8"),
                        "answers": [
                            {"text": t.decode("utf-8"), "answer_start": int(s)}
                            for t, s in zip(row["answers"]["text"], row["answers"]["answer_start"])
                        ],
                    }
                ],
            }
            articles.setdefault(row["title"].decode("utf-8"), []).append(paragraph)
        return [{"title": t, "paragraphs": p} for t, p in articles.items()]
    rows = list(dataset)
    texts = [[row[f].decode("utf-8") for row in rows] for f in text_features]
    labels = [str(int(row[label_feature])) for row in rows]
    return texts, labels
