"""Fine-tune BertSpanQA on SQuAD v1.1 with `model.fit`, decode answers, score them officially.

    python examples/finetune_squad.py --squad dev-v1.1.json --checkpoint FOLDER
        [--examples 64] [--epochs 1] [--seq-length 192]

FOLDER is any checkpoint `keras_bert.from_pretrained` reads (Google, Hugging Face, keras-bert).
With a real pretrained BERT and the full train file this is the SQuAD recipe; the defaults
run a small slice so it finishes in a minute on a laptop.
"""

import argparse
import math

import keras_bert
from keras_bert.tasks import files, metrics, squad_windows
from keras_bert.text import BertTokenizer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", required=True, help="SQuAD v1.1 JSON")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--examples", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seq-length", type=int, default=192)
    args = parser.parse_args()

    tokenizer = BertTokenizer.from_pretrained(args.checkpoint)
    articles = files.read_squad(args.squad)
    examples = squad_windows.squad_examples(articles, limit=args.examples)
    # Windows of [CLS] question [SEP] context [SEP] with doc stride; labels are token spans.
    inputs, labels, features = squad_windows.squad_features(
        tokenizer,
        examples,
        seq_length=args.seq_length,
        doc_stride=args.seq_length // 3,
        max_query_length=min(64, args.seq_length // 3),
    )

    model = keras_bert.BertSpanQA(keras_bert.from_pretrained(args.checkpoint))
    steps = args.epochs * math.ceil(len(inputs["input_word_ids"]) / 16)
    model.compile(optimizer=keras_bert.bert_optimizer(3e-5, total_steps=steps))
    model.fit(inputs, labels, batch_size=16, epochs=args.epochs, verbose=2)

    outputs = model.predict(inputs, batch_size=32, verbose=0)
    answers = squad_windows.decode_squad(
        examples, features, outputs["start_logits"], outputs["end_logits"]
    )
    asked = {e["id"] for e in examples}
    subset = [
        {
            "paragraphs": [
                {"qas": [q for q in p["qas"] if q["id"] in asked]} for p in a["paragraphs"]
            ]
        }
        for a in articles
    ]
    scores = metrics.squad_v1_scores(subset, answers)
    print(
        f"exact match {scores['exact_match']:.1f}, F1 {scores['f1']:.1f} "
        f"on {len(examples)} questions"
    )


if __name__ == "__main__":
    main()
