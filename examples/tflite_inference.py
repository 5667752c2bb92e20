"""Run an exported .tflite file on raw text with LiteRT (what a mobile app does, in Python).

    python examples/tflite_inference.py MODEL.tflite "some text" ["more text" ...]

A pair model (pair classification, SQuAD) takes each example as "text<TAB>text_pair", for
example $'a question?\tthe context.' in bash. A SQuAD model's answer is sliced from the
context with its byte offsets, and a tagger's labels are given per word (each word takes the
label of its first piece), as an app would show them.
"""

import sys

import numpy as np
from ai_edge_litert.interpreter import InterpreterWithCustomOps
from tensorflow_text.core.pybinds import tflite_registrar


def main(model_path, texts):
    # The graph tokenizes in TFLite with tensorflow-text kernels (FastBertNormalize,
    # FastWordpieceTokenize, RaggedTensorToTensor); register them, as an Android/iOS app does.
    interpreter = InterpreterWithCustomOps(
        custom_op_registerers=tflite_registrar.SELECT_TFTEXT_OPS, model_path=model_path
    )
    runner = interpreter.get_signature_runner("serving_default")
    names = sorted(runner.get_input_details())  # ["text"] or ["text", "text_pair"]
    rows = [(t.split("\t", 1) + [""])[:2] if len(names) == 2 else [t] for t in texts]
    inputs = {
        name: np.array([row[i].encode("utf-8") for row in rows], dtype=object)
        for i, name in enumerate(names)
    }
    outputs = runner(**inputs)
    for i, text in enumerate(texts):
        row = {name: np.asarray(value[i]).tolist() for name, value in outputs.items()}
        print(text, "->", readable(row, *rows[i]))


def readable(row, text, text_pair=""):
    """What an app shows of one example's outputs: the answer text, the label of each word, or
    the outputs as they are."""
    if "answer_start_byte" in row:
        start, end = row["answer_start_byte"], row["answer_end_byte"]
        return {
            "answer": text_pair.encode("utf-8")[max(start, 0) : max(end, 0)].decode(
                "utf-8", "replace"
            )
        }
    if "word_ids" in row:
        first_labels = {}
        for word, label in zip(row["word_ids"], row["labels"]):
            if word >= 0:
                first_labels.setdefault(word, label.decode("utf-8"))
        words = text.split()
        return {
            "words": [
                (words[w] if w < len(words) else "", label)
                for w, label in sorted(first_labels.items())
            ]
        }
    return row


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
