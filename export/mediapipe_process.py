"""Runs `.tflite` files in MediaPipe Tasks, in a process that imports only `mediapipe`.

This is what an app has: MediaPipe's own tokenizer and runtime, no TensorFlow, no keras-bert.
`mediapipe.py` runs this file with `python -c` (so that nothing beside it is importable) and
the arguments

    REQUESTS_PICKLE RESULTS_PICKLE

REQUESTS_PICKLE holds a list of `(path, task, texts)`, `task` "text_classifier" or
"text_embedder"; RESULTS_PICKLE receives one list per request, one float32 vector per text (a
classifier's scores in category-index order, an embedder's embedding), plus `labels`: each
classifier request's category names by index, and "__modules__": the top-level modules the
process had loaded.
"""

import pickle
import sys

import numpy as np

# An app has no TensorFlow: mediapipe imports it only if it is there (for its docs helpers).
sys.modules["tensorflow"] = None

from mediapipe.tasks.python.core.base_options import BaseOptions  # noqa: E402
from mediapipe.tasks.python.text import text_classifier, text_embedder  # noqa: E402

requests_file, results_file = sys.argv[1:3]
with open(requests_file, "rb") as f:
    requests = pickle.load(f)
results = {"outputs": [], "labels": []}
for path, task, texts in requests:
    base = BaseOptions(model_asset_path=path)
    outputs, labels = [], {}
    if task == "text_classifier":
        with text_classifier.TextClassifier.create_from_options(
            text_classifier.TextClassifierOptions(base_options=base)
        ) as classifier:
            for text in texts:
                categories = classifier.classify(text).classifications[0].categories
                scores = np.zeros(len(categories), np.float32)
                for category in categories:
                    scores[category.index] = category.score
                    labels[category.index] = category.category_name
                outputs.append(scores)
    else:
        with text_embedder.TextEmbedder.create_from_options(
            text_embedder.TextEmbedderOptions(base_options=base)
        ) as embedder:
            outputs = [
                np.asarray(embedder.embed(text).embeddings[0].embedding, np.float32)
                for text in texts
            ]
    results["outputs"].append(outputs)
    results["labels"].append([labels[i] for i in sorted(labels)])
results["__modules__"] = sorted(
    {name.split(".")[0] for name, module in sys.modules.items() if module}
)
with open(results_file, "wb") as f:
    pickle.dump(results, f)
