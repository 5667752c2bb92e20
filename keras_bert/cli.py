"""The `keras-bert` command line.

Each subcommand's flags are in `keras_bert.cli_args` (which loads no TensorFlow, so every
`--help` answers at once) and its `run(args)` lives beside the code it runs, in the module the
table below names; that module is imported only when its subcommand runs, so `import
keras_bert` never loads `training/` or `export/`, and this file is the one place that points up
the layers.
"""

import argparse
import importlib
import os
import sys

from keras_bert import cli_args, failures
from keras_bert.version import __version__

# name -> (module, one-line help)
COMMANDS = {
    "demo": ("keras_bert.demo", "run the whole pipeline on the data the package ships"),
    "export": (
        "keras_bert.export.cli",
        "export a model folder as TF Serving SavedModel / TFLite / MediaPipe, verified",
    ),
    "vocab": ("keras_bert.text.vocab", "learn a WordPiece vocab.txt from text files"),
    "make-pretraining-data": (
        "keras_bert.training.make_pretraining_data",
        "raw text -> pretraining TFRecords",
    ),
    "pretrain": ("keras_bert.training.pretrain", "pretrain BERT (MLM + NSP) under any strategy"),
    "finetune": (
        "keras_bert.training.finetune",
        "fine-tune on a task (classification, tagging, SQuAD)",
    ),
}


def pool_cpu_memory():
    """Has TensorFlow keep freed CPU memory for reuse (its BFC allocator) instead of handing
    every large buffer back to the system, unless `TF_CPU_ALLOCATOR_USE_BFC` is already set.

    Where TensorFlow leaves oneDNN off (CPUs without AVX512_VNNI, AVX512_BF16 or AMX), its
    default CPU allocator takes each buffer from malloc, which maps buffers over 32 MB afresh
    and unmaps them when freed, so every training step faults in its temporaries again (the
    MLM logits alone are 78 MB at batch 32 with 20 predictions); where oneDNN is on, its own
    allocator already pools large buffers and BFC measures the same (BENCHMARKS.md,
    "Pretraining"). TensorFlow reads the variable when it creates its CPU allocator, at the first
    op, so this runs before any op.
    """
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")


class _Parser(argparse.ArgumentParser):
    """Bad flags give one line naming the problem and how to get help, exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser():
    parser = _Parser(prog="keras-bert", description="BERT end to end in Keras 3 / TensorFlow.")
    parser.add_argument("--version", action="version", version=f"keras-bert {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (_, help_text) in COMMANDS.items():
        subparsers.add_parser(name, help=help_text, description=help_text, add_help=False)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
        return 0
    name = argv[0]
    pool_cpu_memory()
    module_name, help_text = COMMANDS[name]
    sub = _Parser(
        prog=f"keras-bert {name}", description=help_text, formatter_class=cli_args.HelpFormatter
    )
    cli_args.ARGUMENTS[name](sub)
    sub.add_argument(
        "--debug",
        action="store_true",
        help=f"show the Python traceback of a failure (or set {failures.DEBUG_VARIABLE}=1)",
    )
    args = sub.parse_args(argv[1:])
    try:
        return importlib.import_module(module_name).run(args) or 0
    except Exception as e:
        line = failures.failure_line(e)
        if line is None or failures.debug_requested(args.debug):
            raise
        print(f"keras-bert {name}: error: {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
