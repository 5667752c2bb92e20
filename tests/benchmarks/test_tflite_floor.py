import math

from benchmarks.tflite_floor import products_only
from keras_bert import BertConfig, BertEncoder
from keras_bert.layers.projection import HeadProjection


def test_the_floor_file_does_the_encoder_blocks_dense_arithmetic():
    config = BertConfig(vocab_size=50, hidden_size=16, num_layers=2, num_attention_heads=2,
                        intermediate_size=40, max_position_embeddings=8)
    encoder = BertEncoder(config)
    # Every dense kernel inside the Transformer blocks (the pooler is not one of them).
    block_weights = sum(
        math.prod(layer.kernel.shape)
        for layer in encoder._flatten_layers()
        if isinstance(layer, HeadProjection) and "transformer" in layer.path
    )
    run, gflop = products_only(config, rows=24, threads=1)
    run()
    assert block_weights == 2 * (4 * 16 * 16 + 2 * 16 * 40)
    assert gflop == 2 * 24 * block_weights / 1e9
