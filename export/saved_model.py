"""SavedModels for TF Serving (and TF Hub style pairs), tokenizing raw text in the graph.

Layout, as TF Serving reads it:

    EXPORT_DIR/NAME/VERSION/saved_model.pb, variables/, assets/vocab.txt
    EXPORT_DIR/NAME_preprocess/VERSION/   encoders and pretrainers: TF Hub BERT preprocess
    EXPORT_DIR/NAME_encoder/VERSION/      encoders and pretrainers: TF Hub BERT encoder

The `_preprocess` / `_encoder` pair is callable as TF Hub's BERT models are
(`serving.preprocess_archive`, `serving.encoder_archive`): `hub.KerasLayer` loads and
fine-tunes them, and TF Serving serves their signatures.

The graphs use the exact tokenizer (`BertTokenizer(mode="exact")`: the original BERT ids) and
only ops that stock TF Serving runs (`compat.TF_SERVING`: core TensorFlow plus the
tensorflow-text ops of 2.12.1), checked before anything is written.
"""

import functools
import os

from keras_bert.export import compat, serving, source, verify
from keras_bert.export.artifacts import check_version, write_verified
from keras_bert.export.callable_saved_model import CallableSavedModel
from keras_bert.export.precision import warn_if_emulated, with_precision

from keras_bert.checkpoints.mapping import encoder_of


def export_saved_model(
    model_dir_or_model,
    export_dir,
    name=None,
    version=1,
    seq_length=None,
    tokenizer=None,
    num_segments=None,
    precision="float32",
    verify_texts=None,
    verbose=True,
    max_query_length=None,
    doc_stride=None,
    max_answer_length=None,
):
    """Exports a model as TF Serving SavedModel(s) with raw-text signatures, verified.

    Args:
        model_dir_or_model: a keras-bert model folder (what `keras-bert finetune`/`pretrain`
            write), a Google or Hugging Face checkpoint folder (exported as the model
            `from_pretrained(task="auto")` finds in it, head included) or a keras-bert model
            (then pass `tokenizer`).
        export_dir: root of the TF Serving model base paths.
        name: model name (default: the model folder's name, or the task).
        version: TF Serving version number (a positive int); an existing version is refused.
        seq_length: packed length (default: the folder's `seq_length`, else 128).
        tokenizer: a `BertTokenizer` (default: the folder's vocabulary and settings).
        num_segments: 2 for pair tasks (`text` + `text_pair`); default from the folder.
        precision: `"float32"`, or `"bfloat16"` to compute in bfloat16 (`precision.py`: for
            CPUs with AMX / AVX512_BF16, GPUs and TPUs; outputs stay float32). A bfloat16
            export must match its own graph in the fresh process within `FLOAT_TOLERANCE`
            and reports its difference from the float32 model.
        verify_texts: texts for the parity check (default `verify.SAMPLE_TEXTS`).
        verbose: print the verification table.
        max_query_length, doc_stride, max_answer_length: how a span QA model reads a
            context and answers (default: the folder's, what it was fine-tuned with; see
            `source.resolve`).

    Returns:
        `ExportResult` with the SavedModel paths and the verification rows.

    Raises:
        ValueError: bad arguments, a graph op TF Serving lacks, or a parity failure.
    """
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
    version = check_version(version)
    preprocessor = src.preprocessor("exact")
    warn_if_emulated(precision)
    model = with_precision(src.model, precision)
    exports = [(src.name, *src.archive(model, preprocessor))]
    if src.task.tf_hub_pair:
        segments = min(encoder_of(model).config.type_vocab_size, serving.MAX_PACKED_SEGMENTS)
        preprocess = serving.preprocess_archive(preprocessor, segments)
        exports.append((f"{src.name}_preprocess", *preprocess))
        exports.append((f"{src.name}_encoder", *serving.encoder_archive(encoder_of(model))))
    float32_endpoints = {}
    if precision != "float32":  # the float32 model's endpoints: the difference is reported
        float32_endpoints[src.name] = src.archive(src.model, preprocessor)[1]
        if src.task.tf_hub_pair:
            float32_endpoints[f"{src.name}_encoder"] = serving.encoder_archive(
                encoder_of(src.model)
            )[1]
    artifacts = {
        os.path.join(os.fspath(export_dir), model_name, str(version)): (model_name, archive_, fns)
        for model_name, archive_, fns in exports
    }

    def check_serving_ops():
        for model_name, archive_, fns in exports:
            for what, concrete in _traced_functions(archive_, fns):
                compat.check_ops(concrete, compat.TF_SERVING, what=f"{model_name}/{what}")

    def write_and_verify(target, export):
        model_name, archive_, fns = export
        archive_.write_out(target, verbose=False)
        assets = os.path.join(target, "assets")
        os.makedirs(assets, exist_ok=True)
        src.tokenizer.write_vocab(os.path.join(assets, "vocab.txt"))
        return _verify(
            target,
            model_name,
            fns,
            src,
            verify_texts or verify.SAMPLE_TEXTS,
            float32_endpoints.get(model_name),
        )

    return write_verified(artifacts, write_and_verify, verbose, prepare=check_serving_ops)


def _traced_functions(archive, endpoints):
    """`(name, concrete function)` of every function a SavedModel will hold: all those of a
    `CallableSavedModel` (TF Serving loads every function of the graph, signature or not),
    the endpoints of an `ExportArchive`."""
    if isinstance(archive, CallableSavedModel):
        return [(path, fn) for path, fns in archive.concrete_functions.items() for fn in fns]
    return [(signature, fn.get_concrete_function()) for signature, fn in endpoints.items()]


def _verify(path, model_name, endpoints, src, texts, float32_endpoints=None):
    """Parity rows of one written SavedModel against the in-process functions, and, for a
    bfloat16 export, its difference from the float32 model's (`float32_endpoints`)."""
    preprocessor = src.preprocessor("exact")
    inputs = {
        signature: verify.verification_batches(fn, texts, src.max_predictions, preprocessor)
        for signature, fn in endpoints.items()
    }
    fresh = verify.run_saved_model_fresh(path, inputs)
    rows = []
    for signature, fn in endpoints.items():
        reference = verify.in_batches(
            functools.partial(verify.reference_outputs, fn), inputs[signature]
        )
        rows += verify.compare(
            f"{model_name} SavedModel",
            signature,
            reference,
            fresh[signature],
            verify.FLOAT_TOLERANCE,
        )
        if float32_endpoints:
            float32_fn = functools.partial(verify.reference_outputs, float32_endpoints[signature])
            reference = verify.in_batches(float32_fn, inputs[signature])
            rows += verify.compare(
                f"{model_name} SavedModel vs float32", signature, reference, fresh[signature], None
            )
    return rows
