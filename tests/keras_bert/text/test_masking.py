import numpy as np
import pytest
import tensorflow as tf

from keras_bert.text import mask_for_mlm

VOCAB, MASK, CLS, SEP, PAD = 200, 4, 2, 3, 0
SPECIAL = [0, 1, 2, 3, 4]


def packed(batch, seq_len, rng):
    rows, lengths = [], rng.integers(1, seq_len - 1, size=batch)
    for n in lengths:
        row = [CLS] + list(rng.integers(5, VOCAB, size=n)) + [SEP]
        rows.append(row + [PAD] * (seq_len - len(row)))
    return np.array(rows, np.int32), lengths


def check_row_invariants(ids, out, max_pred, word_starts=None):
    for i in range(ids.shape[0]):
        weights = out["masked_lm_weights"][i]
        n = int(weights.sum())
        positions = out["masked_lm_positions"][i][:n]
        candidates = [j for j, t in enumerate(ids[i]) if t not in SPECIAL]
        assert (1 if candidates else 0) <= n <= max_pred
        assert weights[:n].tolist() == [1.0] * n and weights[n:].sum() == 0
        assert list(positions) == sorted(set(positions)) and set(positions) <= set(candidates)
        assert out["masked_lm_ids"][i][:n].tolist() == ids[i][positions].tolist()
        assert (
            out["masked_lm_positions"][i][n:].sum() == 0 and out["masked_lm_ids"][i][n:].sum() == 0
        )
        unchosen = [j for j in range(ids.shape[1]) if j not in set(positions)]
        assert out["input_word_ids"][i][unchosen].tolist() == ids[i][unchosen].tolist()
        replaced = out["input_word_ids"][i][positions]
        assert all(t == MASK or t not in SPECIAL for t in replaced)
        if word_starts is not None:
            chosen = set(positions)
            for j in positions:  # whole words: every piece of a chosen word is chosen
                k = j
                while not word_starts[i][k] and ids[i][k - 1] not in SPECIAL:
                    k -= 1
                    assert k in chosen
                k = j + 1
                while k < ids.shape[1] and not word_starts[i][k] and ids[i][k] not in SPECIAL:
                    assert k in chosen
                    k += 1


def run(ids, **kwargs):
    out = mask_for_mlm(tf.constant(ids), VOCAB, MASK, SPECIAL, **kwargs)
    return {k: v.numpy() for k, v in out.items()}


def test_invariants_and_count():
    ids, lengths = packed(64, 40, np.random.default_rng(0))
    out = run(ids, max_predictions_per_seq=5, seed=1)
    check_row_invariants(ids, out, 5)
    counts = out["masked_lm_weights"].sum(axis=1)
    want = np.clip(np.round(lengths * 0.15), 1, 5)
    np.testing.assert_array_equal(counts, want)


def test_rates_over_many_draws():
    ids, _ = packed(256, 64, np.random.default_rng(1))
    masked = random = kept = 0
    for seed in range(10):
        out = run(ids, max_predictions_per_seq=20, seed=seed)
        w = out["masked_lm_weights"].astype(bool)
        original = out["masked_lm_ids"][w]
        new = np.take_along_axis(out["input_word_ids"], out["masked_lm_positions"], axis=1)[w]
        masked += np.sum(new == MASK)
        kept += np.sum((new == original) & (new != MASK))
        random += np.sum((new != original) & (new != MASK))
    total = masked + random + kept
    # Binomial standard deviations at this total (~16,000) are below 0.4%; allow ~4 of them.
    assert abs(masked / total - 0.8) < 0.015
    assert abs(random / total - 0.1 * (1 - 1 / (VOCAB - 5))) < 0.012
    assert abs(kept / total - 0.1) < 0.012


def test_positions_are_uniform_over_candidates():
    ids = np.array([[CLS] + list(range(5, 25)) + [SEP]] * 400, np.int32)
    out = run(ids, max_predictions_per_seq=3, seed=7)
    hist = np.bincount(out["masked_lm_positions"][out["masked_lm_weights"] > 0], minlength=22)
    assert hist[0] == 0 and hist[21] == 0
    # 400 rows x 3 picks over 20 tokens: 60 expected per position.
    assert hist[1:21].min() > 30 and hist[1:21].max() < 95


def test_deterministic_under_seed_and_varies_with_seed():
    ids, _ = packed(16, 32, np.random.default_rng(2))
    a, b, c = run(ids, seed=5), run(ids, seed=5), run(ids, seed=6)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["masked_lm_positions"], c["masked_lm_positions"])


def test_whole_word_masking_takes_all_pieces():
    rng = np.random.default_rng(3)
    ids, lengths = packed(64, 48, rng)
    starts = rng.random(ids.shape) < 0.4
    starts[:, ::4] = True  # words of at most 4 pieces, so none exceeds max_predictions_per_seq
    out = run(ids, max_predictions_per_seq=8, word_starts=tf.constant(starts), seed=3)
    check_row_invariants(ids, out, 8, word_starts=starts)


def test_whole_word_longer_than_budget_still_gives_a_prediction():
    ids = np.array([[CLS, 10, 11, 12, 13, SEP, PAD]], np.int32)
    starts = np.array([[True, True, False, False, False, True, True]])
    out = run(ids, max_predictions_per_seq=2, word_starts=tf.constant(starts), seed=0)
    assert out["masked_lm_positions"][0].tolist() == [1, 2]


def test_rows_without_tokens_predict_nothing_and_short_rows_pad():
    ids = np.array([[CLS, SEP, PAD], [CLS, 9, SEP]], np.int32)
    out = run(ids, max_predictions_per_seq=5, seed=0)
    np.testing.assert_array_equal(out["masked_lm_weights"], [[0, 0, 0, 0, 0], [1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(out["masked_lm_positions"], [[0] * 5, [1, 0, 0, 0, 0]])


def test_works_in_tf_data_map():
    ids, _ = packed(8, 16, np.random.default_rng(4))
    ds = (
        tf.data.Dataset.from_tensor_slices(ids)
        .batch(4)
        .map(lambda x: mask_for_mlm(x, VOCAB, MASK, SPECIAL, 4, seed=(1, 2)))
    )
    batches = list(ds)
    assert batches[0]["masked_lm_positions"].shape == (4, 4)


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_predictions_per_seq=0 must be at least 1"):
        mask_for_mlm(tf.zeros([1, 4], tf.int32), VOCAB, MASK, SPECIAL, max_predictions_per_seq=0)
    with pytest.raises(ValueError, match="mask_rate=0 must be in"):
        mask_for_mlm(tf.zeros([1, 4], tf.int32), VOCAB, MASK, SPECIAL, mask_rate=0)
