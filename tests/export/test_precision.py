import keras
import numpy as np
import pytest
import tensorflow as tf
from keras_bert.export import precision
from keras_bert.export.precision import cpu_computes_bfloat16, warn_if_emulated, with_precision

import keras_bert
from tests.export.conftest import LABELS, tiny_config


def _classifier():
    keras.utils.set_random_seed(0)
    return keras_bert.BertClassifier(
        keras_bert.BertEncoder(tiny_config()), num_classes=2, label_names=LABELS
    )


def _inputs():
    rng = np.random.default_rng(0)
    mask = np.ones((2, 16), "int32")
    mask[1, 10:] = 0
    return {
        "input_word_ids": tf.constant(rng.integers(1, 3000, (2, 16)), tf.int32),
        "input_mask": tf.constant(mask),
        "input_type_ids": tf.zeros((2, 16), tf.int32),
    }


def test_float32_is_the_model_itself():
    model = _classifier()
    assert with_precision(model, "float32") is model


def test_bfloat16_copy_computes_what_mixed_bfloat16_inference_computes():
    model = _classifier()
    copy = with_precision(model, "bfloat16")
    assert keras.mixed_precision.global_policy().name == "float32"
    kernel = copy.encoder.transformer_layers[0].intermediate.kernel
    gamma = copy.encoder.transformer_layers[0].output_layer_norm.gamma
    assert (kernel.dtype, gamma.dtype) == ("bfloat16", "float32")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = model.__class__.from_config(model.get_config())
    finally:
        keras.mixed_precision.set_global_policy("float32")
    mixed.set_weights(model.get_weights())
    x = _inputs()
    got = tf.cast(copy(x), tf.float32).numpy()
    np.testing.assert_array_equal(got, tf.cast(mixed(x), tf.float32).numpy())
    want = model(x).numpy()
    assert 0 < np.abs(got - want).max() < 0.05 * np.abs(want).max() + 0.05


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError) as error:
        with_precision(_classifier(), "float16")
    assert str(error.value) == "precision='float16' is not one of ('float32', 'bfloat16')."


AVX2_ONLY = (
    "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma bmi2\n\n"
    "processor\t: 1\nflags\t\t: fpu sse2 avx avx2 fma bmi2\n"
)
EMULATED_WARNING = (
    "This CPU has no AMX, AVX512_BF16 or Arm BF16: a bfloat16 SavedModel runs slower than "
    "float32 here; serve it on a CPU with one of them, a GPU or a TPU, or export float32."
)


@pytest.mark.parametrize(
    "cpuinfo, native",
    [
        (AVX2_ONLY, False),
        ("flags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n", True),
        ("flags\t\t: fpu avx512f amx_bf16 amx_tile\n", True),
        ("processor\t: 0\nFeatures\t: fp asimd sve i8mm bf16\n", True),
        ("processor\t: 0\nFeatures\t: fp asimd crc32 atomics\n", False),
        ("flags\t\t: avx512bw\nmodel name\t: bf16 in a name is no flag\n", False),
    ],
)
def test_cpu_computes_bfloat16_reads_the_feature_flags(cpuinfo, native, tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    assert cpu_computes_bfloat16(str(path)) is native


def test_cpu_features_unknown_without_proc_cpuinfo(tmp_path):
    assert cpu_computes_bfloat16(str(tmp_path / "missing")) is None


def test_bfloat16_on_an_emulating_cpu_warns_in_one_line(tmp_path, recwarn):
    path = tmp_path / "cpuinfo"
    path.write_text(AVX2_ONLY)
    warn_if_emulated("float32", str(path))
    assert not recwarn.list
    with pytest.warns(UserWarning) as warned:
        warn_if_emulated("bfloat16", str(path))
    assert [str(w.message) for w in warned] == [EMULATED_WARNING]
    path.write_text("flags\t\t: avx2 avx512_bf16\n")
    warn_if_emulated("bfloat16", str(path))
    assert not recwarn.list


def test_bfloat16_saved_model_answers_in_float32_at_half_the_size(
    classifier_dir, exported, tmp_path, monkeypatch
):
    import os

    from keras_bert.export import export_saved_model

    (tmp_path / "cpuinfo").write_text(AVX2_ONLY)
    monkeypatch.setattr(precision, "CPUINFO", str(tmp_path / "cpuinfo"))
    with pytest.warns(UserWarning, match="^This CPU has no AMX"):
        result = export_saved_model(
            classifier_dir, tmp_path / "out", precision="bfloat16", verbose=False
        )
    [path] = result.paths

    def variables_bytes(saved_model):
        folder = os.path.join(saved_model, "variables")
        return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))

    assert variables_bytes(path) < 0.6 * variables_bytes(exported["saved_model"])
    parity = {r.output: r for r in result.rows if r.artifact == "sentiment SavedModel"}
    assert all(r.passed and r.tolerance is not None for r in parity.values())
    against_float32 = {
        r.output: r for r in result.rows if r.artifact == "sentiment SavedModel vs float32"
    }
    assert set(against_float32) == {"label", "logits", "probabilities"}
    assert 0 < against_float32["logits"].max_abs_diff < 0.1
    serve = tf.saved_model.load(path).signatures["serving_default"]
    outputs = serve(text=tf.constant(["a fine film", "dull"]))
    assert outputs["logits"].dtype == tf.float32 and outputs["probabilities"].dtype == tf.float32
    float32 = tf.saved_model.load(exported["saved_model"]).signatures["serving_default"]
    want = float32(text=tf.constant(["a fine film", "dull"]))["logits"].numpy()
    np.testing.assert_allclose(outputs["logits"].numpy(), want, atol=0.1)


def test_cli_precision_flag_writes_bfloat16_weights(classifier_dir, tmp_path):
    import os

    from keras_bert.cli import main

    assert (
        main(
            [
                "export",
                classifier_dir,
                "--out",
                str(tmp_path),
                "--format",
                "saved_model",
                "--precision",
                "bfloat16",
            ]
        )
        == 0
    )
    checkpoint = tf.train.load_checkpoint(
        os.path.join(tmp_path, "sentiment", "1", "variables", "variables")
    )
    dtypes = [
        d for name, d in checkpoint.get_variable_to_dtype_map().items() if "VARIABLE_VALUE" in name
    ]
    # float32: the LayerNorms' gamma and beta (embeddings, and two per block); the rest bfloat16.
    layer_norm_weights = 2 * (1 + 2 * tiny_config().num_layers)
    assert dtypes.count(tf.float32) == layer_norm_weights
    assert dtypes.count(tf.bfloat16) == len(dtypes) - layer_norm_weights > 0
