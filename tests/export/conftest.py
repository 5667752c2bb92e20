import os

import pytest

VOCAB_SOURCE = os.path.join(
    "checkpoints", "google_bert_uncased_L-8_H-512_A-8_index_only", "vocab.txt"
)
VOCAB_SIZE = 3000
SEQ_LENGTH = 32
LABELS = ["neg", "pos"]


@pytest.fixture(scope="session")
def small_vocab(shared_data, tmp_path_factory):
    """The first 3000 tokens of Google's uncased vocabulary ([PAD] 0, [UNK] 100, ... [MASK] 103)."""
    with open(os.path.join(shared_data, VOCAB_SOURCE), encoding="utf-8") as f:
        tokens = [next(f) for _ in range(VOCAB_SIZE)]
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    path.write_text("".join(tokens), encoding="utf-8")
    return str(path)


def tiny_config():
    import keras_bert

    return keras_bert.BertConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=32,
        num_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
    )


@pytest.fixture(scope="session")
def classifier_dir(small_vocab, tmp_path_factory):
    """A tiny classifier model folder, as `keras-bert finetune` writes it."""
    import keras

    import keras_bert
    from keras_bert.model_dir import save_model_dir

    keras.utils.set_random_seed(0)
    model = keras_bert.BertClassifier(
        keras_bert.BertEncoder(tiny_config()), num_classes=2, label_names=LABELS
    )
    path = str(tmp_path_factory.mktemp("models") / "sentiment")
    save_model_dir(
        model,
        path,
        small_vocab,
        task="classification",
        lower_case=True,
        max_chars_per_word=200,
        seq_length=SEQ_LENGTH,
    )
    return path


@pytest.fixture(scope="session")
def exported(classifier_dir, tmp_path_factory):
    """`keras-bert export MODEL_DIR --out OUT` (SavedModel + float32 TFLite) through the CLI."""
    from keras_bert.cli import main

    out = str(tmp_path_factory.mktemp("export"))
    assert main(["export", classifier_dir, "--out", out]) == 0
    return {
        "out": out,
        "saved_model": os.path.join(out, "sentiment", "1"),
        "tflite": os.path.join(
            out, "tflite", "sentiment", "1", "sentiment-serving_default-float32.tflite"
        ),
    }
