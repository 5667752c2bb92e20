"""Fine-tuning examples/s on real sentences: ours (the `keras-bert finetune` loop) against
keras-hub's `BertTextClassifier` under `fit`.

Same process, same model size as `benchmarks.pretraining` (4 layers, hidden 256), seq 128,
batch 32, float32, AdamW on both, each with and without XLA, on the same packed ids: the first
4,096 SST-2 train sentences (the demo reviews the package ships where `../shared/data` is
absent), shuffled and repeated. keras-hub's preprocessors pack every text to `sequence_length`,
so it trains on the full 128 positions; ours runs both ways: each batch cut after its longest
text rounded up to 16 (what `keras-bert finetune` does), `--fixed-length`, and
`--group-by-length` (batches of texts from one 16-token length bucket).

Then evaluation on the SST-2 dev sentences (seq 128, batch 32): keras-hub's `predict` (with
and without XLA) against `finetune.predictor` (each batch run up to its longest text, what
`keras-bert finetune` evaluates with) and our model's plain `predict` at the full length.

    python -m benchmarks.finetuning [--steps 20] [--rounds 3]
"""

import argparse
import functools
import os
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras_bert.training import finetune, program  # noqa: E402
from keras_bert.training.strategy import resolve_strategy  # noqa: E402
from keras_bert.training.trainer import Trainer  # noqa: E402

import keras_bert  # noqa: E402
from benchmarks.common import keras_hub_inputs, machine, print_table  # noqa: E402
from benchmarks.export import VOCAB, real_sentences  # noqa: E402
from benchmarks.pretraining import BATCH, SEQ, StepTimes, benchmark_config  # noqa: E402
from keras_bert import tasks  # noqa: E402
from keras_bert.optimization import bert_optimizer  # noqa: E402
from keras_bert.tasks import classification  # noqa: E402
from keras_bert.text import BertTokenizer  # noqa: E402

EXAMPLES = 4096


def sst2_batches(split="train"):
    """`(inputs, labels, name)`: packed ids `[count, SEQ]` (at most EXAMPLES) and random binary
    labels."""
    name, sentences = real_sentences(split=split)
    sentences = sentences[:EXAMPLES]
    inputs = classification.encode_texts(BertTokenizer(os.path.normpath(VOCAB)), [sentences], SEQ)
    labels = np.random.default_rng(0).integers(0, 2, len(sentences)).astype("int32")
    return inputs, labels, name


class Ours:
    """Our `Trainer` on a `BertClassifier`; `run(steps)` returns examples/s of one call."""

    def __init__(
        self, inputs, labels, steps, out_dir, jit_compile, length_multiple, group_by_length=False
    ):
        strategy = resolve_strategy("one_device")
        with strategy.scope():
            model = keras_bert.BertClassifier(keras_bert.BertEncoder(benchmark_config()), 2)
            optimizer = bert_optimizer(5e-5, 10**6, warmup_steps=steps)
        dataset_fn = program.in_memory_dataset_fn(
            inputs, labels, 0, length_multiple, group_by_length
        )
        self.trainer = Trainer(
            strategy,
            model,
            optimizer,
            tasks.get("classification"),
            dataset_fn,
            BATCH,
            out_dir,
            steps_per_call=steps,
            checkpoint_every=10**9,
            tokens_per_example=1,
            jit_compile=jit_compile,
            verbose=False,
        )
        for _ in range(3):  # traces, and compiles the lengths the batches take
            self.run(steps)

    def run(self, steps):
        self.trainer.train(self.trainer.step + steps)
        return self.trainer.history[-1]["tokens/s"]


class KerasHub:
    """keras-hub's `BertTextClassifier` under `fit` on the full-length ids; `run(steps)`
    returns examples/s between the ends of its first and last step."""

    def __init__(self, inputs, labels, steps, jit_compile):
        import keras_hub

        config = benchmark_config()
        backbone = keras_hub.models.BertBackbone(
            vocabulary_size=config.vocab_size,
            num_layers=config.num_layers,
            num_heads=config.num_attention_heads,
            hidden_dim=config.hidden_size,
            intermediate_dim=config.intermediate_size,
            max_sequence_length=512,
        )
        self.model = keras_hub.models.BertTextClassifier(backbone, 2, preprocessor=None)
        self.model.compile(
            optimizer=keras.optimizers.AdamW(
                5e-5, weight_decay=0.01, epsilon=1e-6, global_clipnorm=1.0
            ),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile=jit_compile,
        )
        self.data = (
            tf.data.Dataset.from_tensor_slices((keras_hub_inputs(inputs), labels))
            .shuffle(len(labels), seed=0)
            .repeat()
            .batch(BATCH, drop_remainder=True)
            .prefetch(2)
        )
        self.run(steps)  # traces and warms up

    def run(self, steps):
        times = StepTimes()
        self.model.fit(self.data, steps_per_epoch=steps + 1, epochs=1, verbose=0, callbacks=[times])
        return BATCH * steps / (times.ends[-1] - times.ends[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="updates per timed call")
    parser.add_argument("--rounds", type=int, default=3, help="timed calls of each contestant")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    inputs, labels, name = sst2_batches()
    with tempfile.TemporaryDirectory() as folder:
        multiple = finetune.LENGTH_MULTIPLE
        contestants = {
            "keras-hub BertTextClassifier, fit, no XLA": KerasHub(
                inputs, labels, args.steps, False
            ),
            "keras-hub BertTextClassifier, fit, XLA": KerasHub(inputs, labels, args.steps, True),
            "keras-bert, fixed length, no XLA": Ours(
                inputs, labels, args.steps, f"{folder}/a", False, None
            ),
            "keras-bert, fixed length, XLA": Ours(
                inputs, labels, args.steps, f"{folder}/b", True, None
            ),
            "keras-bert, cut batches, no XLA": Ours(
                inputs, labels, args.steps, f"{folder}/c", False, multiple
            ),
            "keras-bert, cut batches, XLA": Ours(
                inputs, labels, args.steps, f"{folder}/d", True, multiple
            ),
            "keras-bert, grouped by length, no XLA": Ours(
                inputs, labels, args.steps, f"{folder}/e", False, multiple, True
            ),
            "keras-bert, grouped by length, XLA": Ours(
                inputs, labels, args.steps, f"{folder}/f", True, multiple, True
            ),
        }
        # Rounds alternate between the contestants; the median of the rounds is reported.
        results = {contestant: [] for contestant in contestants}
        for _ in range(args.rounds):
            for contestant, runner in contestants.items():
                results[contestant].append(runner.run(args.steps))
        medians = {contestant: float(np.median(values)) for contestant, values in results.items()}
        best_hub = max(v for k, v in medians.items() if k.startswith("keras-hub"))
        print_table(
            f"Fine-tuning examples/s on {name} sentences (4 layers, hidden 256, seq {SEQ}, batch "
            f"{BATCH}, float32; median of {args.rounds} calls of {args.steps} updates) "
            f"on {machine()}",
            ("trainer", "examples/s", "vs keras-hub's best"),
            [(k, f"{v:,.1f}", f"{v / best_hub:.2f}x") for k, v in medians.items()],
        )
        evaluation(contestants, args.rounds)


def evaluation(contestants, rounds):
    """Prints the time to predict the SST-2 dev sentences, ours cut and full against
    keras-hub's `predict` (the fine-tuned models of `contestants`)."""
    inputs, _, name = sst2_batches(split="dev")
    hub_inputs = keras_hub_inputs(inputs)
    ours = contestants["keras-bert, cut batches, no XLA"].trainer.model
    predict_cut = finetune.predictor(ours)
    predictors = {
        f"keras-hub BertTextClassifier.predict, {xla}": functools.partial(
            contestants[f"keras-hub BertTextClassifier, fit, {xla}"].model.predict,
            hub_inputs,
            batch_size=BATCH,
            verbose=0,
        )
        for xla in ("no XLA", "XLA")
    }
    predictors["keras-bert model.predict, full length"] = functools.partial(
        ours.predict, inputs, batch_size=BATCH, verbose=0
    )
    predictors["keras-bert finetune.predictor, cut batches"] = functools.partial(
        predict_cut, inputs, BATCH
    )
    for predict in predictors.values():  # traces
        predict()
    seconds = {contestant: [] for contestant in predictors}
    for _ in range(rounds):
        for contestant, predict in predictors.items():
            began = time.perf_counter()
            predict()
            seconds[contestant].append(time.perf_counter() - began)
    medians = {contestant: float(np.median(values)) for contestant, values in seconds.items()}
    best_hub = min(v for k, v in medians.items() if k.startswith("keras-hub"))
    count = len(inputs["input_mask"])
    print_table(
        f"Evaluation on the {count} {name} sentences (same models, seq {SEQ}, batch {BATCH}; "
        f"median of {rounds} rounds) on {machine()}",
        ("predictor", "seconds", "examples/s", "time vs keras-hub's best"),
        [(k, f"{v:.2f}", f"{count / v:,.1f}", f"{v / best_hub:.2f}x") for k, v in medians.items()],
    )


if __name__ == "__main__":
    main()
