"""What an export starts from: a model folder (or an in-memory model) and its text settings."""

import dataclasses
import os

from keras_bert.export import serving

from keras_bert import model_dir, names, tasks
from keras_bert.checkpoints.sentence_transformers_folder import max_seq_length
from keras_bert.models import BertEncoder
from keras_bert.pretrained import from_pretrained
from keras_bert.text import BertPreprocessor, BertTokenizer

DEFAULT_SEQ_LENGTH = 128


@dataclasses.dataclass
class ExportSource:
    """A model with everything its serving graph needs.

    Attributes:
        model: the keras-bert model.
        tokenizer: a `BertTokenizer` (its vocabulary, casing and word limit; the mode is chosen
            per target by `preprocessor`).
        seq_length: packed length of the serving inputs.
        num_segments: 1, or 2 for pair tasks.
        name: the model name in the export folder.
        task: the model's `keras_bert.tasks` task.
        max_predictions: masked positions of a pretrainer's `mlm` signature.
        settings: the task's serving settings (`Task.serving_settings`), or None.
    """

    model: object
    tokenizer: BertTokenizer
    seq_length: int
    num_segments: int
    name: str
    task: object
    max_predictions: int = 20
    settings: object = None

    def preprocessor(self, mode):
        """A `BertPreprocessor` with this source's vocabulary in tokenizer `mode`."""
        tok = self.tokenizer
        tokenizer = BertTokenizer(tok.vocab, tok.lower_case, tok.max_chars_per_word, mode=mode)
        return BertPreprocessor(tokenizer, seq_length=self.seq_length)

    def archive(self, model, preprocessor, with_text_outputs=True):
        """`serving.build_archive` of `model` (this source's model, or a copy of it at
        another precision) with this source's settings."""
        return serving.build_archive(
            model,
            preprocessor,
            self.task,
            self.num_segments,
            with_text_outputs,
            self.max_predictions,
            self.settings,
        )


def resolve(
    model_dir_or_model,
    name=None,
    seq_length=None,
    tokenizer=None,
    num_segments=None,
    max_query_length=None,
    doc_stride=None,
    max_answer_length=None,
):
    """Reads a model folder (or takes a model) and fills in the export settings.

    Args:
        model_dir_or_model: the folder `keras-bert pretrain`/`finetune` write (model.keras,
            vocab.txt, keras_bert.json), a Google, Hugging Face or keras-hub checkpoint folder
            with its vocabulary, or a pretrained model's name (a Hugging Face Hub id, a
            `kaggle://` handle, a keras-hub preset name: `keras_bert.names`), read by
            `from_pretrained(task="auto")` (a fine-tuned classifier, tagger or span QA model
            exports with its head); or a keras-bert model (then `tokenizer` is required).
        name: model name in the export folder; default the folder's (or the hub model's)
            name, else the task.
        seq_length: default the folder's `seq_length` (a sentence-transformers folder's
            `max_seq_length`), else 128.
        tokenizer: a `BertTokenizer`; default the folder's vocabulary and settings.
        num_segments: 1 or 2; default the folder's task's (a Google or Hugging Face folder
            says nothing: pass 2 for a pair classifier). A span QA model takes 2.
        max_query_length, doc_stride, max_answer_length: a span QA model's question cut,
            window stride and longest answer; default the folder's (what `keras-bert
            finetune` trained and evaluated with), else
            `keras_bert.tasks.span_qa_serving.span_qa_settings`' defaults.

    Returns:
        `ExportSource`.
    """
    metadata = {}
    if isinstance(model_dir_or_model, (str, os.PathLike)):
        folder = names.resolve(model_dir_or_model)
        if model_dir.is_model_dir(folder):
            model, metadata = model_dir.load_model_dir(folder)
        else:  # a Google or Hugging Face checkpoint: the model it holds, head included
            model = from_pretrained(folder, task="auto")
            metadata = {"seq_length": max_seq_length(folder)}  # a sentence-transformers limit
        if tokenizer is None:
            tokenizer = BertTokenizer.from_pretrained(folder)
        name = name or names.model_name(model_dir_or_model)
    else:
        model = model_dir_or_model
        if tokenizer is None:
            raise ValueError(
                "Exporting an in-memory model needs tokenizer=BertTokenizer(...); or pass the "
                "model folder that `keras-bert finetune` wrote."
            )
    if num_segments is None:
        num_segments = model_dir.num_segments(metadata)
    if num_segments not in (1, 2):
        raise ValueError(f"num_segments={num_segments}; a text signature takes 1 or 2 texts.")
    task = tasks.of_model(model, num_segments)
    if metadata.get("task"):  # the task the folder was fine-tuned for, where it still applies
        folder_task = tasks.get(metadata["task"])
        if folder_task.holds(model) and folder_task.num_segments in (None, num_segments):
            task = folder_task
    num_segments = task.num_segments or num_segments
    name = name or task.name
    seq_length = int(seq_length or metadata.get("seq_length") or DEFAULT_SEQ_LENGTH)
    encoder = model if isinstance(model, BertEncoder) else model.encoder
    max_positions = encoder.config.max_position_embeddings
    if not num_segments + 1 < seq_length <= max_positions:
        raise ValueError(
            f"seq_length={seq_length} is out of range for this model: it needs room for "
            f"{num_segments + 1} special tokens and at most {max_positions} positions."
        )
    if tokenizer.vocab_size != encoder.config.vocab_size:
        raise ValueError(
            f"The vocabulary has {tokenizer.vocab_size} tokens but the model's vocab_size is "
            f"{encoder.config.vocab_size}; export with the model's own vocab.txt."
        )
    max_predictions = int(metadata.get("max_predictions_per_seq") or 20)
    flags = {
        "max_query_length": max_query_length,
        "doc_stride": doc_stride,
        "max_answer_length": max_answer_length,
    }
    if any(value is not None for key, value in flags.items() if key not in task.serving_flags):
        raise ValueError(
            f"--max-query-length, --doc-stride and --max-answer-length set how a span QA model "
            f"reads and answers; {name} is a {task.name} model: drop them."
        )
    settings = task.serving_settings(seq_length, metadata, flags)
    return ExportSource(
        model, tokenizer, seq_length, num_segments, name, task, max_predictions, settings
    )
