"""Runs a saved folder through transformers, in a process that imports no keras-bert.

    python transformers_run.py FOLDER AUTO_CLASS TEXTS_JSON OUT_NPZ

TEXTS_JSON holds a list of texts, or a list of two lists (text pairs). OUT_NPZ receives the
tokenizer's `input_ids`, `attention_mask`, `token_type_ids` and the model's outputs (`logits`,
or `start_logits` / `end_logits`), float32.
"""

import json
import sys

import numpy as np
import torch
import transformers

folder, auto_class, texts_file, out_file = sys.argv[1:5]
with open(texts_file, encoding="utf-8") as f:
    texts = json.load(f)
tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
model = getattr(transformers, auto_class).from_pretrained(folder).eval()
pair = isinstance(texts[0], list)
segments = texts if pair else [texts]
encoded = tokenizer(*segments, padding="max_length", truncation=True, return_tensors="pt")
with torch.no_grad():
    outputs = model(**encoded)
names = ("input_ids", "attention_mask", "token_type_ids")
results = {name: encoded[name].numpy() for name in names}
for name in ("logits", "start_logits", "end_logits"):
    if name in outputs:
        results[name] = outputs[name].float().numpy()
results["architecture"] = np.array(type(model).__name__)
np.savez(out_file, **results)
