from keras_bert.models.classifier import BertClassifier
from keras_bert.models.encoder import INPUT_NAMES, BertEncoder
from keras_bert.models.pretrainer import BertPretrainer, split_pretraining_features
from keras_bert.models.span_qa import BertSpanQA
from keras_bert.models.text_embedder import BertTextEmbedder
from keras_bert.models.text_model import TextModel
from keras_bert.models.token_classifier import IGNORE_LABEL, BertTokenClassifier
