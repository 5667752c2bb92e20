"""A SQuAD export on one long context: time and peak memory, windows in chunks or in one call.

The span QA serving graph runs a context's windows through the model
`serving.SPAN_QA_WINDOWS_PER_CALL` (16) at a time. This times one question over a context of
each length (SQuAD dev paragraphs joined) at seq_length 384 with a random BERT-base-shaped
model, once with the chunks and once with every window in one call (what the export did
before), each in a fresh process so that its peak RSS is its own. No peer serves a context
in windows inside its graph (keras-hub has no SQuAD task), so there is no peer row.

    PYTHONPATH=. .venv/bin/python -m benchmarks.span_qa_long_context \\
        [--chars 20000,100000] [--layers 4]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from benchmarks.common import machine, print_table

SHARED = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "data"
)
ONE_CALL = 10**9


def measure(chars, windows_per_call, layers):
    """One question over a `chars`-character context; a dict of what `main` tabulates."""
    import keras
    import tensorflow as tf
    from keras_bert.export import serving

    import keras_bert
    from keras_bert.tasks import files, squad_windows
    from keras_bert.text import BertPreprocessor, BertTokenizer

    serving.SPAN_QA_WINDOWS_PER_CALL = windows_per_call
    tokenizer = BertTokenizer(
        os.path.join(
            SHARED, "checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt"
        )
    )
    examples = squad_windows.squad_examples(
        files.read_squad(os.path.join(SHARED, "squad", "dev-v1.1.json"))
    )
    context = ""
    for paragraph in dict.fromkeys(e["context"] for e in examples):
        if len(context) >= chars:
            break
        context += paragraph + " "
    context = context[:chars]
    keras.utils.set_random_seed(0)
    model = keras_bert.BertSpanQA(
        keras_bert.BertEncoder(
            keras_bert.BertConfig(vocab_size=tokenizer.vocab_size, num_layers=layers)
        )
    )
    _, endpoints = serving.build_archive(model, BertPreprocessor(tokenizer, seq_length=384))
    serve = endpoints["serving_default"]
    serve(tf.constant(["a?"]), tf.constant(["b"]))  # traced and warm
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = time.perf_counter()
    serve(tf.constant(["what happened?"]), tf.constant([context]))
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    settings = serving.span_qa_settings(384)
    pieces = len(tokenizer.tokenize(tf.constant([context]))[0])
    room = 384 - 3 - len(tokenizer.tokenize(tf.constant(["what happened?"]))[0])
    windows = 1 + -(-max(pieces - room, 0) // settings.doc_stride)
    return {"seconds": seconds, "loaded": loaded, "peak": peak, "windows": windows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", default="20000,100000")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument(
        "--measure",
        nargs=2,
        type=int,
        metavar=("CHARS", "WINDOWS_PER_CALL"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure, args.layers)))
        return
    rows = []
    for chars in (int(c) for c in args.chars.split(",")):
        for label, per_call in (("16 a call", 16), ("all in one call", ONE_CALL)):
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.span_qa_long_context",
                    "--measure",
                    str(chars),
                    str(per_call),
                    "--layers",
                    str(args.layers),
                ],
                capture_output=True,
                text=True,
                check=True,
                env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(
                [
                    f"{chars:,}",
                    result["windows"],
                    label,
                    f"{result['seconds']:.1f}",
                    f"{result['peak'] - result['loaded']:,.0f}",
                ]
            )
    print_table(
        f"SQuAD export, one question, seq_length 384, BERT-base shape with {args.layers} layers; "
        f"{machine()}",
        [
            "context chars",
            "windows",
            "windows through the model",
            "seconds",
            "peak MiB over the loaded model",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
