from keras_bert.layers.activations import gelu_erf, gelu_tanh, get_activation
from keras_bert.layers.attention import BertSelfAttention
from keras_bert.layers.dropout import BertDropout
from keras_bert.layers.embeddings import BertEmbeddings
from keras_bert.layers.encoder_block import TransformerEncoderBlock
from keras_bert.layers.heads import (
    ClassificationHead,
    MaskedLMHead,
    NextSentenceHead,
    SpanHead,
)
from keras_bert.layers.pooling import SequencePooling
from keras_bert.layers.projection import HeadProjection
