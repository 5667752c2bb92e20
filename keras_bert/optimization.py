"""BERT's optimizer: AdamW with linear warm-up and linear decay, global-norm clipping.

`bert_optimizer` is the one optimizer of the package: pass it to `compile` in Python, and the
`keras-bert finetune` / `pretrain` commands build theirs with it.

As google-research/bert's `optimization.py`: weight decay 0.01 except on LayerNorm and biases,
epsilon 1e-6, betas 0.9/0.999, gradients clipped to global norm 1.0, learning rate rising
linearly to its peak over the warm-up steps and falling linearly to 0 at the last step.

In Keras 3, `exclude_from_weight_decay(var_names=...)` searches the variable's *leaf* name
(`gamma`, `beta`, `kernel`, `bias`, `output_bias`, ...), not its path, so the original's
`["LayerNorm", "layer_norm", "bias"]` would leave LayerNorm decayed; the leaf names are used.
"""

import keras
from keras import ops

# Leaf names (regular expressions searched in `variable.name`) that take no weight decay:
# LayerNorm scale/offset and every bias, the MLM `output_bias` included.
NO_DECAY_NAMES = ("gamma", "beta", "bias")


@keras.saving.register_keras_serializable(package="keras_bert")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """`peak * step / warmup_steps` while warming up, then `peak * (1 - step / total_steps)`.

    The decay is measured from step 0, as in google-research/bert (its polynomial decay runs
    over all `num_train_steps` and the warm-up replaces its first part), and reaches 0 at
    `total_steps`. `bert_optimizer` builds its AdamW with it.

    Args:
        peak_learning_rate: the learning rate the warm-up rises to.
        total_steps: the step at which the learning rate reaches 0 (and stays).
        warmup_steps: the length of the warm-up, 0 to `total_steps`.

    Examples:

    ```python
    schedule = WarmupLinearDecay(1e-4, total_steps=1000, warmup_steps=100)
    [float(schedule(step)) for step in (0, 50, 100, 550, 1000)]
    # about [0.0, 5e-05, 9e-05, 4.5e-05, 0.0]
    optimizer = keras.optimizers.AdamW(learning_rate=schedule)
    ```
    """

    def __init__(self, peak_learning_rate, total_steps, warmup_steps=0):
        if total_steps <= 0:
            raise ValueError(f"total_steps must be positive, got {total_steps}.")
        if not 0 <= warmup_steps <= total_steps:
            raise ValueError(
                f"warmup_steps must be between 0 and total_steps ({total_steps}), "
                f"got {warmup_steps}."
            )
        self.peak_learning_rate = float(peak_learning_rate)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        decayed = self.peak_learning_rate * ops.maximum(1.0 - step / self.total_steps, 0.0)
        if self.warmup_steps == 0:
            return decayed
        warmup = self.peak_learning_rate * step / self.warmup_steps
        return ops.where(step < self.warmup_steps, warmup, decayed)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
        }


def bert_optimizer(
    learning_rate,
    total_steps,
    warmup_fraction=0.1,
    warmup_steps=None,
    weight_decay=0.01,
    epsilon=1e-6,
    global_clipnorm=1.0,
    loss_scaling=False,
):
    """BERT's fine-tuning and pretraining optimizer, ready for `model.compile`.

    AdamW with BERT's settings (see the module docstring): the learning rate rises linearly to
    `learning_rate` over the warm-up and falls linearly to 0 at `total_steps`.

    Args:
        learning_rate: the peak learning rate.
        total_steps: the number of optimizer updates in the whole training
            (`epochs * ceil(examples / batch_size)` for `fit`; after gradient accumulation).
        warmup_fraction: share of `total_steps` spent warming up (BERT's 10% by default).
        warmup_steps: the warm-up in updates; given, it replaces `warmup_fraction`.
        weight_decay: decoupled weight decay, not applied to LayerNorm and biases.
        epsilon, global_clipnorm: Adam's epsilon and the global-norm gradient clip.
        loss_scaling: wrap in `keras.optimizers.LossScaleOptimizer` (dynamic loss scaling,
            needed for `mixed_float16`).

    Returns:
        A `keras.optimizers.AdamW` (or the `LossScaleOptimizer` around it).

    Examples:

    ```python
    steps = epochs * math.ceil(len(texts) / batch_size)
    model.compile(optimizer=keras_bert.bert_optimizer(2e-5, total_steps=steps))
    ```
    """
    if warmup_steps is None:
        if not 0.0 <= warmup_fraction <= 1.0:
            raise ValueError(f"warmup_fraction must be between 0 and 1, got {warmup_fraction}.")
        warmup_steps = int(warmup_fraction * total_steps)
    optimizer = keras.optimizers.AdamW(
        learning_rate=WarmupLinearDecay(learning_rate, total_steps, warmup_steps),
        weight_decay=weight_decay,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=epsilon,
        global_clipnorm=global_clipnorm,
    )
    optimizer.exclude_from_weight_decay(var_names=list(NO_DECAY_NAMES))
    if loss_scaling:
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def uses_weight_decay(optimizer, variable):
    """Whether `optimizer` (or the one a `LossScaleOptimizer` wraps) decays `variable`."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    return inner._use_weight_decay(variable)
