"""Resolves `--strategy auto|one_device|mirrored|multi_worker|tpu` to a `tf.distribute.Strategy`.

`auto` picks a TPU when `TPUClusterResolver` finds one, `MirroredStrategy` when there are
several GPUs, else `OneDeviceStrategy` on the GPU or the CPU. `multi_worker` reads the cluster
from `TF_CONFIG`. The TPU path uses the public TPU API only (`TPUClusterResolver`,
`experimental_connect_to_cluster`, `initialize_tpu_system`); no TPU is reachable where this
was written, so it is reviewed on paper.
"""

import json
import os

import tensorflow as tf

from keras_bert.cli_args import STRATEGIES


def _tpu_resolver(tpu_address):
    """A `TPUClusterResolver` that found a TPU, or None."""
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address)
    except (ValueError, RuntimeError, tf.errors.NotFoundError):
        return None
    return resolver if resolver.master() else None


def _tpu_strategy(tpu_address):
    resolver = _tpu_resolver(tpu_address)
    if resolver is None:
        raise ValueError(
            "--strategy tpu found no TPU; pass --tpu NAME_OR_ADDRESS (or run on a TPU VM)."
        )
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def _multi_worker_strategy():
    config = os.environ.get("TF_CONFIG")
    if not config:
        raise ValueError(
            "--strategy multi_worker needs TF_CONFIG (the cluster and this worker's task), "
            'e.g. {"cluster": {"worker": ["host1:2222", "host2:2222"]}, '
            '"task": {"type": "worker", "index": 0}}.'
        )
    try:
        json.loads(config)
    except json.JSONDecodeError as e:
        raise ValueError(
            f"TF_CONFIG is not valid JSON ({e}); fix the environment variable."
        ) from None
    return tf.distribute.MultiWorkerMirroredStrategy()


def _mirrored_strategy():
    """All local GPUs, or all logical CPU devices when there is no GPU."""
    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    return tf.distribute.MirroredStrategy([d.name for d in devices])


def _one_device_strategy():
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")


def resolve_strategy(name="auto", tpu_address=None):
    """Returns the `tf.distribute.Strategy` for `name` (one of `STRATEGIES`).

    Args:
        name: `auto`, `one_device`, `mirrored`, `multi_worker` or `tpu`.
        tpu_address: the TPU name or `grpc://` address for `tpu` (and for `auto` to try);
            None lets `TPUClusterResolver` find the local TPU (TPU VMs, Colab).
    """
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}.")
    if name == "auto":
        if _tpu_resolver(tpu_address) is not None:
            return _tpu_strategy(tpu_address)
        if len(tf.config.list_logical_devices("GPU")) > 1:
            return _mirrored_strategy()
        return _one_device_strategy()
    if name == "tpu":
        return _tpu_strategy(tpu_address)
    if name == "multi_worker":
        return _multi_worker_strategy()
    if name == "mirrored":
        return _mirrored_strategy()
    return _one_device_strategy()


def is_chief(strategy):
    """True on the worker that writes summaries and the exported model (worker 0)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief
