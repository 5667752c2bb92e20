"""TFLite files that tokenize raw text in the graph and run in LiteRT, verified.

One `.tflite` per signature, written as
`EXPORT_DIR/tflite/NAME/VERSION/NAME-SIGNATURE-QUANTIZE.tflite` (versions are immutable, as
TF Serving's).
The graph uses `BertTokenizer(mode="tflite")` (`FastBertTokenizer`: every op has a TFLite
kernel), is converted with TFLITE_BUILTINS plus `allow_custom_ops=True` (no Flex: Flex ops do
not run in LiteRT's Python interpreter nor in a plain mobile runtime), and runs in
`ai_edge_litert.interpreter.InterpreterWithCustomOps(
custom_op_registerers=tensorflow_text.core.pybinds.tflite_registrar.SELECT_TFTEXT_OPS)`.

Quantization (`quantize`):
    none     float32 weights and activations
    float16  float16 weights (dequantized at load)
    dynamic  int8 weights, float activations (dynamic-range quantization)
    int8     int8 weights and activations calibrated on `calibration_texts`; inputs and
             outputs stay tf.string / float32, the text ops stay as they are
"""

import functools
import os
import tempfile

import tensorflow as tf
from keras_bert.export import compat, source, verify
from keras_bert.export.artifacts import check_version, write_verified

from keras_bert.cli_args import QUANTIZATIONS

FILE_SUFFIX = {"none": "float32", "float16": "float16", "dynamic": "dynamic_int8", "int8": "int8"}
CALIBRATION_STEPS = 100


def check_quantize(quantize, calibrated):
    """`quantize` is one of `QUANTIZATIONS`, and "int8" comes with calibration texts."""
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize={quantize!r} is not one of {QUANTIZATIONS}.")
    if quantize == "int8" and not calibrated:
        raise ValueError(
            "quantize='int8' needs calibration_texts (--calibration-file): texts like the ones "
            "the model will see."
        )


def export_tflite(
    model_dir_or_model,
    export_dir,
    name=None,
    version=1,
    quantize="none",
    seq_length=None,
    tokenizer=None,
    num_segments=None,
    calibration_texts=None,
    eval_file=None,
    verify_texts=None,
    verbose=True,
    max_query_length=None,
    doc_stride=None,
    max_answer_length=None,
):
    """Exports every text signature of a model as a `.tflite` file, verified in LiteRT.

    Args:
        model_dir_or_model, name, seq_length, tokenizer, num_segments: as in
            `export_saved_model`.
        export_dir: the files go to `export_dir/tflite/NAME/VERSION/`.
        version: a positive int; a file that exists already is refused.
        quantize: one of `QUANTIZATIONS`.
        calibration_texts: texts for `quantize="int8"` (a list of strings; pairs are formed by
            pairing each text with the next).
        eval_file: a file to report the task metric of the float and quantized files on,
            next to the Keras model's: a TSV (as `keras-bert finetune` reads) for a
            classifier's accuracy (or a regression's Pearson and MSE), a SQuAD v1.1 JSON for a
            span QA model's exact match and F1.
        verify_texts: texts for the parity check (default `verify.SAMPLE_TEXTS`).
        verbose: print the verification table.
        max_query_length, doc_stride, max_answer_length: as in `export_saved_model`.

    Returns:
        `ExportResult` with the file paths and verification rows (float32 files must match the
        Keras model within `verify.FLOAT_TOLERANCE`, quantized ones report their difference).
    """
    check_quantize(quantize, bool(calibration_texts))
    src = source.resolve(
        model_dir_or_model,
        name,
        seq_length,
        tokenizer,
        num_segments,
        max_query_length,
        doc_stride,
        max_answer_length,
    )
    if eval_file and not src.task.scores_exports:
        raise ValueError(
            f"--eval-file reports a classifier's or a SQuAD model's metric; {src.name} is a "
            f"{src.task.name} model: drop --eval-file."
        )
    version = check_version(version)
    preprocessor = src.preprocessor("tflite")
    archive, endpoints = src.archive(src.model, preprocessor, with_text_outputs=False)
    for signature, fn in endpoints.items():
        compat.check_ops(fn.get_concrete_function(), compat.TFLITE, what=f"{src.name}/{signature}")
    out_dir = os.path.join(os.fspath(export_dir), "tflite", src.name, str(version))
    artifacts = {
        os.path.join(out_dir, f"{src.name}-{signature}-{FILE_SUFFIX[quantize]}.tflite"): signature
        for signature in endpoints
    }
    texts = verify_texts or verify.SAMPLE_TEXTS
    with tempfile.TemporaryDirectory() as tmp:
        saved_model_dir = os.path.join(tmp, "saved_model")

        def write_and_verify(path, signature):
            fn = endpoints[signature]
            calibration = None
            if quantize == "int8":
                calibration = verify.signature_inputs(
                    fn, calibration_texts, max_predictions=src.max_predictions
                )
            content = convert(saved_model_dir, signature, quantize, calibration)
            check_custom_ops(content, f"{src.name}/{signature}")
            with open(path, "wb") as f:
                f.write(content)
            batches = verify.verification_batches(fn, texts, src.max_predictions)
            tolerance = verify.FLOAT_TOLERANCE if quantize == "none" else None
            rows = verify.compare(
                os.path.basename(path),
                signature,
                verify.in_batches(functools.partial(verify.reference_outputs, fn), batches),
                verify.in_batches(verify.tflite_runner(path, signature), batches),
                tolerance,
            )
            if eval_file and signature == "serving_default":
                output, metric = verify.export_metric(
                    src.task, fn, verify.tflite_runner(path, signature), eval_file
                )
                rows = [_with_metric(r, metric) if r.output == output else r for r in rows]
            return rows

        return write_verified(
            artifacts,
            write_and_verify,
            verbose,
            prepare=lambda: archive.write_out(saved_model_dir, verbose=False),
        )


def convert(saved_model_dir, signature, quantize="none", calibration_inputs=None):
    """Converts one signature of a SavedModel to TFLite bytes (builtins + custom text ops).

    Args:
        calibration_inputs: for `quantize="int8"`, a dict input name -> numpy array `[n, ...]`;
            the converter runs the examples one by one.
    """
    converter = tf.lite.TFLiteConverter.from_saved_model(
        saved_model_dir, signature_keys=[signature]
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    converter.allow_custom_ops = True
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantize == "int8":
        count = len(next(iter(calibration_inputs.values())))

        def representative_dataset():
            for i in range(min(count, CALIBRATION_STEPS)):
                yield {k: v[i : i + 1] for k, v in calibration_inputs.items()}

        converter.representative_dataset = representative_dataset
        # Calibration runs the model, text ops included: give the calibrator the
        # tensorflow-text kernels (the converter's own hook for it is this private field).
        from tensorflow_text.core.pybinds import tflite_registrar

        converter.target_spec._experimental_custom_op_registerers = list(
            tflite_registrar.SELECT_TFTEXT_OPS
        )
    return converter.convert()


def tflite_ops(content):
    """Sorted op names in a .tflite model (builtins upper-case, custom ops by their name)."""
    interpreter = verify.tflite_interpreter(content)
    return sorted({op["op_name"] for op in interpreter._get_ops_details()})


def check_custom_ops(content, what):
    """Refuses a .tflite whose custom ops have no tensorflow-text TFLite kernel.

    Builtin op codes are upper-case names; anything else is a custom op, which runs only where a
    registrar supplies its kernel (the converter leaves an op it failed to lower as one).
    """
    custom = [op for op in tflite_ops(content) if not op.isupper() and op not in _TFLITE_CUSTOM_OPS]
    if custom:
        raise ValueError(
            f"Op {custom[0]} in {what} was left as a custom op that LiteRT cannot run (no builtin "
            "or tensorflow-text kernel); change the graph so the converter lowers it."
        )


def _with_metric(row, metric):
    row.metric = metric
    return row


# Custom op names as the tensorflow-text TFLite kernels register them.
_TFLITE_CUSTOM_OPS = frozenset(
    {name.split(">")[-1] for name in compat.TFLITE_TFTEXT_OPS}
    | {f"TFText>{name.split('>')[-1]}" for name in compat.TFLITE_TFTEXT_OPS}
    | compat.TFLITE_TFTEXT_OPS
)


def read_texts(path):
    """One text per line (empty lines skipped), for calibration."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Text file {path} does not exist.")
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]
