"""Pretraining tokens/s: ours (the `keras-bert pretrain` loop) against keras-hub's `BertMaskedLM`.

Same process, same sizes (4 layers, hidden 256, 4 heads, intermediate 1024, vocab 30522,
seq 128, batch 32, 20 predictions per sequence), float32, no XLA, AdamW on both. Ours also
trains the NSP head (keras-hub's `BertMaskedLM` has none). Measured twice for ours: on one
fixed in-memory batch (the model and loop alone) and through the real input pipeline
(TFRecords -> parse -> dynamic masking -> batches).

    python benchmarks/pretraining.py [--steps 15]
"""

import argparse
import os
import string
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_bert  # noqa: E402
from keras_bert.text import BertTokenizer  # noqa: E402
from keras_bert.training import optimization, pretrain  # noqa: E402
from keras_bert.training.data import pretraining  # noqa: E402
from keras_bert.training.strategy import resolve_strategy  # noqa: E402
from keras_bert.training.trainer import Trainer  # noqa: E402

VOCAB, LAYERS, HIDDEN, HEADS, INTERMEDIATE = 30522, 4, 256, 4, 1024
SEQ, BATCH, PREDICTIONS = 128, 32, 20


def synthetic_batch(seed=0):
    rng = np.random.RandomState(seed)
    ids = rng.randint(5, VOCAB, (BATCH, SEQ)).astype("int32")
    positions = np.sort(
        np.stack([rng.choice(np.arange(1, SEQ - 1), PREDICTIONS, replace=False) for _ in range(BATCH)]), 1
    ).astype("int32")
    return {
        "input_word_ids": ids,
        "input_mask": np.ones((BATCH, SEQ), "int32"),
        "input_type_ids": np.zeros((BATCH, SEQ), "int32"),
        "masked_lm_positions": positions,
    }, {
        "masked_lm_ids": np.take_along_axis(ids, positions, 1),
        "masked_lm_weights": np.ones((BATCH, PREDICTIONS), "float32"),
        "next_sentence_labels": rng.randint(0, 2, (BATCH, 1)).astype("int32"),
    }


def ours(dataset_fn, steps, out_dir):
    strategy = resolve_strategy("one_device")
    with strategy.scope():
        config = keras_bert.BertConfig(
            vocab_size=VOCAB, hidden_size=HIDDEN, num_layers=LAYERS, num_attention_heads=HEADS,
            intermediate_size=INTERMEDIATE, max_position_embeddings=512,
        )
        model = keras_bert.BertPretrainer(keras_bert.BertEncoder(config))
        optimizer = optimization.create_optimizer(1e-4, 10 * steps, steps)
    trainer = Trainer(
        strategy, model, optimizer, pretrain.pretraining_loss, dataset_fn, BATCH, out_dir,
        steps_per_call=steps, checkpoint_every=10**9, tokens_per_example=SEQ, verbose=False,
    )
    trainer.train(steps)  # traces and warms up
    trainer.train(2 * steps)  # one call of `steps` updates, timed by the trainer
    return trainer.history[-1]["tokens/s"]


def keras_hub_masked_lm(steps):
    import keras_hub

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=VOCAB, num_layers=LAYERS, num_heads=HEADS, hidden_dim=HIDDEN,
        intermediate_dim=INTERMEDIATE, max_sequence_length=512,
    )
    model = keras_hub.models.BertMaskedLM(backbone, preprocessor=None)
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-4, weight_decay=0.01, epsilon=1e-6, global_clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[], jit_compile=False,
    )
    x, y = synthetic_batch()
    inputs = {
        "token_ids": x["input_word_ids"], "segment_ids": x["input_type_ids"],
        "padding_mask": x["input_mask"].astype(bool), "mask_positions": x["masked_lm_positions"],
    }
    data = tf.data.Dataset.from_tensors((inputs, y["masked_lm_ids"], y["masked_lm_weights"])).repeat()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    began = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return BATCH * SEQ * steps / (time.perf_counter() - began)


def write_records(folder):
    vocab = os.path.join(folder, "vocab.txt")
    letters = list(string.ascii_lowercase)
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + letters + ["##" + c for c in letters]
    tokens += [f"[unused{i}]" for i in range(VOCAB - len(tokens))]
    with open(vocab, "w") as f:
        f.write("\n".join(tokens) + "\n")
    rng = np.random.RandomState(0)
    corpus = os.path.join(folder, "corpus.txt")
    with open(corpus, "w") as f:
        for _ in range(60):
            for _ in range(30):
                f.write(" ".join("".join(rng.choice(letters, 4)) for _ in range(12)) + "\n")
            f.write("\n")
    tokenizer = BertTokenizer(vocab)
    pretraining.write_pretraining_tfrecords(
        [corpus], os.path.join(folder, "records"), tokenizer, SEQ, PREDICTIONS, num_shards=4,
    )
    return tokenizer, os.path.join(folder, "records", "*.tfrecord")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=15)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        x, y = synthetic_batch()

        def fixed_batch(batch_size, input_context, skip):
            return tf.data.Dataset.from_tensors((x, y)).repeat()

        tokenizer, records = write_records(folder)

        def pipeline(batch_size, input_context, skip):
            return pretraining.tfrecord_dataset(
                records, batch_size, SEQ, PREDICTIONS, tokenizer=tokenizer,
                input_context=input_context, skip_batches=skip,
            )

        hub = keras_hub_masked_lm(args.steps)
        mine = ours(fixed_batch, args.steps, os.path.join(folder, "a"))
        mine_pipeline = ours(pipeline, args.steps, os.path.join(folder, "b"))
    print(f"pretraining tokens/s (4 layers, hidden 256, seq {SEQ}, batch {BATCH}, float32, CPU)")
    print(f"  keras-hub BertMaskedLM (fit, fixed batch):  {hub:8.0f}")
    print(f"  keras-bert (our loop, fixed batch):          {mine:8.0f}   ratio {mine / hub:.2f}x")
    print(f"  keras-bert (our loop, TFRecord pipeline):    {mine_pipeline:8.0f}   ratio {mine_pipeline / hub:.2f}x")


if __name__ == "__main__":
    main()
