"""Two attention levers, measured on one BERT-base attention layer before any change
to the model: `keras.ops.dot_product_attention` instead of the einsum/softmax chain,
and one fused query/key/value projection instead of three.

Each variant is our `BertSelfAttention` with only the measured part replaced, run under
`tf.function(jit_compile=True)` on the same inputs (seq 128, 12 heads of 64, 20% padding)
with the same weights; the harness checks that the outputs agree before timing. A BERT-base
forward pass runs this layer 12 times, so 12x the saving per layer bounds the gain of the
whole model.

    .venv/bin/python -m benchmarks.attention [--repeats 15]
"""

import argparse

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from benchmarks.common import machine, print_table, time_call
from keras_bert.layers.attention import MASK_ADDER, BertSelfAttention

HIDDEN, HEADS, SEQ = 768, 12, 128


class DotProductAttention(BertSelfAttention):
    """Scores, mask, softmax and the weighted sum by `keras.ops.dot_product_attention`."""

    def call(self, x, input_mask, training=None):
        mask = ops.cast(input_mask, "bool")[:, None, None, :]
        context = ops.dot_product_attention(
            self.query(x), self.key(x), self.value(x), mask=mask, scale=self.scale
        )
        return self.output_dense(context)


class FusedQKVAttention(BertSelfAttention):
    """One `[hidden, 3, heads, head_size]` projection for query, key and value."""

    def build(self, x_shape, input_mask_shape=None):
        super().build(x_shape, input_mask_shape)
        self.qkv = keras.layers.EinsumDense(
            "bsh,hznd->bsznd",
            output_shape=(None, 3, self.num_heads, self.head_size),
            bias_axes="znd",
        )
        self.qkv.build(x_shape)
        parts = (self.query, self.key, self.value)
        self.qkv.kernel.assign(np.stack([p.kernel.numpy() for p in parts], axis=1))
        self.qkv.bias.assign(np.stack([p.bias.numpy() for p in parts], axis=0))

    def call(self, x, input_mask, training=None):
        qkv = self.qkv(x)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        scores = ops.einsum("bqnd,bknd->bnqk", q, k) * self.scale
        scores = scores + (1.0 - ops.cast(input_mask, "float32")[:, None, None, :]) * MASK_ADDER
        context = ops.einsum("bnqk,bknd->bqnd", ops.softmax(scores, axis=-1), v)
        return self.output_dense(context)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    layers = {}
    for name, cls in (
        ("einsum + softmax (ours)", BertSelfAttention),
        ("ops.dot_product_attention", DotProductAttention),
        ("fused QKV projection", FusedQKVAttention),
    ):
        keras.utils.set_random_seed(0)  # the same initial weights in every variant
        layer = cls(HEADS, HIDDEN // HEADS)
        layer.build((None, SEQ, HIDDEN))
        layers[name] = layer
    rows = []
    rng = np.random.default_rng(0)
    for batch in (1, 8):
        x = tf.constant(rng.standard_normal((batch, SEQ, HIDDEN), dtype=np.float32))
        mask = tf.constant(
            (np.arange(SEQ) < int(SEQ * 0.8))[None].repeat(batch, 0).astype(np.int32)
        )
        calls = {
            name: tf.function(lambda x, m, layer=layer: layer(x, m), jit_compile=True)
            for name, layer in layers.items()
        }
        expected = calls["einsum + softmax (ours)"](x, mask).numpy()
        base = None
        for name, call in calls.items():
            difference = float(np.abs(call(x, mask).numpy() - expected).max())
            if difference > 1e-4:
                raise AssertionError(f"{name} differs from ours by {difference:.2e}")
            ms = time_call(
                lambda call=call, x=x, mask=mask: call(x, mask).numpy(),
                warmup=3,
                repeats=args.repeats,
            )[0]
            base = base or ms
            rows.append((name, batch, f"{ms:.2f}", f"{ms / base:.2f}x", f"{12 * (base - ms):+.1f}"))
    print_table(
        f"One BERT-base attention layer, seq {SEQ}, XLA ({machine()})",
        ["variant", "batch", "median ms", "vs ours", "x12 layers: ms saved"],
        rows,
    )


if __name__ == "__main__":
    main()
