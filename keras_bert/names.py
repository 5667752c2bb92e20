"""Names of pretrained models -> a local folder: the one place where a name is resolved.

`resolve(name)` takes what a user types and returns a folder on disk, which `from_pretrained`
and `BertTokenizer.from_pretrained` then read by its files (`checkpoints.formats`):

    a folder on disk                      itself
    hf://ORG/NAME, ORG/NAME or NAME       a snapshot in the Hugging Face cache
                                          ($HF_HOME/hub/models--ORG--NAME/snapshots/COMMIT),
                                          through `huggingface_hub` (HF_HOME, HF_ENDPOINT,
                                          HF_HUB_OFFLINE, HF_TOKEN); `revision=` picks a
                                          branch, tag or commit
    kaggle://OWNER/MODEL/keras/VARIANT[/VERSION]
                                          the keras-hub preset in kagglehub's cache
                                          ($KAGGLEHUB_CACHE/models/OWNER/MODEL/keras/VARIANT/
                                          VERSION), through `kagglehub`
    a keras-hub preset name               its `kaggle://` handle, as keras-hub resolves it
    (bert_base_en_uncased, ...)           (`keras_hub.models.BertBackbone.presets`)

Only the files a BERT model needs are downloaded: `config.json`, the weights
(`model.safetensors`, else the shards that `model.safetensors.index.json` lists, else
`pytorch_model.bin` when pickles are allowed), `vocab.txt` (else `tokenizer.json`),
`tokenizer_config.json`, and for sentence-transformers repositories `modules.json`,
`sentence_bert_config.json` and each module's `config.json`; of a keras-hub preset, its
`config.json`, `model.weights.h5` (or `model.weights.json` and its shards), `tokenizer.json`
and `assets/tokenizer/vocabulary.txt`, and a task preset's `task.json`, `task.weights.h5` and
`preprocessor.json`.

A cached name loads without the network: with `HF_HUB_OFFLINE=1`, or when the hub cannot be
reached, the cached snapshot of the revision is used. A name that is not cached then fails at
once with one line that names it and says how to fetch it.
"""

import json
import os

from keras_bert.config import BertConfig

HF_PREFIX = "hf://"
KAGGLE_PREFIX = "kaggle://"
# Seconds to wait for the hub to answer before falling back to the cache.
HUB_TIMEOUT = 10

# Files of a Hugging Face repository, in the order they are looked for.
_HF_CONFIG = "config.json"
_HF_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
_HF_PICKLE = "pytorch_model.bin"
_HF_TOKENIZER = ("vocab.txt", "tokenizer_config.json")
_HF_FAST_TOKENIZER = "tokenizer.json"
_ST_MODULES = "modules.json"
_ST_SETTINGS = "sentence_bert_config.json"
_ST_TRANSFORMER = "sentence_transformers.models.Transformer"

# Files of a keras-hub preset (keras_hub/src/utils/preset_utils.py), by their repository paths.
KERAS_HUB_WEIGHTS = "model.weights.h5"
KERAS_HUB_SHARDED_WEIGHTS = "model.weights.json"
KERAS_HUB_TOKENIZER = "tokenizer.json"
KERAS_HUB_VOCAB = "assets/tokenizer/vocabulary.txt"
_KERAS_HUB_FILES = ("config.json", KERAS_HUB_TOKENIZER, KERAS_HUB_VOCAB)
# A task preset's (`BertTextClassifier.save_to_preset`), fetched when there.
_KERAS_HUB_TASK_FILES = ("task.json", "task.weights.h5", "preprocessor.json")
_KERAS_HUB_MARKER = "metadata.json"


def resolve(name, revision=None, allow_pickle=False):
    """The local folder that `name` stands for, fetched into its library's cache if needed.

    Args:
        name: a folder, a Hugging Face Hub id (`google-bert/bert-base-uncased`, with or
            without `hf://`), a `kaggle://` handle or a keras-hub preset name (see the module
            docstring).
        revision: a Hugging Face branch, tag or commit (default: `main`); only for Hub ids.
        allow_pickle: also fetch `pytorch_model.bin` from a repository that has no
            safetensors weights.

    Returns:
        The folder's path.
    """
    name = os.fspath(name)
    if os.path.exists(name):
        _refuse_revision(revision, name, "a local path")
        return name
    if name.startswith(KAGGLE_PREFIX):
        _refuse_revision(revision, name, "a Kaggle handle (its version is the last part)")
        return _kaggle_folder(name[len(KAGGLE_PREFIX) :])
    if name in BertConfig.sizes():
        raise ValueError(
            f"{name!r} is a model size, not a pretrained model; BertEncoder.from_size({name!r}) "
            f"(--random-init-size {name} on the command line) gives random weights of that size."
        )
    if name.startswith(HF_PREFIX):
        return _huggingface_folder(name[len(HF_PREFIX) :], revision, allow_pickle)
    if "/" not in name:
        handle = _keras_hub_preset_handle(name)
        if handle is not None:
            _refuse_revision(revision, name, "a keras-hub preset")
            return _kaggle_folder(handle[len(KAGGLE_PREFIX) :])
    if not _is_repo_id(name):
        raise FileNotFoundError(f"Checkpoint folder {name} does not exist.")
    return _huggingface_folder(name, revision, allow_pickle)


def model_name(name):
    """A short name for what `name` stands for (an export folder's model name): a folder's
    own name, a Hub repository's name, a Kaggle variant or a preset name."""
    name = os.fspath(name)
    if name.startswith(KAGGLE_PREFIX):
        parts = name[len(KAGGLE_PREFIX) :].split("/")
        return parts[3] if len(parts) > 3 else parts[-1]
    if name.startswith(HF_PREFIX):
        name = name[len(HF_PREFIX) :]
    return os.path.basename(os.path.normpath(name))


def _refuse_revision(revision, name, what):
    if revision is not None:
        raise ValueError(
            f"revision={revision!r} applies to Hugging Face Hub ids; {name} is {what}."
        )


def _is_repo_id(name):
    from huggingface_hub.utils import HFValidationError, validate_repo_id  # noqa: PLC0415

    if name.count("/") > 1:
        return False
    try:
        validate_repo_id(name)
    except HFValidationError:
        return False
    return True


# Hugging Face Hub


def _huggingface_files(files, allow_pickle, read_json):
    """The files of a repository (`files`: its file names) that a BERT model needs, or None
    when it has no config or no weights keras-bert reads. `read_json(file)` gives a listed
    JSON file's content (a shard index, `modules.json`)."""
    files = set(files)
    if _KERAS_HUB_MARKER in files and (
        KERAS_HUB_WEIGHTS in files or KERAS_HUB_SHARDED_WEIGHTS in files
    ):
        return _keras_hub_files(files, read_json)
    wanted = []
    folders = [""]
    if _ST_MODULES in files:
        wanted += [_ST_MODULES] + ([_ST_SETTINGS] if _ST_SETTINGS in files else [])
        for module in read_json(_ST_MODULES):
            path = module.get("path", "").strip("/")
            if module.get("type") == _ST_TRANSFORMER:
                folders = [path]
            elif f"{path}/config.json" in files:
                wanted.append(f"{path}/config.json")
    if "0_Transformer/config.json" in files:
        folders.append("0_Transformer")
    for folder in folders:
        prefix = f"{folder}/" if folder else ""
        if prefix + _HF_CONFIG not in files:
            continue
        weights = _huggingface_weights(files, prefix, allow_pickle, read_json)
        if weights is None:
            continue
        tokenizer = [prefix + f for f in _HF_TOKENIZER if prefix + f in files]
        if prefix + "vocab.txt" not in files and prefix + _HF_FAST_TOKENIZER in files:
            tokenizer.append(prefix + _HF_FAST_TOKENIZER)
        return wanted + [prefix + _HF_CONFIG] + weights + tokenizer
    return None


def _huggingface_weights(files, prefix, allow_pickle, read_json):
    single, index = (prefix + f for f in _HF_WEIGHTS)
    if single in files:
        return [single]
    if index in files:
        shards = sorted(set(read_json(index).get("weight_map", {}).values()))
        return [index] + [prefix + shard for shard in shards]
    if prefix + _HF_PICKLE in files:
        if not allow_pickle:
            raise ValueError(
                f"{prefix + _HF_PICKLE} is the only weights file, a pickle, which can run code "
                "when loaded; pass allow_pickle=True if you trust it."
            )
        return [prefix + _HF_PICKLE]
    return None


def _keras_hub_files(files, read_json):
    wanted = [f for f in _KERAS_HUB_FILES + _KERAS_HUB_TASK_FILES if f in files]
    if KERAS_HUB_WEIGHTS in files:
        return wanted + [KERAS_HUB_WEIGHTS]
    return (
        wanted
        + [KERAS_HUB_SHARDED_WEIGHTS]
        + _keras_hub_shards(read_json(KERAS_HUB_SHARDED_WEIGHTS))
    )


def _keras_hub_shards(index):
    """The shard files a keras-hub `model.weights.json` (`index`) lists."""
    shards = set()
    for value in index.get("weight_map", {}).values():
        shards.update(value if isinstance(value, list) else [value])
    return sorted(shards)


def _how_to_get_huggingface(repo_id, revision):
    at = f" --revision {revision}" if revision else ""
    return (
        f"run `hf download {repo_id}{at} --include '*.json' --include '*.safetensors' --include "
        "'*.txt'` on a machine with network (same HF_HOME), or pass a local folder"
    )


def _huggingface_folder(repo_id, revision, allow_pickle):
    import huggingface_hub  # noqa: PLC0415 - imported on use, like the other hubs' clients
    from huggingface_hub import constants, errors  # noqa: PLC0415

    if not _is_repo_id(repo_id):
        raise ValueError(
            f"{repo_id!r} is not a Hugging Face Hub id; ids look like ORG/NAME "
            "(google-bert/bert-base-uncased)."
        )
    try:
        info = huggingface_hub.HfApi().model_info(repo_id, revision=revision, timeout=HUB_TIMEOUT)
    except errors.GatedRepoError:
        raise PermissionError(
            f"{repo_id} is gated on the Hugging Face Hub: accept its terms on its page and log in "
            "(`hf auth login`, or set HF_TOKEN)."
        ) from None
    except errors.RepositoryNotFoundError:
        raise FileNotFoundError(
            f"{repo_id} is neither a local folder nor a model on the Hugging Face Hub (a private "
            "one needs `hf auth login` or HF_TOKEN)."
        ) from None
    except errors.RevisionNotFoundError:
        raise FileNotFoundError(
            f"{repo_id} has no revision {revision!r} on the Hugging Face Hub."
        ) from None
    except Exception as error:  # offline, unreachable, timed out, server error: use the cache
        reason = (
            "HF_HUB_OFFLINE is set"
            if constants.HF_HUB_OFFLINE
            else f"the Hub cannot be reached ({type(error).__name__})"
        )
        return _cached_huggingface_folder(repo_id, revision, allow_pickle, reason)
    files = [s.rfilename for s in info.siblings or ()]
    # The first download records the revision's commit (refs/REVISION), for offline use; the
    # others are pinned to that commit.
    pinned = []

    def fetch(file):
        path = huggingface_hub.hf_hub_download(repo_id, file, revision=(pinned or [revision])[0])
        if not pinned:
            pinned.append(os.path.basename(_snapshot_of(path, file)))
        return path

    def read_json(file):
        with open(fetch(file), encoding="utf-8") as f:
            return json.load(f)

    if _HF_CONFIG in files and "model_type" in read_json(_HF_CONFIG):
        # A transformers config: refuse another architecture before fetching its weights.
        BertConfig.from_json(fetch(_HF_CONFIG), source="huggingface")
    wanted = _huggingface_files(files, allow_pickle, read_json)
    if wanted is None:
        raise ValueError(
            f"{repo_id} has no BERT checkpoint keras-bert reads: it needs config.json and "
            "model.safetensors (or its shards' model.safetensors.index.json), or a keras-hub "
            "preset's config.json and model.weights.h5."
        )
    try:
        paths = [fetch(file) for file in wanted]
    except Exception as error:  # the connection broke off: what the cache has may do
        reason = f"the download failed ({type(error).__name__})"
        return _cached_huggingface_folder(repo_id, revision, allow_pickle, reason)
    return _snapshot_of(paths[0], wanted[0])


def _snapshot_of(path, file):
    """The snapshot folder that holds `path`, the local copy of the repository's `file`."""
    for _ in file.split("/"):
        path = os.path.dirname(path)
    return path


def _cached_huggingface_folder(repo_id, revision, allow_pickle, reason):
    from huggingface_hub import try_to_load_from_cache  # noqa: PLC0415

    cached = [
        try_to_load_from_cache(repo_id, f, revision=revision) for f in (_HF_CONFIG, _ST_MODULES)
    ]
    cached = [path for path in cached if isinstance(path, str)]
    if cached:
        snapshot = os.path.dirname(cached[0])
        files = [
            os.path.relpath(os.path.join(root, f), snapshot).replace(os.sep, "/")
            for root, _, names in os.walk(snapshot)
            for f in names
        ]

        def read_json(file):
            with open(os.path.join(snapshot, file), encoding="utf-8") as f:
                return json.load(f)

        wanted = _huggingface_files(files, allow_pickle, read_json)
        if wanted is not None and all(f in files for f in wanted):
            return snapshot
    what = f"{repo_id} (revision {revision})" if revision else repo_id
    raise FileNotFoundError(
        f"{what} is not in the Hugging Face cache and {reason}: "
        f"{_how_to_get_huggingface(repo_id, revision)}."
    )


# keras-hub presets and Kaggle


def _keras_hub_preset_handle(name):
    """keras-hub's `kaggle://` handle for a preset name of its registry, or None."""
    try:
        import keras_hub  # noqa: PLC0415 - seconds to import: only for names without a slash
    except ImportError:
        return None
    presets = keras_hub.models.BertBackbone.presets
    if name in presets:
        return presets[name]["kaggle_handle"]
    if name in keras_hub.models.Backbone.presets:
        raise ValueError(
            f"{name} is a keras-hub preset of another architecture; keras-bert loads BERT "
            f"presets: {', '.join(sorted(presets))}."
        )
    return None


def _kaggle_folder(handle):
    try:
        import kagglehub  # noqa: PLC0415 - imported on use
        from kagglehub.cache import Cache  # noqa: PLC0415
        from kagglehub.handle import parse_model_handle  # noqa: PLC0415
    except ImportError:
        raise ImportError(
            f"kaggle://{handle} needs kagglehub: pip install kagglehub (or keras-hub)."
        ) from None
    parts = handle.split("/")
    if len(parts) not in (4, 5):
        raise ValueError(
            f"kaggle://{handle} is not a Kaggle model handle; they look like "
            "kaggle://OWNER/MODEL/FRAMEWORK/VARIANT[/VERSION] (kaggle://keras/bert/keras/"
            "bert_base_en_uncased/3)."
        )
    if len(parts) == 4:
        handle = _kaggle_versioned(handle)

    cache, parsed = Cache(), parse_model_handle(handle)

    def fetch(file):
        cached = cache.load_from_cache(parsed, file)  # what model_download looks up first
        if cached is not None:
            return cached
        try:
            return kagglehub.model_download(handle, file)
        except Exception as error:  # not cached and Kaggle unreachable, or no such file
            raise FileNotFoundError(
                f"kaggle://{handle} ({file}) is not in the kagglehub cache and cannot be "
                f"downloaded ({type(error).__name__}: {_first_line(error)}): run "
                f"`python -c \"import kagglehub; kagglehub.model_download('{handle}')\"` on a "
                "machine with network (same KAGGLEHUB_CACHE), or pass a local preset folder."
            ) from None

    bundle = cache.load_from_cache(parsed)  # the whole version, `kagglehub.model_download(handle)`
    if bundle is not None:
        return bundle
    # A preset found in the cache is read as cached, with no request for files it may lack.
    was_cached = cache.load_from_cache(parsed, _KERAS_HUB_FILES[0]) is not None
    paths = [fetch(file) for file in _KERAS_HUB_FILES]
    try:
        fetch(KERAS_HUB_WEIGHTS)
    except FileNotFoundError as single_file_error:
        try:
            with open(fetch(KERAS_HUB_SHARDED_WEIGHTS), encoding="utf-8") as f:
                index = json.load(f)
        except FileNotFoundError:
            raise single_file_error from None
        for shard in _keras_hub_shards(index):
            fetch(shard)
    for file in () if was_cached else _KERAS_HUB_TASK_FILES:
        try:
            fetch(file)
        except FileNotFoundError:  # a backbone preset
            pass
    return _snapshot_of(paths[0], _KERAS_HUB_FILES[0])


def _kaggle_versioned(handle):
    """`handle` with its latest version: Kaggle's answer, else the newest cached version."""
    import kagglehub  # noqa: PLC0415
    from kagglehub.config import get_cache_folder  # noqa: PLC0415

    try:
        path = kagglehub.model_download(handle, _KERAS_HUB_FILES[0])
    except Exception:
        folder = os.path.join(get_cache_folder(), "models", *handle.split("/"))
        versions = [int(v) for v in _listdir(folder) if v.isdigit()]
        if not versions:
            raise FileNotFoundError(
                f"kaggle://{handle} is not in the kagglehub cache and Kaggle cannot be reached: "
                f"run `python -c \"import kagglehub; kagglehub.model_download('{handle}')\"` on "
                "a machine with network (same KAGGLEHUB_CACHE), or pass a local preset folder."
            ) from None
        return f"{handle}/{max(versions)}"
    return f"{handle}/{os.path.basename(os.path.dirname(path))}"


def _listdir(folder):
    return os.listdir(folder) if os.path.isdir(folder) else []


def _first_line(error):
    return (str(error).strip().splitlines() or [""])[0]
