"""`keras-bert finetune` evaluates each batch only up to its longest text: the outputs at the
real tokens are the padded model's, and per-token outputs come back at `seq_length`."""

import numpy as np

from tests.training.helpers import SEQ_LENGTH, VOCAB, packed_examples

# Shorter than SEQ_LENGTH and longer than any text of packed_examples: the model fails on a
# batch that reaches past its longest text.
POSITIONS = 16


def _task_models():
    """`{fill: model}` for the three output kinds: sequence-level, per-token, span."""
    import keras

    import keras_bert
    from keras_bert.layers.heads import SPAN_MASK_ADDER

    config = keras_bert.BertConfig(
        vocab_size=VOCAB,
        hidden_size=16,
        num_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=POSITIONS,
    )
    keras.utils.set_random_seed(5)
    return {
        None: keras_bert.BertClassifier(keras_bert.BertEncoder(config), 3),
        0.0: keras_bert.BertTokenClassifier(keras_bert.BertEncoder(config), 4),
        SPAN_MASK_ADDER: keras_bert.BertSpanQA(keras_bert.BertEncoder(config)),
    }


def test_evaluation_outputs_are_the_padded_models_at_real_tokens_and_the_fill_at_padding():
    from keras_bert.training import finetune

    inputs, _ = packed_examples(count=10, seed=4)
    inputs["input_type_ids"][:, 4:] = inputs["input_mask"][
        :, 4:
    ]  # a second segment for the span head
    mask = inputs["input_mask"].astype(bool)
    assert mask.sum(1).max() < POSITIONS
    within_table = {name: x[:, :POSITIONS] for name, x in inputs.items()}
    for fill, model in _task_models().items():
        got = finetune.predictor(model, fill)(inputs, batch_size=4)
        want = model.predict(within_table, batch_size=4, verbose=0)
        for name, value in want.items() if isinstance(want, dict) else [("logits", want)]:
            result = got[name] if isinstance(got, dict) else got
            assert result.dtype == np.float32 and len(result) == 10, name
            if fill is None:
                np.testing.assert_allclose(result, value, atol=1e-5)
                continue
            assert result.shape[1] == SEQ_LENGTH, name
            real = mask.reshape(mask.shape + (1,) * (value.ndim - 2))
            np.testing.assert_allclose(
                np.where(real[:, :POSITIONS], value, 0),
                np.where(real[:, :POSITIONS], result[:, :POSITIONS], 0),
                atol=1e-5,
                err_msg=name,
            )
            padding = np.broadcast_to(~real, result.shape)
            np.testing.assert_array_equal(result[padding], np.float32(fill), err_msg=name)


def test_evaluation_traces_the_model_once_for_every_batch_size(monkeypatch):
    """Batches of 4, a last batch of 2, then batches of 3 and a last of 1: one trace."""
    from keras_bert.training import finetune

    traces = []
    trim = finetune.trim_to_longest
    monkeypatch.setattr(
        finetune, "trim_to_longest", lambda *a, **k: traces.append(1) or trim(*a, **k)
    )
    inputs, _ = packed_examples(count=10, seed=6)
    predict = finetune.predictor(_task_models()[0.0], 0.0)
    assert predict(inputs, 4).shape == predict(inputs, 3).shape == (10, SEQ_LENGTH, 4)
    assert len(traces) == 1


def test_pair_regression_trains_on_sentence_pairs_and_its_folder_exports_pairs(tmp_path):
    """STS-B's layout: two text columns and a score; the folder says the model takes pairs."""
    import json

    from keras_bert.export import source

    from keras_bert import model_dir
    from keras_bert.cli import main
    from tests.training import helpers

    rng = np.random.default_rng(2)
    words = ["a", "b c", "d e f", "g"]
    rows = [
        (" ".join(rng.choice(words, 3)), " ".join(rng.choice(words, 2)), rng.uniform(0, 5))
        for _ in range(24)
    ]
    tsv = tmp_path / "train.tsv"
    tsv.write_text(
        "sentence1\tsentence2\tlabel\n"
        + "".join(f"{a}\t{b}\t{score:.2f}\n" for a, b, score in rows),
        encoding="utf-8",
    )
    out = tmp_path / "stsb"
    assert (
        main(
            [
                "finetune",
                "--task",
                "pair_regression",
                "--train-file",
                str(tsv),
                "--eval-file",
                str(tsv),
                "--config",
                helpers.write_config(tmp_path / "config.json"),
                "--vocab",
                helpers.write_vocab(tmp_path / "vocab.txt"),
                "--batch-size",
                "8",
                "--seq-length",
                "16",
                "--max-steps",
                "2",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert model_dir.read_metadata(str(out))["task"] == "pair_regression"
    assert set(json.loads((out / "eval_results.json").read_text())) == {"mse", "pearson"}
    assert source.resolve(str(out)).num_segments == 2


def test_a_run_pointed_at_another_runs_folder_is_refused(tmp_path, monkeypatch, capsys):
    """The same command resumes (from any working directory); another data set is refused
    before it can take over the folder's model."""
    from keras_bert.cli import main
    from tests.training import helpers

    for name, word in (("a.tsv", "good"), ("b.tsv", "bad")):
        (tmp_path / name).write_text(
            "sentence\tlabel\n" + "".join(f"{word} {i}\t{i % 2}\n" for i in range(16)),
            encoding="utf-8",
        )
    helpers.write_config(tmp_path / "config.json")
    helpers.write_vocab(tmp_path / "vocab.txt")

    def finetune(train_file, max_steps):
        return main(
            [
                "finetune",
                "--task",
                "classification",
                "--train-file",
                train_file,
                "--config",
                str(tmp_path / "config.json"),
                "--vocab",
                str(tmp_path / "vocab.txt"),
                "--batch-size",
                "8",
                "--seq-length",
                "16",
                "--max-steps",
                str(max_steps),
                "--checkpoint-every",
                "1",
                "--out",
                str(tmp_path / "run"),
                "--resume",
                "--quiet",
            ]
        )

    monkeypatch.chdir(tmp_path)
    assert finetune("a.tsv", 2) == 0
    assert finetune("b.tsv", 2) == 1
    checkpoints = tmp_path / "run" / "checkpoints"
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"keras-bert finetune: error: {checkpoints} holds another run's checkpoints "
        f"(--train-file was '{tmp_path}/a.tsv', now '{tmp_path}/b.tsv'); resume with the "
        "command that wrote them, or pass --overwrite or a new --out."
    )
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert finetune("../a.tsv", 2) == 0
    assert "resumed from step 2" in capsys.readouterr().out


def test_an_init_checkpoint_is_checked_against_the_vocab_and_seq_length(tmp_path, capsys):
    import dataclasses

    import keras_bert
    from keras_bert.cli import main
    from tests.training import helpers

    vocab = helpers.write_vocab(tmp_path / "vocab.txt")
    config = keras_bert.BertConfig.from_json(helpers.write_config(tmp_path / "config.json"))
    encoder = keras_bert.BertEncoder(dataclasses.replace(config, max_position_embeddings=16))
    keras_bert.save_pretrained(encoder, str(tmp_path / "init"), vocab_file=vocab)
    bigger = tmp_path / "bigger.txt"
    bigger.write_text((tmp_path / "vocab.txt").read_text() + "extra\n")
    (tmp_path / "train.tsv").write_text("sentence\tlabel\na b\t0\nc d\t1\n")

    def error(*flags):
        assert (
            main(
                [
                    "finetune",
                    "--task",
                    "classification",
                    "--train-file",
                    str(tmp_path / "train.tsv"),
                    "--batch-size",
                    "2",
                    "--max-steps",
                    "1",
                    "--out",
                    str(tmp_path / "out"),
                    "--quiet",
                    *flags,
                ]
            )
            == 1
        )
        return capsys.readouterr().err.splitlines()[-1]

    init = str(tmp_path / "init")
    assert error("--init-checkpoint", init, "--seq-length", "32") == (
        "keras-bert finetune: error: --seq-length 32 exceeds the model's 16 positions; lower "
        "--seq-length."
    )
    assert error("--init-checkpoint", init, "--vocab", str(bigger), "--seq-length", "16") == (
        f"keras-bert finetune: error: --init-checkpoint {init} has vocab_size 69 but the "
        "vocabulary has 70 tokens; use the matching vocab.txt."
    )
    assert error("--init-checkpoint", init, "--random-init-size", "bert_tiny") == (
        "keras-bert finetune: error: Pass exactly one of --init-checkpoint, --random-init-size "
        "and --config."
    )
    assert error("--init-checkpoint", init, "--cased", "--seq-length", "16") == (
        f"keras-bert finetune: error: --cased contradicts {init}, whose tokenizer lower-cases; "
        "drop --cased (or pass the --vocab to use cased)."
    )
    assert error("--init-checkpoint", str(tmp_path / "nowhere")) == (
        f"keras-bert finetune: error: Checkpoint folder {tmp_path / 'nowhere'} does not exist."
    )


def test_regression_on_text_labels_names_the_file(tmp_path, capsys):
    from keras_bert.cli import main
    from tests.training import helpers

    tsv = tmp_path / "train.tsv"
    tsv.write_text("sentence\tlabel\na b\tpositive\n", encoding="utf-8")
    assert (
        main(
            [
                "finetune",
                "--task",
                "regression",
                "--train-file",
                str(tsv),
                "--config",
                helpers.write_config(tmp_path / "config.json"),
                "--vocab",
                helpers.write_vocab(tmp_path / "vocab.txt"),
                "--seq-length",
                "16",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 1
    )
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"keras-bert finetune: error: {tsv} has 'label' values that are not numbers; --task "
        "regression learns numeric scores."
    )
