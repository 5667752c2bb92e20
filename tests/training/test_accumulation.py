import keras
import numpy as np
import tensorflow as tf
from keras_bert.training.strategy import resolve_strategy
from keras_bert.training.trainer import Trainer

import keras_bert as kb
from keras_bert.tasks.pretraining import PRETRAINING

V, L, P = 40, 12, 3


def data(count=16, seed=0):
    rng = np.random.RandomState(seed)
    ids = rng.randint(5, V, (count, L)).astype("int32")
    inputs = {
        "input_word_ids": ids,
        "input_mask": np.ones((count, L), "int32"),
        "input_type_ids": np.zeros((count, L), "int32"),
        "masked_lm_positions": np.tile(np.arange(1, 1 + P), (count, 1)).astype("int32"),
    }
    labels = {
        "masked_lm_ids": ids[:, 1 : 1 + P],
        "masked_lm_weights": np.ones((count, P), "float32"),
        "next_sentence_labels": (ids[:, :1] % 2).astype("int32"),
    }
    return inputs, labels


def train(tmp_path, batch_size, accumulation_steps, steps=2):
    keras.utils.set_random_seed(3)
    strategy = resolve_strategy("one_device")
    with strategy.scope():
        config = kb.BertConfig(
            vocab_size=V,
            hidden_size=16,
            num_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=L,
            hidden_dropout_prob=0.0,
            attention_dropout_prob=0.0,
        )
        model = kb.BertPretrainer(kb.BertEncoder(config))
        # Plain SGD: Adam's first steps divide by |gradient| and would magnify float noise.
        optimizer = keras.optimizers.SGD(0.5)
    inputs, labels = data()

    def dataset_fn(per_replica_batch, input_context, skip):
        return (
            tf.data.Dataset.from_tensor_slices((inputs, labels))
            .repeat()
            .batch(per_replica_batch)
            .skip(skip)
        )

    trainer = Trainer(
        strategy,
        model,
        optimizer,
        PRETRAINING,
        dataset_fn,
        batch_size,
        str(tmp_path / f"acc{accumulation_steps}"),
        accumulation_steps=accumulation_steps,
        verbose=False,
    )
    trainer.train(steps)
    return trainer


def test_accumulated_micro_batches_make_the_same_update_as_one_big_batch(tmp_path):
    whole = train(tmp_path, batch_size=8, accumulation_steps=1)
    accumulated = train(tmp_path, batch_size=4, accumulation_steps=2)
    # Two updates each: the optimizer's step (which drives the schedule) counts updates.
    assert whole.step == accumulated.step == 2
    for a, b in zip(whole.model.weights, accumulated.model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
    # The comparison means something: training moved most weights away from the start.
    start = train(tmp_path / "fresh", batch_size=8, accumulation_steps=1, steps=0)
    moved = sum(
        not np.allclose(a.numpy(), b.numpy())
        for a, b in zip(whole.model.weights, start.model.weights)
    )
    assert moved > len(whole.model.weights) // 2
