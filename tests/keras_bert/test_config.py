import json

import pytest

from keras_bert import BertConfig


def test_sizes_are_googles():
    sizes = {
        "bert_tiny": (2, 128, 2),
        "bert_mini": (4, 256, 4),
        "bert_small": (4, 512, 8),
        "bert_medium": (8, 512, 8),
        "bert_base": (12, 768, 12),
        "bert_large": (24, 1024, 16),
    }
    assert set(BertConfig.sizes()) == set(sizes)
    for name, (layers, hidden, heads) in sizes.items():
        c = BertConfig.from_size(name)
        assert (c.num_layers, c.hidden_size, c.num_attention_heads) == (layers, hidden, heads)
        assert c.intermediate_size == 4 * hidden
        assert (c.vocab_size, c.max_position_embeddings, c.type_vocab_size) == (30522, 512, 2)
        assert c.layer_norm_eps == 1e-12


def test_unknown_size():
    with pytest.raises(ValueError, match="Unknown BERT size 'bert_huge'; choose one of bert_tiny"):
        BertConfig.from_size("bert_huge")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"hidden_size": 770}, "hidden_size 770 is not divisible by num_attention_heads 12"),
        ({"num_layers": 0}, "BertConfig.num_layers must be a positive integer, got 0."),
        ({"vocab_size": 10.5}, "BertConfig.vocab_size must be a positive integer, got 10.5."),
        (
            {"hidden_dropout_prob": 1.0},
            "BertConfig.hidden_dropout_prob must be in [0, 1), got 1.0.",
        ),
        ({"layer_norm_eps": 0.0}, "BertConfig.layer_norm_eps must be positive, got 0.0."),
        ({"hidden_act": "gelu"}, "'gelu' is ambiguous: use 'gelu_tanh'"),
        ({"hidden_act": "swiglu"}, "BertConfig.hidden_act 'swiglu' is not one of gelu_tanh"),
    ],
)
def test_invalid_values_name_the_field_and_the_rule(changes, message):
    with pytest.raises(ValueError) as e:
        BertConfig(**changes)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_google_config_gelu_is_tanh(tmp_path):
    path = tmp_path / "bert_config.json"
    path.write_text(
        json.dumps(
            {
                "attention_probs_dropout_prob": 0.1,
                "hidden_act": "gelu",
                "hidden_dropout_prob": 0.1,
                "hidden_size": 512,
                "initializer_range": 0.02,
                "intermediate_size": 2048,
                "max_position_embeddings": 512,
                "num_attention_heads": 8,
                "num_hidden_layers": 8,
                "type_vocab_size": 2,
                "vocab_size": 30522,
            }
        )
    )
    c = BertConfig.from_json(str(path))
    assert c.hidden_act == "gelu_tanh"
    assert c == BertConfig.from_size("bert_medium")


def test_huggingface_config_gelu_is_erf(tmp_path):
    path = tmp_path / "config.json"
    values = {
        "model_type": "bert",
        "hidden_act": "gelu",
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 100,
        "vocab_size": 120,
        "layer_norm_eps": 1e-7,
        "max_position_embeddings": 64,
    }
    path.write_text(json.dumps(values))
    c = BertConfig.from_json(str(path))
    assert (c.hidden_act, c.layer_norm_eps, c.intermediate_size) == ("gelu_erf", 1e-7, 100)
    values["hidden_act"] = "gelu_new"
    path.write_text(json.dumps(values))
    assert BertConfig.from_json(str(path)).hidden_act == "gelu_tanh"


def test_huggingface_config_of_another_model_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "roberta", "hidden_size": 8}))
    with pytest.raises(ValueError, match="describes a 'roberta' model, not BERT"):
        BertConfig.from_json(str(path))


def test_json_round_trips(tmp_path):
    for act, targets in (("gelu_tanh", ("google", "huggingface")), ("gelu_erf", ("huggingface",))):
        c = BertConfig.from_size("bert_small", hidden_act=act, layer_norm_eps=1e-12)
        path = str(tmp_path / "c.json")
        c.to_json(path)
        assert BertConfig.from_json(path) == c
        for target in targets:
            other = tmp_path / f"{target}.json"
            other.write_text(json.dumps(c.to_original_dict(target)))
            assert BertConfig.from_json(str(other), source=target) == c
    with pytest.raises(ValueError, match="Google's code computes only the tanh GELU"):
        BertConfig(hidden_act="gelu_erf").to_original_dict("google")


def test_missing_file_and_unknown_field(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        BertConfig.from_json(str(tmp_path / "nope.json"))
    with pytest.raises(ValueError, match="BertConfig does not have the field"):
        BertConfig.from_dict({"num_layers": 2, "hiddn_size": 3})
