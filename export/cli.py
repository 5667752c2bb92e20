"""`keras-bert export MODEL --out EXPORT_DIR`: SavedModel, TFLite and/or MediaPipe, verified."""

import os

from keras_bert.cli import positive_int
from keras_bert.export.precision import PRECISIONS
from keras_bert.export.mediapipe import export_mediapipe
from keras_bert.export.saved_model import export_saved_model, new_folders, remove_written
from keras_bert.export.tflite import QUANTIZATIONS, check_quantize, export_tflite, read_texts

# "all" is the SavedModel and the raw-text TFLite file; "mediapipe" (MediaPipe Tasks' TextClassifier
# and TextEmbedder) needs the mediapipe extra and is asked for by itself.
FORMATS = ("saved_model", "tflite", "all", "mediapipe")


def add_arguments(parser):
    parser.add_argument("model_dir", metavar="MODEL", help="folder written by `keras-bert finetune` or `pretrain`, a Google / Hugging Face / keras-hub checkpoint folder, or a pretrained model's name (Hugging Face Hub id, kaggle:// handle, keras-hub preset name)")
    parser.add_argument("--out", required=True, metavar="EXPORT_DIR", help="export root (TF Serving model base path)")
    parser.add_argument("--format", choices=FORMATS, default="all",
                        help="all: saved_model and tflite; mediapipe: a file for MediaPipe Tasks' "
                        "TextClassifier / TextEmbedder (pip install 'keras-bert[mediapipe]')")
    parser.add_argument("--quantize", choices=QUANTIZATIONS, default="none", help="TFLite quantization")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32",
                        help="SavedModel compute precision (bfloat16: CPUs with AMX or AVX512_BF16, GPUs, TPUs)")
    parser.add_argument("--seq-length", type=positive_int, default=None, help="packed length (default: the model folder's)")
    parser.add_argument("--name", default=None, help="model name (default: the folder name)")
    parser.add_argument("--num-segments", type=int, choices=(1, 2), default=None,
                        help="texts an example: 2 adds the text_pair input (default: from the model "
                        "folder's task; give 2 for a Google or Hugging Face pair classifier)")
    parser.add_argument("--version", type=positive_int, default=1,
                        help="version: the SavedModel's TF Serving folder and the TFLite files' folder")
    parser.add_argument("--calibration-file", default=None, help="texts, one a line, for --quantize int8")
    parser.add_argument("--max-query-length", type=positive_int, default=None,
                        help="span QA: question pieces kept (default: the fine-tuning's, else 64)")
    parser.add_argument("--doc-stride", type=positive_int, default=None,
                        help="span QA: pieces between context windows (default: the fine-tuning's, else 128)")
    parser.add_argument("--max-answer-length", type=positive_int, default=None,
                        help="span QA: longest answer in pieces (default: the fine-tuning's, else 30)")
    parser.add_argument("--eval-file", default=None,
                        help="report the TFLite file's metric next to the Keras model's: a TSV with "
                        "labels (classifier accuracy; with --format mediapipe, also how many texts "
                        "MediaPipe tokenizes differently) or a SQuAD v1.1 JSON (span QA exact match and F1)")


def check_flags(args):
    """Flags that would be ignored for the chosen --format are an error, and so is an int8
    export without calibration texts, before anything is written."""
    lite_only = [flag for flag, value in (
        ("--quantize", args.quantize != "none"), ("--calibration-file", args.calibration_file),
        ("--eval-file", args.eval_file)) if value]
    if args.format == "saved_model" and lite_only:
        raise ValueError(
            f"{', '.join(lite_only)} apply to TFLite files, and --format saved_model writes none; "
            "drop them or use --format tflite or all."
        )
    if args.format == "tflite" and args.precision != "float32":
        raise ValueError(
            "--precision applies to the SavedModel, and --format tflite writes none; use "
            "--quantize for the TFLite file."
        )
    if args.format == "mediapipe":
        others = [flag for flag, value in (
            ("--quantize", args.quantize != "none"), ("--calibration-file", args.calibration_file),
            ("--precision", args.precision != "float32"), ("--num-segments", args.num_segments),
            ("--max-query-length", args.max_query_length), ("--doc-stride", args.doc_stride),
            ("--max-answer-length", args.max_answer_length)) if value]
        if others:
            raise ValueError(
                f"{', '.join(others)} do not apply to --format mediapipe (a float32 file for one "
                "text, run by MediaPipe's TextClassifier or TextEmbedder); drop them."
            )
    check_quantize(args.quantize, bool(args.calibration_file))
    for flag, path in (("--calibration-file", args.calibration_file), ("--eval-file", args.eval_file)):
        if path and not os.path.isfile(path):
            raise FileNotFoundError(f"{flag} {path} does not exist; pass an existing file.")


def run(args):
    """Exports as the flags say; a --format all export whose TFLite step fails takes its
    SavedModel away again, so that the same command can run again."""
    check_flags(args)
    calibration = read_texts(args.calibration_file) if args.calibration_file else None
    common = {
        "name": args.name, "seq_length": args.seq_length, "num_segments": args.num_segments,
        "max_query_length": args.max_query_length, "doc_stride": args.doc_stride,
        "max_answer_length": args.max_answer_length,
    }
    written = []  # (kind, path), printed once every format is done
    created = new_folders([args.out])
    try:
        if args.format in ("saved_model", "all"):
            result = export_saved_model(
                args.model_dir, args.out, version=args.version, precision=args.precision, **common
            )
            written += [("SavedModel", path) for path in result.paths]
        if args.format in ("tflite", "all"):
            result = export_tflite(
                args.model_dir, args.out, version=args.version, quantize=args.quantize,
                calibration_texts=calibration, eval_file=args.eval_file, **common,
            )
            written += [("TFLite", path) for path in result.paths]
        if args.format == "mediapipe":
            result = export_mediapipe(
                args.model_dir, args.out, name=args.name, version=args.version,
                seq_length=args.seq_length, eval_file=args.eval_file,
            )
            written += [("MediaPipe", path) for path in result.paths]
    except BaseException:
        paths = [path for _, path in written]
        remove_written(paths, [os.path.dirname(path) for path in paths] + created)
        raise
    print("\n".join(f"{kind}: {path}" for kind, path in written))
    return 0
