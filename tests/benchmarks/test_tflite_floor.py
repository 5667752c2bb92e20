import math

import numpy as np

from benchmarks.tflite_floor import dense_products_file
from export.verify import tflite_interpreter
from keras_bert import BertConfig, BertEncoder
from keras_bert.layers.projection import HeadProjection

CONFIG = BertConfig(
    vocab_size=50,
    hidden_size=16,
    num_layers=2,
    num_attention_heads=2,
    intermediate_size=40,
    max_position_embeddings=8,
)


def test_the_floor_file_does_exactly_the_encoder_blocks_dense_products():
    encoder = BertEncoder(CONFIG)
    # Every dense kernel inside the Transformer blocks (the pooler is not one of them).
    kernels = sorted(
        math.prod(layer.kernel.shape)
        for layer in encoder._flatten_layers()
        if isinstance(layer, HeadProjection) and "transformer" in layer.path
    )
    content, gflop = dense_products_file(CONFIG, rows=24)
    interpreter = tflite_interpreter(content)
    interpreter.allocate_tensors()
    shapes = {t["index"]: t["shape"] for t in interpreter.get_tensor_details()}
    ops = interpreter._get_ops_details()
    # One FULLY_CONNECTED per kernel, each with that kernel's size: the converter folded none
    # of them away (three products summed could be one product of summed weights).
    products = sorted(
        int(np.prod(shapes[op["inputs"][1]])) for op in ops if op["op_name"] == "FULLY_CONNECTED"
    )
    assert products == kernels
    assert {op["op_name"] for op in ops} <= {"FULLY_CONNECTED", "ADD", "DELEGATE"}
    assert gflop == 2 * 24 * sum(kernels) / 1e9
