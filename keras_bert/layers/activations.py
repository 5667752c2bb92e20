"""The activation functions `BertConfig.hidden_act` names, each computed exactly."""

import keras


def gelu_tanh(x):
    """GELU with the tanh approximation, as Google's BERT code computes "gelu"."""
    return keras.activations.gelu(x, approximate=True)


def gelu_erf(x):
    """Exact GELU, x * Phi(x) with erf, as Hugging Face's BERT computes "gelu"."""
    return keras.activations.gelu(x, approximate=False)


_ACTIVATIONS = {
    "gelu_tanh": gelu_tanh,
    "gelu_erf": gelu_erf,
    "relu": keras.activations.relu,
    "silu": keras.activations.silu,
    "tanh": keras.activations.tanh,
}


def get_activation(name):
    """The function for a `BertConfig.hidden_act` name."""
    if name not in _ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of {', '.join(_ACTIVATIONS)}.")
    return _ACTIVATIONS[name]
