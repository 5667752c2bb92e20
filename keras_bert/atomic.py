"""Files that are whole or absent: written under a temporary name, made durable, renamed.

Every file the command line writes (vocabularies, TFRecords, model folders, run metadata)
goes through `atomic_path`: the writer fills `FOLDER/.partial-NAME`, which is flushed to disk
(`fsync`) and renamed to `FOLDER/NAME` only once complete; the folder's entry is flushed too,
so neither a crash nor a power loss leaves a torn file under the final name. A write that
fails (disk full, a bad input byte) removes its temporary file; one cut short by a kill or a
power loss leaves it behind, and `remove_partial_files(FOLDER)`, which the commands run
before they write into a folder, removes it at the next start.

Examples:

    with atomic_open("out/vocab.txt") as f:
        f.write("[PAD]\\n")

    with atomic_path("out/model.keras") as tmp:  # the name keeps its extension
        model.save(tmp)
"""

import contextlib
import errno
import glob
import os
import shutil

PARTIAL_PREFIX = ".partial-"


def partial_name(path):
    """The temporary name `atomic_path` writes `path` under (same folder, same extension)."""
    folder, name = os.path.split(path)
    return os.path.join(folder, PARTIAL_PREFIX + name)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)


def _fsync(path):
    flags = os.O_RDONLY
    if os.path.isdir(path):
        flags |= getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # a folder cannot be opened on some systems (Windows): nothing to flush
        return
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno != errno.EINVAL:  # a file system that does not sync folders
            raise
    finally:
        os.close(fd)


def fsync_directory(folder):
    """Flushes a folder's entries (the names in it, not its files' data) to the disk."""
    _fsync(folder)


def fsync_path(path):
    """Flushes a file, or every file and folder of a folder tree, to the disk."""
    if os.path.isdir(path):
        for root, folders, files in os.walk(path):
            for name in files:
                _fsync(os.path.join(root, name))
            for name in folders:
                _fsync(os.path.join(root, name))
    _fsync(path)


@contextlib.contextmanager
def atomic_path(path):
    """Yields the temporary path to write `path` under (a file or a folder); when the block
    ends without an error, flushes it to disk and renames it to `path` (replacing what was
    there); when it raises, removes it."""
    tmp = partial_name(path)
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    _remove(tmp)
    try:
        yield tmp
        fsync_path(tmp)
        if os.path.isdir(tmp) and os.path.isdir(path):
            _remove(path)
        os.replace(tmp, path)
        fsync_directory(folder)
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path, mode="w", encoding="utf-8"):
    """`open(path, mode)` whose file appears under `path` only once written whole."""
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=None if "b" in mode else encoding) as f:
            yield f


def atomic_copy(source, path):
    """Copies the file `source` to `path`, whole or not at all."""
    with atomic_path(path) as tmp:
        shutil.copyfile(source, tmp)


def remove_partial_files(folder):
    """Removes what writes cut short left in `folder` (`.partial-*`); returns their names."""
    leftovers = sorted(glob.glob(os.path.join(glob.escape(folder), PARTIAL_PREFIX + "*")))
    for path in leftovers:
        _remove(path)
    return [os.path.basename(p) for p in leftovers]
