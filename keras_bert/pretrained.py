"""`from_pretrained` / `save_pretrained`: BERT checkpoints in, and out, of keras-bert.

`from_pretrained(name)` takes a folder or a name (`keras_bert.names`: Hugging Face Hub ids,
`hf://`, `kaggle://`, keras-hub preset names), and recognizes the folder by its files
(`checkpoints.formats`):

    keras_bert.json                                     keras-bert's own model folder
    config.json + model.weights.h5                      a keras-hub preset (`save_to_preset`)
    bert_config.json + bert_model.ckpt.index/.data-*    Google's TF1 checkpoint
    config.json + model.safetensors (or .bin)           Hugging Face (also sentence-transformers
                                                        folders: modules.json, 0_Transformer/;
                                                        task="embedding" reads their pooling)
"""

import os
import shutil

from keras_bert import names, tasks
from keras_bert.checkpoints import (
    formats,
    google,
    huggingface,
    keras_hub,
    sentence_transformers_folder,
)
from keras_bert.checkpoints.mapping import task_of_heads
from keras_bert.config import BertConfig
from keras_bert.model_dir import load_model_dir
from keras_bert.models.encoder import BertEncoder
from keras_bert.models.pretrainer import BertPretrainer
from keras_bert.models.task import BertTask
from keras_bert.models.text_embedder import BertTextEmbedder

FORMATS = ("huggingface", "google")


def _build(config, task, shapes, file_name, source, label_names=None, embedding=None):
    """The model of `task`; a classifier's size comes from the checkpoint's head (`shapes`,
    by file name, `file_name` spelling a Google name), an embedder's settings from
    `embedding` (`sentence_transformers_folder.embedding_settings`, or None: the defaults)."""
    encoder = BertEncoder(config)
    if not task.labelled_head:
        return task.build(encoder, **(embedding or {}))
    head_name = file_name(task.head_keys[0])
    if head_name not in shapes:
        raise ValueError(
            f"{source} has no {task.name} head ({head_name}); load its encoder with "
            "task='encoder' and fine-tune a head on it."
        )
    count = int(shapes[head_name][0])
    if label_names is not None and len(label_names) != count:
        label_names = None
    return task.build(encoder, count, label_names)


def _model_for_task(model, task, path):
    """A keras-bert folder's `model` as `task` asks: itself, its encoder, or its encoder in an
    embedder; another task's model is an error."""
    if task == "auto":
        return model
    cls = tasks.get(task).model_class
    encoder = model.encoder if isinstance(model, BertTask) else model
    if cls is BertEncoder:
        return encoder
    if cls is BertTextEmbedder and not isinstance(model, cls):
        return BertTextEmbedder(encoder)
    if not isinstance(model, cls):
        raise ValueError(
            f"{path} holds a {type(model).__name__}, not a {cls.__name__}; load it with "
            "task='encoder'."
        )
    return model


def _with_weights(model):
    """The model a checkpoint loads into: an embedder's encoder (its pooling has no weights)."""
    return model.encoder if isinstance(model, BertTextEmbedder) else model


def from_pretrained(path, task="encoder", allow_pickle=False, revision=None):
    """Builds a model from a checkpoint folder or a pretrained model's name and loads its
    weights exactly.

    Args:
        path: a keras-bert model folder, a Google TF1 BERT folder, a Hugging Face BERT
            folder, a keras-hub preset folder (see the module docstring), or a name: a
            Hugging Face Hub id (`google-bert/bert-base-uncased`, `hf://ORG/NAME`), a
            `kaggle://` handle or a keras-hub preset name (`bert_base_en_uncased`), fetched
            into (or, offline, read from) its hub's cache (`keras_bert.names`). keras-hub
            presets compute the tanh GELU, as keras-hub's BERT does; a `BertTextClassifier`
            preset loads as a `BertClassifier` with its head (task "classification" or
            "auto"), any preset as an encoder.
        task: "encoder" returns a `BertEncoder`; "pretraining" a `BertPretrainer` with the
            masked-LM and next-sentence heads loaded (an error names the head variables a
            checkpoint lacks); "classification", "token_classification" and "squad" return
            the fine-tuned `BertClassifier` (regression when the head has one output),
            `BertTokenClassifier` or `BertSpanQA` of a fine-tuned checkpoint
            (transformers' `BertForSequenceClassification`, `BertForTokenClassification`,
            `BertForQuestionAnswering`, with the label names of its `id2label`;
            google-research/bert's `run_classifier.py` / `run_squad.py` output; or a
            keras-bert model folder of that task); "embedding" a `BertTextEmbedder` with a
            sentence-transformers folder's pooling and normalization (`modules.json`,
            `1_Pooling/config.json`, `Normalize`), and mean pooling without normalization
            for other folders; "auto" returns whatever the folder holds: a keras-bert model
            as saved, a sentence-transformers folder's embedder, else the model of the heads
            the checkpoint has (a `classifier` / `output_weights` head is a sequence
            classifier's unless transformers' `architectures` says
            `BertForTokenClassification`). Any other task name (`keras_bert.tasks`:
            "pair_classification", "regression", ..., or a task of your own registered with
            `keras_bert.tasks.register`) returns that task's model (`Task.build`).
        allow_pickle: read a Hugging Face `pytorch_model.bin` (a pickle) through
            `torch.load(weights_only=True)`; only for files you trust.
        revision: the branch, tag or commit of a Hugging Face Hub id (default: `main`).

    Returns:
        The model. Every weight comes from the checkpoint; names the model has no place for,
        other than optimizer state and heads a `task="encoder"` load leaves out, are an error.
    """
    if task != "auto" and task not in tasks.names():
        known = ", ".join(tasks.names() + ("auto",))
        raise ValueError(f"Unknown task {task!r}; use one of {known}.")
    folder = formats.require(names.resolve(path, revision, allow_pickle))
    path = folder.path
    if folder.format == formats.KERAS_BERT:
        model, _ = load_model_dir(path)
        return _model_for_task(model, task, path)
    wanted = None if task == "auto" else tasks.get(task)
    embedder = wanted is not None and wanted.model_class is BertTextEmbedder
    if folder.format == formats.KERAS_HUB:
        if embedder:
            return BertTextEmbedder(keras_hub.load_preset(path, tasks.get("encoder")))
        return keras_hub.load_preset(path, wanted)
    if folder.format == formats.GOOGLE:
        config = BertConfig.from_json(os.path.join(path, google.CONFIG_FILE), source="google")
        prefix = google.find_checkpoint(path)
        shapes = google.read_shapes(prefix)
        model = _build(
            config, wanted or task_of_heads(shapes), shapes, str, f"TF checkpoint {prefix}"
        )
        google.load_google_checkpoint(_with_weights(model), prefix)
        return model
    model_folder = folder.model_path  # the format left: Hugging Face
    config, values = huggingface.read_config(model_folder)
    checkpoint = huggingface.read_checkpoint(model_folder, allow_pickle)
    shapes = checkpoint[0]
    embedding = None
    if wanted is None or embedder:
        embedding = sentence_transformers_folder.embedding_settings(path, config.hidden_size)
    if wanted is None:
        wanted = (
            tasks.get("embedding") if embedding else huggingface.fine_tuned_task(values, shapes)
        )
    model = _build(
        config,
        wanted,
        shapes,
        huggingface.huggingface_name,
        f"Hugging Face checkpoint {model_folder}",
        huggingface.label_names(values),
        embedding,
    )
    huggingface.load_huggingface_checkpoint(
        _with_weights(model), model_folder, checkpoint=checkpoint
    )
    return model


def save_pretrained(model, path, format="huggingface", vocab_file=None):
    """Writes a model so other BERT code can load it, with its tokenizer's files.

    Args:
        model: a `BertEncoder` (written as Hugging Face's `BertModel`, or Google's `bert/*`
            variables), a `BertPretrainer` (`BertForPreTraining`, or Google's `bert/*` and
            `cls/*` variables), or, as Hugging Face folders only, a `BertClassifier`
            (`BertForSequenceClassification`), `BertTokenClassifier`
            (`BertForTokenClassification`) or `BertSpanQA` (`BertForQuestionAnswering`),
            with `num_labels`, `id2label` and `label2id` from its `label_names`.
        path: the folder to write (created).
        format: "huggingface" (`config.json` + `model.safetensors`) or "google"
            (`bert_config.json` + `bert_model.ckpt.index/.data-00000-of-00001`).
        vocab_file: copied in as `vocab.txt` when given. Without it, a model that carries a
            preprocessor writes its tokenizer's vocabulary. With a vocabulary, a Hugging Face
            folder also gets `tokenizer_config.json` (`do_lower_case` as the preprocessor
            lower-cases; uncased without one), so transformers' `AutoTokenizer` loads it.

    Examples:

    ```python
    keras_bert.save_pretrained(classifier, "my_classifier")
    # transformers.AutoModelForSequenceClassification.from_pretrained("my_classifier")
    ```
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown checkpoint format {format!r}; use one of {', '.join(FORMATS)}.")
    if vocab_file is not None and not os.path.isfile(vocab_file):
        raise FileNotFoundError(f"Vocabulary file {vocab_file} does not exist.")
    if format == "google" and isinstance(model, BertTask) and not isinstance(model, BertPretrainer):
        raise ValueError(
            f"Google folders hold an encoder or a pretrainer, not a {type(model).__name__}; "
            "save it with format='huggingface', or pass model.encoder."
        )
    if format == "huggingface":
        huggingface.save_huggingface_folder(model, path)
    else:
        google.save_google_folder(model, path)
    preprocessor = getattr(model, "preprocessor", None)
    vocab_path = os.path.join(path, "vocab.txt")
    if vocab_file is not None:
        shutil.copyfile(vocab_file, vocab_path)
    elif preprocessor is not None:
        preprocessor.tokenizer.write_vocab(vocab_path)
    if format == "huggingface" and os.path.isfile(vocab_path):
        huggingface.write_tokenizer_config(
            path,
            preprocessor.tokenizer.lower_case if preprocessor is not None else True,
            preprocessor.seq_length if preprocessor is not None else None,
        )
