"""The compute precision of an exported SavedModel: float32, or bfloat16 for CPUs with AMX or
AVX512_BF16 (Intel Sapphire Rapids and later, AMD Zen 4 and later), GPUs and TPUs.

A bfloat16 export is the same model built under Keras' `"bfloat16"` dtype policy with its
weights rounded to bfloat16 once, at export, instead of at every call: the numbers are those
of `mixed_bfloat16` inference (which rounds the float32 weights to bfloat16 before every
product), LayerNorm and the attention softmax still run in float32 (the layers pin them), and
the serving outputs are float32 (`serving.build_archive` casts them). Half the size, and on a
2-core Xeon with AMX BERT-base runs 2.3x faster than keras-hub's float32 XLA forward pass at
batch 8 (BENCHMARKS.md); accuracy: the exporter reports the difference from the float32 model.
"""

import keras

PRECISIONS = ("float32", "bfloat16")


def with_precision(model, precision):
    """`model` itself for `"float32"`, else a copy built under the `precision` dtype policy
    with the weights cast to it (float32 variables, such as LayerNorm's, stay float32)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {PRECISIONS}.")
    if precision == "float32":
        return model
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(precision)
    try:
        copy = model.__class__.from_config(model.get_config())
    finally:
        keras.mixed_precision.set_global_policy(policy)
    for target, source in zip(copy.weights, model.weights, strict=True):
        if target.path != source.path or target.shape != source.shape:
            raise ValueError(
                f"The {precision} copy of {model.name} has weight {target.path} {target.shape} "
                f"where the model has {source.path} {source.shape}; this model cannot be cast."
            )
        target.assign(keras.ops.cast(source, target.dtype))
    return copy
