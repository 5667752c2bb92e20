"""Writing an export's files: versions, immutability, verification and rollback, for every format.

Every exporter writes its artifacts through `write_verified`: an artifact that exists already
is refused, each one is verified right after it is written, and when anything fails (a write,
a verification, an interrupt) what the export wrote and the folders it created are removed
again, so that nothing unverified stays and the same command can run again.
"""

import dataclasses
import os
import shutil

from keras_bert.export import verify


@dataclasses.dataclass
class ExportResult:
    """What an export wrote and how it verified."""

    paths: list
    rows: list

    def table(self):
        return verify.format_table(self.rows)


def check_version(version):
    """The export version as a positive int (TF Serving's folder name, and the TFLite files')."""
    version = int(version)
    if version < 1:
        raise ValueError(f"version={version}; TF Serving versions are positive integers.")
    return version


def refuse_existing(paths):
    """A verified export is never overwritten: an existing path is an error."""
    for path in paths:
        if os.path.exists(path):
            raise ValueError(
                f"{path} already exists; exported versions are immutable, pass a new --version."
            )


def new_folders(paths):
    """The folders that writing `paths` will create (every one that does not exist yet),
    deepest first: what `remove_written` takes away again when they are left empty."""
    folders = set()
    for path in paths:
        path = os.path.abspath(path)
        while not os.path.exists(path):
            folders.add(path)
            path = os.path.dirname(path)
    return sorted(folders, key=len, reverse=True)


def remove_written(paths, folders):
    """Removes what a failed export wrote: `paths` (files or folders) and those of `folders`
    that are left empty, so that nothing unverified stays and the same command can run again."""
    for path in paths:
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.exists(path):  # a failed open leaves none
            os.remove(path)
    for folder in folders:
        if os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)


def write_verified(artifacts, write_and_verify, verbose=True, prepare=None):
    """Writes and verifies an export's artifacts; on any failure removes them again.

    Args:
        artifacts: dict path -> what to write there (passed on to `write_and_verify`); a path
            that exists already is refused before anything is done.
        write_and_verify: `write_and_verify(path, what)` writes one artifact (a file or a
            folder; the folder it goes in exists) and returns its `verify.compare` rows.
        verbose: print the verification table.
        prepare: called once the paths are known to be new, before anything is written: the
            checks that refuse what the target cannot run, and work the writes share.

    Returns:
        `ExportResult` with the paths, in order, and the verification rows of all of them.

    Raises:
        ValueError: an artifact exists already.
        verify.VerificationError: a row failed (`verify.check`); whatever `prepare` or
            `write_and_verify` raise. What was written and the folders created for it are
            removed first; folders that existed before are kept.
    """
    paths = list(artifacts)
    refuse_existing(paths)
    if prepare is not None:
        prepare()
    folders = sorted({os.path.dirname(os.path.abspath(path)) for path in paths})
    created = new_folders(folders)
    started, rows = [], []
    try:  # nothing is left behind unless it was verified
        for folder in folders:
            os.makedirs(folder, exist_ok=True)
        for path, what in artifacts.items():
            started.append(path)
            rows += write_and_verify(path, what)
        if verbose:
            print(verify.format_table(rows))
        verify.check(rows)
    except BaseException:
        remove_written(started, created)
        raise
    return ExportResult(paths, rows)
