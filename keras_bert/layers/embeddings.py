"""`BertEmbeddings`: word + learned absolute position + segment (type) embeddings."""

import keras
from keras import ops

from keras_bert.layers.dropout import BertDropout


@keras.saving.register_keras_serializable(package="keras_bert")
class BertEmbeddings(keras.layers.Layer):
    """Sums word, position and type embeddings, then LayerNorm and dropout.

    Call with `input_word_ids` and `input_type_ids`, int `[batch, seq_len]`; returns
    `[batch, seq_len, hidden_size]`. Positions are `0 .. seq_len - 1`.

    Args:
        vocab_size, hidden_size, max_position_embeddings, type_vocab_size: the table sizes.
        initializer_range: stddev of the truncated-normal initializer.
        layer_norm_eps: LayerNorm epsilon (1e-12 in BERT).
        dropout: the dropout rate after LayerNorm.

    Examples:

    ```python
    embeddings = BertEmbeddings(vocab_size=100, hidden_size=32, max_position_embeddings=64)
    input_word_ids = np.array([[2, 17, 42, 3, 0]], "int32")
    embeddings(input_word_ids, np.zeros_like(input_word_ids)).shape  # (1, 5, 32)
    embeddings.embedding_matrix.shape  # (100, 32), what MaskedLMHead is tied to
    ```
    """

    def __init__(
        self,
        vocab_size,
        hidden_size,
        max_position_embeddings=512,
        type_vocab_size=2,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        dropout=0.1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.dropout_rate = dropout
        initializer = keras.initializers.TruncatedNormal(stddev=initializer_range)
        self.word_embeddings = keras.layers.Embedding(
            vocab_size,
            hidden_size,
            embeddings_initializer=initializer,
            dtype=self.dtype_policy,
            name="word_embeddings",
        )
        self.type_embeddings = keras.layers.Embedding(
            type_vocab_size,
            hidden_size,
            embeddings_initializer=initializer,
            dtype=self.dtype_policy,
            name="token_type_embeddings",
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, dtype="float32", name="layer_norm"
        )
        self.dropout = BertDropout(dropout, dtype=self.dtype_policy, name="dropout")

    def build(self, input_word_ids_shape=None, input_type_ids_shape=None):
        self.word_embeddings.build()
        self.type_embeddings.build()
        self.position_embeddings = self.add_weight(
            name="position_embeddings",
            shape=(self.max_position_embeddings, self.hidden_size),
            initializer=keras.initializers.TruncatedNormal(stddev=self.initializer_range),
        )
        self.layer_norm.build((None, None, self.hidden_size))
        self.built = True

    @property
    def embedding_matrix(self):
        """The word-embedding table `[vocab_size, hidden_size]` the MLM head is tied to."""
        return self.word_embeddings.embeddings

    def call(self, input_word_ids, input_type_ids, training=None):
        seq_len = ops.shape(input_word_ids)[1]
        if isinstance(seq_len, int) and seq_len > self.max_position_embeddings:
            raise ValueError(
                f"Inputs of {seq_len} tokens exceed the {self.max_position_embeddings} positions "
                f"of this model; pack them to at most {self.max_position_embeddings} tokens "
                "(seq_length)."
            )
        positions = ops.cast(self.position_embeddings[:seq_len], self.compute_dtype)
        x = self.word_embeddings(input_word_ids) + self.type_embeddings(input_type_ids) + positions
        x = self.layer_norm(x)
        return self.dropout(ops.cast(x, self.compute_dtype), training=training)

    def compute_output_shape(self, input_word_ids_shape, input_type_ids_shape=None):
        return tuple(input_word_ids_shape) + (self.hidden_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab_size=self.vocab_size,
            hidden_size=self.hidden_size,
            max_position_embeddings=self.max_position_embeddings,
            type_vocab_size=self.type_vocab_size,
            initializer_range=self.initializer_range,
            layer_norm_eps=self.layer_norm_eps,
            dropout=self.dropout_rate,
        )
        return config
