"""Test helpers: read a keras_bert model's weights by Google's variable names, randomize them."""

import numpy as np


def google_named_weights(encoder, pretrainer=None):
    """Our encoder's (and pretrainer heads') weights as numpy arrays under Google's names.

    Written from the layer attributes, not from keras_bert.checkpoints, so tests of the
    checkpoint code do not check that code against itself.
    """
    hidden = encoder.config.hidden_size
    emb = encoder.embeddings
    out = {
        "bert/embeddings/word_embeddings": emb.word_embeddings.embeddings,
        "bert/embeddings/token_type_embeddings": emb.type_embeddings.embeddings,
        "bert/embeddings/position_embeddings": emb.position_embeddings,
        "bert/embeddings/LayerNorm/gamma": emb.layer_norm.gamma,
        "bert/embeddings/LayerNorm/beta": emb.layer_norm.beta,
        "bert/pooler/dense/kernel": encoder.pooler.kernel,
        "bert/pooler/dense/bias": encoder.pooler.bias,
    }
    for i, block in enumerate(encoder.transformer_layers):
        p = f"bert/encoder/layer_{i}/"
        att = block.attention
        for name in ("query", "key", "value"):
            layer = getattr(att, name)
            out[p + f"attention/self/{name}/kernel"] = np.reshape(layer.kernel, (hidden, hidden))
            out[p + f"attention/self/{name}/bias"] = np.reshape(layer.bias, (hidden,))
        out[p + "attention/output/dense/kernel"] = np.reshape(
            att.output_dense.kernel, (hidden, hidden)
        )
        out[p + "attention/output/dense/bias"] = att.output_dense.bias
        out[p + "attention/output/LayerNorm/gamma"] = block.attention_layer_norm.gamma
        out[p + "attention/output/LayerNorm/beta"] = block.attention_layer_norm.beta
        out[p + "intermediate/dense/kernel"] = block.intermediate.kernel
        out[p + "intermediate/dense/bias"] = block.intermediate.bias
        out[p + "output/dense/kernel"] = block.output_dense.kernel
        out[p + "output/dense/bias"] = block.output_dense.bias
        out[p + "output/LayerNorm/gamma"] = block.output_layer_norm.gamma
        out[p + "output/LayerNorm/beta"] = block.output_layer_norm.beta
    if pretrainer is not None:
        mlm, nsp = pretrainer.mlm_head, pretrainer.nsp_head
        out.update(
            {
                "cls/predictions/transform/dense/kernel": mlm.transform.kernel,
                "cls/predictions/transform/dense/bias": mlm.transform.bias,
                "cls/predictions/transform/LayerNorm/gamma": mlm.layer_norm.gamma,
                "cls/predictions/transform/LayerNorm/beta": mlm.layer_norm.beta,
                "cls/predictions/output_bias": mlm.output_bias,
                "cls/seq_relationship/output_weights": np.transpose(nsp.dense.kernel),
                "cls/seq_relationship/output_bias": nsp.dense.bias,
            }
        )
    return {k: np.array(v) for k, v in out.items()}


def randomize_weights(model, seed=0, scale=0.5):
    """Sets every weight (biases and LayerNorm too) to random values, so no term is trivial."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        values = rng.normal(0.0, scale, w.shape)
        if w.path.endswith("gamma"):
            values += 1.0
        w.assign(values.astype(w.dtype))


def random_inputs(batch, seq_len, vocab_size, seed=0, pairs=True):
    """Encoder inputs with padded rows of different lengths and, optionally, two segments."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab_size, (batch, seq_len)).astype("int32")
    lengths = np.linspace(seq_len, max(2, seq_len // 3), batch).astype(int)
    mask = (np.arange(seq_len)[None] < lengths[:, None]).astype("int32")
    types = np.zeros((batch, seq_len), "int32")
    if pairs:
        for row, length in enumerate(lengths):
            types[row, length // 2 : length] = 1
    ids = ids * mask
    return {"input_word_ids": ids, "input_mask": mask, "input_type_ids": types}
