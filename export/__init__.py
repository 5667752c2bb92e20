"""Deployable exports: TF Serving SavedModels and LiteRT TFLite files that take raw text.

`export_saved_model` and `export_tflite` verify what they write against the Keras model
(`keras_bert.export.verify`) and refuse graphs a target cannot run (`keras_bert.export.compat`).
"""

from keras_bert.export.saved_model import export_saved_model
from keras_bert.export.tflite import export_tflite

__all__ = ["export_saved_model", "export_tflite"]
