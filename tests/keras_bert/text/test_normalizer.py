import codecs

import numpy as np
import tensorflow as tf

from keras_bert.text import normalizer


def test_only_invalid_strings_change_and_the_shape_is_kept():
    """Each invalid sequence becomes the mark, as Python's decoder delimits the sequences."""
    texts = [
        [b"caf\xc3\xa9", b"x\xed\xa0\x80y", b""],
        [b"\xf4\x90\x80\x80q \xf0\x9f\x98\x80", b"ok\xe2\x82", "\u4e2d\u6587".encode()],
    ]
    got = normalizer.normalize(tf.constant(texts), lower_case=False).numpy()
    codecs.register_error("test_mark", lambda error: (normalizer.INVALID_UTF8_MARK, error.end))
    want = np.array(
        [[t.decode("utf-8", "test_mark").encode() for t in row] for row in texts], object
    )
    assert got.shape == (2, 3)
    np.testing.assert_array_equal(got, want)
    assert got[0, 0] == texts[0][0] and got[1, 2] == texts[1][2]
    scalar = normalizer.normalize(tf.constant(b"a\xffb"), lower_case=False)
    assert scalar.shape == () and scalar.numpy() == "a\ue002b".encode()


def test_scalar_value_pattern_is_strict_utf8():
    rng = np.random.default_rng(0)
    texts = [bytes(rng.integers(0, 256, rng.integers(1, 6)).astype(np.uint8)) for _ in range(20000)]
    texts += [
        b"\xed\xa0\x80",
        b"\xed\x9f\xbf",
        b"\xf4\x8f\xbf\xbf",
        b"\xf4\x90\x80\x80",
        b"\xe0\x80\xaf",
        b"\xc2\x80",
    ]

    def valid(text):
        try:
            text.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    got = tf.strings.regex_full_match(tf.constant(texts), normalizer._SCALAR_VALUES).numpy()
    np.testing.assert_array_equal(got, [valid(t) for t in texts])
