import random
import warnings

import numpy as np
import pytest
import tensorflow as tf
from keras_bert.training.data import pretraining

from keras_bert.text import BertTokenizer
from tests.training import helpers


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pretraining")
    vocab = helpers.write_vocab(folder / "vocab.txt")
    corpus = helpers.write_corpus(folder / "corpus.txt", num_documents=20)
    return BertTokenizer(vocab), corpus, folder


def synthetic_documents(num_documents=30, seed=0):
    """Document d's tokens are 1000 * (d + 1) + sentence * 10 + position: the origin of every
    token is known, so pairs can be checked."""
    rng = random.Random(seed)
    return [
        [
            [1000 * (d + 1) + s * 10 + p for p in range(rng.randint(1, 6))]
            for s in range(rng.randint(10, 40))
        ]
        for d in range(num_documents)
    ]


def test_nsp_pairs_are_balanced_and_isnext_never_crosses_documents():
    documents = synthetic_documents()
    rng = random.Random(1)
    instances = [
        instance
        for index in range(len(documents))
        for _ in range(5)
        for instance in pretraining.create_instances_from_document(documents, index, 32, 0.1, rng)
    ]
    random_next = [is_random for _, _, is_random in instances]
    assert len(instances) > 200
    assert 0.4 < np.mean(random_next) < 0.65
    for tokens_a, tokens_b, is_random in instances:
        assert 1 <= len(tokens_a) and 1 <= len(tokens_b) and len(tokens_a) + len(tokens_b) <= 29
        doc_a = {t // 1000 for t in tokens_a}
        doc_b = {t // 1000 for t in tokens_b}
        assert len(doc_a) == 1 and len(doc_b) == 1
        if not is_random:
            assert doc_a == doc_b
            # B continues A: the sentence numbers go on without a gap.
            assert (tokens_b[0] % 1000) // 10 > (tokens_a[-1] % 1000) // 10


def test_short_sequences_appear_at_short_seq_prob():
    documents = [[[7] * 5 for _ in range(200)]]
    rng = random.Random(0)
    lengths = []
    for _ in range(400):
        instances = pretraining.create_instances_from_document(documents * 2, 0, 64, 0.1, rng)
        lengths.append(len(instances[0][0]) + len(instances[0][1]))
    # Full instances reach 61 tokens; shorter targets are drawn 10% of the time.
    assert 0.05 < np.mean(np.array(lengths) < 55) < 0.16


def test_read_documents_layouts(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("First one.\nSecond one.\n\nOther doc.\n", encoding="utf-8")
    assert list(pretraining.read_documents([str(path)], "sentences")) == [
        ["First one.", "Second one."],
        ["Other doc."],
    ]
    path.write_text(" = Title = \n\n A b . C d ! E\n\n Next para .\n", encoding="utf-8")
    assert list(pretraining.read_documents([str(path)], "paragraphs")) == [
        ["A b .", "C d !", "E"],
        ["Next para ."],
    ]
    with pytest.raises(ValueError, match="Unknown text layout 'xml'"):
        list(pretraining.read_documents([str(path)], "xml"))


def test_single_sentence_documents_warn_about_the_layout(setup):
    tokenizer, _, folder = setup
    path = folder / "paragraph_lines.txt"
    # WikiText's shape: one paragraph per line, a blank line between paragraphs.
    path.write_text(
        "".join(f"{c}a {c}b . {c}c {c}d . {c}e .\n\n" for c in "abcdefghij"), encoding="utf-8"
    )
    expected = (
        r"^10 of the first 10 documents in .*paragraph_lines\.txt have a single sentence under "
        r"the 'sentences' text layout, so next-sentence prediction sees mostly random pairs; "
        r"check the layout \(--text-layout paragraphs\)\.$"
    )
    with pytest.warns(UserWarning, match=expected):
        instances = list(
            pretraining.generate_instances([str(path)], tokenizer, 32, layout="sentences")
        )
    assert instances and all(is_random for _, _, is_random in instances)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        instances = list(
            pretraining.generate_instances([str(path)], tokenizer, 32, layout="paragraphs")
        )
    assert not all(is_random for _, _, is_random in instances)


def _read_records_one_by_one(paths, seq_length=32, max_predictions_per_seq=6):
    """Each record parsed alone by run_pretraining.py's name_to_features, written out
    independently of `pretraining.feature_spec`."""
    spec = {
        "input_ids": tf.io.FixedLenFeature([seq_length], tf.int64),
        "input_mask": tf.io.FixedLenFeature([seq_length], tf.int64),
        "segment_ids": tf.io.FixedLenFeature([seq_length], tf.int64),
        "masked_lm_positions": tf.io.FixedLenFeature([max_predictions_per_seq], tf.int64),
        "masked_lm_ids": tf.io.FixedLenFeature([max_predictions_per_seq], tf.int64),
        "masked_lm_weights": tf.io.FixedLenFeature([max_predictions_per_seq], tf.float32),
        "next_sentence_labels": tf.io.FixedLenFeature([1], tf.int64),
    }
    return [
        {k: v.numpy() for k, v in tf.io.parse_single_example(r, spec).items()}
        for r in tf.data.TFRecordDataset(paths)
    ]


def test_tfrecords_follow_the_original_spec_and_masking_rates(setup):
    tokenizer, corpus, folder = setup
    paths, count = pretraining.write_pretraining_tfrecords(
        [corpus],
        str(folder / "records"),
        tokenizer,
        seq_length=32,
        max_predictions_per_seq=6,
        num_shards=2,
        dupe_factor=3,
    )
    assert len(paths) == 2 and count > 100
    records = _read_records_one_by_one(paths)
    assert len(records) == count
    masked = kept = predicted = candidates = 0
    for r in records:
        ids, weights = r["input_ids"], r["masked_lm_weights"]
        length = int(r["input_mask"].sum())
        assert ids[0] == tokenizer.cls_id and ids[length - 1] == tokenizer.sep_id
        assert (ids[length:] == 0).all()
        real = weights > 0
        positions = r["masked_lm_positions"][real]
        assert (positions > 0).all() and (positions < length).all()
        masked += (ids[positions] == tokenizer.mask_id).sum()
        kept += (ids[positions] == r["masked_lm_ids"][real]).sum()
        predicted += real.sum()
        candidates += length - 3
    assert 0.4 < np.mean([r["next_sentence_labels"][0] for r in records]) < 0.75
    assert predicted / candidates == pytest.approx(0.15, abs=0.03)
    assert masked / predicted == pytest.approx(0.8, abs=0.07)
    assert kept / predicted == pytest.approx(0.1, abs=0.06)


def test_dynamic_masking_restores_then_remasks_deterministically(setup):
    tokenizer, corpus, folder = setup
    paths, _ = pretraining.write_pretraining_tfrecords(
        [corpus], str(folder / "records2"), tokenizer, seq_length=32, max_predictions_per_seq=6
    )
    static = pretraining.tfrecord_dataset(paths, 4, 32, 6, dynamic_masking=False, shuffle_buffer=1)
    dynamic = pretraining.tfrecord_dataset(paths, 4, 32, 6, tokenizer=tokenizer, shuffle_buffer=1)
    (x_static, y_static), (x_dynamic, y_dynamic) = next(iter(static)), next(iter(dynamic))

    def original_ids(x, y):
        ids = x["input_word_ids"].numpy().copy()
        for row in range(ids.shape[0]):
            real = y["masked_lm_weights"][row].numpy() > 0
            ids[row, x["masked_lm_positions"][row].numpy()[real]] = y["masked_lm_ids"][row].numpy()[
                real
            ]
        return ids

    np.testing.assert_array_equal(
        original_ids(x_static, y_static), original_ids(x_dynamic, y_dynamic)
    )
    assert not np.array_equal(x_static["masked_lm_positions"], x_dynamic["masked_lm_positions"])
    # Deterministic by step: batch 3 of a stream started at batch 2 is batch 3 of a full one.
    full = list(pretraining.tfrecord_dataset(paths, 4, 32, 6, tokenizer=tokenizer).take(4))
    skipped = next(
        iter(pretraining.tfrecord_dataset(paths, 4, 32, 6, tokenizer=tokenizer, skip_batches=3))
    )
    for name in x_dynamic:
        np.testing.assert_array_equal(full[3][0][name], skipped[0][name])


def test_static_pipeline_parses_batches_into_the_records_as_written(setup):
    tokenizer, corpus, folder = setup
    paths, _ = pretraining.write_pretraining_tfrecords(
        [corpus],
        str(folder / "records_in_order"),
        tokenizer,
        seq_length=32,
        max_predictions_per_seq=6,
    )
    records = _read_records_one_by_one(paths)
    names = {  # model feature -> record feature
        "input_word_ids": "input_ids",
        "input_mask": "input_mask",
        "input_type_ids": "segment_ids",
        "masked_lm_positions": "masked_lm_positions",
        "masked_lm_ids": "masked_lm_ids",
        "masked_lm_weights": "masked_lm_weights",
        "next_sentence_labels": "next_sentence_labels",
    }
    for skip in (0, 2):
        x, y = next(
            iter(
                pretraining.tfrecord_dataset(
                    paths, 4, 32, 6, dynamic_masking=False, shuffle_buffer=1, skip_batches=skip
                )
            )
        )
        batch = {**x, **y}
        assert set(batch) == set(names)
        for name, record_name in names.items():
            expected = np.stack([r[record_name] for r in records[4 * skip : 4 * skip + 4]])
            np.testing.assert_array_equal(batch[name].numpy(), expected)
            assert batch[name].dtype == (tf.float32 if name == "masked_lm_weights" else tf.int32)


def _partly_masked_words(tokenizer, ids, positions, weights):
    """Words (a piece and its `##` continuations) with some but not all pieces predicted."""
    count = 0
    for row in range(ids.shape[0]):
        original = ids[row].copy()
        chosen = set(positions[row][weights[row] > 0].tolist())
        starts = tokenizer.word_starts(original).numpy()
        word_of = np.cumsum(starts) - 1
        for word in set(word_of[sorted(chosen)].tolist()):
            # A `##` piece left first in a segment by truncation follows [CLS]/[SEP]: its
            # word is that piece alone.
            pieces = {
                i
                for i in np.flatnonzero(word_of == word).tolist()
                if original[i] not in tokenizer.special_ids
            }
            count += not pieces <= chosen
    return count


def test_whole_word_masking_masks_every_piece_of_a_word(setup):
    tokenizer, corpus, folder = setup
    # Every word of the corpus is two pieces ("ab" -> "a", "##b").
    for whole_word, records in ((True, "wwm"), (False, "pieces")):
        paths, _ = pretraining.write_pretraining_tfrecords(
            [corpus],
            str(folder / records),
            tokenizer,
            seq_length=32,
            max_predictions_per_seq=6,
            whole_word_masking=whole_word,
            dupe_factor=2,
        )
        static = pretraining.tfrecord_dataset(paths, 64, 32, 6, dynamic_masking=False)
        dynamic = pretraining.tfrecord_dataset(
            paths, 64, 32, 6, tokenizer=tokenizer, whole_word_masking=whole_word
        )
        for x, y in (next(iter(static)), next(iter(dynamic))):
            ids = x["input_word_ids"].numpy().copy()
            positions = x["masked_lm_positions"].numpy()
            weights = y["masked_lm_weights"].numpy()
            for row in range(ids.shape[0]):
                real = weights[row] > 0
                ids[row, positions[row][real]] = y["masked_lm_ids"][row].numpy()[real]
            partly = _partly_masked_words(tokenizer, ids, positions, weights)
            if whole_word:
                assert partly == 0
                assert weights.sum() / (x["input_mask"].numpy().sum() - 3 * 64) > 0.1
            else:
                assert partly > 20


def test_text_dataset_streams_fixed_shape_batches(setup):
    tokenizer, corpus, _ = setup
    dataset = pretraining.text_dataset([corpus], tokenizer, 4, 32, 6, document_window=5)
    x, y = next(iter(dataset))
    assert x["input_word_ids"].shape == (4, 32) and x["masked_lm_positions"].shape == (4, 6)
    assert y["next_sentence_labels"].shape == (4, 1)
    assert (y["masked_lm_weights"].numpy().sum(axis=1) >= 1).all()


def test_missing_files_name_the_glob():
    with pytest.raises(FileNotFoundError, match="No files match /nonexistent/\\*.tfrecord"):
        pretraining.expand_files("/nonexistent/*.tfrecord")


def test_input_without_instances_is_refused_instead_of_waited_on(setup, tmp_path):
    """Each pipeline repeats its input forever: an input without one instance would hang."""
    tokenizer, corpus, _ = setup
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    message = (
        f"{empty} gave no pretraining instance: they hold no text (or no document for this "
        "input pipeline's share); check the files and --text-layout."
    )
    with pytest.raises(ValueError) as e:
        pretraining.text_dataset([str(empty)], tokenizer, 4, 32, 6)
    assert str(e.value) == message
    with pytest.raises(ValueError) as e:
        pretraining.write_pretraining_tfrecords(
            [str(empty)], str(tmp_path / "out"), tokenizer, 32, 6
        )
    assert str(e.value) == message
    assert not list((tmp_path / "out").iterdir())  # no empty shard left to glob
    records = tmp_path / "empty.tfrecord"
    tf.io.TFRecordWriter(str(records)).close()
    with pytest.raises(ValueError) as e:
        pretraining.tfrecord_dataset(str(records), 4, 32, 6, tokenizer)
    assert str(e.value) == f"{records} hold no records; write them with make-pretraining-data."


def test_shards_of_another_run_are_never_mixed_in(setup, tmp_path):
    tokenizer, corpus, _ = setup
    out = str(tmp_path / "records")
    write = lambda shards: pretraining.write_pretraining_tfrecords(  # noqa: E731
        [corpus], out, tokenizer, 32, 6, num_shards=shards, document_window=5
    )
    paths, _ = write(2)
    assert write(2)[0] == paths  # the same run again writes the same shards
    with pytest.raises(ValueError) as e:
        write(1)
    assert str(e.value) == (
        f"{out} holds shards of another run (pretraining-00000-of-00002.tfrecord, ...), which a "
        "glob of this folder would mix in; write to a new --output-dir."
    )


def test_records_that_do_not_fit_the_flags_name_the_flag(setup, tmp_path):
    tokenizer, corpus, _ = setup
    [records], _ = pretraining.write_pretraining_tfrecords(
        [corpus], str(tmp_path / "records"), tokenizer, 32, 6, document_window=5
    )
    for seq_length, predictions, flag, held, wanted in (
        (64, 6, "--seq-length", 32, 64),
        (32, 5, "--max-predictions-per-seq", 6, 5),
    ):
        with pytest.raises(ValueError) as e:
            pretraining.tfrecord_dataset(records, 4, seq_length, predictions, tokenizer)
        assert str(e.value) == (
            f"{records} was written with {flag} {held}, not {wanted}; pass {flag} {held} (or "
            "write the records again)."
        )
    small = BertTokenizer(helpers.write_vocab(tmp_path / "vocab.txt"))
    small_vocab = tmp_path / "small.txt"
    small_vocab.write_text("".join(t + "\n" for t in helpers.char_vocab()[:20]))
    with pytest.raises(
        ValueError,
        match=r"holds token id \d+ but the vocabulary has 20 tokens; pass "
        r"the vocab.txt the records were written with\.$",
    ):
        pretraining.tfrecord_dataset(records, 4, 32, 6, BertTokenizer(str(small_vocab)))
    assert pretraining.tfrecord_dataset(records, 4, 32, 6, small) is not None
    with pytest.raises(ValueError) as e:
        pretraining.tfrecord_dataset(corpus, 4, 32, 6, tokenizer)
    assert str(e.value) == (f"{corpus} are not TFRecord files; for text pass --input-format text.")
