"""The training loop behind `keras-bert pretrain` and `keras-bert finetune`.

One code path for every strategy, as the Model Garden's Orbit runs it: a `tf.function` runs
`steps_per_call` optimizer updates per call, each `strategy.run(replica_step, ...)` on a batch
from `strategy.distribute_datasets_from_function`. Keras' `model.fit` is not used here because
it breaks under `MultiWorkerMirroredStrategy` (keras-team/keras#20585: `strategy.reduce` on
PerReplica values); models stay plain Keras models that users may `fit` themselves.

- Losses: each replica's loss is divided by the number of replicas in sync (the optimizer sums
  gradients over replicas), so every strategy computes the same update.
- Gradient accumulation: each replica gets `accumulation_steps` micro-batches stacked in one
  batch, sums their gradients in a `tf.range` loop and applies the mean once. This is done
  here rather than with Keras' `gradient_accumulation_steps` so that the all-reduce runs once
  per update (not inside a `cond` per micro-batch) and the optimizer's step counter, which
  drives the learning-rate schedule, counts updates.
- `jit_compile` compiles the forward and backward pass of a micro-batch with XLA; the
  all-reduce and the optimizer update stay outside XLA (collectives differ by device). With a
  single replica and no accumulation there is no all-reduce, and the optimizer update is
  compiled with the step (6% more tokens/s in `benchmarks/pretraining.py`'s setting).
- float16: the loss is multiplied by the `LossScaleOptimizer`'s scale, which divides the
  gradients again and skips updates with non-finite gradients.
- Finite numbers: training stops after the first update whose loss, or (without loss
  scaling, whose skipped steps are the optimizer's business) whose gradients, are NaN or
  infinite, with a `NonFiniteError` naming the step; nothing of that update is checkpointed
  or saved, and the newest checkpoint stays as it was.
- Checkpoints: `tf.train.CheckpointManager` under `OUT/checkpoints` every `checkpoint_every`
  updates (the manager writes the files, then renames its index into place, so a crash never
  leaves a half checkpoint as the newest), flushed to disk (`fsync`), keeping the last
  `keep_checkpoints`. A new run in the same folder restores the newest one and prints
  "resumed from step N". Before that it removes what a save cut short left (`*_temp`
  folders), rebuilds a missing or unreadable `checkpoint` state file from the checkpoints on
  disk, and falls back past a newest checkpoint that does not read back (truncated, emptied)
  to the newest one that does, saying so (`training.checkpoint_files`). The data is
  deterministic by step (the caller's `dataset_fn` gets the step to start at), and the
  dropout seed state is checkpointed with the weights, so a resumed run ends where an
  uninterrupted one would.
  What happens to a folder that already holds checkpoints is explicit (`existing`):
  resume, start afresh, or refuse.
- Evaluation (`evaluation`, an `EvaluationMonitor`, every `eval_every` updates): the chief
  evaluates alone, with no collective op, while the other workers wait at an all-reduce of
  the monitor's stop decision, so every worker leaves the loop at the same step and none
  waits for a collective the others never join. The evaluations are kept in
  `OUT/logs/history.jsonl` with the training metrics, so a resumed run keeps its best and its
  patience.
- Logging: loss and the task's metrics, the learning rate and tokens/s go to TensorBoard
  (`OUT/logs`), to `OUT/logs/history.jsonl` and to the progress line (`progress.Progress`),
  on the chief only.
"""

import json
import os
import shutil
import sys
import time

import keras
import numpy as np
import tensorflow as tf
from keras_bert.training import checkpoint_files
from keras_bert.training.progress import Progress
from keras_bert.training.strategy import is_chief

from keras_bert.atomic import atomic_open
from keras_bert.finite import NonFiniteError
from keras_bert.json_file import read_json_object

# Beside the checkpoints: the `run` that wrote them.
RUN_FILE = "run.json"
# In the log folder: one JSON line per logged call of the training function and evaluation.
HISTORY_FILE = "history.jsonl"
# What to do with an output folder that already holds checkpoints.
EXISTING = ("resume", "overwrite", "refuse")


def _flag(key):
    return "--" + key.replace("_", "-")


def check_run(checkpoint_dir, run, existing="resume"):
    """Checks, before any work, that a run may write its checkpoints to `checkpoint_dir`.

    A folder with checkpoints is refused when `existing` is "refuse", and when it is "resume"
    and the folder's `run.json` differs from `run` (naming each flag that differs). Returns
    whether the folder holds checkpoints.
    """
    if existing not in EXISTING:
        raise ValueError(f"existing={existing!r} is not one of {EXISTING}.")
    latest = tf.train.latest_checkpoint(checkpoint_dir) if os.path.isdir(checkpoint_dir) else None
    if latest is None or existing == "overwrite":
        return latest is not None
    out = os.path.dirname(os.path.normpath(checkpoint_dir))
    if existing == "refuse":
        raise ValueError(
            f"{out} holds a run's checkpoints ({os.path.basename(latest)}); pass --resume to "
            "continue it, --overwrite to start afresh, or a new --out."
        )
    run_file = os.path.join(checkpoint_dir, RUN_FILE)
    if os.path.isfile(run_file):
        written = read_json_object(run_file, "run metadata")
        changed = [
            f"{_flag(key)} was {written.get(key)!r}, now {run.get(key)!r}"
            for key in sorted(set(written) | set(run))
            if written.get(key) != run.get(key)
        ]
        if changed:
            raise ValueError(
                f"{checkpoint_dir} holds another run's checkpoints ({'; '.join(changed)}); "
                "resume with the command that wrote them, or pass --overwrite or a new --out."
            )
    return True


def _split_micro_batches(tree, count):
    """`[count * b, ...]` tensors -> `[count, b, ...]`."""
    return tf.nest.map_structure(
        lambda t: tf.reshape(t, tf.concat([[count, -1], tf.shape(t)[1:]], axis=0)), tree
    )


class Trainer:
    """Runs `train(max_steps)` for a model and optimizer created under `strategy.scope()`.

    Args:
        strategy: the `tf.distribute.Strategy`.
        model: a Keras model built under `strategy.scope()`.
        optimizer: a Keras optimizer created under `strategy.scope()` (see
            `keras_bert.bert_optimizer`).
        task: the model's `keras_bert.tasks` task. Its `loss(model, inputs, labels) -> (loss,
            metrics)` gives the float32 scalar loss of one micro-batch (unscaled) and a dict of
            float32 scalar metrics to log (means over the micro-batch), run in a replica
            context with `training=True` semantics; its `progress_metrics` name them.
        dataset_fn: `dataset_fn(per_replica_batch_size, input_context, skip_batches)`
            returning a `tf.data.Dataset` of `(inputs, labels)` per-replica batches, sharded
            by `input_context.input_pipeline_id`, repeating forever and
            starting `skip_batches` batches in (for a deterministic resume). Shapes may vary
            from batch to batch (fine-tuning cuts each after its longest text), except on TPU.
        global_batch_size: examples per micro-batch over all replicas.
        out_dir: the folder of `checkpoints/` and `logs/`.
        tokens_per_example: for tokens/s (the sequence length: tokens/s is examples/s times
            it, also where batches are cut shorter).
        run: what identifies the run (a JSON-able dict, e.g. the flags that choose the data,
            the model, the optimizer and its schedule): written beside the checkpoints, and a
            resume whose `run` differs is refused, so a command pointed at another run's
            folder cannot take over (and then overwrite) that run's model.
        existing: what to do when `out_dir` already holds checkpoints: "resume" from the
            newest, "overwrite" (delete them, and the logs, and start afresh) or "refuse".
        evaluation: an `EvaluationMonitor` (`training.evaluation`) called every `eval_every`
            updates and at the last; training stops early when it says so.
        eval_every: updates between evaluations.
        log_every: `(N, "steps"|"seconds")`: how often the progress line is printed when the
            output is not a terminal.

    Examples:

    ```python
    strategy = resolve_strategy("auto")
    with strategy.scope():
        model = keras_bert.BertClassifier(keras_bert.BertEncoder(config), num_classes=2)
        optimizer = keras_bert.bert_optimizer(2e-5, total_steps=1000)

    def dataset_fn(batch_size, context, skip_batches):  # `examples`: (inputs, label) pairs
        shard = examples.shard(context.num_input_pipelines, context.input_pipeline_id)
        return shard.repeat().batch(batch_size).skip(skip_batches)

    trainer = Trainer(strategy, model, optimizer, keras_bert.tasks.get("classification"),
                      dataset_fn, global_batch_size=32, out_dir="run")
    trainer.train(max_steps=1000)  # {"loss": ..., "accuracy": ..., "lr": ..., "tokens/s": ...}
    ```
    """

    def __init__(
        self,
        strategy,
        model,
        optimizer,
        task,
        dataset_fn,
        global_batch_size,
        out_dir,
        steps_per_call=1,
        accumulation_steps=1,
        jit_compile=False,
        checkpoint_every=1000,
        keep_checkpoints=3,
        tokens_per_example=1,
        verbose=True,
        run=None,
        existing="resume",
        evaluation=None,
        eval_every=None,
        log_every=(30.0, "seconds"),
    ):
        if steps_per_call < 1 or accumulation_steps < 1 or checkpoint_every < 1:
            raise ValueError(
                "steps_per_call, accumulation_steps and checkpoint_every must be at least 1; "
                f"got {steps_per_call}, {accumulation_steps}, {checkpoint_every}."
            )
        self.strategy = strategy
        self.model = model
        self.optimizer = optimizer
        self.task = task
        self.metric_names = tuple(task.progress_metrics)
        self.dataset_fn = dataset_fn
        self.global_batch_size = global_batch_size
        self.steps_per_call = steps_per_call
        self.accumulation_steps = accumulation_steps
        self.jit_compile = jit_compile
        self.checkpoint_every = checkpoint_every
        self.tokens_per_example = tokens_per_example
        self.verbose = verbose
        self.run = run or {}
        self.existing = existing
        self.evaluation = evaluation
        self.eval_every = eval_every
        self.log_every = log_every
        # One replica, no accumulation: no all-reduce, so the update compiles with the step.
        self.fuse_update = (
            jit_compile and accumulation_steps == 1 and (strategy.num_replicas_in_sync == 1)
        )
        self.chief = is_chief(strategy)
        with strategy.scope():
            optimizer.build(model.trainable_variables)
        # The dropout RNG state, so a resumed run draws the masks an uninterrupted one would.
        weight_ids = {id(w) for w in model.weights}
        seed_states = [v for v in model.variables if id(v) not in weight_ids]
        self.checkpoint = tf.train.Checkpoint(
            model=model, optimizer=optimizer, seed_states=seed_states
        )
        checkpoint_dir = os.path.join(out_dir, "checkpoints")
        if not self.chief:
            # Every worker must take part in saving; the others write to a scratch folder.
            task_id = strategy.cluster_resolver.task_id
            checkpoint_dir = os.path.join(checkpoint_dir, f".worker_{task_id}")
        if os.path.isdir(checkpoint_dir):
            leftovers = checkpoint_files.remove_leftovers(checkpoint_dir)
            if leftovers:
                print(
                    f"removed what a save cut short left in {checkpoint_dir}: "
                    f"{', '.join(leftovers)}",
                    file=sys.stderr,
                    flush=True,
                )
            repaired = checkpoint_files.repair_state(checkpoint_dir)
            if repaired:
                print(repaired, file=sys.stderr, flush=True)
        self.keep_checkpoints = keep_checkpoints
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, checkpoint_dir, max_to_keep=keep_checkpoints
        )
        self.log_dir = os.path.join(out_dir, "logs")
        self.history_file = os.path.join(self.log_dir, HISTORY_FILE)
        self._train_fn = None
        self._agree_fn = None
        # The metrics of each call of the training function, with their step.
        self.history = []

    @property
    def step(self):
        """Optimizer updates done so far."""
        return int(self.optimizer.iterations.numpy())

    def restore(self):
        """Restores the newest checkpoint, if any (as `existing` says); returns the step it
        resumes from."""
        directory = self.manager.directory
        if check_run(directory, self.run, self.existing) and self.existing == "overwrite":
            self._remove_earlier_run()
        latest = self._newest_readable_checkpoint()
        if latest is None:
            with atomic_open(os.path.join(directory, RUN_FILE)) as f:
                json.dump(self.run, f, indent=2, sort_keys=True)
            self._keep_history(0)
            return 0
        try:
            self.checkpoint.restore(latest).assert_existing_objects_matched()
        except (AssertionError, ValueError) as error:
            reason = str(error).strip().splitlines()[0]
            raise ValueError(
                f"{latest} is another run's checkpoint and does not fit this model ({reason}); "
                f"resume with the command that wrote it, or pass --overwrite or a new --out."
            ) from None
        step = self.step
        self._keep_history(step)
        print(f"resumed from step {step}", flush=True)
        return step

    def _newest_readable_checkpoint(self):
        """The newest checkpoint that reads back whole, or None. Newer ones that do not (a
        truncated or emptied file) are reported, deleted and taken off the state file."""
        directory = self.manager.directory
        listed = list(self.manager.checkpoints)
        if self.manager.latest_checkpoint and self.manager.latest_checkpoint not in listed:
            listed.append(self.manager.latest_checkpoint)
        latest, skipped = checkpoint_files.newest_readable(directory, listed)
        if not skipped:
            return latest
        if latest is None:
            prefix, reason = skipped[0]
            raise ValueError(
                f"No checkpoint in {directory} reads back (the newest, {prefix}: {reason}); "
                "they are damaged: pass a new --out."
            )
        for prefix, reason in skipped:
            print(
                f"checkpoint {prefix} is unreadable ({reason}); deleted it and resuming from "
                f"{latest}",
                file=sys.stderr,
                flush=True,
            )
            checkpoint_files.remove_checkpoint(prefix)
        bad = {prefix for prefix, _ in skipped}
        checkpoint_files.write_state(directory, [p for p in listed if p not in bad])
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, directory, max_to_keep=self.keep_checkpoints
        )
        return latest

    def _remove_earlier_run(self):
        """--overwrite: this worker's checkpoints go (the other workers' scratch folders stay
        theirs), and on the chief the logs."""
        directory = self.manager.directory
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            if name.startswith(".worker_"):
                continue
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
        if self.chief and os.path.isdir(self.log_dir):
            shutil.rmtree(self.log_dir)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, directory, max_to_keep=self.keep_checkpoints
        )

    def read_history(self):
        """The entries of `OUT/logs/history.jsonl`: `{"step", metrics...}` per logged call of
        the training function, `{"step", "eval": {...}}` per evaluation."""
        if not os.path.isfile(self.history_file):
            return []
        with open(self.history_file, encoding="utf-8") as f:
            lines = [line for line in f if line.strip()]
        entries = []
        for number, line in enumerate(lines, 1):
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                if number < len(lines):  # only the last line may be cut short by a kill
                    raise ValueError(
                        f"{self.history_file} line {number} is not JSON; delete the file."
                    ) from None
        return entries

    def _keep_history(self, step):
        """On the chief: drops the history after `step` (a resumed run redoes those steps) and
        hands the evaluations up to it back to the monitor."""
        if not self.chief:
            return
        kept = [entry for entry in self.read_history() if entry["step"] <= step]
        os.makedirs(self.log_dir, exist_ok=True)
        with open(self.history_file, "w", encoding="utf-8") as f:
            f.write("".join(json.dumps(entry) + "\n" for entry in kept))
        if self.evaluation is not None:
            self.evaluation.restore(
                [{"step": e["step"], "scores": e["eval"]} for e in kept if "eval" in e]
            )

    def _append_history(self, entry):
        with open(self.history_file, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def _micro_step(self, inputs, labels):
        """Gradients and metrics of one micro-batch on one replica."""
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            loss, metrics = self.task.loss(self.model, inputs, labels)
            scaled = loss / (replicas * self.accumulation_steps)
            if isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer):
                scaled = self.optimizer.scale_loss(scaled)
        grads = tape.gradient(scaled, self.model.trainable_variables)
        return grads, dict(metrics, loss=loss)

    def _non_finite(self, loss, grads):
        """1.0 when this replica's loss or, without loss scaling, its gradients hold NaN or
        infinity, else 0.0. (Under loss scaling, non-finite gradients are the optimizer's
        business: it skips the update and lowers the scale.)"""
        finite = tf.math.is_finite(loss)
        if not isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer):
            norm = tf.linalg.global_norm([g for g in grads if g is not None])
            finite = tf.logical_and(finite, tf.math.is_finite(norm))
        return 1.0 - tf.cast(finite, tf.float32)

    def _micro_step_and_update(self, inputs, labels):
        grads, metrics = self._micro_step(inputs, labels)
        metrics["non_finite"] = self._non_finite(metrics["loss"], grads)
        self.optimizer.apply(grads, self.model.trainable_variables)
        return metrics

    def _replica_step(self, inputs, labels):
        if self.fuse_update:
            return tf.function(self._micro_step_and_update, jit_compile=True)(inputs, labels)
        micro_step = tf.function(self._micro_step, jit_compile=self.jit_compile)
        if self.accumulation_steps == 1:
            grads, metrics = micro_step(inputs, labels)
        else:
            count = self.accumulation_steps
            inputs = _split_micro_batches(inputs, count)
            labels = _split_micro_batches(labels, count)
            grads, metrics = micro_step(
                tf.nest.map_structure(lambda t: t[0], inputs),
                tf.nest.map_structure(lambda t: t[0], labels),
            )
            # Embedding gradients come as IndexedSlices; sums need dense tensors.
            grads = [tf.convert_to_tensor(g) for g in grads]
            for i in tf.range(1, count):
                more_grads, more_metrics = micro_step(
                    tf.nest.map_structure(lambda t, i=i: t[i], inputs),
                    tf.nest.map_structure(lambda t, i=i: t[i], labels),
                )
                grads = [g + tf.convert_to_tensor(m) for g, m in zip(grads, more_grads)]
                metrics = {k: metrics[k] + more_metrics[k] for k in metrics}
            metrics = {k: v / count for k, v in metrics.items()}
        metrics["non_finite"] = self._non_finite(metrics["loss"], grads)
        self.optimizer.apply(grads, self.model.trainable_variables)
        return metrics

    def _build_train_fn(self):
        strategy = self.strategy

        def one_step(iterator):
            inputs, labels = next(iterator)
            per_replica = strategy.run(self._replica_step, args=(inputs, labels))
            sum_, mean = tf.distribute.ReduceOp.SUM, tf.distribute.ReduceOp.MEAN
            return {
                k: strategy.reduce(sum_ if k == "non_finite" else mean, v, axis=None)
                for k, v in per_replica.items()
            }

        names = ("loss",) + tuple(self.metric_names)

        @tf.function
        def train_fn(iterator, num_steps):
            # Stops after the first update whose loss or gradients are not finite (the sum
            # over replicas is the same on every worker, so all of them stop there).
            totals = {name: tf.constant(0.0) for name in names}
            non_finite = tf.constant(0.0)
            for _ in tf.range(num_steps):
                metrics = one_step(iterator)
                totals = {name: totals[name] + metrics[name] for name in names}
                non_finite = metrics["non_finite"]
                if non_finite > 0:
                    break
            means = {name: v / tf.cast(num_steps, tf.float32) for name, v in totals.items()}
            return dict(means, non_finite=non_finite)

        return train_fn

    def _distributed_dataset(self, start_step):
        replicas = self.strategy.num_replicas_in_sync
        if self.global_batch_size % replicas:
            raise ValueError(
                f"--batch-size {self.global_batch_size} is not divisible by the {replicas} "
                f"replicas; use a multiple of {replicas}."
            )

        def fn(input_context):
            per_replica = input_context.get_per_replica_batch_size(self.global_batch_size)
            # Each local replica takes one batch of this pipeline per update.
            local_replicas = replicas // input_context.num_input_pipelines
            return self.dataset_fn(
                per_replica * self.accumulation_steps,
                input_context,
                start_step * local_replicas,
            )

        return self.strategy.distribute_datasets_from_function(fn)

    def _agree(self, stop):
        """The chief's `stop` on every worker: an all-reduce that the others join with False
        (one replica-context sum, the same op on every worker, so none waits alone)."""
        if self._agree_fn is None:
            strategy = self.strategy

            @tf.function(autograph=False)  # no Python control flow to convert
            def agree(value):
                per_replica = strategy.run(tf.identity, args=(value,))
                return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

            self._agree_fn = agree
        return bool(self._agree_fn(tf.constant(1.0 if stop and self.chief else 0.0)) > 0)

    def _evaluate(self, step):
        """Evaluates on the chief; returns whether every worker stops here."""
        stop = self.evaluation(step) if self.chief else False
        if self.chief:
            self._append_history({"step": step, "eval": self.evaluation.scores_at(step)})
        return self._agree(stop)

    def train(self, max_steps):
        """Trains until the optimizer has made `max_steps` updates, or the evaluation stops it
        early; returns the last metrics.

        The first call resumes from the newest checkpoint; later calls in the same process go
        on from the weights in memory (they are what that checkpoint holds, or newer).
        """
        start = self.restore() if self._train_fn is None else self.step
        evaluating = self.evaluation is not None and self.eval_every
        if start >= max_steps or (evaluating and self._agree(self.evaluation.stopped)):
            return {}
        iterator = iter(self._distributed_dataset(start))
        if self._train_fn is None:
            self._train_fn = self._build_train_fn()
        writer = tf.summary.create_file_writer(self.log_dir) if self.chief else None
        progress = (
            Progress(max_steps, start, self.log_every) if self.chief and self.verbose else None
        )
        tokens_per_step = self.global_batch_size * self.accumulation_steps * self.tokens_per_example
        step = start
        metrics = {}
        while step < max_steps:
            num_steps = min(
                self.steps_per_call,
                max_steps - step,
                self.checkpoint_every - step % self.checkpoint_every,
            )
            if evaluating:
                num_steps = min(num_steps, self.eval_every - step % self.eval_every)
            began = time.perf_counter()
            metrics = self._train_fn(iterator, tf.constant(num_steps))
            metrics = {k: float(v) for k, v in metrics.items()}
            elapsed = time.perf_counter() - began
            step = self.step
            if metrics.pop("non_finite"):
                raise NonFiniteError(
                    f"Training stopped at step {step}: the loss ({metrics['loss']:.4g}) or the "
                    "gradients are NaN or infinite. Nothing of that step was saved; the newest "
                    f"checkpoint ({self.manager.latest_checkpoint or 'none'}) is intact. Lower "
                    "--learning-rate, or check the data."
                )
            metrics["lr"] = float(self._learning_rate(step))
            metrics["tokens/s"] = tokens_per_step * num_steps / elapsed
            self.history.append(dict(metrics, step=step))
            if writer is not None:
                self._append_history(dict(metrics, step=step))
                with writer.as_default(step=step):
                    for name, value in metrics.items():
                        tf.summary.scalar(name, value)
            if progress is not None:
                progress.update(step, metrics)
            stop = False
            if evaluating and (step % self.eval_every == 0 or step == max_steps):
                if progress is not None:
                    progress.break_line()
                stop = self._evaluate(step)
            if stop or step % self.checkpoint_every == 0 or step == max_steps:
                self._save(step)
            if stop:
                break
        if progress is not None:
            progress.finish()
        if writer is not None:
            writer.flush()
        return metrics

    def _save(self, step):
        """Saves a checkpoint and flushes it to disk; a save that fails (a full disk) leaves
        no temporary folder behind."""
        try:
            checkpoint_files.fsync_checkpoint(self.manager.save(checkpoint_number=step))
        except (OSError, tf.errors.OpError):
            checkpoint_files.remove_leftovers(self.manager.directory)
            raise

    def _learning_rate(self, step):
        optimizer = getattr(self.optimizer, "inner_optimizer", self.optimizer)
        schedule = optimizer._learning_rate
        if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
            return np.asarray(schedule(step))
        return np.asarray(optimizer.learning_rate)
