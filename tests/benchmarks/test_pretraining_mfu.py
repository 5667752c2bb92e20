import subprocess
import sys

import pytest

from benchmarks.pretraining_mfu import (
    counted_flops_per_token,
    gpu_peak_tflops,
    measured_matmul_tflops,
    six_n_flops_per_token,
)
from keras_bert import BertConfig


def test_six_flops_per_parameter_and_token():
    assert six_n_flops_per_token(110_000_000) == 660_000_000


def test_counted_flops_of_a_one_block_model_by_hand():
    # hidden 4, intermediate 8, vocab 10, seq 6, 2 predictions: the one block is the last, so
    # keys and values at 6 rows, the rest at 3 rows ([CLS] + 2).
    config = BertConfig(
        vocab_size=10,
        hidden_size=4,
        num_layers=1,
        num_attention_heads=1,
        intermediate_size=8,
        max_position_embeddings=6,
    )
    keys_values = 6 * 2 * 2 * 16
    query_side = 3 * 2 * (2 * 16 + 2 * 32)
    attention = 3 * 2 * 2 * 6 * 4
    heads = 2 * 2 * (16 + 40) + 2 * (16 + 8)
    want = 3 * (keys_values + query_side + attention + heads) / 6
    assert counted_flops_per_token(config, 6, 2) == want


def test_counted_flops_of_bert_base_are_below_six_n():
    # 6N counts the 23.8M embedding parameters as if multiplied at every position.
    config = BertConfig.from_size("bert_base")
    counted = counted_flops_per_token(config, 128, 20)
    assert 0.6 * six_n_flops_per_token(110e6) < counted < six_n_flops_per_token(110e6)


@pytest.mark.parametrize(
    "device,peak",
    [
        ("NVIDIA H200", 989.4),
        ("NVIDIA H100 80GB HBM3", 989.4),
        ("NVIDIA H100 PCIe", 756.0),
        ("NVIDIA A100-SXM4-40GB", 312.0),
        ("NVIDIA L40S", 362.1),
        ("NVIDIA L4", 121.0),
    ],
)
def test_gpu_peaks_match_the_most_specific_name(device, peak):
    assert gpu_peak_tflops(device, "mixed_bfloat16") == peak
    assert gpu_peak_tflops(device, "mixed_float16") == peak


def test_no_peak_for_float32_or_an_unlisted_gpu():
    assert gpu_peak_tflops("NVIDIA H100 80GB HBM3", "float32") is None
    assert gpu_peak_tflops("Tesla K80", "mixed_bfloat16") is None


def test_measured_matmul_rate_is_plausible_for_a_cpu():
    rate = measured_matmul_tflops("float32", size=512, repeats=2)
    assert 0.001 < rate < 100.0


def test_command_prints_an_mfu_row():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.pretraining_mfu",
            "--size",
            "bert_tiny",
            "--precision",
            "float32",
            "--batch",
            "4",
            "--steps",
            "2",
            "--rounds",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    row = [cell.strip() for cell in result.stdout.strip().splitlines()[-1].split("|")[1:-1]]
    assert 0.0 < float(row[-1].rstrip("%")) < float(row[2].rstrip("%"))
