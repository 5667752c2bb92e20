"""sentence-transformers' Pooling and Normalize modules, in numpy: the reference the embedding
tests compare with (written from their definitions, independently of `SequencePooling`)."""

import numpy as np


def sentence_embedding(tokens, mask, mode, normalize):
    """`tokens` float `[batch, seq, hidden]`, `mask` `[batch, seq]` -> `[batch, hidden]`."""
    tokens = np.asarray(tokens, np.float64)
    mask = np.asarray(mask, np.float64)[:, :, None]
    if mode == "cls":
        pooled = tokens[:, 0]
    elif mode == "mean":
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    else:
        pooled = np.where(mask == 0, -1e9, tokens).max(axis=1)
    if normalize:
        pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return pooled
