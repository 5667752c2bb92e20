import filecmp
import json
import os
import random
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.export.conftest import LABELS, SEQ_LENGTH

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def keras_reference(model_dir, texts):
    """The Keras model on the exact preprocessor's ids: logits, computed without the export code."""
    from keras_bert.model_dir import load_model_dir
    from keras_bert.text import BertPreprocessor, BertTokenizer

    model, _ = load_model_dir(model_dir)
    preprocessor = BertPreprocessor(
        BertTokenizer(os.path.join(model_dir, "vocab.txt")), seq_length=SEQ_LENGTH
    )
    return model(preprocessor(tf.constant(texts)), training=False).numpy()


def test_layout_follows_tf_serving(exported, classifier_dir):
    path = exported["saved_model"]
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert os.path.isfile(os.path.join(path, "variables", "variables.index"))
    assert filecmp.cmp(
        os.path.join(path, "assets", "vocab.txt"),
        os.path.join(classifier_dir, "vocab.txt"),
        shallow=False,
    )
    assert os.path.isfile(exported["tflite"])


def test_saved_model_stores_each_weight_once(exported, classifier_dir):
    """keras-team/keras#23553: tracking the model in ExportArchive stores every weight twice."""
    from keras_bert.model_dir import load_model_dir

    model, _ = load_model_dir(classifier_dir)
    reader = tf.train.load_checkpoint(
        os.path.join(exported["saved_model"], "variables", "variables")
    )
    stored = sum(
        int(np.prod(shape))
        for name, shape in reader.get_variable_to_shape_map().items()
        if name.endswith("VARIABLE_VALUE")
    )
    assert stored == model.count_params()


def test_saved_model_cli_lists_the_promised_signature(exported):
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run(
        [cli, "show", "--dir", exported["saved_model"], "--all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    block = shown.split("signature_def['serving_default']:")[1].split("signature_def[")[0]
    inputs, outputs = block.split(
        "The given SavedModel SignatureDef contains the following output(s):"
    )
    compact = lambda s: " ".join(s.split())  # noqa: E731
    assert "inputs['text'] tensor_info: dtype: DT_STRING shape: (-1)" in compact(inputs)
    assert "text_pair" not in inputs
    assert "outputs['logits'] tensor_info: dtype: DT_FLOAT shape: (-1, 2)" in compact(outputs)
    assert "outputs['probabilities'] tensor_info: dtype: DT_FLOAT shape: (-1, 2)" in compact(
        outputs
    )
    assert "outputs['label'] tensor_info: dtype: DT_STRING shape: (-1)" in compact(outputs)
    assert "Method name is: tensorflow/serving/predict" in block


def rest_to_signature_inputs(body):
    """TF Serving's REST predict body, row ("instances") or columnar ("inputs") format."""
    if "instances" in body:
        rows = body["instances"]
        rows = [r if isinstance(r, dict) else {"text": r} for r in rows]
        return {name: tf.constant([r[name] for r in rows]) for name in rows[0]}
    inputs = body["inputs"]
    return {name: tf.constant(values) for name, values in inputs.items()}


@pytest.mark.parametrize(
    "body",
    [
        '{"instances": ["a fine film", "awful", {"text": "so-so"}]}',
        '{"inputs": {"text": ["a fine film", "awful", "so-so"]}}',
    ],
)
def test_rest_bodies_run_through_the_signature(exported, classifier_dir, body):
    serve = tf.saved_model.load(exported["saved_model"]).signatures["serving_default"]
    outputs = serve(**rest_to_signature_inputs(json.loads(body)))
    logits = keras_reference(classifier_dir, ["a fine film", "awful", "so-so"])
    np.testing.assert_allclose(outputs["logits"].numpy(), logits, atol=1e-5)
    assert [x.decode() for x in outputs["label"].numpy()] == [LABELS[i] for i in logits.argmax(-1)]
    np.testing.assert_allclose(outputs["probabilities"].numpy().sum(-1), 1.0, atol=1e-6)
    json.dumps({"predictions": [x.decode() for x in outputs["label"].numpy()]})


def odd_texts(count, seed=0):
    """Seeded odd inputs: empty, whitespace, huge, invalid UTF-8, controls, emoji, CJK, RTL,
    marks."""
    rng = random.Random(seed)
    pools = [
        lambda: b"",
        lambda: (
            rng.choice([" ", "\t", "\n", "\u3000", "\u00a0", "\u2028"]).encode()
            * rng.randint(1, 50)
        ),
        lambda: bytes(rng.randrange(256) for _ in range(rng.randint(1, 60))),
        lambda: "".join(chr(rng.randrange(0, 32)) for _ in range(rng.randint(1, 30))).encode(),
        lambda: "".join(
            chr(rng.randrange(0x1F300, 0x1FAFF)) for _ in range(rng.randint(1, 20))
        ).encode(),
        lambda: "".join(
            chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(rng.randint(1, 80))
        ).encode(),
        lambda: "".join(
            chr(rng.randrange(0x0590, 0x06FF)) for _ in range(rng.randint(1, 80))
        ).encode(),
        lambda: (
            "e" + "".join(chr(rng.randrange(0x0300, 0x036F)) for _ in range(rng.randint(1, 40)))
        ).encode(),
        lambda: "".join(chr(rng.randrange(1, 0x10FFFF)) for _ in range(rng.randint(1, 40))).encode(
            "utf-8", "surrogatepass"
        ),
        lambda: ("word " * rng.randint(1, 40)).encode(),
    ]
    texts = [rng.choice(pools)() for _ in range(count)]
    for i in range(0, count, count // 4):
        texts[i] = (rng.choice(["x", "ab ", "\u4e2d", "\U0001f600", "\xff"]) * 200_000).encode(
            "utf-8", "surrogateescape"
        )[:200_000]
    return texts


def check_outputs(outputs, batch):
    assert outputs["logits"].shape == (batch, 2)
    assert np.isfinite(outputs["logits"]).all() and np.isfinite(outputs["probabilities"]).all()
    assert set(np.asarray(outputs["label"]).tolist()) <= {b"neg", b"pos"}


def test_odd_inputs_saved_model_and_tflite(exported):
    from keras_bert.export.verify import tflite_interpreter

    texts = odd_texts(2000)
    serve = tf.saved_model.load(exported["saved_model"]).signatures["serving_default"]
    runner = tflite_interpreter(exported["tflite"]).get_signature_runner("serving_default")
    for batch in (texts[:1000], texts[1000:], texts[:1]):
        check_outputs({k: v.numpy() for k, v in serve(text=tf.constant(batch)).items()}, len(batch))
        check_outputs(runner(text=np.array(batch, dtype=object)), len(batch))


def test_tflite_file_runs_in_litert_with_the_text_kernels(exported, classifier_dir):
    from keras_bert.export.tflite import tflite_ops

    with open(exported["tflite"], "rb") as f:
        ops = tflite_ops(f.read())
    assert {"FastBertNormalize", "FastWordpieceTokenizeWithOffsets"} <= set(ops)
    assert not [op for op in ops if op.startswith("Flex")]


def test_exporter_refuses_an_op_tflite_lacks(classifier_dir, tmp_path, monkeypatch):
    from keras_bert.export import source
    from keras_bert.export.tflite import export_tflite

    # A deliberately bad graph: the exact tokenizer's regex ops have no TFLite kernel.
    exact = source.ExportSource.preprocessor
    monkeypatch.setattr(
        source.ExportSource, "preprocessor", lambda self, mode: exact(self, "exact")
    )
    with pytest.raises(
        ValueError, match=r"Op \S+ in sentiment/serving_default cannot run on tflite"
    ) as info:
        export_tflite(classifier_dir, str(tmp_path))
    assert "StaticRegexReplace" in str(info.value)
    assert not os.path.exists(tmp_path / "tflite" / "sentiment-serving_default-float32.tflite")


def test_exporter_refuses_an_op_old_tf_serving_lacks(classifier_dir, tmp_path, monkeypatch):
    import tensorflow_text as tf_text
    from keras_bert.export.saved_model import export_saved_model

    from keras_bert.tasks.classification import CLASSIFICATION

    def with_round_robin_trim(model, inputs, extras, vocab):
        ids = tf.RaggedTensor.from_tensor(inputs["input_word_ids"])
        trimmed = tf_text.RoundRobinTrimmer(8).trim([ids])[0]
        return {"trimmed": trimmed.to_tensor()}

    monkeypatch.setattr(CLASSIFICATION, "serving_outputs", with_round_robin_trim)
    with pytest.raises(
        ValueError,
        match=r"Op TFText>RoundRobinTrim in sentiment/serving_default cannot run on tf_serving",
    ):
        export_saved_model(classifier_dir, str(tmp_path))
    assert not os.path.exists(tmp_path / "sentiment" / "1")


def test_parity_failure_fails_the_export(classifier_dir, tmp_path, monkeypatch):
    from keras_bert.export import verify
    from keras_bert.export.saved_model import export_saved_model

    monkeypatch.setattr(verify, "FLOAT_TOLERANCE", 0.0)
    with pytest.raises(verify.VerificationError, match="does not match the Keras model"):
        export_saved_model(classifier_dir, str(tmp_path), verbose=False)
    assert not os.path.exists(tmp_path / "sentiment" / "1")


def test_a_hugging_face_fine_tuned_folder_exports_with_its_head(tmp_path):
    """transformers' BertForSequenceClassification folder in, a verified text-in SavedModel out."""
    import shutil

    from keras_bert.export import export_saved_model
    from safetensors.numpy import load_file, save_file

    import keras_bert
    from keras_bert.text import BertPreprocessor, BertTokenizer

    fixture = os.path.join(ROOT, "tests", "fixtures", "hf_tiny_bert")
    folder = tmp_path / "sst2_bert"
    shutil.copytree(fixture, folder)
    tensors = load_file(str(folder / "model.safetensors"))
    tensors = {k: v for k, v in tensors.items() if k.startswith("bert.")}
    rng = np.random.default_rng(3)
    tensors["classifier.weight"] = rng.standard_normal((2, 32)).astype(np.float32)
    tensors["classifier.bias"] = np.array([0.1, -0.1], np.float32)
    save_file(tensors, str(folder / "model.safetensors"))
    config = json.loads((folder / "config.json").read_text())
    config.update(
        architectures=["BertForSequenceClassification"], id2label={"0": "negative", "1": "positive"}
    )
    (folder / "config.json").write_text(json.dumps(config))

    result = export_saved_model(str(folder), str(tmp_path / "out"), seq_length=16, verbose=False)
    assert result.paths == [str(tmp_path / "out" / "sst2_bert" / "1")]
    texts = ["a gripping , funny film", "", "dull"]
    serving = tf.saved_model.load(result.paths[0]).signatures["serving_default"]
    served = serving(text=tf.constant(texts))
    model = keras_bert.from_pretrained(str(folder), task="classification")
    ids = BertPreprocessor(BertTokenizer.from_pretrained(str(folder)), seq_length=16)(
        tf.constant(texts)
    )
    logits = model(ids, training=False).numpy()
    np.testing.assert_allclose(served["logits"].numpy(), logits, atol=1e-5)
    names = [["negative", "positive"][i] for i in logits.argmax(-1)]
    assert [label.decode() for label in served["label"].numpy()] == names


def test_existing_version_is_refused(exported, classifier_dir):
    from keras_bert.cli import main

    assert (
        main(["export", classifier_dir, "--out", exported["out"], "--format", "saved_model"]) == 1
    )


def test_examples_run(exported, classifier_dir, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    served = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "examples", "export_and_serve.py"),
            classifier_dir,
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert served.returncode == 0, served.stderr[-2000:]
    predictions = json.loads(served.stdout[served.stdout.index("{") :])["predictions"]
    assert len(predictions) == 2 and {p["label"] for p in predictions} <= set(LABELS)
    lite = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "examples", "tflite_inference.py"),
            exported["tflite"],
            "a fine film",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert lite.returncode == 0, lite.stderr[-2000:]
    assert "a fine film -> {" in lite.stdout and "'label':" in lite.stdout


def _classifier_folder(folder, vocab, task, num_classes, label_names=None):
    """A tiny `BertClassifier` model folder for `task`, as `keras-bert finetune` writes it."""
    import keras

    import keras_bert
    from keras_bert.model_dir import save_model_dir
    from tests.export.conftest import tiny_config

    keras.utils.set_random_seed(4)
    encoder = keras_bert.BertEncoder(tiny_config())
    model = keras_bert.BertClassifier(encoder, num_classes, label_names=label_names)
    save_model_dir(
        model,
        str(folder),
        vocab,
        task=task,
        lower_case=True,
        max_chars_per_word=200,
        seq_length=SEQ_LENGTH,
    )
    return model


PAIR_ROWS = [
    ("a man is playing a guitar .", "someone plays music .", "entailment", 4.2),
    ("the cat sat on the mat", "a dog runs in the park", "not_entailment", 0.4),
    ("", "an empty premise", "not_entailment", 1.0),
    ("it rained all day in paris .", "paris was dry .", "not_entailment", 0.8),
    ("she bought three apples", "she bought fruit", "entailment", 3.6),
    ("\u4e2d\u6587 text \U0001f600", "emoji and cjk", "entailment", 2.5),
]


def _pair_tsv(path, label_index):
    lines = ["index\tsentence1\tsentence2\tlabel"]
    lines += [f"{i}\t{a}\t{b}\t{row[label_index]}" for i, (a, b, *row) in enumerate(PAIR_ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _pair_reference(model, vocab):
    from keras_bert.text import BertPreprocessor, BertTokenizer

    preprocessor = BertPreprocessor(BertTokenizer(vocab), seq_length=SEQ_LENGTH)
    texts = tf.constant([a for a, *_ in PAIR_ROWS]), tf.constant([b for _, b, *_ in PAIR_ROWS])
    return model(preprocessor(texts), training=False).numpy()


def _pair_inputs():
    from keras_bert.export import verify

    return {
        "text": verify.encode_texts([a for a, *_ in PAIR_ROWS]),
        "text_pair": verify.encode_texts([b for _, b, *_ in PAIR_ROWS]),
    }


def test_a_pair_classifier_folder_exports_text_pairs_and_its_accuracy(tmp_path, small_vocab):
    from keras_bert.export import verify
    from keras_bert.export.tflite import export_tflite

    labels = ["entailment", "not_entailment"]
    model = _classifier_folder(tmp_path / "rte", small_vocab, "pair_classification", 2, labels)
    eval_file = _pair_tsv(tmp_path / "dev.tsv", 0)
    result = export_tflite(
        str(tmp_path / "rte"), str(tmp_path / "out"), eval_file=eval_file, verbose=False
    )
    logits = _pair_reference(model, small_vocab)
    served = verify.tflite_runner(result.paths[0], "serving_default")(_pair_inputs())
    np.testing.assert_allclose(served["logits"], logits, atol=1e-4)
    gold = np.array([row[2] for row in PAIR_ROWS])
    accuracy = np.mean(np.array(labels)[logits.argmax(-1)] == gold)
    [row] = [r for r in result.rows if r.output == "label"]
    assert row.metric == f"accuracy {accuracy:.4f} (Keras {accuracy:.4f}, n={len(PAIR_ROWS)})"


def test_a_regression_folder_reports_pearson_and_mse(tmp_path, small_vocab):
    from keras_bert.export.tflite import export_tflite

    model = _classifier_folder(tmp_path / "stsb", small_vocab, "pair_regression", 1)
    eval_file = _pair_tsv(tmp_path / "dev.tsv", 1)
    result = export_tflite(
        str(tmp_path / "stsb"), str(tmp_path / "out"), eval_file=eval_file, verbose=False
    )
    predicted = _pair_reference(model, small_vocab)[:, 0].astype(np.float64)
    gold = np.array([row[3] for row in PAIR_ROWS])
    pearson, mse = np.corrcoef(predicted, gold)[0, 1], np.mean((predicted - gold) ** 2)
    [row] = [r for r in result.rows if r.output == "logits"]
    pattern = r"pearson (\S+), mse (\S+) \(Keras (\S+), (\S+), n=(\d+)\)"
    numbers = [float(v) for v in re.fullmatch(pattern, row.metric).groups()]
    # The file's numbers and the Keras model's, each against this test's own computation
    # (4 decimals printed; float32 kernels differ in the 7th).
    np.testing.assert_allclose(numbers, [pearson, mse, pearson, mse, len(PAIR_ROWS)], atol=2e-4)

    single = tmp_path / "single.tsv"
    single.write_text("sentence\tlabel\na film\t1.0\n", encoding="utf-8")
    with pytest.raises(ValueError) as e:
        export_tflite(
            str(tmp_path / "stsb"), str(tmp_path / "out2"), eval_file=str(single), verbose=False
        )
    assert str(e.value) == (
        f"{single} has 1 text column(s) but the model takes 2 text(s) an example; evaluate on a "
        "file of the model's task."
    )
    assert not (tmp_path / "out2").exists()  # the unverified file is gone, and its folders


def test_a_squad_model_reports_exact_match_and_f1(tmp_path, small_vocab, shared_data):
    """`eval_file` of a span QA model is a SQuAD JSON: the TFLite file's and the Keras model's
    exact match and F1, equal to the official metric of a plain-Python decode of the model."""
    import keras
    from keras_bert.export.tflite import export_tflite

    import keras_bert
    from keras_bert.tasks import metrics, squad_windows
    from keras_bert.text import BertTokenizer
    from tests.export.conftest import SEQ_LENGTH, tiny_config
    from tests.export.test_serving import reference_span_qa

    with open(os.path.join(shared_data, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        article = json.load(f)["data"][0]
    articles = [dict(article, paragraphs=article["paragraphs"][:2])]
    eval_file = tmp_path / "dev.json"
    eval_file.write_text(json.dumps({"version": "1.1", "data": articles}), encoding="utf-8")
    keras.utils.set_random_seed(7)
    model = keras_bert.BertSpanQA(keras_bert.BertEncoder(tiny_config()))
    tokenizer = BertTokenizer(small_vocab)
    result = export_tflite(
        model,
        str(tmp_path / "out"),
        name="squad",
        seq_length=SEQ_LENGTH,
        tokenizer=tokenizer,
        eval_file=str(eval_file),
        verbose=False,
    )
    [row] = [r for r in result.rows if r.output == "answer_start_byte"]

    examples = squad_windows.squad_examples(articles)
    want = reference_span_qa(
        model,
        tokenizer,
        SEQ_LENGTH,
        [e["question"] for e in examples],
        [e["context"] for e in examples],
    )
    predictions = {
        e["id"]: e["context"].encode()[start:end].decode() if start >= 0 else ""
        for e, start, end in zip(examples, want["answer_start_byte"], want["answer_end_byte"])
    }
    scores = metrics.squad_v1_scores(articles, predictions)
    assert scores["f1"] > 0  # some overlap even from random weights: the check compares numbers
    expected = f"{scores['exact_match']:.2f}, f1 {scores['f1']:.2f}"
    assert (
        row.metric
        == f"exact match {expected} (Keras {expected.replace('f1 ', '')}, n={len(examples)})"
    )

    tagger = keras_bert.BertTokenClassifier(model.encoder, num_labels=3)
    with pytest.raises(ValueError) as e:
        export_tflite(
            tagger,
            str(tmp_path / "out2"),
            name="ner",
            seq_length=SEQ_LENGTH,
            tokenizer=tokenizer,
            eval_file=str(eval_file),
            verbose=False,
        )
    assert str(e.value) == (
        "--eval-file reports a classifier's or a SQuAD model's metric; ner is a "
        "token_classification model: drop --eval-file."
    )
    assert not os.path.exists(tmp_path / "out2")


def test_num_segments_flag_gives_a_checkpoint_folder_a_text_pair(tmp_path):
    from keras_bert.cli import main

    fixture = os.path.join(ROOT, "tests", "fixtures", "hf_tiny_bert")
    out = tmp_path / "out"
    assert (
        main(
            [
                "export",
                fixture,
                "--out",
                str(out),
                "--format",
                "saved_model",
                "--num-segments",
                "2",
                "--seq-length",
                "16",
            ]
        )
        == 0
    )
    signature = tf.saved_model.load(str(out / "hf_tiny_bert" / "1")).signatures["serving_default"]
    assert sorted(signature.structured_input_signature[1]) == ["text", "text_pair"]


def test_an_exact_gelu_checkpoint_exports_to_tflite(tmp_path):
    """Most Hugging Face checkpoints compute GELU with erf (`gelu_erf`); the converter fuses
    TensorFlow's erfc form into TFLite's builtin GELU, so the allowlist takes it."""
    from keras_bert.export.tflite import export_tflite

    import keras_bert

    fixture = os.path.join(ROOT, "tests", "fixtures", "hf_tiny_bert")
    assert (
        keras_bert.BertConfig.from_json(os.path.join(fixture, "config.json")).hidden_act
        == "gelu_erf"
    )
    result = export_tflite(fixture, str(tmp_path), seq_length=16, verbose=False)
    assert [os.path.basename(p) for p in result.paths] == [
        "hf_tiny_bert-serving_default-float32.tflite",
        "hf_tiny_bert-mlm-float32.tflite",
    ]
    assert all(row.passed and row.tolerance for row in result.rows)


def test_tflite_versions_are_immutable_and_flags_must_apply(
    exported, classifier_dir, tmp_path, capsys
):
    from keras_bert.cli import main

    lite = exported["tflite"]
    before = os.path.getmtime(lite)
    assert main(["export", classifier_dir, "--out", exported["out"], "--format", "tflite"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"keras-bert export: error: {lite} already exists; exported versions are immutable, pass "
        "a new --version."
    )
    assert os.path.getmtime(lite) == before
    refused = {
        (
            "--format",
            "saved_model",
            "--quantize",
            "dynamic",
            "--eval-file",
            "dev.tsv",
        ): "--quantize, --eval-file apply to TFLite files, and --format saved_model writes none; "
        "drop them or use --format tflite or all.",
        (
            "--format",
            "tflite",
            "--precision",
            "bfloat16",
        ): "--precision applies to the SavedModel, and --format tflite writes none; use "
        "--quantize for the TFLite file.",
        (
            "--quantize",
            "int8",
        ): "quantize='int8' needs calibration_texts (--calibration-file): texts like the ones "
        "the model will see.",
        (
            "--max-answer-length",
            "5",
        ): "--max-query-length, --doc-stride and --max-answer-length set how a span QA model "
        "reads and answers; sentiment is a classification model: drop them.",
    }
    for flags, message in refused.items():
        assert main(["export", classifier_dir, "--out", str(tmp_path), *flags]) == 1
        assert capsys.readouterr().err.splitlines()[-1] == f"keras-bert export: error: {message}"
    assert os.listdir(tmp_path) == []  # nothing was written


def test_export_all_is_all_or_nothing(classifier_dir, shared_data, tmp_path, capsys):
    """`--format all` whose TFLite step fails after the SavedModel verified takes the
    SavedModel away too, so that the same command can run again; a missing file is refused
    before anything is written."""
    from keras_bert.cli import main

    rte = os.path.join(shared_data, "glue", "RTE", "dev.tsv")
    out = tmp_path / "out"
    assert main(["export", classifier_dir, "--out", str(out), "--eval-file", rte]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"keras-bert export: error: {rte} has 2 text column(s) but the model takes 1 text(s) an "
        "example; evaluate on a file of the model's task."
    )
    assert not out.exists()
    missing = str(tmp_path / "missing.json")
    assert main(["export", classifier_dir, "--out", str(out), "--eval-file", missing]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"keras-bert export: error: --eval-file {missing} does not exist; pass an existing file."
    )
    assert not out.exists()


def test_masked_span_logits_need_only_stay_masked():
    from keras_bert.export import verify

    want = np.array([[-1e9, 1.5, 2.0]], np.float32)
    float16_file = np.array([[-65504.0, 1.5, 2.25]], np.float32)
    assert verify.float_difference(want, float16_file) == 0.25
    assert verify.float_difference(want, np.array([[3.0, 1.5, 2.0]], np.float32)) == float("inf")
    assert verify.float_difference(want, np.array([[-1e9, np.nan, 2.0]], np.float32)) == float(
        "inf"
    )
    [row] = verify.compare("f", "s", {"start_logits": want}, {"start_logits": float16_file}, None)
    assert row.passed and row.max_abs_diff == 0.25
