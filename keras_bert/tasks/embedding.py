"""Sentence embeddings: one vector per text, pooled from the sequence output.

The model is a `BertTextEmbedder` (`cls`, `mean` or `max` pooling, optionally L2-normalized:
a sentence-transformers folder's `1_Pooling` and `Normalize` modules); it has no loss of its
own (train it with your objective's loss); it serves `embedding` `[batch, hidden]` and runs in
MediaPipe's TextEmbedder.
"""

from keras_bert.models.text_embedder import BertTextEmbedder
from keras_bert.tasks.serving_graph import predict_trimmed
from keras_bert.tasks.task import Task


class Embedding(Task):
    """A text's pooled, optionally normalized, embedding.

    Examples:

    ```python
    task = keras_bert.tasks.get("embedding")
    embedder = task.build(encoder, pooling="mean", normalize=True)
    ```
    """

    name = "embedding"
    num_segments = None
    model_class = BertTextEmbedder
    mediapipe_task = "text_embedder"

    def build(self, encoder, num_labels=None, label_names=None, dropout=0.1, **settings):
        return BertTextEmbedder(encoder, **settings)

    def serving_outputs(self, model, inputs, extras, vocab):
        return {"embedding": predict_trimmed(model, inputs)["embedding"]}


EMBEDDING = Embedding()
TASKS = (EMBEDDING,)
