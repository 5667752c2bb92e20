"""Runs `keras-bert pretrain` or `finetune` in this process and prints a JSON summary line.

    run_training.py --logical-cpus N [--weights OUT.npz] pretrain|finetune FLAGS...

Splits the CPU into N logical devices first (MirroredStrategy's replicas in the tests), and
reports the loss history, whether all replicas hold the same values, and (with --weights)
saves the model weights.
"""

import argparse
import json
import sys

import numpy as np
import tensorflow as tf


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logical-cpus", type=int, default=1)
    parser.add_argument("--weights")
    parser.add_argument("command", choices=("pretrain", "finetune"))
    own, rest = parser.parse_known_args()
    if own.logical_cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * own.logical_cpus
        )
    from keras_bert.training import finetune, pretrain

    from keras_bert import cli_args

    module = pretrain if own.command == "pretrain" else finetune
    sub = argparse.ArgumentParser()
    cli_args.ARGUMENTS[own.command](sub)
    args = sub.parse_args(rest)
    result = module.pretrain(args) if own.command == "pretrain" else module.finetune(args)[0]
    trainer = result
    replicas_identical = True
    for variable in trainer.model.variables:
        values = getattr(variable.value, "values", None)
        if values and len(values) > 1:
            first = values[0].numpy()
            replicas_identical &= all(np.array_equal(first, v.numpy()) for v in values[1:])
    if own.weights:
        np.savez(own.weights, *[w.numpy() for w in trainer.model.weights])
    summary = {
        "replicas": trainer.strategy.num_replicas_in_sync,
        "replicas_identical": bool(replicas_identical),
        "losses": [h["loss"] for h in trainer.history],
        "step": trainer.step,
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    sys.exit(main())
