"""`BertPretrainer`: the encoder with the masked-LM and next-sentence heads."""

import keras
import tensorflow as tf
from keras import ops
from keras.src.losses.loss import scale_loss_for_distribution

from keras_bert.layers.heads import MaskedLMHead, NextSentenceHead
from keras_bert.models.encoder import INPUT_NAMES, encoder_inputs
from keras_bert.models.task import BertTask, check_encoder
from keras_bert.text.masking import mask_for_mlm

# The features a pretraining example has (the google-research/bert TFRecord names); the
# inputs may also use the TF Hub names `input_word_ids` / `input_type_ids`.
FEATURE_ALIASES = {"input_ids": "input_word_ids", "segment_ids": "input_type_ids"}
LABEL_NAMES = ("masked_lm_ids", "masked_lm_weights", "next_sentence_labels")


def split_pretraining_features(features):
    """Maps a dict of pretraining features to the `(inputs, labels)` pair `fit` expects.

    Accepts the google-research/bert names (`input_ids`, `segment_ids`) or the TF Hub names
    (`input_word_ids`, `input_type_ids`) for the inputs. Works on numpy and in `tf.data`.
    """
    features = {FEATURE_ALIASES.get(k, k): v for k, v in features.items()}
    needed = INPUT_NAMES + ("masked_lm_positions",) + LABEL_NAMES
    missing = [name for name in needed if name not in features]
    if missing:
        raise KeyError(f"Pretraining features lack {', '.join(missing)}; got {sorted(features)}.")
    inputs = {name: features[name] for name in INPUT_NAMES + ("masked_lm_positions",)}
    labels = {name: features[name] for name in LABEL_NAMES}
    return inputs, labels


def masked_lm_hits(mlm_logits, masked_lm_ids):
    """Float32 `[batch, max_predictions]`: 1 where the label's logit is the largest of its row
    of `mlm_logits` (`[batch, max_predictions, vocab]`), else 0.

    The same as `argmax(mlm_logits) == masked_lm_ids` except that a tie for the largest logit
    counts as a hit. It compares with the row's maximum, which XLA shares with the softmax
    cross-entropy's, instead of an argmax: a separate pass over the `[batch, max_predictions,
    vocab]` logits that took 2.3% of the XLA pretraining step of `benchmarks/pretraining.py`.
    """
    ids = ops.cast(masked_lm_ids, "int32")[..., None]
    label_logits = ops.take_along_axis(mlm_logits, ids, axis=-1)[..., 0]
    return ops.cast(label_logits >= ops.max(mlm_logits, axis=-1), "float32")


@keras.saving.register_keras_serializable(package="keras_bert")
class BertPretrainer(BertTask):
    """BERT pretraining: masked LM (tied to the word embeddings) and next-sentence prediction.

    Inputs: the encoder inputs plus `masked_lm_positions` int32 `[batch, max_predictions]`.
    Outputs: `mlm_logits` float32 `[batch, max_predictions, vocab]` (only at those positions)
    and `nsp_logits` float32 `[batch, 2]` (0 = IsNext, 1 = random).

    `fit` takes `(inputs, labels)` with labels `masked_lm_ids`, `masked_lm_weights` and
    `next_sentence_labels` (see `split_pretraining_features`). The loss is BERT's:
    `sum(w * ce_mlm) / (sum(w) + 1e-5) + mean(ce_nsp)`; `mlm_loss`, `nsp_loss`,
    `mlm_accuracy` (weighted) and `nsp_accuracy` are reported.

    With a `preprocessor`, `fit` and `evaluate` also take raw text: single texts, or pairs
    `(first, second)` with `y` the next-sentence labels (0 = the second text follows the
    first, 1 = it does not; without `y`, all 0). BERT's masking (`keras_bert.text.mask_for_mlm`:
    15% of the pieces, at most `max_predictions_per_seq`, 80% `[MASK]` / 10% random / 10%
    kept) is drawn in the data pipeline: afresh for every batch in `fit`, with a fixed seed
    in `evaluate` and `predict` (the same texts give the same masks, so losses compare).

    Args:
        encoder: a `BertEncoder`.
        max_predictions_per_seq: masked positions per text when masking raw text.
        preprocessor: optional `keras_bert.text.BertPreprocessor`, saved with the model.

    Examples:

    ```python
    pretrainer = BertPretrainer.from_pretrained(folder, seq_length=128)
    pretrainer.compile(optimizer=keras_bert.bert_optimizer(1e-4, total_steps=1000))
    pretrainer.fit(["First sentence of the corpus.", "Another one."], epochs=1)
    ```
    """

    def __init__(self, encoder, max_predictions_per_seq=20, **kwargs):
        check_encoder("BertPretrainer", encoder)
        inputs = encoder_inputs(INPUT_NAMES + ("masked_lm_positions",))
        outputs = encoder({name: inputs[name] for name in INPUT_NAMES})
        config = encoder.config
        mlm_head = MaskedLMHead(
            encoder.embeddings,
            hidden_act=config.hidden_act,
            initializer_range=config.initializer_range,
            layer_norm_eps=config.layer_norm_eps,
            name="mlm_head",
        )
        nsp_head = NextSentenceHead(initializer_range=config.initializer_range, name="nsp_head")
        logits = {
            "mlm_logits": mlm_head(outputs["sequence_output"], inputs["masked_lm_positions"]),
            "nsp_logits": nsp_head(outputs["pooled_output"]),
        }
        kwargs.setdefault("name", "bert_pretrainer")
        self._build_task(encoder, inputs, logits, **kwargs)
        self.mlm_head = mlm_head
        self.nsp_head = nsp_head
        self.max_predictions_per_seq = int(max_predictions_per_seq)
        self.mlm_loss_tracker = keras.metrics.Mean(name="mlm_loss")
        self.nsp_loss_tracker = keras.metrics.Mean(name="nsp_loss")
        self.mlm_accuracy = keras.metrics.Mean(name="mlm_accuracy")
        self.nsp_accuracy = keras.metrics.Mean(name="nsp_accuracy")

    def call(self, inputs, training=None):
        # The heads read only [CLS] and the masked positions, so the encoder's last block runs
        # at those rows alone (`BertEncoder.sequence_output_at`): the same logits as the
        # functional graph built above, for less work in `fit`, `predict` and the exports.
        positions = ops.cast(inputs["masked_lm_positions"], "int32")
        positions = ops.concatenate([ops.zeros_like(positions[:, :1]), positions], axis=1)
        rows = self.encoder.sequence_output_at(inputs, positions, training=training)
        pooled = self.encoder.pooler(rows[:, 0, :])
        return {
            "mlm_logits": self.mlm_head.logits(rows[:, 1:]),
            "nsp_logits": self.nsp_head(pooled),
        }

    def _task_config(self):
        return {"max_predictions_per_seq": self.max_predictions_per_seq}

    def preprocess_samples(self, x, y=None, sample_weight=None, training=False):
        if sample_weight is not None:
            raise ValueError("BertPretrainer takes no sample_weight (see compute_loss).")
        inputs = self.preprocessor(x)
        tokenizer = self.preprocessor.tokenizer
        masked = mask_for_mlm(
            inputs["input_word_ids"],
            tokenizer.vocab_size,
            tokenizer.mask_id,
            tokenizer.special_ids,
            self.max_predictions_per_seq,
            seed=None if training else 0,
        )
        inputs["input_word_ids"] = masked["input_word_ids"]
        inputs["masked_lm_positions"] = masked["masked_lm_positions"]
        if y is None:
            y = tf.zeros_like(masked["masked_lm_ids"][:, 0])
        labels = {
            "masked_lm_ids": masked["masked_lm_ids"],
            "masked_lm_weights": masked["masked_lm_weights"],
            "next_sentence_labels": tf.cast(y, tf.int32),
        }
        return inputs, labels

    def compile(self, optimizer="auto", **kwargs):
        """Compiles with BERT's pretraining loss (no `loss` argument is taken)."""
        if kwargs.pop("loss", None) is not None:
            raise ValueError("BertPretrainer computes BERT's pretraining loss itself; drop loss=.")
        if optimizer == "auto":
            optimizer = keras.optimizers.Adam(1e-4)
        keras.Model.compile(self, optimizer=optimizer, **kwargs)

    def pretraining_losses(self, labels, outputs):
        """`(mlm_loss, nsp_loss)` for one batch, float32 scalars (not scaled for replicas)."""
        weights = ops.cast(labels["masked_lm_weights"], "float32")
        mlm_ce = keras.losses.sparse_categorical_crossentropy(
            labels["masked_lm_ids"], outputs["mlm_logits"], from_logits=True
        )
        mlm_loss = ops.sum(mlm_ce * weights) / (ops.sum(weights) + 1e-5)
        nsp_ce = keras.losses.sparse_categorical_crossentropy(
            ops.reshape(labels["next_sentence_labels"], (-1,)),
            outputs["nsp_logits"],
            from_logits=True,
        )
        return mlm_loss, ops.mean(nsp_ce)

    def loss_value(self, y, y_pred, sample_weight=None):
        """BERT's pretraining loss: masked LM plus next sentence (`pretraining_losses`)."""
        mlm_loss, nsp_loss = self.pretraining_losses(y, y_pred)
        return mlm_loss + nsp_loss

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if sample_weight is not None:
            raise ValueError(
                "BertPretrainer weighs its predictions by masked_lm_weights and takes no "
                "sample_weight; to leave an example out of the MLM loss, zero its "
                "masked_lm_weights."
            )
        mlm_loss, nsp_loss = self.pretraining_losses(y, y_pred)
        self.mlm_loss_tracker.update_state(mlm_loss)
        self.nsp_loss_tracker.update_state(nsp_loss)
        # Keras sums gradients over replicas, so each replica's loss is divided by their
        # number (what Keras' own losses do); the trackers above keep the true values.
        return scale_loss_for_distribution(mlm_loss + nsp_loss)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        weights = ops.cast(y["masked_lm_weights"], "float32")
        mlm_hits = masked_lm_hits(y_pred["mlm_logits"], y["masked_lm_ids"])
        self.mlm_accuracy.update_state(mlm_hits, sample_weight=weights)
        nsp_labels = ops.reshape(ops.cast(y["next_sentence_labels"], "int32"), (-1,))
        nsp_hits = ops.equal(ops.argmax(y_pred["nsp_logits"], axis=-1), nsp_labels)
        self.nsp_accuracy.update_state(ops.cast(nsp_hits, "float32"))
        return super().compute_metrics(x, y, y_pred, sample_weight)
