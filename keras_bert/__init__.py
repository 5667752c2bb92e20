"""keras-bert: BERT end to end in Keras 3 / TensorFlow."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_bert.config import BertConfig  # noqa: E402
from keras_bert.models import (  # noqa: E402
    IGNORE_LABEL,
    INPUT_NAMES,
    BertClassifier,
    BertEncoder,
    BertPretrainer,
    BertSpanQA,
    BertTextEmbedder,
    BertTokenClassifier,
    split_pretraining_features,
)
from keras_bert.optimization import bert_optimizer  # noqa: E402
from keras_bert.pretrained import from_pretrained, save_pretrained  # noqa: E402
from keras_bert.version import __version__  # noqa: E402
