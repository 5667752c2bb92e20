"""The files of a run's checkpoint folder, kept consistent across crashes, full disks and
damaged files.

`tf.train.CheckpointManager` writes `ckpt-N.index` + `ckpt-N.data-*` (through a `ckpt-N_temp`
folder for sharded saves) and lists them in the `checkpoint` state file. Here:

- `remove_leftovers` removes what a save cut short left behind (`*_temp` folders, whose
  size is that of a checkpoint, and `.partial-*` files), so a full disk does not stay full;
- `repair_state` rebuilds a missing or unreadable `checkpoint` state file from the
  checkpoints on disk, so a resume does not silently start again from step 0;
- `newest_readable` finds the newest checkpoint whose every tensor reads back (a truncated
  or emptied file does not), so a resume falls back past a damaged one;
- `fsync_checkpoint` flushes a saved checkpoint and the state file to the disk, so a power
  loss cannot tear them.
"""

import glob
import os
import re
import shutil

import tensorflow as tf

from keras_bert.atomic import fsync_directory, fsync_path, remove_partial_files

STATE_FILE = "checkpoint"
_CHECKPOINT_INDEX = re.compile(r"^(.*-(\d+))\.index$")


def remove_leftovers(directory):
    """Removes the temporary folders and files of saves cut short; returns their names."""
    leftovers = remove_partial_files(directory)
    for path in sorted(glob.glob(os.path.join(glob.escape(directory), "*_temp"))):
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
            leftovers.append(os.path.basename(path))
    return leftovers


def checkpoints_on_disk(directory):
    """The checkpoint prefixes in `directory` (those with an `.index` file), oldest first."""
    found = []
    for path in glob.glob(os.path.join(glob.escape(directory), "*.index")):
        match = _CHECKPOINT_INDEX.match(path)
        if match:
            found.append((int(match.group(2)), match.group(1)))
    return [prefix for _, prefix in sorted(found)]


def _read_state(directory):
    """The checkpoint prefixes the state file lists, or None when it is missing or unreadable."""
    try:
        state = tf.train.get_checkpoint_state(directory)
    except Exception:  # a damaged text proto; the state is rebuilt from the disk
        return None
    if state is None:
        return None
    return list(state.all_model_checkpoint_paths) or [state.model_checkpoint_path]


def write_state(directory, prefixes):
    """Writes the state file listing `prefixes` (oldest first; the last is the newest)."""
    # With their times, the manager counts them as its own (and deletes the oldest in turn).
    tf.compat.v1.train.update_checkpoint_state(
        directory,
        prefixes[-1],
        all_model_checkpoint_paths=prefixes,
        all_model_checkpoint_timestamps=[os.path.getmtime(p + ".index") for p in prefixes],
    )
    fsync_path(os.path.join(directory, STATE_FILE))
    fsync_directory(directory)


def repair_state(directory):
    """Rebuilds the state file from the checkpoints on disk when it is missing or unreadable
    (or lists none of them); returns a line saying so, or None when nothing was wrong."""
    on_disk = checkpoints_on_disk(directory)
    if not on_disk:
        return None
    listed = _read_state(directory)
    if listed and any(os.path.isfile(p + ".index") for p in listed):
        return None
    what = (
        "is missing"
        if not os.path.exists(os.path.join(directory, STATE_FILE))
        else ("is unreadable" if listed is None else "lists none of them")
    )
    write_state(directory, on_disk)
    return (
        f"{os.path.join(directory, STATE_FILE)} {what}; rebuilt it from the {len(on_disk)} "
        f"checkpoints on disk (newest {os.path.basename(on_disk[-1])})"
    )


def unreadable_reason(prefix):
    """None when every tensor of the checkpoint reads back, else why not (one line)."""
    try:
        reader = tf.train.load_checkpoint(prefix)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    except Exception as error:  # TF raises DataLossError, NotFoundError, ... or IndexError
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        return lines[0] if lines else type(error).__name__
    return None


def newest_readable(directory, prefixes):
    """`(prefix, skipped)`: the newest of `prefixes` that reads back, and the newer ones that
    do not, as `(prefix, reason)`; prefix is None when none reads back."""
    skipped = []
    for prefix in sorted(prefixes, key=_number, reverse=True):
        reason = unreadable_reason(prefix)
        if reason is None:
            return prefix, skipped
        skipped.append((prefix, reason))
    return None, skipped


def _number(prefix):
    return int(prefix.rsplit("-", 1)[1])


def remove_checkpoint(prefix):
    """Deletes a checkpoint's files."""
    for path in glob.glob(glob.escape(prefix) + ".*"):
        os.remove(path)


def fsync_checkpoint(prefix):
    """Flushes a saved checkpoint's files, the state file and the folder to the disk."""
    directory = os.path.dirname(prefix)
    for path in glob.glob(glob.escape(prefix) + ".*"):
        fsync_path(path)
    if os.path.exists(os.path.join(directory, STATE_FILE)):
        fsync_path(os.path.join(directory, STATE_FILE))
    fsync_directory(directory)
