"""Checkpoint formats: Google's TF1 `bert_model.ckpt`, Hugging Face safetensors, keras-hub.

`keras_bert.from_pretrained` / `keras_bert.save_pretrained` are the entry points; these
modules hold each format's names and layouts over the strict matching in `mapping`.
"""

from keras_bert.checkpoints.google import (
    check_google_checkpoint,
    load_google_checkpoint,
    save_google_checkpoint,
)
from keras_bert.checkpoints.huggingface import (
    load_huggingface_checkpoint,
    save_huggingface_folder,
)
from keras_bert.checkpoints.keras_hub import from_keras_hub, to_keras_hub
