"""`keras-bert export MODEL --out EXPORT_DIR`: SavedModel, TFLite and/or MediaPipe, verified."""

import os

from keras_bert.export.artifacts import new_folders, remove_written
from keras_bert.export.mediapipe import export_mediapipe
from keras_bert.export.saved_model import export_saved_model
from keras_bert.export.tflite import check_quantize, export_tflite, read_texts

from keras_bert import names, tasks


def check_flags(args):
    """Flags that would be ignored for the chosen --format are an error, and so is an int8
    export without calibration texts, before anything is written."""
    lite_only = [
        flag
        for flag, value in (
            ("--quantize", args.quantize != "none"),
            ("--calibration-file", args.calibration_file),
            ("--eval-file", args.eval_file),
        )
        if value
    ]
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
        others = [
            flag
            for flag, value in (
                ("--quantize", args.quantize != "none"),
                ("--calibration-file", args.calibration_file),
                ("--precision", args.precision != "float32"),
                ("--num-segments", args.num_segments),
                ("--max-query-length", args.max_query_length),
                ("--doc-stride", args.doc_stride),
                ("--max-answer-length", args.max_answer_length),
            )
            if value
        ]
        if others:
            raise ValueError(
                f"{', '.join(others)} do not apply to --format mediapipe (a float32 file for one "
                "text, run by MediaPipe's TextClassifier or TextEmbedder); drop them."
            )
    check_quantize(args.quantize, bool(args.calibration_file))
    for flag, path in (
        ("--calibration-file", args.calibration_file),
        ("--eval-file", args.eval_file),
    ):
        if path and not os.path.isfile(path):
            raise FileNotFoundError(f"{flag} {path} does not exist; pass an existing file.")


def run(args):
    """Exports as the flags say; a --format all export whose TFLite step fails takes its
    SavedModel away again, so that the same command can run again."""
    check_flags(args)
    if args.task_module:
        tasks.load_task_module(args.task_module)
    calibration = read_texts(args.calibration_file) if args.calibration_file else None
    model, name = args.model_dir, args.name
    if args.revision is not None:  # the exporters read the revision's snapshot folder
        model = names.resolve(args.model_dir, revision=args.revision)
        name = name or names.model_name(args.model_dir)
    common = {
        "name": name,
        "seq_length": args.seq_length,
        "num_segments": args.num_segments,
        "max_query_length": args.max_query_length,
        "doc_stride": args.doc_stride,
        "max_answer_length": args.max_answer_length,
    }
    written = []  # (kind, path), printed once every format is done
    created = new_folders([args.out])
    try:
        if args.format in ("saved_model", "all"):
            result = export_saved_model(
                model, args.out, version=args.version, precision=args.precision, **common
            )
            written += [("SavedModel", path) for path in result.paths]
        if args.format in ("tflite", "all"):
            result = export_tflite(
                model,
                args.out,
                version=args.version,
                quantize=args.quantize,
                calibration_texts=calibration,
                eval_file=args.eval_file,
                **common,
            )
            written += [("TFLite", path) for path in result.paths]
        if args.format == "mediapipe":
            result = export_mediapipe(
                model,
                args.out,
                name=name,
                version=args.version,
                seq_length=args.seq_length,
                eval_file=args.eval_file,
            )
            written += [("MediaPipe", path) for path in result.paths]
    except BaseException:
        paths = [path for _, path in written]
        remove_written(paths, [os.path.dirname(path) for path in paths] + created)
        raise
    print("\n".join(f"{kind}: {path}" for kind, path in written))
    return 0
