"""`BertTextEmbedder`: one embedding vector per text (sentence embeddings)."""

import keras

from keras_bert.layers.pooling import SequencePooling
from keras_bert.models.encoder import INPUT_NAMES, encoder_inputs
from keras_bert.models.task import BertTask, check_encoder

_NO_LOSS = (
    "BertTextEmbedder has no default loss: compile it with the loss of your training objective "
    "(for example a contrastive loss on pairs of embeddings)."
)


@keras.saving.register_keras_serializable(package="keras_bert")
class BertTextEmbedder(BertTask):
    """Embeds each text as one vector: the encoder's `sequence_output` pooled, optionally
    L2-normalized (`SequencePooling`), as sentence-transformers models compute it.

    Inputs: the encoder inputs (int32 `[batch, seq_len]` `input_word_ids`, `input_mask`,
    `input_type_ids`). Output: a dict with `embedding`, float32 `[batch, hidden]`.

    `keras_bert.from_pretrained(folder, task="embedding")` builds one with a
    sentence-transformers folder's own pooling and normalization;
    `BertTextEmbedder.from_pretrained(folder, seq_length=...)` also attaches the folder's
    tokenizer, so that `predict` takes raw text.

    Args:
        encoder: a `BertEncoder`.
        pooling: "cls" (the `[CLS]` vector), "mean" or "max" (over the real tokens).
        normalize: divide each embedding by its L2 norm (dot product = cosine similarity).
        preprocessor: optional `keras_bert.text.BertPreprocessor`, saved with the model: then
            `predict` (and `fit`, `evaluate`) also take raw text (`TextModel`).

    Examples:

    >>> import numpy as np
    >>> import keras_bert
    >>> config = keras_bert.BertConfig(vocab_size=30522, hidden_size=128, num_layers=2,
    ...                                num_attention_heads=2, intermediate_size=512)
    >>> encoder = keras_bert.BertEncoder(config)
    >>> embedder = keras_bert.BertTextEmbedder(encoder, pooling="mean", normalize=True)
    >>> ids = np.array([[101, 7592, 2088, 102, 0]], "int32")
    >>> inputs = {"input_word_ids": ids, "input_mask": np.int32(ids > 0),
    ...           "input_type_ids": np.zeros_like(ids)}
    >>> embedding = embedder.predict(inputs, verbose=0)["embedding"]
    >>> embedding.shape, round(float(np.linalg.norm(embedding)), 4)
    ((1, 128), 1.0)

    From a sentence-transformers folder, on raw text:

    ```python
    embedder = BertTextEmbedder.from_pretrained(folder, seq_length=256)
    embedder.predict(["A man is playing a guitar."])["embedding"]  # [1, hidden]
    ```
    """

    # No default loss to compile with: embedders train on objectives of their own.
    compiles_when_loaded = False

    def __init__(self, encoder, pooling="mean", normalize=False, **kwargs):
        check_encoder("BertTextEmbedder", encoder)
        inputs = encoder_inputs(INPUT_NAMES)
        # float32 under any dtype policy: a mean over hundreds of tokens, and the norm, lose
        # digits in bfloat16.
        head = SequencePooling(pooling, normalize, dtype="float32", name="embedding_pooling")
        embedding = head(encoder(inputs)["sequence_output"], inputs["input_mask"])
        kwargs.setdefault("name", "bert_text_embedder")
        self._build_task(encoder, inputs, {"embedding": embedding}, **kwargs)
        self.head = head
        self.pooling = pooling
        self.normalize = bool(normalize)

    def _task_config(self):
        return {"pooling": self.pooling, "normalize": self.normalize}

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        if loss == "auto":
            raise ValueError(_NO_LOSS)
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def loss_value(self, y, y_pred, sample_weight=None):
        raise ValueError(_NO_LOSS)
