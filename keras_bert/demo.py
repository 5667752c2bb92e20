"""`keras-bert demo`: the whole pipeline, from raw text to deployed models, in one command.

1. learn a WordPiece vocabulary from a corpus (`keras-bert vocab`),
2. pretrain a tiny BERT on it with MLM + NSP (`keras-bert pretrain`),
3. fine-tune it on labeled sentences, evaluated each epoch, and the same model from random
   initialization, and compare their dev accuracy (`keras-bert finetune`, twice; each model
   folder gets `training.png` and `confusion_matrix.png`),
4. export a TF Serving SavedModel and a TFLite file with in-graph tokenization, verified
   against the Keras model (`keras-bert export`),
5. answer a few raw sentences through the Keras model, the SavedModel and the TFLite file.

Every step is the CLI subcommand a user would run, called in-process with the same flags, so
the demo exercises exactly what README documents. By default it runs on the data the package
ships (keras_bert/data); the flags point each step at real data instead.
"""

import glob
import json
import os
import sys
import time

import numpy as np

from keras_bert import cli, names

SENTENCES = [
    "The food was superb and the staff were friendly.",
    "A dreadful film, far too long and hardly worth the ticket.",
    "Not bad at all: the machine is sturdy and quiet.",
    "The room was cramped and the breakfast was bland.",
    "",
    "Caf\u00e9 na\u00efve \U0001f600 \u4e2d\u6587",
]


def _step(title, argv, timings):
    print(f"\n== {title}\n   keras-bert {' '.join(argv)}", flush=True)
    start = time.time()
    code = cli.main(argv)
    timings.append((title, time.time() - start))
    if code:
        raise ValueError(f"step '{title}' failed (exit code {code}); see the message above.")


def _next_version(exports, name):
    """The first export version after those in `exports` (a rerun of the demo resumes its
    model folders and exports them as a new version: exported versions are never replaced)."""
    folders = [os.path.join(exports, name), os.path.join(exports, "tflite", name)]
    versions = [
        int(v)
        for folder in folders
        if os.path.isdir(folder)
        for v in os.listdir(folder)
        if v.isdigit()
    ]
    return max(versions, default=0) + 1


def _accuracy(model_dir):
    with open(os.path.join(model_dir, "eval_results.json"), encoding="utf-8") as f:
        return json.load(f)["accuracy"]


def _answers_keras(model_dir, texts):
    from keras_bert.model_dir import VOCAB_FILE, load_model_dir
    from keras_bert.text import BertPreprocessor, BertTokenizer

    model, metadata = load_model_dir(model_dir)
    tokenizer = BertTokenizer(
        os.path.join(model_dir, VOCAB_FILE),
        lower_case=metadata["lower_case"],
        max_chars_per_word=metadata["max_chars_per_word"],
    )
    preprocessor = BertPreprocessor(tokenizer, seq_length=metadata["seq_length"])
    logits = np.asarray(model(preprocessor(np.array(texts, dtype=object))))
    probabilities = np.exp(logits - logits.max(-1, keepdims=True))
    return probabilities / probabilities.sum(-1, keepdims=True), metadata["label_names"]


def _answers_saved_model(saved_model_dir, texts):
    import tensorflow as tf

    serving = tf.saved_model.load(saved_model_dir).signatures["serving_default"]
    return serving(text=tf.constant(texts))["probabilities"].numpy()


def _answers_tflite(tflite_file, texts):
    import tensorflow_text
    from ai_edge_litert.interpreter import InterpreterWithCustomOps

    interpreter = InterpreterWithCustomOps(
        custom_op_registerers=tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS,
        model_path=tflite_file,
    )
    runner = interpreter.get_signature_runner("serving_default")
    rows = [runner(text=np.array([t.encode("utf-8")]))["probabilities"][0] for t in texts]
    return np.stack(rows)


def run(args):
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    timings = []
    quiet = ["--quiet"] if args.quiet else []
    # --resume: a second demo run in the same folder goes on from its checkpoints.
    common = ["--seq-length", str(args.seq_length), "--resume", *quiet]
    vocab = os.path.join(out, "vocab.txt")
    pretrained = os.path.join(out, "pretrained")
    finetuned = os.path.join(out, "finetuned")
    baseline = os.path.join(out, "finetuned_from_scratch")
    exports = os.path.join(out, "export")

    if args.init_checkpoint:
        start = ["--init-checkpoint", args.init_checkpoint]
        scratch_vocab = os.path.join(names.resolve(args.init_checkpoint), "vocab.txt")
    else:
        _step(
            "1/5 learn a WordPiece vocabulary",
            ["vocab", args.corpus, "--vocab-size", str(args.vocab_size), "-o", vocab],
            timings,
        )
        _step(
            "2/5 pretrain (MLM + NSP)",
            [
                "pretrain",
                "--train-files",
                args.corpus,
                "--input-format",
                "text",
                "--text-layout",
                args.text_layout,
                "--random-init-size",
                args.random_init_size,
                "--vocab",
                vocab,
                "--out",
                pretrained,
                "--max-steps",
                str(args.pretrain_steps),
                "--learning-rate",
                str(args.pretrain_learning_rate),
                "--batch-size",
                str(args.pretrain_batch_size),
                "--checkpoint-every",
                str(max(1, args.pretrain_steps // 3)),
                *common,
            ],
            timings,
        )
        start = ["--init-checkpoint", pretrained]
        scratch_vocab = vocab
    task = [
        "finetune",
        "--task",
        "classification",
        "--train-file",
        args.train_file,
        "--eval-file",
        args.eval_file,
        "--eval-every",
        "epoch",
        "--epochs",
        str(args.finetune_epochs),
        "--learning-rate",
        str(args.finetune_learning_rate),
        *common,
    ]
    if args.max_train_examples:
        task += ["--max-train-examples", str(args.max_train_examples)]
    _step("3/5 fine-tune the pretrained model", task + [*start, "--out", finetuned], timings)
    _step(
        "3/5 fine-tune the same model from random initialization",
        task
        + [
            "--random-init-size",
            args.random_init_size,
            "--vocab",
            scratch_vocab,
            "--out",
            baseline,
        ],
        timings,
    )
    version = _next_version(exports, "demo")
    _step(
        "4/5 export SavedModel + TFLite (verified)",
        [
            "export",
            finetuned,
            "--out",
            exports,
            "--format",
            "all",
            "--name",
            "demo",
            "--version",
            str(version),
        ],
        timings,
    )

    print("\n== 5/5 answers: Keras model | SavedModel | TFLite", flush=True)
    saved_model_dir = os.path.join(exports, "demo", str(version))
    tflite_files = sorted(
        glob.glob(os.path.join(exports, "tflite", "demo", str(version), "*.tflite"))
    )
    keras_p, labels = _answers_keras(finetuned, SENTENCES)
    served_p = _answers_saved_model(saved_model_dir, SENTENCES)
    tflite_p = _answers_tflite(tflite_files[0], SENTENCES)
    for text, a, b, c in zip(SENTENCES, keras_p, served_p, tflite_p):
        shown = (text[:48] + "...") if len(text) > 51 else text
        print(
            f"  {shown!r:54} {labels[int(a.argmax())]:>4} {a.max():.3f} | "
            f"{labels[int(b.argmax())]:>4} {b.max():.3f} | {labels[int(c.argmax())]:>4} "
            f"{c.max():.3f}"
        )

    print("\n== summary")
    print(f"  dev accuracy, pretrained here then fine-tuned: {_accuracy(finetuned):.3f}")
    print(f"  dev accuracy, fine-tuned from random init:     {_accuracy(baseline):.3f}")
    print(f"  max |keras - SavedModel| probability: {np.abs(keras_p - served_p).max():.2e}")
    print(f"  max |keras - TFLite| probability:     {np.abs(keras_p - tflite_p).max():.2e}")
    for title, seconds in timings:
        print(f"  {seconds:7.1f} s  {title}")
    print(f"\n  everything is in {out}:")
    print(
        f"    model folders: {finetuned}, {baseline}"
        + ("" if args.init_checkpoint else f", {pretrained}")
    )
    print(
        f"    the fine-tuning, evaluated each epoch: {os.path.join(finetuned, 'training.png')}, "
        f"{os.path.join(finetuned, 'confusion_matrix.png')}"
    )
    print(f"    TF Serving:    {os.path.join(exports, 'demo')}  (version {version})")
    print(f"    TFLite:        {', '.join(tflite_files)}")
    print(
        "  serve it:  docker run -p 8501:8501 "
        f"--mount type=bind,source={os.path.join(exports, 'demo')},target=/models/demo "
        "-e MODEL_NAME=demo -t tensorflow/serving"
    )
    print(
        '             curl -d \'{"instances": ["a superb film"]}\' '
        "http://localhost:8501/v1/models/demo:predict"
    )
    sys.stdout.flush()
