"""Text to BERT inputs, as TensorFlow graph ops: tokenizer, packing, masking, vocabularies."""

from keras_bert.text.masking import mask_for_mlm
from keras_bert.text.packing import pack_inputs, pack_windows, truncated_lengths
from keras_bert.text.preprocessor import BertPreprocessor
from keras_bert.text.tokenizer import BertTokenizer
from keras_bert.text.vocab import SPECIAL_TOKENS, build_vocab, load_vocab, write_vocab

__all__ = [
    "SPECIAL_TOKENS",
    "BertPreprocessor",
    "BertTokenizer",
    "build_vocab",
    "load_vocab",
    "mask_for_mlm",
    "pack_inputs",
    "pack_windows",
    "truncated_lengths",
    "write_vocab",
]
