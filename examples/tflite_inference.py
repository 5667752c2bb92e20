"""Run an exported .tflite file on raw text with LiteRT (what a mobile app does, in Python).

    python examples/tflite_inference.py MODEL.tflite "some text" ["more text" ...]

A pair model (pair classification, SQuAD) takes each example as "text<TAB>text_pair", for
example $'a question?\tthe context.' in bash.
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
        print(text, "->", row)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
