"""TFLite files for MediaPipe Tasks' `TextClassifier` and `TextEmbedder`: stock runtimes.

MediaPipe Tasks (Android `com.google.mediapipe:tasks-text`, iOS `MediaPipeTasksText`, web
`@mediapipe/tasks-text`, Python `mediapipe`: the same C++ everywhere) tokenizes the text in its
own code, from the vocabulary packed in the file's metadata, and feeds the model the ids. So
the file takes ids, not text, and needs no custom op:

    EXPORT_DIR/mediapipe/NAME/VERSION/NAME-text_classifier.tflite   a classifier
    EXPORT_DIR/mediapipe/NAME/VERSION/NAME-text_embedder.tflite     an encoder (pooled_output),
                                                                    or a model with one float
                                                                    [batch, hidden] output

Inputs `input_word_ids`, `input_mask`, `input_type_ids`: int32 `[1, seq_length]` (batch 1, a
fixed length: MediaPipe pads every text to the input's length). A classifier returns its
`probabilities` `[1, classes]` (MediaPipe's scores), named by the model's label names; an
embedder its vector `[1, hidden]`. Variables are frozen to constants (a resource variable
stops MediaPipe's runtime: `READ_VARIABLE ... variable != nullptr`), and every op is a TFLite
builtin. The metadata is MediaPipe's BERT text input: the tensors' metadata names `ids`,
`mask`, `segment_ids` (MediaPipe finds them by those names), a `BertTokenizerOptions` process
unit with `vocab.txt`, and, for a classifier, `labels.txt` on the output; both files are packed
into the `.tflite` as a zip archive appended to it, as MediaPipe reads them.

MediaPipe's tokenizer is not the original BERT's: it lower-cases ASCII letters only, keeps
accents, deletes no control characters, splits on ASCII whitespace only, and makes a word of
more than 100 bytes `[UNK]`. With an uncased vocabulary "Café" becomes `[UNK]` (the original:
"cafe"). So uncased models only; and each export reports how many texts MediaPipe tokenizes
differently from the original (`verify_in_mediapipe`). For the original's ids on a phone, ship
the raw-text TFLite file (`--format tflite`) with tensorflow-text's kernels linked instead.

Verification runs the file in a new process that imports only `mediapipe`
(`mediapipe_process.py`), on the verification texts, beside an "ids probe": a file with the
same metadata whose embedding is the ids, mask and type ids MediaPipe fed it. The export
fails unless, on the texts MediaPipe tokenizes as the original, its outputs match the Keras
model within `verify.FLOAT_TOLERANCE`, and on every text they match the Keras model run on
the ids MediaPipe fed.
"""

import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile

import keras
import numpy as np
import tensorflow as tf
from keras_bert.export import source, verify
from keras_bert.export.artifacts import check_version, write_verified
from keras_bert.export.tflite import convert, tflite_ops

from keras_bert.checkpoints.mapping import encoder_of
from keras_bert.models import BertEncoder, BertPretrainer
from keras_bert.tasks.files import read_tsv
from keras_bert.tasks.serving_graph import predict

INPUT_NAMES = ("input_word_ids", "input_mask", "input_type_ids")
# The metadata names MediaPipe's BERT preprocessor looks the input tensors up by, in the order
# of INPUT_NAMES.
_METADATA_INPUT_NAMES = ("ids", "mask", "segment_ids")
# Ops that read or write resource variables: MediaPipe's runtime runs none of them.
_VARIABLE_OPS = frozenset({"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE"})
_METADATA_FIELD = "TFLITE_METADATA"
_METADATA_IDENTIFIER = b"M001"
_TFLITE_IDENTIFIER = b"TFL3"
# The oldest metadata parser that reads what this file uses: input process units and
# BertTokenizerOptions came in metadata schema 1.1.0 (MediaPipe's metadata_version.cc).
_MIN_PARSER_VERSION = "1.1.0"
VOCAB_FILE, LABELS_FILE = "vocab.txt", "labels.txt"


def export_mediapipe(
    model_dir_or_model,
    export_dir,
    name=None,
    version=1,
    seq_length=None,
    tokenizer=None,
    eval_file=None,
    verify_texts=None,
    verbose=True,
):
    """Exports a model as a `.tflite` file that MediaPipe's TextClassifier or TextEmbedder
    runs as it is, verified in MediaPipe.

    Args:
        model_dir_or_model, name, seq_length, tokenizer: as in `export_saved_model`. The
            model is a single-text classifier (`TextClassifier`), an encoder or pretrainer
            (its `pooled_output`, for `TextEmbedder`), or a model whose output is one float
            `[batch, hidden]` tensor (`TextEmbedder`); its vocabulary must be uncased.
        export_dir: the file goes to `export_dir/mediapipe/NAME/VERSION/`.
        version: a positive int; a file that exists already is refused.
        eval_file: a labelled TSV (as `keras-bert finetune` reads): a classifier's accuracy
            through MediaPipe next to the Keras model's, and how many of its texts MediaPipe
            tokenizes differently from the original.
        verify_texts: texts for the check (default `verify.SAMPLE_TEXTS`).
        verbose: print the verification table.

    Returns:
        `ExportResult` with the file's path and the verification rows.

    Raises:
        ImportError: the `mediapipe` package is missing.
        ValueError: a model MediaPipe has no task for, a cased vocabulary, or a verification
            failure.
    """
    _require_mediapipe()
    src = source.resolve(model_dir_or_model, name, seq_length, tokenizer)
    task = task_of(src)
    if eval_file and task != "text_classifier":
        raise ValueError(
            f"--eval-file reports a classifier's accuracy; {src.name} is a {src.task.name} model: "
            "drop --eval-file."
        )
    version = check_version(version)
    out_dir = os.path.join(os.fspath(export_dir), "mediapipe", src.name, str(version))
    artifacts = {os.path.join(out_dir, f"{src.name}-{task}.tflite"): task}
    fn = ids_function(src.model, src.seq_length, task)
    labels = label_names(src.model) if task == "text_classifier" else None

    def write_and_verify(path, task):
        content = with_metadata(
            convert_ids_function(fn, f"{src.name}/{task}"), src.tokenizer.vocab, labels, src.name
        )
        with open(path, "wb") as f:
            f.write(content)
        return verify_in_mediapipe(
            path, task, fn, src, verify_texts or verify.SAMPLE_TEXTS, labels, eval_file
        )

    return write_verified(artifacts, write_and_verify, verbose)


def _require_mediapipe():
    try:
        import mediapipe  # noqa: F401
    except ImportError:
        raise ImportError(
            "--format mediapipe writes and verifies the file with the mediapipe package; "
            "install it with: pip install 'keras-bert[mediapipe]'."
        ) from None


def task_of(src):
    """The MediaPipe task that runs `src`'s model: "text_classifier" or "text_embedder"."""
    if not src.tokenizer.lower_case:
        raise ValueError(
            f"{src.name} has a cased vocabulary, and MediaPipe's BERT tokenizer lower-cases every "
            "text; export a cased model with --format tflite (its tokenizer keeps the case)."
        )
    if src.num_segments != 1:
        raise ValueError(
            f"{src.name} takes text pairs, and MediaPipe's TextClassifier takes one text; use "
            "--format tflite or saved_model."
        )
    task = src.task.mediapipe_task
    if task is None:
        raise ValueError(
            f"MediaPipe has no task for a {src.task.name} model ({src.name}): --format mediapipe "
            "takes a single-text classifier, an encoder or an embedding model; use --format "
            "tflite or saved_model."
        )
    return task


def label_names(model):
    """A classifier's label names, by class index (the index as text where it has none)."""
    return list(model.label_names or [str(i) for i in range(model.num_classes)])


def ids_function(model, seq_length, task):
    """The traced function a MediaPipe file holds: the encoder inputs, int32 `[1,
    seq_length]` each, -> `{"probabilities": [1, classes]}` for a classifier, else
    `{"embedding": [1, hidden]}` (an encoder's or pretrainer's `pooled_output`, or the
    model's one float matrix)."""
    spec = [tf.TensorSpec([1, seq_length], tf.int32, name=name) for name in INPUT_NAMES]

    @tf.function(input_signature=spec)
    def serve(input_word_ids, input_mask, input_type_ids):
        inputs = dict(zip(INPUT_NAMES, (input_word_ids, input_mask, input_type_ids)))
        if task == "text_classifier":
            return {"probabilities": tf.nn.softmax(predict(model, inputs), axis=-1)}
        if isinstance(model, (BertEncoder, BertPretrainer)):
            return {"embedding": predict(encoder_of(model), inputs)["pooled_output"]}
        return {"embedding": _one_matrix(predict(model, inputs))}

    return serve


def _one_matrix(outputs):
    """The one float `[batch, hidden]` tensor among a model's outputs (a tensor or a dict)."""
    named = outputs if isinstance(outputs, dict) else {"output": outputs}
    matrices = [v for v in named.values() if v.shape.rank == 2 and v.dtype.is_floating]
    if len(matrices) != 1:
        raise ValueError(
            f"A TextEmbedder file needs a model with one float [batch, hidden] output; this one "
            f"returns {sorted(named)}: export its encoder, or use --format tflite or saved_model."
        )
    return matrices[0]


def ids_probe_function(seq_length):
    """A function for `TextEmbedder` whose embedding is its own inputs: ids, mask and type ids
    as float32 `[1, 3 * seq_length]` (exact: ids stay far below 2**24). Run in MediaPipe, it
    tells the ids MediaPipe's tokenizer fed."""
    spec = [tf.TensorSpec([1, seq_length], tf.int32, name=name) for name in INPUT_NAMES]

    @tf.function(input_signature=spec)
    def serve(input_word_ids, input_mask, input_type_ids):
        return {
            "embedding": tf.cast(
                tf.concat([input_word_ids, input_mask, input_type_ids], axis=1), tf.float32
            )
        }

    return serve


def convert_ids_function(fn, what):
    """TFLite bytes of `fn` (`ids_function`), through a SavedModel as the other TFLite files
    (`tflite.convert`: builtins, variables frozen to constants), checked to hold only
    builtin ops and no variable ops."""
    archive = keras.export.ExportArchive()
    archive.add_endpoint("serving_default", fn)
    with tempfile.TemporaryDirectory() as tmp:
        archive.write_out(tmp, verbose=False)
        content = convert(tmp, "serving_default")
    ops = tflite_ops(content)
    refused = [op for op in ops if not op.isupper() or op in _VARIABLE_OPS]
    if refused:
        raise ValueError(
            f"{what} has the op {refused[0]}, which MediaPipe's stock runtime does not run (it "
            "takes builtin ops on constants only); change the graph so the converter lowers it."
        )
    return content


def with_metadata(content, vocab, labels, name):
    """TFLite bytes with MediaPipe's BERT metadata and its files (`vocab.txt`, and
    `labels.txt` for a classifier, `labels` the names by class index).

    MediaPipe's own metadata writer (`mediapipe.tasks.python.metadata.metadata_writers`)
    imports a compiled module that the mediapipe 1.x wheels no longer ship
    (`mediapipe.tasks.cc.metadata.python._pywrap_metadata_version`), so the metadata is built
    here with the pure-Python flatbuffers classes those wheels do ship (the metadata schema,
    `metadata_schema_py_generated`, and the TFLite schema, `schema_py_generated`), filled as
    the writer's `create_for_bert_model` fills them.
    """
    import flatbuffers
    from mediapipe.tasks.metadata import metadata_schema_py_generated as meta
    from mediapipe.tasks.metadata import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(content, 0)
    subgraph = model.subgraphs[0]
    tensor_names = [subgraph.tensors[i].name.decode("utf-8") for i in subgraph.inputs]
    by_name = {f"serving_default_{n}:0": md for n, md in zip(INPUT_NAMES, _METADATA_INPUT_NAMES)}
    if sorted(tensor_names) != sorted(by_name):
        raise ValueError(
            f"The converted {name} has the inputs {tensor_names}; MediaPipe needs "
            f"{sorted(by_name)}."
        )

    def feature_tensor(metadata_name, description, files=(), low=None, high=None):
        tensor = meta.TensorMetadataT()
        tensor.name, tensor.description = metadata_name, description
        tensor.content = meta.ContentT()
        tensor.content.contentPropertiesType = meta.ContentProperties.FeatureProperties
        tensor.content.contentProperties = meta.FeaturePropertiesT()
        tensor.stats = meta.StatsT()
        tensor.stats.min, tensor.stats.max = low, high
        tensor.associatedFiles = list(files) or None
        return tensor

    def associated_file(file_name, description, file_type):
        file = meta.AssociatedFileT()
        file.name, file.description, file.type = file_name, description, file_type
        return file

    descriptions = {
        "ids": "Tokenized ids of the input text.",
        "mask": "Mask with 1 for real tokens and 0 for padding tokens.",
        "segment_ids": "0 for the first sequence, 1 for the second sequence if exists.",
    }
    subgraph_md = meta.SubGraphMetadataT()
    subgraph_md.inputTensorMetadata = [
        feature_tensor(by_name[n], descriptions[by_name[n]]) for n in tensor_names
    ]
    tokenizer = meta.ProcessUnitT()
    tokenizer.optionsType = meta.ProcessUnitOptions.BertTokenizerOptions
    tokenizer.options = meta.BertTokenizerOptionsT()
    tokenizer.options.vocabFile = [
        associated_file(
            VOCAB_FILE, "WordPiece vocabulary of the model.", meta.AssociatedFileType.VOCABULARY
        )
    ]
    subgraph_md.inputProcessUnits = [tokenizer]
    files = {VOCAB_FILE: "\n".join(vocab)}
    if labels is None:
        output = feature_tensor("embedding", "Embedding of the text.")
    else:
        label_file = associated_file(
            LABELS_FILE,
            "Labels for categories that the model can recognize.",
            meta.AssociatedFileType.TENSOR_AXIS_LABELS,
        )
        output = feature_tensor("score", "Probability of each label.", [label_file], [0.0], [1.0])
        files[LABELS_FILE] = "\n".join(labels)
    subgraph_md.outputTensorMetadata = [output]
    model_md = meta.ModelMetadataT()
    model_md.name = name
    model_md.description = "BERT text classifier" if labels is not None else "BERT text embedder"
    model_md.subgraphMetadata = [subgraph_md]
    model_md.minParserVersion = _MIN_PARSER_VERSION
    builder = flatbuffers.Builder(0)
    builder.Finish(model_md.Pack(builder), _METADATA_IDENTIFIER)
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(bytes(builder.Output()), np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name, entry.buffer = _METADATA_FIELD, len(model.buffers) - 1
    model.metadata = (model.metadata or []) + [entry]
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), _TFLITE_IDENTIFIER)
    packed = io.BytesIO(bytes(builder.Output()))
    # MediaPipe reads the files from a zip archive after the model (stored, not deflated).
    with zipfile.ZipFile(packed, "a", zipfile.ZIP_STORED) as archive:
        for file_name, text in files.items():
            archive.writestr(file_name, text)
    return packed.getvalue()


def verify_in_mediapipe(path, task, fn, src, texts, labels=None, eval_file=None):
    """Verification rows of a MediaPipe file: run in MediaPipe (`run_in_mediapipe`) beside the
    ids probe, against `fn` (the Keras model) on the ids MediaPipe fed.

    Rows: the texts MediaPipe tokenizes as the original (`src`'s exact preprocessor), and
    every text; with `eval_file`, its texts, with MediaPipe's accuracy next to the Keras
    model's (on the original's ids) and how many MediaPipe tokenizes differently.
    """
    batches = [list(texts)]
    if eval_file:
        eval_texts, gold = read_tsv(eval_file)
        if gold is None or len(eval_texts) != 1:
            raise ValueError(
                f"{eval_file} needs one text column and a label column, as a classifier's TSV."
            )
        batches.append(list(eval_texts[0]))
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, "ids_probe.tflite")
        probe_content = convert_ids_function(ids_probe_function(src.seq_length), "the ids probe")
        with open(probe, "wb") as f:
            f.write(with_metadata(probe_content, src.tokenizer.vocab, None, "ids probe"))
        requests = [
            (p, t, batch) for batch in batches for p, t in ((path, task), (probe, "text_embedder"))
        ]
        outputs, found_labels = run_in_mediapipe(requests)
    if labels is not None and found_labels[0] != labels:
        raise verify.VerificationError(
            f"MediaPipe reads the labels {found_labels[0]} from {path}, the model has {labels}."
        )
    output_name = "probabilities" if task == "text_classifier" else "embedding"
    artifact = os.path.basename(path)
    rows = []
    for i, batch in enumerate(batches):
        got = {output_name: np.stack(outputs[2 * i])}
        fed = fed_inputs(outputs[2 * i + 1], src.seq_length)
        same = tokenized_as_original(src, batch, fed)
        want = keras_outputs(fn, fed)
        n, agree = len(batch), int(same.sum())
        agreement = f"{agree}/{n} texts tokenized as the original"
        if i == 0:
            row = verify.compare(
                artifact,
                "texts tokenized as the original",
                {k: v[same] for k, v in want.items()},
                {k: v[same] for k, v in got.items()},
                verify.FLOAT_TOLERANCE,
            )[0]
            row.metric = agreement
            rows.append(row)
            rows += verify.compare(
                artifact, "ids MediaPipe fed, every text", want, got, verify.FLOAT_TOLERANCE
            )
        else:
            row = verify.compare(
                artifact, f"{os.path.basename(eval_file)}", want, got, verify.FLOAT_TOLERANCE
            )[0]
            row.metric = f"{_accuracy(src, fn, batch, gold, got[output_name], labels)}; {agreement}"
            rows.append(row)
    return rows


def run_in_mediapipe(requests, timeout=600):
    """Runs files in MediaPipe in a new process that imports only `mediapipe`
    (`mediapipe_process.py`).

    Args:
        requests: a list of `(path, task, texts)`, `task` "text_classifier" or
            "text_embedder".

    Returns:
        `(outputs, labels)`: for each request a list of float32 vectors, one per text, and
        its category names by index (empty for an embedder).
    """
    script = os.path.join(os.path.dirname(__file__), "mediapipe_process.py")
    with open(script, encoding="utf-8") as f:
        code = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        requests_file, results_file = os.path.join(tmp, "in.pkl"), os.path.join(tmp, "out.pkl")
        with open(requests_file, "wb") as f:
            pickle.dump([(os.path.abspath(p), task, list(texts)) for p, task, texts in requests], f)
        done = subprocess.run(
            [sys.executable, "-c", code, requests_file, results_file],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode
            raise verify.VerificationError(
                f"MediaPipe failed to load or run {requests[0][0]}: {last}"
            )
        with open(results_file, "rb") as f:
            results = pickle.load(f)
    imported = {"keras_bert", "tensorflow", "tensorflow_text"} & set(results["__modules__"])
    if imported:
        raise verify.VerificationError(
            f"The MediaPipe process imported {sorted(imported)}; the check would prove nothing."
        )
    return results["outputs"], results["labels"]


def fed_inputs(probe_outputs, seq_length):
    """The encoder inputs MediaPipe fed, from the ids probe's embeddings (one per text):
    dict name -> int32 `[texts, seq_length]`."""
    values = np.stack(probe_outputs).reshape(len(probe_outputs), len(INPUT_NAMES), seq_length)
    return {name: values[:, i].astype(np.int32) for i, name in enumerate(INPUT_NAMES)}


def tokenized_as_original(src, texts, fed):
    """Bool `[texts]`: where the inputs MediaPipe fed equal the original BERT's (`src`'s exact
    preprocessor at its `seq_length`)."""
    original = src.preprocessor("exact")(tf.constant(verify.encode_texts(texts), dtype=tf.string))
    return np.all(
        [np.all(original[name].numpy() == fed[name], axis=1) for name in INPUT_NAMES], axis=0
    )


def keras_outputs(fn, inputs):
    """`fn` (batch 1) on each row of `inputs` (dict name -> `[n, seq_length]`), stacked."""
    rows = len(next(iter(inputs.values())))
    outputs = [
        fn(*[tf.constant(inputs[name][i : i + 1]) for name in INPUT_NAMES]) for i in range(rows)
    ]
    return {name: np.concatenate([o[name].numpy() for o in outputs]) for name in outputs[0]}


def _accuracy(src, fn, texts, gold, scores, labels):
    """MediaPipe's accuracy (its scores' top label) next to the Keras model's on the
    original's ids, as text."""
    original = src.preprocessor("exact")(tf.constant(verify.encode_texts(texts), dtype=tf.string))
    keras_scores = keras_outputs(fn, {name: original[name].numpy() for name in INPUT_NAMES})[
        "probabilities"
    ]
    gold = np.asarray(gold)
    names = np.asarray(labels)
    accuracy = [np.mean(names[np.argmax(s, axis=1)] == gold) for s in (scores, keras_scores)]
    return f"accuracy {accuracy[0]:.4f} (Keras {accuracy[1]:.4f}, n={len(texts)})"
