"""Pretraining tokens/s: ours (the `keras-bert pretrain` loop) against keras-hub's `BertMaskedLM`.

Same process, same sizes (4 layers, hidden 256, 4 heads, intermediate 1024, vocab 30522,
seq 128, batch 32, 20 predictions per sequence), float32, AdamW on both, each with and without
XLA. Ours also trains the NSP head (keras-hub's `BertMaskedLM` has none). Ours is measured on
one fixed in-memory batch (the model and loop alone) and through the real input pipeline
(TFRecords -> parse -> dynamic masking -> batches), to show the pipeline stays off the
critical path. Both run with the CPU allocator the `keras-bert` command sets
(`cli.pool_cpu_memory`, TensorFlow's BFC allocator), or with `--cpu-allocator default`
TensorFlow's own default: the variable is read at the first op, so it is one per process.

    python -m benchmarks.pretraining [--steps 10] [--rounds 3] [--cpu-allocator bfc|default]
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
from keras_bert.training.data import pretraining  # noqa: E402
from keras_bert.training.strategy import resolve_strategy  # noqa: E402
from keras_bert.training.trainer import Trainer  # noqa: E402

import keras_bert  # noqa: E402
from benchmarks.common import keras_hub_inputs, machine, print_table  # noqa: E402
from keras_bert.optimization import bert_optimizer  # noqa: E402
from keras_bert.tasks.pretraining import PRETRAINING  # noqa: E402
from keras_bert.text import BertTokenizer  # noqa: E402

VOCAB, LAYERS, HIDDEN, HEADS, INTERMEDIATE = 30522, 4, 256, 4, 1024
SEQ, BATCH, PREDICTIONS = 128, 32, 20


def synthetic_batch(seed=0, batch=BATCH, seq=SEQ, predictions=PREDICTIONS, vocab=VOCAB):
    """One pretraining batch of random ids, `(features, labels)` as the pretrain loop reads."""
    rng = np.random.RandomState(seed)
    ids = rng.randint(5, vocab, (batch, seq)).astype("int32")
    positions = np.sort(
        np.stack(
            [rng.choice(np.arange(1, seq - 1), predictions, replace=False) for _ in range(batch)]
        ),
        1,
    ).astype("int32")
    return {
        "input_word_ids": ids,
        "input_mask": np.ones((batch, seq), "int32"),
        "input_type_ids": np.zeros((batch, seq), "int32"),
        "masked_lm_positions": positions,
    }, {
        "masked_lm_ids": np.take_along_axis(ids, positions, 1),
        "masked_lm_weights": np.ones((batch, predictions), "float32"),
        "next_sentence_labels": rng.randint(0, 2, (batch, 1)).astype("int32"),
    }


def benchmark_config():
    """The 4-layer, hidden-256 model both trainers are timed on."""
    return keras_bert.BertConfig(
        vocab_size=VOCAB,
        hidden_size=HIDDEN,
        num_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE,
        max_position_embeddings=512,
    )


class Ours:
    """Our `Trainer` on BertPretrainer (of `config`, default `benchmark_config()`, in the
    global dtype policy); `run(steps)` returns tokens/s of one call of `steps`."""

    def __init__(self, dataset_fn, steps, out_dir, jit_compile, config=None, batch=BATCH, seq=SEQ):
        strategy = resolve_strategy("one_device")
        with strategy.scope():
            self.model = keras_bert.BertPretrainer(
                keras_bert.BertEncoder(config or benchmark_config())
            )
            optimizer = bert_optimizer(
                1e-4,
                10**6,
                warmup_steps=steps,
                loss_scaling=keras.mixed_precision.global_policy().name == "mixed_float16",
            )
        self.trainer = Trainer(
            strategy,
            self.model,
            optimizer,
            PRETRAINING,
            dataset_fn,
            batch,
            out_dir,
            steps_per_call=steps,
            checkpoint_every=10**9,
            tokens_per_example=seq,
            jit_compile=jit_compile,
            verbose=False,
        )
        self.run(steps)  # traces and warms up

    def run(self, steps):
        self.trainer.train(self.trainer.step + steps)
        return self.trainer.history[-1]["tokens/s"]


class StepTimes(keras.callbacks.Callback):
    """The end time of each `fit` step, for throughput without `fit`'s start-up."""

    def on_train_begin(self, logs=None):
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


class KerasHub:
    """keras-hub's `BertMaskedLM` under `fit`; `run(steps)` returns tokens/s between the ends
    of its first and last step (so `fit`'s start-up is not counted against it)."""

    def __init__(self, steps, jit_compile):
        import keras_hub

        backbone = keras_hub.models.BertBackbone(
            vocabulary_size=VOCAB,
            num_layers=LAYERS,
            num_heads=HEADS,
            hidden_dim=HIDDEN,
            intermediate_dim=INTERMEDIATE,
            max_sequence_length=512,
        )
        self.model = keras_hub.models.BertMaskedLM(backbone, preprocessor=None)
        self.model.compile(
            optimizer=keras.optimizers.AdamW(
                1e-4, weight_decay=0.01, epsilon=1e-6, global_clipnorm=1.0
            ),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            weighted_metrics=[],
            jit_compile=jit_compile,
        )
        x, y = synthetic_batch()
        inputs = dict(keras_hub_inputs(x), mask_positions=x["masked_lm_positions"])
        self.data = tf.data.Dataset.from_tensors(
            (inputs, y["masked_lm_ids"], y["masked_lm_weights"])
        ).repeat()
        self.run(steps)  # traces and warms up

    def run(self, steps):
        times = StepTimes()
        self.model.fit(self.data, steps_per_epoch=steps + 1, epochs=1, verbose=0, callbacks=[times])
        return BATCH * SEQ * steps / (times.ends[-1] - times.ends[0])


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
        [corpus],
        os.path.join(folder, "records"),
        tokenizer,
        SEQ,
        PREDICTIONS,
        num_shards=4,
    )
    return tokenizer, os.path.join(folder, "records", "*.tfrecord")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10, help="updates per timed call")
    parser.add_argument("--rounds", type=int, default=3, help="timed calls of each contestant")
    parser.add_argument(
        "--cpu-allocator",
        choices=("bfc", "default"),
        default="bfc",
        help="TensorFlow's CPU allocator for both trainers: bfc (what the keras-bert command "
        "uses) or TensorFlow's default",
    )
    args = parser.parse_args()
    os.environ["TF_CPU_ALLOCATOR_USE_BFC"] = str(args.cpu_allocator == "bfc").lower()
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        x, y = synthetic_batch()

        def fixed_batch(batch_size, input_context, skip):
            return tf.data.Dataset.from_tensors((x, y)).repeat()

        tokenizer, records = write_records(folder)

        def pipeline(batch_size, input_context, skip):
            return pretraining.tfrecord_dataset(
                records,
                batch_size,
                SEQ,
                PREDICTIONS,
                tokenizer=tokenizer,
                input_context=input_context,
                skip_batches=skip,
            )

        contestants = {
            "keras-hub BertMaskedLM, fit, no XLA": KerasHub(args.steps, False),
            "keras-hub BertMaskedLM, fit, XLA": KerasHub(args.steps, True),
            "keras-bert, fixed batch, no XLA": Ours(fixed_batch, args.steps, f"{folder}/a", False),
            "keras-bert, fixed batch, XLA": Ours(fixed_batch, args.steps, f"{folder}/b", True),
            "keras-bert, TFRecord pipeline, XLA": Ours(pipeline, args.steps, f"{folder}/c", True),
        }
        # Rounds alternate between the contestants so that a slow spell of a shared machine
        # hits them all; the median of the rounds is reported.
        results = {name: [] for name in contestants}
        for _ in range(args.rounds):
            for name, contestant in contestants.items():
                results[name].append(contestant.run(args.steps))
    medians = {name: float(np.median(values)) for name, values in results.items()}
    base = medians["keras-hub BertMaskedLM, fit, no XLA"]
    best_hub = max(base, medians["keras-hub BertMaskedLM, fit, XLA"])
    rows = [
        (name, f"{value:,.0f}", f"{value / base:.2f}x", f"{value / best_hub:.2f}x")
        for name, value in medians.items()
    ]
    print_table(
        f"Pretraining tokens/s ({LAYERS} layers, hidden {HIDDEN}, seq {SEQ}, batch {BATCH}, "
        f"float32, {args.cpu_allocator} CPU allocator; median of {args.rounds} calls of "
        f"{args.steps} updates) on {machine()}",
        ("trainer", "tokens/s", "vs keras-hub no XLA", "vs keras-hub's best"),
        rows,
    )


if __name__ == "__main__":
    main()
