"""`keras-bert finetune` never ends with exit code 0 on non-finite numbers: a NaN starting
checkpoint is refused, a diverged run stops and saves no model, NaN logits give no score."""

import os
import types

import numpy as np
import pytest

from keras_bert.finite import NonFiniteError
from tests.training import helpers


def _flags(tmp_path, *extra):
    tsv = tmp_path / "train.tsv"
    tsv.write_text(
        "sentence\tlabel\n" + "".join(f"w{'ab'[i % 2]} {i}\t{i % 2}\n" for i in range(16))
    )
    return [
        "finetune",
        "--task",
        "classification",
        "--train-file",
        str(tsv),
        "--batch-size",
        "8",
        "--seq-length",
        "16",
        "--out",
        str(tmp_path / "run"),
        "--quiet",
        *extra,
    ]


@pytest.mark.slow
def test_a_diverged_run_exits_non_zero_naming_the_step_and_writes_no_model(tmp_path, capsys):
    from keras_bert.cli import main

    flags = _flags(
        tmp_path,
        "--config",
        helpers.write_config(tmp_path / "config.json"),
        "--vocab",
        helpers.write_vocab(tmp_path / "vocab.txt"),
        "--learning-rate",
        "1e30",
        "--max-steps",
        "6",
        "--checkpoint-every",
        "1",
    )
    assert main(flags) == 1
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith("keras-bert finetune: error: Training stopped at step ")
    step = int(line.split("step ")[1].split(":")[0])
    assert "are NaN or infinite" in line
    assert not (tmp_path / "run" / "model.keras").exists()
    assert not (tmp_path / "run" / f"checkpoints/ckpt-{step}.index").exists()


def test_a_starting_checkpoint_with_nan_is_refused_by_name(tmp_path, capsys):
    from safetensors.numpy import load_file, save_file

    import keras_bert
    from keras_bert.cli import main

    vocab = helpers.write_vocab(tmp_path / "vocab.txt")
    config = keras_bert.BertConfig.from_json(helpers.write_config(tmp_path / "config.json"))
    init = str(tmp_path / "init")
    keras_bert.save_pretrained(keras_bert.BertEncoder(config), init, vocab_file=vocab)
    weights = load_file(os.path.join(init, "model.safetensors"))
    weights["pooler.dense.bias"][0] = np.nan
    save_file(weights, os.path.join(init, "model.safetensors"))
    assert main(_flags(tmp_path, "--init-checkpoint", init, "--max-steps", "1")) == 1
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith(
            f"keras-bert finetune: error: Hugging Face checkpoint {init}: "
            "pooler.dense.bias holds 1 NaN "
            "or infinite value of"
        )
    )
    assert not (tmp_path / "run").exists()


def test_evaluation_gives_no_score_from_nan_logits():
    from keras_bert.training import finetune

    import keras_bert
    from keras_bert.tasks.task import Prepared

    config = keras_bert.BertConfig(
        vocab_size=helpers.VOCAB,
        hidden_size=16,
        num_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=helpers.SEQ_LENGTH,
    )
    model = keras_bert.BertClassifier(keras_bert.BertEncoder(config), 2)
    bias = model.weights[-1]
    bias.assign(np.array([0.0, np.nan], "float32"))
    inputs, labels = helpers.packed_examples(count=6)
    args = types.SimpleNamespace(task="classification", batch_size=4, eval_file="dev.tsv")
    with pytest.raises(
        NonFiniteError, match=r"^The model's outputs on dev.tsv: logits holds 6 NaN"
    ):
        finetune.evaluate(args, model, Prepared(inputs, labels["label"], ["0", "1"]))
