"""The bare encoder: a text's `sequence_output` and `pooled_output`.

No head and no fine-tuning of its own: it is what `from_pretrained` returns by default and
what a feature-extraction export serves (`sequence_output` `[batch, seq, hidden]`, zero at
padding, and `pooled_output` `[batch, hidden]`), with TF Hub's preprocess / encoder
SavedModel pair beside it and MediaPipe's TextEmbedder on `pooled_output`.
"""

from keras_bert.models.encoder import BertEncoder
from keras_bert.tasks.serving_graph import predict_trimmed
from keras_bert.tasks.task import Task
from keras_bert.text.packing import pad_to_mask


class Encoder(Task):
    """The encoder's outputs, no head.

    Examples:

    ```python
    task = keras_bert.tasks.get("encoder")
    task.build(encoder) is encoder  # True
    ```
    """

    name = "encoder"
    num_segments = None
    model_class = BertEncoder
    huggingface_architecture = "BertModel"
    mediapipe_task = "text_embedder"
    tf_hub_pair = True

    def build(self, encoder, num_labels=None, label_names=None, dropout=0.1, **settings):
        return encoder

    def serving_outputs(self, model, inputs, extras, vocab):
        encoder = model if isinstance(model, BertEncoder) else model.encoder
        outputs = predict_trimmed(encoder, inputs)
        return {
            "sequence_output": pad_to_mask(outputs["sequence_output"], inputs["input_mask"], 0.0),
            "pooled_output": outputs["pooled_output"],
        }


ENCODER = Encoder()
TASKS = (ENCODER,)
