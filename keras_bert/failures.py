"""The one line the command line prints for a failure caused by the user's files or flags.

`failure_line(error)` names the actual cause: a full disk, a permission, a damaged file, a
value a flag or a file got wrong (the `ValueError`s and `FileNotFoundError`s keras-bert raises
say what and where), NaN or infinity. It returns None for anything else, which is a bug in
keras-bert and keeps its traceback. `keras-bert --debug ...` or `KERAS_BERT_DEBUG=1` shows the
traceback of every failure.

Examples:

    failure_line(OSError(errno.ENOSPC, "No space left on device", "runs/a/vocab.txt"))
    # 'the disk is full (writing runs/a/vocab.txt): ...'
"""

import errno
import os
import re
import sys

DEBUG_VARIABLE = "KERAS_BERT_DEBUG"


def debug_requested(flag=False):
    """--debug, or KERAS_BERT_DEBUG set to anything but "" or "0"."""
    return flag or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def _where(error):
    return f" ({error.filename})" if getattr(error, "filename", None) else ""


def _disk_full(where):
    return (
        f"the disk is full{where}: free some space or write elsewhere, then run the command "
        "again (nothing half-written was left under a final name)"
    )


def _os_error_line(error):
    where = _where(error)
    if error.errno == errno.ENOSPC:
        return _disk_full(where)
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied{where}: choose a folder you may write, or fix its permissions"
    if error.errno == errno.EROFS:
        return f"the file system is read-only{where}: write to another folder"
    return str(error)


def op_error_line(message):
    """The one line of a TensorFlow op error that says what went wrong, without the graph
    traceback, node and op names TensorFlow wraps around it."""
    lines = [line.strip() for line in message.splitlines()]
    skipped = ("Graph execution error", "Detected at node", "File ", "[[")
    lines = [line for line in lines if line and not line.startswith(skipped)] or [message]
    line = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", lines[-1])
    return re.sub(r"\s*(\[\[|\[Op:).*$", "", line)


def _op_error_line(error, tf):
    line = op_error_line(error.message)
    if "No space left on device" in error.message:
        return _disk_full("")
    if "Permission denied" in error.message or "Read-only file system" in error.message:
        return f"TensorFlow could not write: {line}: choose a folder you may write"
    if isinstance(error, tf.errors.DataLossError):
        return f"a file is damaged or truncated: {line}; write or download it again"
    if isinstance(error, tf.errors.ResourceExhaustedError):
        return f"out of memory: {line}; lower --batch-size or --seq-length"
    return f"TensorFlow stopped: {line} (check that the data files, the flags and the model agree)"


def failure_line(error):
    """The line for a failure the user can fix, or None for a bug (see the module docstring)."""
    if isinstance(error, KeyError):
        return str(error.args[0]) if error.args else None
    if isinstance(error, ValueError):
        return str(error)
    if isinstance(error, OSError):
        return _os_error_line(error)
    if isinstance(error, MemoryError):
        return "out of memory: lower --batch-size or --seq-length"
    tf = sys.modules.get("tensorflow")  # only a command that loaded TensorFlow gets its errors
    if tf is not None and isinstance(error, tf.errors.OpError):
        return _op_error_line(error, tf)
    return None
