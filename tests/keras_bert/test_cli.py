import os
import subprocess
import sys

from keras_bert import __version__, cli


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "keras_bert.cli", *args], capture_output=True, text=True, timeout=300
    )


def _error_lines(*args):
    """The `keras-bert ...` lines a failing command writes to stderr."""
    result = _run(*args)
    assert result.returncode != 0
    return [line for line in result.stderr.splitlines() if line.startswith("keras-bert")]


def test_version_and_help(capsys):
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"keras-bert {__version__}"
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_bad_flag_is_one_line_with_a_hint():
    result = _run("demo", "--no-such-flag")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "keras-bert" in line]
    assert lines == [
        "keras-bert demo: error: unrecognized arguments: --no-such-flag "
        "(see 'keras-bert demo --help')"
    ]


def test_unknown_command():
    result = _run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr


def test_whole_word_masking_with_static_masking_is_refused(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n")
    assert _error_lines(
        "pretrain",
        "--train-files",
        str(tmp_path / "x.tfrecord"),
        "--input-format",
        "tfrecord",
        "--random-init-size",
        "bert_tiny",
        "--vocab",
        str(vocab),
        "--max-steps",
        "1",
        "--out",
        str(tmp_path / "out"),
        "--static-masking",
        "--whole-word-masking",
    ) == [
        "keras-bert pretrain: error: --whole-word-masking chooses the dynamic masking; with "
        "--static-masking the records' masking is used, so pass --whole-word-masking to "
        "make-pretraining-data."
    ]


def test_group_by_length_with_fixed_length_is_refused(tmp_path):
    assert _error_lines(
        "finetune",
        "--task",
        "classification",
        "--train-file",
        str(tmp_path / "train.tsv"),
        "--random-init-size",
        "bert_tiny",
        "--vocab",
        str(tmp_path / "vocab.txt"),
        "--out",
        str(tmp_path / "out"),
        "--fixed-length",
        "--group-by-length",
    ) == [
        "keras-bert finetune: error: --group-by-length groups texts to cut batches shorter, and "
        "batches here have a fixed length (--fixed-length, or a TPU); drop one of them."
    ]


def test_make_pretraining_data_warns_when_the_text_layout_looks_wrong(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text(
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n.\n" + "".join(f"{c}\n" for c in "abcdef")
    )
    corpus = tmp_path / "wiki.txt"  # one paragraph per line, blank lines between: WikiText
    corpus.write_text("".join(f" = {c} = \n\n {c} b . c d . e f .\n\n" for c in "abcdef"))
    warning = (
        "have a single sentence under the 'sentences' text layout, so next-sentence prediction "
        "sees mostly random pairs; check the layout (--text-layout paragraphs)."
    )
    for layout, warned in (("sentences", True), ("paragraphs", False)):
        result = _run(
            "make-pretraining-data",
            "--input",
            str(corpus),
            "--vocab",
            str(vocab),
            "--output-dir",
            str(tmp_path / layout),
            "--seq-length",
            "16",
            "--text-layout",
            layout,
        )
        assert result.returncode == 0, result.stderr
        assert (warning in result.stderr) is warned
        assert result.stdout.startswith("wrote ")


_ALLOCATOR_PROBE = """
from keras_bert import cli
try:
    cli.main(["vocab", "--help"])
except SystemExit:
    pass
import tensorflow as tf
tf.ones([4]).numpy()
# Only the BFC allocator counts this 16-byte tensor: TensorFlow's default keeps no stats
# (ValueError), or, where oneDNN is on (CPUs with AVX512_VNNI, AVX512_BF16 or AMX), serves
# small tensors from an untracked pool (peak 0).
try:
    peak = tf.config.experimental.get_memory_info("CPU:0")["peak"]
except ValueError:
    peak = 0
print("bfc" if peak > 0 else "default")
"""


def _allocator_of_a_command(**env):
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPU_ALLOCATOR_USE_BFC"}
    result = subprocess.run(
        [sys.executable, "-c", _ALLOCATOR_PROBE],
        capture_output=True,
        text=True,
        timeout=300,
        env={**environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


def test_commands_pool_cpu_memory_unless_told_otherwise():
    assert _allocator_of_a_command() == "bfc"
    assert _allocator_of_a_command(TF_CPU_ALLOCATOR_USE_BFC="false") == "default"


def test_a_tensorflow_error_is_one_line(monkeypatch, capsys):
    """A real op error from a traced function (graph traceback, node names) becomes its
    message alone."""
    import tensorflow as tf

    from keras_bert.text import vocab

    table = tf.Variable(tf.zeros([5, 2]))

    def run(args):
        tf.function(lambda ids: tf.gather(table, ids))(tf.constant([7]))

    monkeypatch.setattr(vocab, "run", run)
    assert cli.main(["vocab", "corpus.txt"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "keras-bert vocab: error: TensorFlow stopped: indices[0] = 7 is not in [0, 5) (check "
        "that the data files, the flags and the model agree)"
    )


def test_a_path_that_cannot_be_written_is_one_line(tmp_path):
    occupied = tmp_path / "a_file"
    occupied.write_text("some words to learn from .\n")
    lines = _error_lines(
        "vocab", str(occupied), "--vocab-size", "10", "-o", str(occupied / "vocab.txt")
    )
    assert lines == [f"keras-bert vocab: error: [Errno 17] File exists: '{occupied}'"]
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    assert _error_lines(
        "vocab", str(empty), "--vocab-size", "10", "-o", str(tmp_path / "v.txt")
    ) == [
        f"keras-bert vocab: error: {empty} hold no words to learn a vocabulary from; "
        "pass text files."
    ]


def test_sizes_and_rates_out_of_range_are_flag_errors(tmp_path):
    common = [
        "--train-files",
        "x",
        "--random-init-size",
        "bert_tiny",
        "--vocab",
        "v.txt",
        "--max-steps",
        "1",
        "--out",
        str(tmp_path),
    ]
    assert _error_lines("pretrain", *common, "--batch-size", "0") == [
        "keras-bert pretrain: error: argument --batch-size: 0 is not a positive integer "
        "(see 'keras-bert pretrain --help')"
    ]
    for rate in ("1.5", "0"):  # a rate of 0 would train on no prediction at all
        assert _error_lines("pretrain", *common, "--mask-rate", rate) == [
            f"keras-bert pretrain: error: argument --mask-rate: {rate} "
            "is not above 0 and at most 1 "
            "(see 'keras-bert pretrain --help')"
        ]
    assert _error_lines(
        "make-pretraining-data",
        "--input",
        "x",
        "--vocab",
        "v.txt",
        "--output-dir",
        str(tmp_path),
        "--mask-rate",
        "0",
    ) == [
        "keras-bert make-pretraining-data: error: argument --mask-rate: "
        "0 is not above 0 and at most 1 "
        "(see 'keras-bert make-pretraining-data --help')"
    ]


_HELP_PROBE = """
import sys, time
began = time.perf_counter()
from keras_bert import cli
slowest = time.perf_counter() - began
for argv in ([], *([name, "--help"] for name in cli.COMMANDS)):
    began = time.perf_counter()
    try:
        cli.main(argv)
    except SystemExit:
        pass
    slowest = max(slowest, time.perf_counter() - began)
print("SECONDS", slowest, "TENSORFLOW", "tensorflow" in sys.modules,
      "KERAS", "keras" in sys.modules)
"""


def test_help_of_every_command_answers_at_once_without_tensorflow():
    result = subprocess.run(
        [sys.executable, "-c", _HELP_PROBE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    _, seconds, _, tensorflow, _, keras = result.stdout.splitlines()[-1].split()
    assert (tensorflow, keras) == ("False", "False")
    assert float(seconds) < 1.0
    assert result.stderr == ""  # no TensorFlow log lines either
    for name in cli.COMMANDS:
        assert f"usage: keras-bert {name}" in result.stdout


def test_every_flag_with_a_default_shows_it_in_help():
    import argparse

    from keras_bert import cli_args

    for name, add_arguments in cli_args.ARGUMENTS.items():
        parser = argparse.ArgumentParser(formatter_class=cli_args.HelpFormatter)
        add_arguments(parser)
        formatter = parser._get_formatter()
        for action in parser._actions:
            if action.default in (None, False, argparse.SUPPRESS):
                continue
            shown = formatter._get_help_string(action) or ""
            assert "default" in shown, (
                f"keras-bert {name} {action.option_strings} hides its default"
            )
    assert set(cli_args.ARGUMENTS) == set(cli.COMMANDS)
    finetune = subprocess.run(
        [sys.executable, "-m", "keras_bert.cli", "finetune", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    for shown in (
        "peak learning rate (default: 5e-05)",
        "(default: 32)",
        "(default: 128)",
        "passes over the training data (default: 3.0)",
    ):
        assert shown in " ".join(finetune.split()), shown


def test_label_names_from_a_list_or_a_file(tmp_path):
    import argparse

    import pytest

    from keras_bert.cli_args import label_names

    assert label_names("neg,pos") == ["neg", "pos"]
    labels = tmp_path / "labels.txt"
    labels.write_text("\ufeffnegative\npositive\n\n", encoding="utf-8")
    assert label_names(str(labels)) == ["negative", "positive"]
    for bad in ("pos", "a,a", "a,,b"):
        with pytest.raises(argparse.ArgumentTypeError):
            label_names(bad)


def test_vocab_warns_when_the_text_gives_far_fewer_tokens_than_asked(tmp_path, monkeypatch, capsys):
    from keras_bert.text import vocab

    # The learner as it answers on a small corpus: the tokens it finds, whatever was asked.
    count = 1343
    tokens = list(vocab.SPECIAL_TOKENS) + [f"w{i}" for i in range(count - 5)]
    monkeypatch.setattr(
        vocab,
        "build_vocab",
        lambda files, size, lower_case, out_path: (
            vocab.write_vocab(tokens[:size], out_path) and tokens[:size]
        ),
    )
    corpus = tmp_path / "small.txt"
    corpus.write_text("the cat sat on the mat .\n")
    output = tmp_path / "vocab.txt"
    assert cli.main(["vocab", str(corpus), "--vocab-size", "3000", "-o", str(output)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"keras-bert vocab: warning: the text gave {count:,} tokens, far fewer than --vocab-size "
        "3,000: it has too few distinct words for that size; give more text for a larger "
        "vocabulary."
    ]
    assert captured.out.splitlines()[-1] == f"wrote {count} tokens to {output}"
    assert cli.main(["vocab", str(corpus), "--vocab-size", str(count), "-o", str(output)]) == 0
    assert capsys.readouterr().err == ""
