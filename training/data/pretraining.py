"""Pretraining data: raw text -> documents -> NSP instances -> TFRecords -> `tf.data` batches.

Text layouts:
- `"sentences"` (google-research/bert): one sentence per line, a blank line between documents.
- `"paragraphs"`: one paragraph per line, each paragraph a document, split into sentences
  after `.`, `!` or `?` followed by a space; WikiText headings (`= Title =`) are dropped.

NSP instances follow google-research/bert's `create_instances_from_document` exactly: a
target length of `seq_length - 3` (shorter with probability `short_seq_prob`), sentences
gathered into a chunk up to it, segment A the first 1..n-1 sentences, segment B the rest
(label 0, IsNext) or, with probability 0.5 or when the chunk has one sentence, text from a
random other document (label 1) with the unused sentences put back; the pair truncated from a
random end of the longer segment. One difference, so that the corpus is never held in
memory: the random document is drawn from a window of `document_window` documents read
together, not from the whole corpus (the original loads every document).

Files are streamed; the same generator feeds `write_pretraining_tfrecords` (`keras-bert
make-pretraining-data`) and `text_dataset` (training straight from text files).

The TFRecords carry the original feature names and spec (`input_ids`, `input_mask`,
`segment_ids`, `masked_lm_positions`, `masked_lm_ids`, `masked_lm_weights`,
`next_sentence_labels`), masked once when written (static masking). `tfrecord_dataset` can
use that masking or, by default, re-mask every batch (dynamic masking, as RoBERTa): it puts
the original ids back at the masked positions and calls `keras_bert.text.mask_for_mlm` with a
seed derived from the batch's position in the stream, so the batches depend only on the seed
and the step (a resumed run sees what an uninterrupted one would).
"""

import contextlib
import glob
import os
import random
import re
import sys
import time
import warnings

import numpy as np
import tensorflow as tf

from keras_bert import split_pretraining_features
from keras_bert.atomic import atomic_path, remove_partial_files
from keras_bert.cli_args import LAYOUTS
from keras_bert.text import mask_for_mlm
from keras_bert.text_file import read_lines

INSTANCE_FEATURES = ("input_ids", "input_mask", "segment_ids", "next_sentence_labels")
MASK_FEATURES = ("masked_lm_positions", "masked_lm_ids", "masked_lm_weights")

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_WIKITEXT_HEADING = re.compile(r"^\s*=.*=\s*$")
# `text_dataset` says how many instances it has made every this many seconds while it makes
# fewer than its shuffle buffer holds in that time.
REPORT_SECONDS = 30.0


def expand_files(patterns):
    """Comma-separated globs (or a list of them) -> sorted file list; a clear error if empty."""
    if isinstance(patterns, str):
        patterns = [p for p in patterns.split(",") if p]
    files = sorted({f for pattern in patterns for f in glob.glob(pattern)})
    if not files:
        raise FileNotFoundError(f"No files match {', '.join(patterns)}; check the path or glob.")
    return files


def read_documents(files, layout="sentences"):
    """Yields documents (lists of sentence strings) from text files, streaming."""
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown text layout {layout!r}; use one of {', '.join(LAYOUTS)}.")
    for path in files:
        document = []
        for _, line in read_lines(path):  # a line that is not UTF-8 is an error naming it
            line = line.strip()
            if layout == "sentences":
                if line:
                    document.append(line)
                    continue
            elif line and not _WIKITEXT_HEADING.match(line):
                document = [s for s in _SENTENCE_END.split(line) if s]
            if document:
                yield document
            document = []
        if document:
            yield document


def truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
    """Truncates the longer segment, from its front or back at random, until both fit.

    The original's loop, with the same draws from `rng` and the same result, in linear time
    (a very long line gives segments of 100,000s of tokens, which the token-by-token loop
    took seconds to cut): it removes one token per `rng.random()`, from the longer segment
    (b on a tie), at its front when the draw is below 0.5. Which segment loses each token
    follows from the lengths alone, and a draw is below 0.5 exactly when the first of the two
    32-bit words `random()` consumes has its top bit clear; `getrandbits(64 * n)` consumes
    the same `2 n` words, least significant first.
    """
    excess = len(tokens_a) + len(tokens_b) - max_num_tokens
    if excess <= 0:
        return
    if len(tokens_a) > len(tokens_b):  # a until the two are equal, then b, a, b, ...
        first, count, alternation = 0, min(len(tokens_a) - len(tokens_b), excess), (1, 0)
    else:  # b until it is one shorter than a, then a, b, a, ...
        first, count, alternation = 1, min(len(tokens_b) - len(tokens_a) + 1, excess), (0, 1)
    owner = np.full(excess, first, np.int8)
    owner[count:] = np.array(alternation, np.int8)[np.arange(excess - count) % 2]
    bits = rng.getrandbits(64 * excess).to_bytes(8 * excess, "little")
    front = np.frombuffer(bits, "<u4")[0::2] < 2**31
    for i, tokens in enumerate((tokens_a, tokens_b)):
        mine = owner == i
        from_front, from_back = int(np.sum(front & mine)), int(np.sum(~front & mine))
        del tokens[len(tokens) - from_back :]
        del tokens[:from_front]


def create_instances_from_document(
    all_documents, document_index, max_seq_length, short_seq_prob, rng
):
    """NSP instances `(tokens_a, tokens_b, is_random_next)` of one tokenized document.

    `all_documents` is a list of documents, each a list of sentences of token ids; the
    algorithm (and the order it draws from `rng`, a `random.Random`) is the original's.
    """
    document = all_documents[document_index]
    max_num_tokens = max_seq_length - 3
    target_seq_length = max_num_tokens
    if rng.random() < short_seq_prob:
        target_seq_length = rng.randint(2, max_num_tokens)
    instances = []
    current_chunk = []
    current_length = 0
    i = 0
    while i < len(document):
        segment = document[i]
        current_chunk.append(segment)
        current_length += len(segment)
        if i == len(document) - 1 or current_length >= target_seq_length:
            if current_chunk:
                a_end = 1
                if len(current_chunk) >= 2:
                    a_end = rng.randint(1, len(current_chunk) - 1)
                tokens_a = [t for j in range(a_end) for t in current_chunk[j]]
                tokens_b = []
                if len(current_chunk) == 1 or rng.random() < 0.5:
                    is_random_next = True
                    target_b_length = target_seq_length - len(tokens_a)
                    for _ in range(10):
                        random_document_index = rng.randint(0, len(all_documents) - 1)
                        if random_document_index != document_index:
                            break
                    random_document = all_documents[random_document_index]
                    random_start = rng.randint(0, len(random_document) - 1)
                    for j in range(random_start, len(random_document)):
                        tokens_b.extend(random_document[j])
                        if len(tokens_b) >= target_b_length:
                            break
                    # The sentences not used go back to be read again.
                    i -= len(current_chunk) - a_end
                else:
                    is_random_next = False
                    tokens_b = [
                        t for j in range(a_end, len(current_chunk)) for t in current_chunk[j]
                    ]
                truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
                if tokens_a and tokens_b:
                    instances.append((tokens_a, tokens_b, is_random_next))
            current_chunk = []
            current_length = 0
        i += 1
    return instances


def _tokenize_documents(documents, tokenizer):
    """Documents of sentence strings -> documents of token-id sentences (empty ones dropped)."""
    sentences = [s for document in documents for s in document]
    if not sentences:
        return []
    ids = tokenizer.tokenize(tf.constant(sentences)).to_list()
    result, start = [], 0
    for document in documents:
        tokenized = [s for s in ids[start : start + len(document)] if s]
        start += len(document)
        if tokenized:
            result.append(tokenized)
    return result


def generate_instances(
    files,
    tokenizer,
    seq_length,
    short_seq_prob=0.1,
    layout="sentences",
    document_window=1000,
    dupe_factor=1,
    seed=12345,
    shard=(0, 1),
    tokenize=None,
):
    """Yields NSP instances `(tokens_a, tokens_b, is_random_next)` from text files.

    Reads `document_window` documents at a time (random next segments come from the same
    window) and makes `dupe_factor` passes over the files, as the original's `dupe_factor`
    (each pass draws different segments). `shard=(index, count)` keeps the windows whose
    number modulo `count` is `index` (one shard per input pipeline). `tokenize(documents,
    tokenizer)` turns a window into token ids (default `_tokenize_documents`).
    """
    tokenize = tokenize or _tokenize_documents
    rng = random.Random(seed)
    index, count = shard
    for dupe in range(dupe_factor):
        window_number = 0
        window = []
        documents = read_documents(files, layout)
        while True:
            window = [d for _, d in zip(range(document_window), documents)]
            if not window:
                break
            if dupe == 0 and window_number == 0:
                _warn_if_single_sentence_documents(window, files, layout)
            if window_number % count == index:
                tokenized = tokenize(window, tokenizer)
                for document_index in range(len(tokenized)):
                    yield from create_instances_from_document(
                        tokenized, document_index, seq_length, short_seq_prob, rng
                    )
            window_number += 1


def _tokenize_last_window_again():
    """`_tokenize_documents` that remembers the last window it tokenized: a corpus that fits
    in one window (a few very long lines, say) is tokenized once, not once per pass."""
    last = {}

    def tokenize(documents, tokenizer):
        key = tuple(tuple(document) for document in documents)
        if last.get("key") != key:
            last["key"], last["ids"] = key, _tokenize_documents(documents, tokenizer)
        return last["ids"]

    return tokenize


def _warn_if_single_sentence_documents(documents, files, layout):
    """Warns when most documents have one sentence: their NSP pairs are all random ones (as in
    google-research/bert), so NSP sees mostly random pairs; in real text in either layout few
    documents are that short, so this usually means the layout is wrong (WikiText read as
    `sentences`: 1,598 of its 2,480 documents are one paragraph line)."""
    single = sum(len(d) == 1 for d in documents)
    if len(documents) >= 2 and single > len(documents) / 2:
        other = "paragraphs" if layout == "sentences" else "sentences"
        warnings.warn(
            f"{single} of the first {len(documents)} documents in {', '.join(files)} have a single "
            f"sentence under the {layout!r} text layout, so next-sentence prediction sees mostly "
            f"random pairs; check the layout (--text-layout {other}).",
            stacklevel=3,
        )


def pack_instance(tokens_a, tokens_b, is_random_next, seq_length, cls_id, sep_id, pad_id=0):
    """`[CLS] a [SEP] b [SEP]` padded to `seq_length`: the instance features as numpy int32."""
    ids = [cls_id] + tokens_a + [sep_id] + tokens_b + [sep_id]
    segments = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
    padding = seq_length - len(ids)
    return {
        "input_ids": np.array(ids + [pad_id] * padding, np.int32),
        "input_mask": np.array([1] * len(ids) + [0] * padding, np.int32),
        "segment_ids": np.array(segments + [0] * padding, np.int32),
        "next_sentence_labels": np.array([int(is_random_next)], np.int32),
    }


def feature_spec(seq_length, max_predictions_per_seq):
    """The original `run_pretraining.py` TFRecord spec."""
    return {
        "input_ids": tf.io.FixedLenFeature([seq_length], tf.int64),
        "input_mask": tf.io.FixedLenFeature([seq_length], tf.int64),
        "segment_ids": tf.io.FixedLenFeature([seq_length], tf.int64),
        "masked_lm_positions": tf.io.FixedLenFeature([max_predictions_per_seq], tf.int64),
        "masked_lm_ids": tf.io.FixedLenFeature([max_predictions_per_seq], tf.int64),
        "masked_lm_weights": tf.io.FixedLenFeature([max_predictions_per_seq], tf.float32),
        "next_sentence_labels": tf.io.FixedLenFeature([1], tf.int64),
    }


def _masking_settings(tokenizer, max_predictions_per_seq, mask_rate, whole_word_masking):
    return dict(
        vocab_size=tokenizer.vocab_size,
        mask_id=tokenizer.mask_id,
        special_ids=tokenizer.special_ids,
        max_predictions_per_seq=max_predictions_per_seq,
        mask_rate=mask_rate,
        word_starts=tokenizer.word_starts if whole_word_masking else None,
    )


def _mask(features, seed, masking):
    """Masks a batch of packed instances (`input_ids` unmasked) with a stateless seed.

    `masking["word_starts"]`, when set, maps the ids to their word starts (whole-word masking:
    the pieces of a word, `##` continuations, are masked together, as google-research/bert's
    `--do_whole_word_mask`).
    """
    masking = dict(masking)
    word_starts = masking.pop("word_starts")
    if word_starts is not None:
        masking["word_starts"] = word_starts(features["input_ids"])
    masked = mask_for_mlm(features["input_ids"], seed=seed, **masking)
    features = dict(features)
    features["input_ids"] = masked["input_word_ids"]
    for name in MASK_FEATURES:
        features[name] = masked[name]
    return features


def _int64_feature(values):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(v) for v in values]))


def _float_feature(values):
    return tf.train.Feature(float_list=tf.train.FloatList(value=[float(v) for v in values]))


def write_pretraining_tfrecords(
    input_files,
    output_dir,
    tokenizer,
    seq_length=128,
    max_predictions_per_seq=20,
    mask_rate=0.15,
    whole_word_masking=False,
    short_seq_prob=0.1,
    num_shards=1,
    layout="sentences",
    document_window=1000,
    dupe_factor=1,
    seed=12345,
    batch_size=256,
):
    """Writes `OUTPUT_DIR/pretraining-SSSSS-of-NNNNN.tfrecord` shards (round robin).

    The shards are written whole or not at all (`keras_bert.atomic`): under temporary names,
    renamed once every instance is written, so a run that fails (a full disk, a bad byte in
    the text) leaves no shard a later `pretrain` would train on.

    Returns the list of files and the number of instances written.
    """
    if num_shards < 1 or document_window < 1:
        raise ValueError(
            f"num_shards={num_shards} and document_window={document_window} must be at least 1."
        )
    paths = [
        os.path.join(output_dir, f"pretraining-{i:05d}-of-{num_shards:05d}.tfrecord")
        for i in range(num_shards)
    ]
    others = sorted(set(glob.glob(os.path.join(output_dir, "pretraining-*.tfrecord"))) - set(paths))
    if others:
        raise ValueError(
            f"{output_dir} holds shards of another run ({os.path.basename(others[0])}, ...), "
            "which a glob of this folder would mix in; write to a new --output-dir."
        )
    os.makedirs(output_dir, exist_ok=True)
    remove_partial_files(output_dir)
    with contextlib.ExitStack() as stack:
        writers = [
            stack.enter_context(tf.io.TFRecordWriter(stack.enter_context(atomic_path(path))))
            for path in paths
        ]
        count = _write_instances(
            writers,
            input_files,
            tokenizer,
            seq_length,
            max_predictions_per_seq,
            mask_rate,
            whole_word_masking,
            short_seq_prob,
            layout,
            document_window,
            dupe_factor,
            seed,
            batch_size,
        )
        if count == 0:
            raise ValueError(_no_instances(input_files))
    return paths, count


def _write_instances(
    writers,
    input_files,
    tokenizer,
    seq_length,
    max_predictions_per_seq,
    mask_rate,
    whole_word_masking,
    short_seq_prob,
    layout,
    document_window,
    dupe_factor,
    seed,
    batch_size,
):
    """Writes the instances round robin to `writers`; returns how many."""
    num_shards = len(writers)
    masking = _masking_settings(tokenizer, max_predictions_per_seq, mask_rate, whole_word_masking)
    instances = generate_instances(
        input_files,
        tokenizer,
        seq_length,
        short_seq_prob,
        layout,
        document_window,
        dupe_factor,
        seed,
    )
    count = 0
    batch_number = 0
    batch = []

    def flush(batch, batch_number, count):
        features = {
            name: tf.constant(np.stack([instance[name] for instance in batch]))
            for name in INSTANCE_FEATURES
        }
        features = _mask(features, tf.constant([seed, batch_number]), masking)
        features = {k: v.numpy() for k, v in features.items()}
        for row in range(len(batch)):
            example = tf.train.Example(
                features=tf.train.Features(
                    feature={
                        name: (_float_feature if name == "masked_lm_weights" else _int64_feature)(
                            features[name][row]
                        )
                        for name in features
                    }
                )
            )
            writers[(count + row) % num_shards].write(example.SerializeToString())
        return count + len(batch)

    for tokens_a, tokens_b, is_random_next in instances:
        batch.append(
            pack_instance(
                tokens_a,
                tokens_b,
                is_random_next,
                seq_length,
                tokenizer.cls_id,
                tokenizer.sep_id,
                tokenizer.pad_id,
            )
        )
        if len(batch) == batch_size:
            count = flush(batch, batch_number, count)
            batch_number += 1
            batch = []
    if batch:
        count = flush(batch, batch_number, count)
    return count


def _no_instances(files):
    return (
        f"{', '.join(files)} gave no pretraining instance: they hold no text (or no document "
        "for this input pipeline's share); check the files and --text-layout."
    )


def _cast_int32(features):
    """int64 features (as TFRecords store them) -> int32; the weights stay float32."""
    return {
        k: tf.cast(v, tf.float32 if k == "masked_lm_weights" else tf.int32)
        for k, v in features.items()
    }


def _restore_masked_ids(features):
    """Puts the original ids back at the masked positions (undoes the static masking)."""
    ids = features["input_ids"]
    positions = features["masked_lm_positions"]
    real = features["masked_lm_weights"] > 0
    batch_index = tf.broadcast_to(tf.range(tf.shape(ids)[0])[:, None], tf.shape(positions))
    indices = tf.stack([tf.boolean_mask(batch_index, real), tf.boolean_mask(positions, real)], -1)
    features = dict(features)
    features["input_ids"] = tf.tensor_scatter_nd_update(
        ids, indices, tf.boolean_mask(features["masked_lm_ids"], real)
    )
    return features


def _finish(dataset, batch_size, skip_batches, seed, prepare):
    """Batches, numbers the batches, skips, prepares each batch with its own stateless seed
    (`prepare(batch, seed)`: parsing, masking), splits, prefetches."""
    dataset = dataset.batch(batch_size, drop_remainder=True).enumerate().skip(skip_batches)
    dataset = dataset.map(
        lambda i, batch: _to_model_features(prepare(batch, tf.stack([tf.cast(seed, tf.int64), i]))),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


def _to_model_features(features):
    return split_pretraining_features(_cast_int32(features))


def _check_first_record(files, seq_length, max_predictions_per_seq, vocab_size=None):
    """The first record of `files` against the flags, so a mismatch gets one line naming the
    flag instead of a parse error deep in the pipeline (the files may come from
    google-research/bert's `create_pretraining_data.py`, which writes no metadata)."""
    try:
        record = next(iter(tf.data.TFRecordDataset(files).take(1)), None)
    except tf.errors.DataLossError:
        raise ValueError(
            f"{', '.join(files)} are not TFRecord files; for text pass --input-format text."
        ) from None
    if record is None:
        raise ValueError(
            f"{', '.join(files)} hold no records; write them with make-pretraining-data."
        )
    features = tf.train.Example.FromString(record.numpy()).features.feature
    if "input_ids" not in features or "masked_lm_positions" not in features:
        raise ValueError(
            f"{files[0]} holds no pretraining records (no input_ids / masked_lm_positions); "
            "write them with make-pretraining-data."
        )
    ids = features["input_ids"].int64_list.value
    predictions = len(features["masked_lm_positions"].int64_list.value)
    for flag, wanted, held in (
        ("--seq-length", seq_length, len(ids)),
        ("--max-predictions-per-seq", max_predictions_per_seq, predictions),
    ):
        if wanted != held:
            raise ValueError(
                f"{files[0]} was written with {flag} {held}, not {wanted}; pass {flag} {held} "
                "(or write the records again)."
            )
    if vocab_size is not None and max(ids) >= vocab_size:
        raise ValueError(
            f"{files[0]} holds token id {max(ids)} but the vocabulary has {vocab_size} tokens; "
            "pass the vocab.txt the records were written with."
        )


def tfrecord_dataset(
    file_patterns,
    batch_size,
    seq_length,
    max_predictions_per_seq,
    tokenizer=None,
    dynamic_masking=True,
    mask_rate=0.15,
    whole_word_masking=False,
    input_context=None,
    skip_batches=0,
    shuffle_buffer=10000,
    seed=0,
):
    """`(inputs, labels)` batches for `BertPretrainer` from pretraining TFRecords, forever.

    Shards the files by input pipeline (`input_context`), shuffles the file order, interleaves
    the shards, shuffles the records, batches them with a fixed shape, skips `skip_batches`
    batches, parses each batch, masks it again when `dynamic_masking` (needs `tokenizer` for
    the special ids) and prefetches. Deterministic for a given seed.
    """
    files = expand_files(file_patterns)
    _check_first_record(
        files, seq_length, max_predictions_per_seq, tokenizer.vocab_size if tokenizer else None
    )
    dataset = tf.data.Dataset.from_tensor_slices(files)
    if input_context is not None and input_context.num_input_pipelines > 1:
        if len(files) < input_context.num_input_pipelines:
            raise ValueError(
                f"{len(files)} TFRecord files cannot be shared by "
                f"{input_context.num_input_pipelines} workers; write at least one shard per "
                "worker (make-pretraining-data --num-shards)."
            )
        dataset = dataset.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
    dataset = dataset.shuffle(len(files), seed=seed).repeat()
    dataset = dataset.interleave(
        tf.data.TFRecordDataset,
        cycle_length=min(len(files), 8),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    spec = feature_spec(seq_length, max_predictions_per_seq)
    masking = None
    if dynamic_masking:
        if tokenizer is None:
            raise ValueError("Dynamic masking needs the tokenizer (for the special token ids).")
        masking = _masking_settings(
            tokenizer, max_predictions_per_seq, mask_rate, whole_word_masking
        )

    def prepare(records, batch_seed):
        # One `parse_example` per batch of serialized records, not one `parse_single_example`
        # per record: the same features at a third of the CPU time (4.5 -> 1.6 ms a batch of
        # 32 at seq 128, BENCHMARKS.md), which the 2-core training step shares.
        features = tf.io.parse_example(records, spec)
        if masking is None:
            return features
        return _mask(_restore_masked_ids(_cast_int32(features)), batch_seed, masking)

    return _finish(dataset, batch_size, skip_batches, seed, prepare)


def text_dataset(
    files,
    tokenizer,
    batch_size,
    seq_length,
    max_predictions_per_seq,
    mask_rate=0.15,
    whole_word_masking=False,
    short_seq_prob=0.1,
    layout="sentences",
    document_window=1000,
    input_context=None,
    skip_batches=0,
    shuffle_buffer=1000,
    seed=0,
):
    """`(inputs, labels)` batches straight from text files, with dynamic masking, forever.

    Instances come from `generate_instances` (a Python generator: fine for CPUs, GPUs and
    several workers; TPU pods need TFRecords, whose pipeline runs as graph ops on the hosts).
    Windows of documents are sharded over the input pipelines.

    The instances are shuffled in a buffer that grows with the stream (half of the instances
    made so far, up to `shuffle_buffer`), so the first batch does not wait for a full buffer:
    a corpus of very long lines gives one instance per line and pass (google-research/bert's
    algorithm), which could take hours to fill 1,000. A corpus that fits in one window of
    documents is tokenized once, not on every pass. While fewer than `shuffle_buffer`
    instances come in `REPORT_SECONDS`, a line on stderr says how many were made.
    """
    files = expand_files(files)
    shard = (0, 1)
    if input_context is not None:
        shard = (input_context.input_pipeline_id, input_context.num_input_pipelines)
    first = generate_instances(
        files, tokenizer, seq_length, short_seq_prob, layout, document_window, 1, seed, shard
    )
    if next(first, None) is None:  # the generator below would look for one forever
        raise ValueError(_no_instances(files))

    def instances():
        epoch = 0
        tokenize = _tokenize_last_window_again()
        while True:
            yield from generate_instances(
                files,
                tokenizer,
                seq_length,
                short_seq_prob,
                layout,
                document_window,
                1,
                seed + epoch,
                shard,
                tokenize,
            )
            epoch += 1

    def packed():
        rng = random.Random(seed)
        buffer, made = [], 0
        began = reported = time.monotonic()
        made_at_report = 0
        for instance in instances():
            buffer.append(instance)
            made += 1
            while len(buffer) > min(shuffle_buffer, made // 2):
                i = rng.randrange(len(buffer))
                buffer[i], buffer[-1] = buffer[-1], buffer[i]
                yield pack_instance(
                    *buffer.pop(), seq_length, tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id
                )
            now = time.monotonic()
            if now - reported >= REPORT_SECONDS:
                if made - made_at_report < shuffle_buffer:
                    print(
                        f"text input: {made} pretraining instances made in {now - began:.0f} s "
                        f"from {', '.join(files)} (very long lines give few instances per pass "
                        "over the files; write TFRecords once with make-pretraining-data to "
                        "train at full speed)",
                        file=sys.stderr,
                        flush=True,
                    )
                reported, made_at_report = now, made

    signature = {
        name: tf.TensorSpec([1 if name == "next_sentence_labels" else seq_length], tf.int32)
        for name in INSTANCE_FEATURES
    }
    dataset = tf.data.Dataset.from_generator(packed, output_signature=signature)
    masking = _masking_settings(tokenizer, max_predictions_per_seq, mask_rate, whole_word_masking)
    return _finish(
        dataset,
        batch_size,
        skip_batches,
        seed,
        lambda batch, batch_seed: _mask(batch, batch_seed, masking),
    )
