"""Writes the TF Hub pair of an encoder as `keras-bert export` does, without its verification:
the stand-in export that tests/export/test_tf_hub.py and the examples of docs/tf_hub.md load
(the tests check it against the Keras models; `export_saved_model` verifies real exports)."""

import os

from keras_bert.export import serving


def write_pair(encoder, preprocessor, export_dir, name="bert", version=1):
    """Writes `NAME_preprocess/VERSION/` and `NAME_encoder/VERSION/` under `export_dir`.

    Returns:
        dict: `"preprocess"` and `"encoder"` -> `(path, CallableSavedModel)`.
    """
    archives = {
        "preprocess": serving.preprocess_archive(preprocessor)[0],
        "encoder": serving.encoder_archive(encoder)[0],
    }
    written = {}
    for part, archive in archives.items():
        path = os.path.join(os.fspath(export_dir), f"{name}_{part}", str(version))
        archive.write_out(path)
        written[part] = (path, archive)
    return written
