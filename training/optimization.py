"""BERT's optimizer: AdamW with linear warm-up and linear decay, global-norm clipping.

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
    `total_steps`.
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


def create_optimizer(
    learning_rate,
    total_steps,
    warmup_steps=0,
    weight_decay=0.01,
    epsilon=1e-6,
    global_clipnorm=1.0,
    loss_scaling=False,
):
    """BERT's AdamW (see the module docstring).

    Args:
        learning_rate: the peak learning rate.
        total_steps: the number of optimizer updates (after gradient accumulation).
        warmup_steps: updates of linear warm-up.
        loss_scaling: wrap in `keras.optimizers.LossScaleOptimizer` (dynamic loss scaling,
            needed for `mixed_float16`).
    """
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
