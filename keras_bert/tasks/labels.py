"""Label names and ids of the classification and tagging tasks."""

import re

import numpy as np


def label_vocabulary(labels):
    """Sorted label names (numerically when all are integers)."""
    names = sorted(set(labels))
    if all(re.fullmatch(r"-?\d+", n) for n in names):
        names = sorted(names, key=int)
    return names


def label_ids(labels, label_names, source, named):
    """The class index of each label: its position in `label_names`; with `named`
    (--label-names), a label may also be that index itself ("0" for the first name)."""
    index = {name: i for i, name in enumerate(label_names)}
    if named:
        index.update({str(i): i for i in range(len(label_names)) if str(i) not in index})
    unknown = sorted(set(labels) - set(index))
    if unknown:
        known = (
            f"--label-names {','.join(label_names)} (or their indices 0-{len(label_names) - 1})"
            if named
            else f"training ({label_names})"
        )
        raise ValueError(f"{source} has labels {unknown[:10]} not seen in {known}.")
    return np.array([index[label] for label in labels], np.int32)
