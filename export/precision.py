"""The compute precision of an exported SavedModel: float32, or bfloat16 for CPUs with AMX or
AVX512_BF16 (Intel Sapphire Rapids and later, AMD Zen 4 and later), GPUs and TPUs.

A bfloat16 export is the same model built under Keras' `"bfloat16"` dtype policy with its
weights rounded to bfloat16 once, at export, instead of at every call: the numbers are those
of `mixed_bfloat16` inference (which rounds the float32 weights to bfloat16 before every
product), LayerNorm and the attention softmax still run in float32 (the layers pin them), and
the serving outputs are float32 (`serving.build_archive` casts them). Half the size, and
faster where the CPU has native bfloat16 products (BENCHMARKS.md, "Low precision"); accuracy:
the exporter reports the difference from the float32 model. Elsewhere bfloat16 is emulated and
slower than float32: exporting on such a CPU warns (`warn_if_emulated`).
"""

import os
import warnings

import keras

from keras_bert.cli_args import EXPORT_PRECISIONS as PRECISIONS

CPUINFO = "/proc/cpuinfo"
# CPU feature flags, as Linux names them, of native bfloat16 products: Intel AMX, AVX512_BF16
# (Intel Cooper Lake and later, AMD Zen 4 and later) and Arm's BF16 extension.
BFLOAT16_CPU_FLAGS = ("amx_bf16", "avx512_bf16", "bf16")


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


def cpu_computes_bfloat16(cpuinfo=None):
    """Whether this machine's CPU multiplies bfloat16 natively (`BFLOAT16_CPU_FLAGS`); None
    where its features cannot be read (no `/proc/cpuinfo`: not Linux)."""
    cpuinfo = cpuinfo or CPUINFO
    if not os.path.exists(cpuinfo):
        return None
    with open(cpuinfo) as f:
        flags = {
            flag
            for line in f
            if line.startswith(("flags", "Features"))
            for flag in line.partition(":")[2].split()
        }
    return bool(flags.intersection(BFLOAT16_CPU_FLAGS))


def warn_if_emulated(precision, cpuinfo=None):
    """Warns when a `precision` export is made on a CPU that emulates it: the model is right
    there, but slower than float32, so it is meant for another server."""
    if precision == "bfloat16" and cpu_computes_bfloat16(cpuinfo) is False:
        warnings.warn(
            "This CPU has no AMX, AVX512_BF16 or Arm BF16: a bfloat16 SavedModel runs slower than "
            "float32 here; serve it on a CPU with one of them, a GPU or a TPU, or export float32.",
            stacklevel=3,
        )
