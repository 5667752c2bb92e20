"""`keras-bert demo`: builds a tiny model and runs it (the end-to-end pipeline comes later)."""

import numpy as np

from keras_bert.config import BertConfig
from keras_bert.models import BertClassifier, BertEncoder


def add_arguments(parser):
    parser.add_argument("--preset", default="bert_tiny", choices=BertConfig.presets())
    parser.add_argument("--seq-length", type=int, default=16)


def run(args):
    config = BertConfig.from_preset(args.preset, vocab_size=1000)
    encoder = BertEncoder(config)
    classifier = BertClassifier(encoder, num_classes=2)
    rng = np.random.default_rng(0)
    inputs = {
        "input_word_ids": rng.integers(1, config.vocab_size, (2, args.seq_length), dtype="int32"),
        "input_mask": np.ones((2, args.seq_length), "int32"),
        "input_type_ids": np.zeros((2, args.seq_length), "int32"),
    }
    outputs = encoder(inputs)
    print(f"{args.preset}: {encoder.count_params():,} encoder parameters")
    for name in ("sequence_output", "pooled_output"):
        print(f"  {name}: {tuple(outputs[name].shape)}")
    print(f"  encoder_outputs: {len(outputs['encoder_outputs'])} x "
          f"{tuple(outputs['encoder_outputs'][0].shape)}")
    print(f"  classifier logits: {tuple(classifier(inputs).shape)}")
