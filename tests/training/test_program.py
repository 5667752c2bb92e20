"""The fine-tuning input pipeline cuts each batch after its longest text: nothing real is lost
and the loss and gradients are those of the batch padded to `seq_length`."""

import dataclasses

import numpy as np
import tensorflow as tf

from tests.training.helpers import SEQ_LENGTH, VOCAB, packed_examples


def _batches(length_multiple, count=6, group_by_length=False, skip=0):
    from keras_bert.training.program import in_memory_dataset_fn

    inputs, labels = packed_examples()
    dataset = in_memory_dataset_fn(inputs, labels, 1, length_multiple, group_by_length)(
        4, tf.distribute.InputContext(), skip
    )
    return list(dataset.take(count))


def test_batches_are_cut_after_their_longest_text_rounded_up():
    full, cut = _batches(None), _batches(4)
    lengths = set()
    for (full_x, full_y), (x, y) in zip(full, cut):
        longest = int(full_x["input_mask"].numpy().sum(1).max())
        length = x["input_mask"].shape[1]
        assert length == min(-(-longest // 4) * 4, SEQ_LENGTH)
        lengths.add(length)
        for name in x:
            np.testing.assert_array_equal(x[name], full_x[name][:, :length])
        assert full_x["input_mask"].numpy()[:, length:].sum() == 0  # only padding was cut
        np.testing.assert_array_equal(y["tags"], full_y["tags"][:, :length])
        np.testing.assert_array_equal(y["label"], full_y["label"])
    assert len(lengths) > 1 and max(lengths) < SEQ_LENGTH


def test_grouped_batches_take_texts_of_one_length_bucket_deterministically_by_step():
    batches = _batches(4, count=30, group_by_length=True)
    seen = set()
    for x, y in batches:
        mask = x["input_mask"].numpy()
        bucket = (mask.sum(1) - 1) // 4
        assert len(set(bucket)) == 1 and mask.shape == (4, min((bucket[0] + 1) * 4, SEQ_LENGTH))
        np.testing.assert_array_equal(y["tags"] != -100, mask == 1)
        seen.update(map(tuple, x["input_word_ids"].numpy()))
    # In 30 batches (5 epochs' worth) every one of the 24 texts shows up, and the grouped
    # batches are cut shorter than the ungrouped ones.
    assert len(seen) == 24
    assert np.mean([x["input_mask"].shape[1] for x, _ in batches]) < np.mean(
        [x["input_mask"].shape[1] for x, _ in _batches(4, count=30)]
    )
    resumed = _batches(4, count=5, group_by_length=True, skip=7)
    for (x, y), (want_x, want_y) in zip(resumed, batches[7:12]):
        np.testing.assert_array_equal(x["input_word_ids"], want_x["input_word_ids"])
        np.testing.assert_array_equal(y["label"], want_y["label"])


def test_a_cut_batch_has_the_loss_and_gradients_of_the_padded_batch():
    import keras

    import keras_bert
    from keras_bert import tasks
    from keras_bert.text.packing import trim_to_longest

    config = keras_bert.BertConfig(
        vocab_size=VOCAB,
        hidden_size=16,
        num_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=SEQ_LENGTH,
    )
    config = dataclasses.replace(config, hidden_dropout_prob=0.0, attention_dropout_prob=0.0)
    keras.utils.set_random_seed(2)
    encoder = keras_bert.BertEncoder(config)
    models = {
        "label": (keras_bert.BertClassifier(encoder, 2, dropout=0.0), tasks.get("classification")),
        "tags": (
            keras_bert.BertTokenClassifier(encoder, 3, dropout=0.0),
            tasks.get("token_classification"),
        ),
    }
    inputs, labels = packed_examples(count=6, seed=3)
    inputs = {name: tf.constant(x) for name, x in inputs.items()}
    for name, (model, task) in models.items():
        full = (inputs, tf.constant(labels[name]))
        cut = trim_to_longest(full, inputs["input_mask"])
        assert cut[0]["input_mask"].shape[1] < SEQ_LENGTH
        results = []
        for x, y in (full, cut):
            with tf.GradientTape() as tape:
                loss, _ = task.loss(model, x, y)
            grads = tape.gradient(loss, model.trainable_variables)
            results.append(
                (float(loss), [tf.convert_to_tensor(g).numpy() for g in grads if g is not None])
            )
        (full_loss, full_grads), (cut_loss, cut_grads) = results
        np.testing.assert_allclose(cut_loss, full_loss, rtol=1e-6)
        assert len(cut_grads) == len(full_grads)
        for a, b in zip(cut_grads, full_grads):
            np.testing.assert_allclose(a, b, atol=1e-6)
