"""Load a Hugging Face BERT folder, check it against its own numbers, save it for Google's code.

    python examples/load_huggingface.py [FOLDER_OR_HUB_ID]   (default: the tiny test fixture)

FOLDER holds config.json, model.safetensors and vocab.txt, as `save_pretrained` in
transformers writes them; a Hub id (google-bert/bert-base-uncased) is fetched into the Hugging
Face cache first, and read from there offline.
"""

import os
import sys

import numpy as np
import tensorflow as tf

import keras_bert
from keras_bert.text import BertPreprocessor, BertTokenizer

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "hf_tiny_bert")


def main(folder_or_hub_id):
    folder = keras_bert.names.resolve(folder_or_hub_id)  # a Hub id: its snapshot in the cache
    pretrainer = keras_bert.from_pretrained(folder, task="pretraining")
    print(
        f"loaded {pretrainer.encoder.count_params():,} encoder parameters, "
        f"hidden_act={pretrainer.encoder.config.hidden_act}"
    )
    tokenizer = BertTokenizer.from_pretrained(folder)
    preprocessor = BertPreprocessor(tokenizer, seq_length=16)
    outputs = pretrainer.encoder(preprocessor(tf.constant(["hello world", "a second text"])))
    print("pooled_output:", np.round(np.asarray(outputs["pooled_output"])[:, :4], 4))
    expected = os.path.join(folder, "expected.npz")
    if os.path.exists(expected):
        # The fixture carries transformers' own outputs on its inputs: compare.
        ref = np.load(expected)
        ours = pretrainer.encoder({k: ref[k] for k in keras_bert.INPUT_NAMES})
        diff = np.abs(np.asarray(ours["sequence_output"]) - ref["sequence_output"]).max()
        print(f"max |keras-bert - transformers| sequence_output: {diff:.2e}")
    keras_bert.save_pretrained(
        pretrainer,
        "converted_hf",
        format="huggingface",
        vocab_file=os.path.join(folder, "vocab.txt"),
    )
    print("wrote converted_hf/ (transformers can load it with BertForPreTraining)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else FIXTURE)
