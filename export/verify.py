"""Parity of an export with the Keras model, printed as a table; export fails on a float mismatch.

- SavedModel: reloaded in a fresh process that imports only tensorflow and tensorflow_text
  (`fresh_process.py`, what TF Serving has), fed the same texts as the Keras model.
- TFLite: run in LiteRT's `InterpreterWithCustomOps` with the tensorflow-text kernels.

The texts go in as two batches (`verification_batches`): all of them, which fills
`seq_length`, and all but the longest, which the serving graph cuts shorter: both the full
and a trimmed sequence length are checked.

Float exports must match within `FLOAT_TOLERANCE` (max abs diff on every float output, exact
equality on every int and string output). Quantized TFLite files report their difference and,
given an eval file, the task metric next to the Keras model's.
"""

import dataclasses
import os
import pickle
import subprocess
import sys
import tempfile

import numpy as np

from keras_bert.layers.heads import SPAN_MASK_ADDER

FLOAT_TOLERANCE = 1e-4
# A masked span logit in a quantized file must stay below this (float16 holds -1e9 as -65504).
MASKED_BELOW = -1e4
# Texts every verification runs: ordinary, empty, odd bytes, scripts, and one longer than any
# seq_length (truncated in the graph).
SAMPLE_TEXTS = [
    "the movie was a delight from start to finish .",
    "Terrible plot, wooden acting; I walked out after an hour!",
    "",
    "   \t\n ",
    "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00bd \u2026 \ufb01ne",
    "\U0001f600\U0001f44d\U0001f3fd emoji \u4e2d\u6587\u5b57 \u0645\u0631\u062d\u0628\u0627",
    "e\u0301\u0301\u0301 combining marks and a NUL \x00 and \x07 controls",
    "long " * 400,
]


@dataclasses.dataclass
class Row:
    """One line of the verification table."""

    artifact: str
    signature: str
    output: str
    max_abs_diff: float
    tolerance: float | None
    passed: bool
    metric: str = ""


class VerificationError(ValueError):
    """An export whose numbers do not match the Keras model."""


def encode_texts(texts):
    """Python strings or bytes -> numpy object array of bytes (tf.string `[batch]`)."""
    return np.array(
        [t if isinstance(t, bytes) else t.encode("utf-8", "surrogatepass") for t in texts],
        dtype=object,
    )


def signature_inputs(signature_fn, texts, pairs=None, max_predictions=None, preprocessor=None):
    """The numpy inputs of a signature for `texts` (and `pairs`, default the reversed texts).

    Text signatures get `text` (`text_pair`, `masked_lm_positions`); id signatures (the TF Hub
    encoder) get the encoder inputs that `preprocessor` makes of the texts.
    """
    import tensorflow as tf

    names = [spec.name for spec in tf.nest.flatten(signature_fn.input_signature)]
    batch = encode_texts(texts)
    if "input_word_ids" in names:
        ids = preprocessor(tf.constant(list(batch), dtype=tf.string))
        return {name: ids[name].numpy() for name in names}
    inputs = {"text": batch}
    if "text_pair" in names:
        inputs["text_pair"] = encode_texts(pairs) if pairs is not None else batch[::-1].copy()
    if "masked_lm_positions" in names:
        positions = np.arange(1, max_predictions + 1, dtype=np.int32) % 7 + 1
        inputs["masked_lm_positions"] = np.tile(positions, (len(texts), 1))
    return inputs


def verification_batches(signature_fn, texts, max_predictions=None, preprocessor=None):
    """The inputs of a signature for `texts` as two batches: all of them, and all but the
    longest (see the module docstring). Each is a `signature_inputs` dict."""
    longest = max(range(len(texts)), key=lambda i: len(texts[i]))
    shorter = [t for i, t in enumerate(texts) if i != longest] or texts
    return [
        signature_inputs(signature_fn, batch, None, max_predictions, preprocessor)
        for batch in (texts, shorter)
    ]


def in_batches(run, batches):
    """`run` (numpy inputs -> dict of outputs) on each batch, outputs concatenated on the batch
    axis."""
    return concat_outputs([run(batch) for batch in batches])


def concat_outputs(outputs):
    """Dicts of outputs, one per batch -> one dict, concatenated on the batch axis."""
    return {name: np.concatenate([np.asarray(o[name]) for o in outputs]) for name in outputs[0]}


def reference_outputs(signature_fn, inputs):
    """Runs the in-process tf.function (the Keras model itself) on numpy inputs."""
    import tensorflow as tf

    specs = signature_fn.input_signature
    args = [tf.constant(inputs[spec.name]) for spec in tf.nest.flatten(specs)]
    outputs = signature_fn(*tf.nest.pack_sequence_as(specs, args))
    return {name: value.numpy() for name, value in outputs.items()}


def run_saved_model_fresh(saved_model_dir, inputs_by_signature, timeout=600):
    """Runs signatures in a new Python process with only tensorflow and tensorflow_text.

    Args:
        inputs_by_signature: dict signature -> list of input batches (dicts of numpy arrays).

    Returns:
        dict signature -> dict output name -> numpy array (the batches' outputs concatenated).
    """
    script = os.path.join(os.path.dirname(__file__), "fresh_process.py")
    with open(script, encoding="utf-8") as f:
        code = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        inputs_file, outputs_file = os.path.join(tmp, "in.pkl"), os.path.join(tmp, "out.pkl")
        with open(inputs_file, "wb") as f:
            pickle.dump(inputs_by_signature, f)
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                os.path.abspath(saved_model_dir),
                inputs_file,
                outputs_file,
            ],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            stderr = done.stderr.strip()
            raise VerificationError(
                f"The SavedModel {saved_model_dir} failed to load or run in a fresh TensorFlow "
                f"process: {stderr.splitlines()[-1] if stderr else done.returncode}"
            )
        with open(outputs_file, "rb") as f:
            results = pickle.load(f)
    modules = results.pop("__modules__")
    if "keras_bert" in modules:
        raise VerificationError(
            "The fresh process imported keras_bert; the check would prove nothing."
        )
    return {signature: concat_outputs(outputs) for signature, outputs in results.items()}


def tflite_interpreter(model_path_or_content, num_threads=None):
    """LiteRT interpreter with the tensorflow-text kernels registered (`num_threads`: LiteRT's
    default when None)."""
    from ai_edge_litert.interpreter import InterpreterWithCustomOps
    from tensorflow_text.core.pybinds import tflite_registrar

    key = "model_content" if isinstance(model_path_or_content, bytes) else "model_path"
    return InterpreterWithCustomOps(
        custom_op_registerers=tflite_registrar.SELECT_TFTEXT_OPS,
        num_threads=num_threads,
        **{key: model_path_or_content},
    )


def tflite_runner(model_path, signature):
    """One signature of a .tflite file as a function: numpy inputs -> dict of numpy outputs
    (one interpreter for every call, as an app keeps it)."""
    runner = tflite_interpreter(model_path).get_signature_runner(signature)
    return lambda inputs: runner(**inputs)


def float_difference(want, got):
    """Max abs difference of float outputs; inf if `got` is not finite, or lost a mask.

    Masked span logits (`SPAN_MASK_ADDER`, -1e9) need only stay masked (below -1e4): a
    float16 file holds them as -65504, which is no error in the span it chooses.
    """
    if not np.isfinite(got).all():
        return float("inf")
    masked = want <= SPAN_MASK_ADDER / 2
    if (got[masked] > MASKED_BELOW).any():
        return float("inf")
    kept = ~masked
    return float(np.max(np.abs(want[kept] - got[kept]))) if kept.any() else 0.0


def compare(artifact, signature, reference, outputs, tolerance):
    """Rows comparing `outputs` with `reference`: float max abs diff (`float_difference`),
    other dtypes exact.

    With `tolerance=None` (quantized files) rows report the difference and always pass,
    unless an output is not finite or lost a mask.
    """
    rows = []
    missing = sorted(set(reference) - set(outputs))
    if missing:
        raise VerificationError(f"{artifact} signature {signature} lacks the outputs {missing}.")
    for name in sorted(reference):
        want, got = reference[name], np.asarray(outputs[name])
        if want.shape != got.shape:
            raise VerificationError(
                f"{artifact} {signature}/{name} has shape {got.shape}, the Keras model "
                f"{want.shape}."
            )
        if want.dtype.kind == "f":
            diff = float_difference(want, got)
            passed = diff != float("inf") and (tolerance is None or diff < tolerance)
        else:
            mismatches = int(np.sum(want != got))
            diff = float(mismatches)
            passed = tolerance is None or mismatches == 0
        rows.append(Row(artifact, signature, name, diff, tolerance, passed))
    return rows


def export_metric(task, signature_fn, run, eval_file, batch_size=32):
    """`task.export_metric` (`keras_bert.tasks`): the task metric of `run` (numpy inputs ->
    outputs: the exported file) and of the Keras model (`signature_fn` in this process) on a
    labelled file, both fed the same batches of `batch_size` texts.

    Returns:
        `(output, text)`: the output the metric is about and the metric as text.
    """

    def on_texts(fn):
        def outputs(texts, pairs):
            return in_batches(
                fn,
                [
                    signature_inputs(
                        signature_fn,
                        texts[i : i + batch_size],
                        None if pairs is None else pairs[i : i + batch_size],
                    )
                    for i in range(0, len(texts), batch_size)
                ],
            )

        return outputs

    keras_model = on_texts(lambda inputs: reference_outputs(signature_fn, inputs))
    return task.export_metric(eval_file, on_texts(run), keras_model)


def format_table(rows):
    """The rows as an aligned text table."""
    header = ("artifact", "signature", "output", "max abs diff", "tolerance", "ok", "metric")
    lines = [header] + [
        (
            r.artifact,
            r.signature,
            r.output,
            f"{r.max_abs_diff:.3g}",
            "report" if r.tolerance is None else f"{r.tolerance:g}",
            "yes" if r.passed else "NO",
            r.metric,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines)


def check(rows):
    """Raises `VerificationError` naming the outputs that failed."""
    failed = [r for r in rows if not r.passed]
    if failed:
        names = ", ".join(
            f"{r.artifact} {r.signature}/{r.output} (diff {r.max_abs_diff:.3g})" for r in failed
        )
        raise VerificationError(
            f"Export does not match the Keras model within {FLOAT_TOLERANCE:g}: {names}.\n"
            + format_table(rows)
        )
