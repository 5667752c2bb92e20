"""Export a fine-tuned model folder for TF Serving and query it the way TF Serving's REST API does.

    python examples/export_and_serve.py MODEL_DIR EXPORT_DIR

Then serve it (see README): docker run -p 8501:8501 -v EXPORT_DIR/NAME:/models/NAME \
    -e MODEL_NAME=NAME tensorflow/serving
"""

import json
import sys

import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the text ops the graph uses, as TF Serving does)
from keras_bert.export import export_saved_model


def main(model_dir, export_dir):
    # Writes EXPORT_DIR/NAME/1/ (saved_model.pb, variables/, assets/vocab.txt) and checks it
    # against the Keras model in a fresh TensorFlow process.
    result = export_saved_model(model_dir, export_dir, verbose=False)
    path = result.paths[0]

    # What `curl -d '{"instances": [...]}' .../v1/models/NAME:predict` sends: one row per
    # example. TF Serving batches the rows into the `text` input of serving_default.
    body = json.loads('{"instances": ["a gripping, funny film", "dull and far too long"]}')
    serve = tf.saved_model.load(path).signatures["serving_default"]
    outputs = serve(text=tf.constant(body["instances"]))
    predictions = [
        {"label": label.decode(), "probabilities": probs.tolist()}
        for label, probs in zip(outputs["label"].numpy(), outputs["probabilities"].numpy())
    ]
    print(json.dumps({"predictions": predictions}, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:3])
