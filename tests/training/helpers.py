"""Small fixtures of the training tests: a character vocabulary, a corpus, a tiny config, and a
runner for training in a fresh process (strategies need their devices set before TF starts)."""

import json
import os
import string
import subprocess
import sys

RUNNER = os.path.join(os.path.dirname(__file__), "run_training.py")
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TINY_CONFIG = {
    "vocab_size": 5 + 26 + 26 + 10 + 2,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
}


# packed_examples' ids: a vocabulary of 50 and texts packed to 24 positions.
VOCAB = 50
SEQ_LENGTH = 24


def packed_examples(count=24, seed=0):
    """Encoder inputs `[count, SEQ_LENGTH]` of texts of 3 to 14 tokens, class labels and tags
    (-100 on padding, as `align_tags` gives them)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 15, count)
    mask = (np.arange(SEQ_LENGTH)[None, :] < lengths[:, None]).astype(np.int32)
    inputs = {
        "input_word_ids": (rng.integers(5, VOCAB, (count, SEQ_LENGTH)) * mask).astype(np.int32),
        "input_mask": mask,
        "input_type_ids": np.zeros((count, SEQ_LENGTH), np.int32),
    }
    tags = np.where(mask == 1, rng.integers(0, 3, (count, SEQ_LENGTH)), -100).astype(np.int32)
    return inputs, {"label": rng.integers(0, 2, count).astype(np.int32), "tags": tags}


def char_vocab():
    """Specials, letters, `##`-letters, digits, `.` and `,`: any lower-case text tokenizes."""
    letters = list(string.ascii_lowercase)
    return SPECIALS + letters + ["##" + c for c in letters] + list(string.digits) + [".", ","]


def write_vocab(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in char_vocab()))
    return str(path)


def write_config(path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(TINY_CONFIG, f)
    return str(path)


def write_corpus(path, num_documents=12, sentences_per_document=8, seed=0):
    """google-research/bert layout; document d uses only the words `d<letter>...`, so every
    sentence tells which document it came from."""
    import random

    rng = random.Random(seed)
    letters = string.ascii_lowercase
    with open(path, "w", encoding="utf-8") as f:
        for d in range(num_documents):
            for _ in range(sentences_per_document):
                words = [letters[d] + rng.choice(letters[:6]) for _ in range(rng.randint(2, 6))]
                f.write(" ".join(words) + " .\n")
            f.write("\n")
    return str(path)


def runner_command(*args, logical_cpus=1):
    return [sys.executable, RUNNER, "--logical-cpus", str(logical_cpus), *map(str, args)]


def run_training(*args, logical_cpus=1, timeout=240, env=None):
    """Runs `run_training.py` and returns its result dict (printed as the last line)."""
    result = subprocess.run(
        runner_command(*args, logical_cpus=logical_cpus),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if result.returncode != 0:
        raise AssertionError(f"training failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stdout


def tiny_classifier_trainer(
    out, num_classes=2, learning_rate=1e-3, total_steps=100, warmup_steps=0, **trainer_args
):
    """A `Trainer` fine-tuning a one-layer classifier on one repeated batch of
    `packed_examples`, on one device, checkpointing every step into `out`."""
    import tensorflow as tf
    from keras_bert.training.strategy import resolve_strategy
    from keras_bert.training.trainer import Trainer

    import keras_bert
    from keras_bert import tasks
    from keras_bert.optimization import bert_optimizer

    inputs, labels = packed_examples(count=8)
    batch = (inputs, labels["label"])
    strategy = resolve_strategy("one_device")
    config = keras_bert.BertConfig(
        vocab_size=VOCAB,
        hidden_size=16,
        num_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=SEQ_LENGTH,
    )
    with strategy.scope():
        model = keras_bert.BertClassifier(keras_bert.BertEncoder(config), num_classes)
        optimizer = bert_optimizer(learning_rate, total_steps, warmup_steps=warmup_steps)
    return Trainer(
        strategy,
        model,
        optimizer,
        tasks.get("classification"),
        lambda *_: tf.data.Dataset.from_tensors(batch).repeat(),
        8,
        str(out),
        checkpoint_every=1,
        verbose=False,
        **trainer_args,
    )
