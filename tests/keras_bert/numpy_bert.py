"""An independent NumPy BERT, written from the math in the BERT paper and google-research/bert.

It reads weights by Google's TF1 variable names (`bert/embeddings/word_embeddings`, ...) and
computes in float64, so tests can compare the Keras model (and checkpoint importers) against
it without using any keras_bert code.
"""

import math

import numpy as np

_erf = np.vectorize(math.erf)


def _activation(name, x):
    if name == "gelu_tanh":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))
    if name == "gelu_erf":
        return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))
    if name == "relu":
        return np.maximum(x, 0.0)
    raise ValueError(name)


def _layer_norm(x, gamma, beta, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def numpy_bert_forward(weights, config, input_word_ids, input_mask, input_type_ids):
    """BERT's encoder on float64 arrays.

    Args:
        weights: dict from Google variable name to array.
        config: a `BertConfig` (only its numbers are used).
        input_word_ids, input_mask, input_type_ids: int arrays `[batch, seq_len]`.

    Returns:
        dict with `sequence_output` `[batch, seq_len, hidden]`, `pooled_output`
        `[batch, hidden]` and `encoder_outputs` (list per layer).
    """
    w = {k: np.asarray(v, np.float64) for k, v in weights.items()}
    eps = config.layer_norm_eps
    batch, seq_len = input_word_ids.shape
    heads = config.num_attention_heads
    head_size = config.hidden_size // heads
    x = (
        w["bert/embeddings/word_embeddings"][input_word_ids]
        + w["bert/embeddings/token_type_embeddings"][input_type_ids]
        + w["bert/embeddings/position_embeddings"][:seq_len][None]
    )
    x = _layer_norm(
        x, w["bert/embeddings/LayerNorm/gamma"], w["bert/embeddings/LayerNorm/beta"], eps
    )
    adder = (1.0 - np.asarray(input_mask, np.float64))[:, None, None, :] * -10000.0
    layer_outputs = []
    for i in range(config.num_layers):
        p = f"bert/encoder/layer_{i}/"

        def dense(t, name, p=p):
            return t @ w[p + name + "/kernel"] + w[p + name + "/bias"]

        def split(t):
            return t.reshape(batch, seq_len, heads, head_size).transpose(0, 2, 1, 3)

        q = split(dense(x, "attention/self/query"))
        k = split(dense(x, "attention/self/key"))
        v = split(dense(x, "attention/self/value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_size) + adder
        context = (_softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(batch, seq_len, -1)
        x = _layer_norm(
            x + dense(context, "attention/output/dense"),
            w[p + "attention/output/LayerNorm/gamma"],
            w[p + "attention/output/LayerNorm/beta"],
            eps,
        )
        inner = _activation(config.hidden_act, dense(x, "intermediate/dense"))
        x = _layer_norm(
            x + dense(inner, "output/dense"),
            w[p + "output/LayerNorm/gamma"],
            w[p + "output/LayerNorm/beta"],
            eps,
        )
        layer_outputs.append(x)
    pooled = np.tanh(x[:, 0] @ w["bert/pooler/dense/kernel"] + w["bert/pooler/dense/bias"])
    return {"sequence_output": x, "pooled_output": pooled, "encoder_outputs": layer_outputs}


def numpy_mlm_logits(weights, config, sequence_output, masked_lm_positions):
    """Google's `cls/predictions` head at the given positions: `[batch, max_pred, vocab]`."""
    w = {k: np.asarray(v, np.float64) for k, v in weights.items()}
    x = np.take_along_axis(sequence_output, masked_lm_positions[:, :, None], axis=1)
    x = x @ w["cls/predictions/transform/dense/kernel"] + w["cls/predictions/transform/dense/bias"]
    x = _layer_norm(
        _activation(config.hidden_act, x),
        w["cls/predictions/transform/LayerNorm/gamma"],
        w["cls/predictions/transform/LayerNorm/beta"],
        config.layer_norm_eps,
    )
    return x @ w["bert/embeddings/word_embeddings"].T + w["cls/predictions/output_bias"]


def numpy_nsp_logits(weights, pooled_output):
    """Google's `cls/seq_relationship` head: `[batch, 2]` (output_weights is `[2, hidden]`)."""
    w = np.asarray(weights["cls/seq_relationship/output_weights"], np.float64)
    b = np.asarray(weights["cls/seq_relationship/output_bias"], np.float64)
    return pooled_output @ w.T + b
