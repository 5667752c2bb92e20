"""Runs SavedModel signatures in a process that imports only TensorFlow and tensorflow-text.

This is what TF Serving has: no keras-bert, no Python code of ours. `verify.py` runs this file
with `python -c` (so that nothing beside it is importable) and the arguments

    SAVED_MODEL_DIR INPUTS_PICKLE OUTPUTS_PICKLE

INPUTS_PICKLE holds {signature: [batch, ...]}, each batch {input name: numpy array};
OUTPUTS_PICKLE receives {signature: [outputs, ...]}, one {output name: numpy array} per batch,
plus the key "__modules__" with the top-level modules the process had loaded.
"""

import pickle
import sys

import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tensorflow-text ops, as TF Serving does)

saved_model_dir, inputs_file, outputs_file = sys.argv[1:4]
with open(inputs_file, "rb") as f:
    inputs = pickle.load(f)
loaded = tf.saved_model.load(saved_model_dir)
results = {}
for signature, batches in inputs.items():
    run = loaded.signatures[signature]
    results[signature] = [
        {k: v.numpy() for k, v in run(**{k: tf.constant(v) for k, v in args.items()}).items()}
        for args in batches
    ]
results["__modules__"] = sorted({name.split(".")[0] for name in sys.modules})
with open(outputs_file, "wb") as f:
    pickle.dump(results, f)
