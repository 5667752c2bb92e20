"""BERT pretraining: masked LM plus next sentence prediction.

The model is a `BertPretrainer`; its loss BERT's (`BertPretrainer.pretraining_losses`), with
the masked-LM and next-sentence losses and accuracies on the progress line; its data the
pretraining pipeline of `keras-bert pretrain` (`keras_bert.training.data.pretraining`). An
export serves the encoder's outputs (`serving_default`, as the `encoder` task) and an `mlm`
signature: texts and `masked_lm_positions` `[batch, p]` (positions in the packed sequence to
replace by `[MASK]`; p fixed at export, the folder's `max_predictions_per_seq`) ->
`mlm_logits` `[batch, p, vocab]` and `predicted_tokens` `[batch, p]`.
"""

import tensorflow as tf
from keras import ops

from keras_bert.models.pretrainer import BertPretrainer, masked_lm_hits
from keras_bert.tasks.encoder import Encoder
from keras_bert.tasks.serving_graph import predict
from keras_bert.text.packing import trim_to_longest


class Pretraining(Encoder):
    """Masked LM and next sentence prediction; serves as the encoder, plus `mlm`.

    Examples:

    ```python
    task = keras_bert.tasks.get("pretraining")
    pretrainer = task.build(encoder)
    loss, progress = task.loss(pretrainer, inputs, labels)  # progress: mlm_loss, nsp_accuracy, ...
    ```
    """

    name = "pretraining"
    model_class = BertPretrainer
    # Google's names of the heads' weights (`cls/...`), in the order written.
    head_keys = (
        "cls/predictions/transform/dense/kernel",
        "cls/predictions/transform/dense/bias",
        "cls/predictions/transform/LayerNorm/gamma",
        "cls/predictions/transform/LayerNorm/beta",
        "cls/predictions/output_bias",
        "cls/seq_relationship/output_weights",
        "cls/seq_relationship/output_bias",
    )
    huggingface_architecture = "BertForPreTraining"
    progress_metrics = ("mlm_loss", "nsp_loss", "mlm_accuracy", "nsp_accuracy")

    def build(self, encoder, num_labels=None, label_names=None, dropout=0.1, **settings):
        return BertPretrainer(encoder)

    def loss(self, model, inputs, labels):
        outputs = model(inputs, training=True)
        mlm_loss, nsp_loss = model.pretraining_losses(labels, outputs)
        weights = ops.cast(labels["masked_lm_weights"], "float32")
        mlm_hits = masked_lm_hits(outputs["mlm_logits"], labels["masked_lm_ids"])
        nsp_labels = ops.reshape(ops.cast(labels["next_sentence_labels"], "int32"), (-1,))
        nsp_hits = ops.cast(ops.argmax(outputs["nsp_logits"], axis=-1) == nsp_labels, "float32")
        return mlm_loss + nsp_loss, {
            "mlm_loss": mlm_loss,
            "nsp_loss": nsp_loss,
            "mlm_accuracy": ops.sum(mlm_hits * weights) / (ops.sum(weights) + 1e-5),
            "nsp_accuracy": ops.mean(nsp_hits),
        }

    def folder_metadata(self, options):
        # The export's `mlm` signature takes as many masked positions as pretraining masked.
        return {"max_predictions_per_seq": options.max_predictions_per_seq}

    def extra_endpoints(self, model, encode, text_spec, vocab, mask_id, max_predictions):
        @tf.function(
            input_signature=text_spec
            + [tf.TensorSpec([None, max_predictions], tf.int32, name="masked_lm_positions")]
        )
        def mlm(*args):
            *texts, positions = args
            inputs, _ = encode(texts)
            seq_length = inputs["input_word_ids"].shape[1]
            chosen = tf.reduce_any(
                tf.one_hot(positions, seq_length, on_value=True, off_value=False, dtype=tf.bool),
                axis=1,
            )
            inputs["input_word_ids"] = tf.where(chosen, mask_id, inputs["input_word_ids"])
            inputs = trim_to_longest(
                inputs, inputs["input_mask"], min_length=tf.reduce_max(positions) + 1
            )
            logits = predict(model, {**inputs, "masked_lm_positions": positions})["mlm_logits"]
            predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
            return {"mlm_logits": logits, "predicted_tokens": tf.gather(vocab, predicted)}

        return {"mlm": mlm}


PRETRAINING = Pretraining()
TASKS = (PRETRAINING,)
