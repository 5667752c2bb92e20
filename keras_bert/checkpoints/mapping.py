"""The strict name -> weight matching that every checkpoint format shares.

`bert_weights(model)` lists the weights of a `BertEncoder`, `BertPretrainer` or task model
once, under their canonical names: Google's original TF1 variable names and shapes
(`bert/encoder/layer_0/attention/self/query/kernel` `[hidden, hidden]`, ..., a task head as its
fine-tuning script names it: `output_weights`, `cls/squad/output_weights`). Each format
translates a canonical name into its own name and layout (a `FileWeight`), and
`check_names` / `load_weights` match a file against the model strictly:

- every Keras weight receives a value: names the file lacks are an error listing them, except
  `optional` ones a format may leave out (transformers saves some models without a pooler),
  which keep their initial value and are returned so the caller can say so;
- a shape mismatch is an error naming the variable and both shapes;
- names the format skips on purpose (optimizer slots such as `adam_m`, `adam_v`,
  `global_step`) are ignored;
- names the format knows but this model has no place for (`unused`: the pretraining heads when
  loading an encoder, the task heads of a fine-tuned checkpoint) are ignored; every other name
  left over is an error listing them, so a checkpoint of another architecture never loads
  partially;
- `ties` are file names that must hold exactly the value of another file name (Hugging Face's
  decoder weight is the word-embedding table): checked, then dropped.

Matching needs only `(name, shape)` pairs, so a checkpoint can be validated without its values.
Nothing is assigned until every check passed and every value was read.
"""

import dataclasses

import keras
import numpy as np

from keras_bert import tasks
from keras_bert.finite import check_finite
from keras_bert.models.encoder import BertEncoder
from keras_bert.models.pretrainer import BertPretrainer
from keras_bert.tasks.pretraining import PRETRAINING

# Google's names of the pretraining heads' weights (`cls/...`), in the order written.
HEAD_KEYS = PRETRAINING.head_keys
# The task heads google-research/bert's fine-tuning scripts add (`run_classifier.py`:
# `output_weights` `[labels, hidden]` and `output_bias`; `run_squad.py`: `cls/squad/...`), as
# the tasks declare them: loaded into a task model's head, ignored when an encoder or pretrainer
# loads.
TASK_HEAD_KEYS = tuple(
    dict.fromkeys(
        key for task in tasks.every_task() if task is not PRETRAINING for key in task.head_keys
    )
)

# The heads `task_of_heads` looks for in a checkpoint, in this order; none: the encoder.
_DETECTED_TASKS = ("squad", "classification", "pretraining")

# How many names an error message lists before it says how many there are in all.
_MAX_LISTED = 12


@dataclasses.dataclass(frozen=True)
class BertWeight:
    """One Keras weight under its canonical (Google) name.

    Attributes:
        key: Google's variable name, e.g. `bert/embeddings/word_embeddings`.
        variable: the Keras variable.
        shape: Google's shape: kernels `[in, out]` (attention heads merged), flat biases.
        transposed: True where Google stores the transpose of the Keras kernel
            (`cls/seq_relationship/output_weights` is `[2, hidden]`).
    """

    key: str
    variable: keras.Variable
    shape: tuple
    transposed: bool = False


@dataclasses.dataclass(frozen=True)
class FileWeight:
    """Where one `BertWeight` lives in a checkpoint format.

    Attributes:
        name: the name in the file.
        shape: the shape in the file.
        transpose: True where the file stores the transpose of the Keras weight flattened to
            2-D (`[out, in]` instead of `[in, out]`).
        weight: the `BertWeight`.
    """

    name: str
    shape: tuple
    transpose: bool
    weight: BertWeight

    def to_keras(self, array):
        """The file's array in the Keras variable's shape."""
        array = np.asarray(array)
        if self.transpose:
            array = array.T
        return array.reshape(self.weight.variable.shape)

    def from_keras(self):
        """The Keras variable's value in the file's shape and layout, as numpy."""
        value = keras.ops.convert_to_numpy(self.weight.variable)
        if self.transpose:
            return np.ascontiguousarray(value.reshape(self.shape[::-1]).T)
        return value.reshape(self.shape)


def _listing(names):
    names = list(names)
    shown = ", ".join(names[:_MAX_LISTED])
    if len(names) > _MAX_LISTED:
        shown += f", ... ({len(names)} in all)"
    return shown


def encoder_of(model):
    """The `BertEncoder` of a `BertEncoder` or `BertPretrainer`; a `TypeError` for others."""
    if isinstance(model, BertPretrainer):
        return model.encoder
    if isinstance(model, BertEncoder):
        return model
    raise TypeError(
        f"Checkpoint formats hold a BertEncoder or a BertPretrainer, got {type(model).__name__}; "
        "pass model.encoder to use the encoder of a task model."
    )


def task_of_heads(names, file_name=str):
    """The task whose head a checkpoint holds (`from_pretrained(task="auto")`), by its
    weights' `names` (`file_name`: a Google name as the file spells it): SQuAD's span head, a
    classifier's head, the pretraining heads, else none (the encoder)."""
    for task in map(tasks.get, _DETECTED_TASKS):
        if file_name(task.head_keys[0]) in names:
            return task
    return tasks.get("encoder")


def _task_head_keys(model):
    """Google's names of a task model's head weights (`Task.head_keys`)."""
    try:
        return tasks.of_model(model).head_keys
    except TypeError:  # not a keras-bert model: `encoder_of` names what formats hold
        return ()


def bert_weights(model):
    """The weights of a `BertEncoder`, `BertPretrainer` or task model (its task's head_keys) under
    their canonical names.

    Raises a `TypeError` for other models, and a `ValueError` if the model has a weight this
    table does not name (so a change in the layers cannot make a format silently skip it).
    """
    head_keys = () if isinstance(model, (BertEncoder, BertPretrainer)) else _task_head_keys(model)
    encoder = model.encoder if head_keys else encoder_of(model)
    hidden = encoder.config.hidden_size
    emb = encoder.embeddings
    weights = [
        ("bert/embeddings/word_embeddings", emb.word_embeddings.embeddings),
        ("bert/embeddings/token_type_embeddings", emb.type_embeddings.embeddings),
        ("bert/embeddings/position_embeddings", emb.position_embeddings),
        ("bert/embeddings/LayerNorm/gamma", emb.layer_norm.gamma),
        ("bert/embeddings/LayerNorm/beta", emb.layer_norm.beta),
    ]
    for i, block in enumerate(encoder.transformer_layers):
        prefix = f"bert/encoder/layer_{i}/"
        attention = block.attention
        layers = (
            ("attention/self/query", attention.query),
            ("attention/self/key", attention.key),
            ("attention/self/value", attention.value),
            ("attention/output/dense", attention.output_dense),
            ("intermediate/dense", block.intermediate),
            ("output/dense", block.output_dense),
        )
        for name, layer in layers:
            weights.append((prefix + name + "/kernel", layer.kernel))
            weights.append((prefix + name + "/bias", layer.bias))
        for name, norm in (
            ("attention/output/LayerNorm", block.attention_layer_norm),
            ("output/LayerNorm", block.output_layer_norm),
        ):
            weights.append((prefix + name + "/gamma", norm.gamma))
            weights.append((prefix + name + "/beta", norm.beta))
    weights.append(("bert/pooler/dense/kernel", encoder.pooler.kernel))
    weights.append(("bert/pooler/dense/bias", encoder.pooler.bias))
    if isinstance(model, BertPretrainer):
        mlm, nsp = model.mlm_head, model.nsp_head
        heads = (
            mlm.transform.kernel,
            mlm.transform.bias,
            mlm.layer_norm.gamma,
            mlm.layer_norm.beta,
            mlm.output_bias,
            nsp.dense.kernel,
            nsp.dense.bias,
        )
        weights.extend(zip(HEAD_KEYS, heads))
    if head_keys:
        weights.extend(zip(head_keys, (model.head.dense.kernel, model.head.dense.bias)))

    # Google's shapes: attention kernels [hidden, heads, head_size] and [heads, head_size,
    # hidden] are [hidden, hidden] there, attention biases are flat.
    out = []
    for key, variable in weights:
        shape = tuple(int(d) for d in variable.shape)
        transposed = key.endswith("output_weights")  # Google's `[out, in]` head matrices
        if transposed:
            shape = shape[::-1]
        elif len(shape) == 3:
            shape = (hidden, hidden)
        elif key.endswith("/bias"):
            shape = (int(np.prod(shape)),)
        out.append(BertWeight(key, variable, shape, transposed))

    listed = {id(w.variable) for w in out}
    forgotten = [v.path for v in model.weights if id(v) not in listed]
    if forgotten:
        raise ValueError(
            f"{type(model).__name__} has weight(s) no checkpoint format names: "
            f"{_listing(forgotten)}."
        )
    return out


def check_names(file_weights, shapes, source, skip=None, unused=(), ties=None, optional=()):
    """Checks a file's `(name -> shape)` against the weights the model needs.

    Args:
        file_weights: the model's `FileWeight`s in this format.
        shapes: dict from every name in the file to its shape.
        source: how errors name the file.
        skip: `skip(name)` is True for names ignored on purpose (optimizer state).
        unused: names the format knows but this model does not load.
        ties: dict from a file name to the file name whose value it must equal.
        optional: names of the model's weights the file may lack.

    Returns:
        The optional names the file lacks, in the model's order.

    Raises:
        ValueError: names missing, shapes that differ, or names left over (one line each).
    """
    ties = ties or {}
    missing = [fw.name for fw in file_weights if fw.name not in shapes and fw.name not in optional]
    if missing:
        raise ValueError(
            f"{source} lacks {len(missing)} variable(s) the model needs: {_listing(missing)}."
        )
    wrong = [
        f"{fw.name} is {list(shapes[fw.name])} in the checkpoint but the model needs "
        f"{list(fw.shape)}"
        for fw in file_weights
        if fw.name in shapes and tuple(shapes[fw.name]) != tuple(fw.shape)
    ]
    wrong += [
        f"{alias} is {list(shapes[alias])} in the checkpoint but must equal {target} "
        f"{list(shapes[target])}"
        for alias, target in ties.items()
        if alias in shapes and target in shapes and tuple(shapes[alias]) != tuple(shapes[target])
    ]
    if wrong:
        raise ValueError(
            f"{source} does not fit the model's shapes (check the config): {'; '.join(wrong)}."
        )
    expected = {fw.name for fw in file_weights} | set(unused) | set(ties)
    left = sorted(n for n in shapes if n not in expected and not (skip and skip(n)))
    if left:
        raise ValueError(
            f"{source} has {len(left)} variable(s) the model has no place for: {_listing(left)}; "
            "keras-bert loads no checkpoint partially (is it a BERT of this architecture?)."
        )
    return [fw.name for fw in file_weights if fw.name not in shapes]


def _read_finite(read, name, source):
    """`read(name)`, with a file that cannot be read (truncated, damaged) or that holds NaN or
    infinity named in the error."""
    try:
        value = read(name)
    except Exception as error:  # each format's reader raises its own kind
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(
            f"{source} is damaged or truncated: reading {name} failed ({reason}); download or "
            "copy the checkpoint again."
        ) from error
    check_finite(value, name, source)
    return value


def load_weights(file_weights, shapes, read, source, skip=None, unused=(), ties=None, optional=()):
    """Checks names and shapes (`check_names`), reads every value, then assigns them all.

    `read(name)` returns the file's array for `name`. Tied names are read and must equal
    their target exactly. Returns the `optional` names the file lacks (left unassigned).
    """
    ties = ties or {}
    absent = check_names(
        file_weights, shapes, source, skip=skip, unused=unused, ties=ties, optional=optional
    )
    file_weights = [fw for fw in file_weights if fw.name in shapes]
    values = {fw.name: _read_finite(read, fw.name, source) for fw in file_weights}
    for alias, target in ties.items():
        if alias in shapes and target in values and not np.array_equal(read(alias), values[target]):
            raise ValueError(
                f"{source}: {alias} differs from {target}; keras-bert ties them (one shared "
                "matrix) and cannot load an untied checkpoint."
            )
    for fw in file_weights:
        variable = fw.weight.variable
        variable.assign(fw.to_keras(values[fw.name]).astype(variable.dtype))
    return absent


def export_weights(file_weights):
    """dict from each file name to the model's value in the file's layout (numpy)."""
    return {fw.name: fw.from_keras() for fw in file_weights}
