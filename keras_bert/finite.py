"""Finite numbers as a contract: weights with NaN or infinity are refused by name.

A NaN or an infinity in a weight makes every output it touches NaN, and nothing downstream
says so: a classifier's argmax of NaN logits is class 0, so a broken model still "predicts"
and scores near chance. Loading (every checkpoint format), saving a model folder and
evaluating therefore check that the numbers are finite and name the first weight (or output)
that is not.

Examples:

    check_finite(np.array([1.0, np.nan]), "dense/kernel", "checkpoint runs/a")
    # NonFiniteError: checkpoint runs/a: dense/kernel holds 1 NaN or infinite value of 2 ...
"""

import numpy as np


class NonFiniteError(ValueError):
    """A weight, loss, gradient or output that is NaN or infinite."""


WEIGHTS_HINT = "these weights come from a diverged run or a damaged file, use another checkpoint"


def check_finite(value, name, source, hint=WEIGHTS_HINT):
    """Raises `NonFiniteError` naming `name` (in `source`) when `value` holds NaN or infinity;
    `hint` says what to do."""
    value = np.asarray(value)
    if not np.issubdtype(value.dtype, np.floating):
        return
    bad = int(value.size - np.count_nonzero(np.isfinite(value)))
    if bad:
        raise NonFiniteError(
            f"{source}: {name} holds {bad} NaN or infinite value{'s' if bad > 1 else ''} of "
            f"{value.size}; {hint}."
        )


def check_model_finite(model, source):
    """Checks every weight of a Keras model (see `check_finite`)."""
    import keras  # noqa: PLC0415 - numpy alone serves the checkpoint readers

    for weight in model.weights:
        check_finite(keras.ops.convert_to_numpy(weight), weight.path, source)
