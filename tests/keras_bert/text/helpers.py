"""Texts and helpers shared by the tokenizer's tests."""

import tensorflow as tf

HARD_STRINGS = [
    "Café naïve résumé Ångström façade Øre",
    "ΟΔΟΣ ΑΣ. Σ σ ΑΣΑ aΣ b ΑΣ\u0301 Α\x00Σ\x00Α",
    "İstanbul ǅemal ß ẞ ŉ ﬁﬂ ﬀ ǈ",
    "½ ¼ … ″ ´ ¨ Ⅻ ™ ℃ № ² ³ ⁴ ₂",
    "ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ １２３ ！？",
    "中文字符測試 日本語のテキスト 한국어 텍스트 𠀀𪜀 豈 丽",
    "emoji 😀👍🏽 👨‍👩‍👧 🇫🇷 ❤️ ✈︎",
    "control\x01\x07\x1b\x7f\x85chars zero\u200bwidth\u200d\ufeffbom\u00ad soft",
    "tab\tnew\nline\r\ncr\x0bvt\x0cff\u00a0nbsp\u2003em\u3000ideo\u2028ls\u2029ps\u1680ogham",
    "NUL\x00inside and \ufffdreplacement",
    "a" * 199 + " " + "b" * 200 + " " + "c" * 201 + " " + "é" * 150 + " " + "中" * 3,
    "punct!?,.;:'\"()[]{}<>@#$%^&*_-+=|\\/~` «guillemets» ¿¡ — – ‘quotes’ “double” ‧ ・ ·",
    "[CLS] [SEP] [MASK] [UNK] ##ing un##related",
    "Ǆ ǅ ǆ ᾈ ᾼ ῼ ﬆ Ⓐ ㎏ ㍱ ℌ ℍ ℵ",
    "\u1fef\u1fee\u0385 \u037e \u0387",
    "",
    "   ",
    "\u0301\u0302 lone marks",
    "Thai: ภาษาไทย Hindi: हिन्दी Arabic: العربية Hebrew: עברית",
    "mixed CASE WoRdS and Numbers 3.14159 1,000,000 $5 50%",
]


def ours(tokenizer, texts):
    return tokenizer.tokenize(tf.constant(texts)).to_list()
