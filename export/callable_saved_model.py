"""SavedModels whose objects are callable (TF Hub's Reusable SavedModel API), with TF Serving
signatures beside them.

Keras' `ExportArchive` saves signatures only: TF Serving calls them, but `hub.load(path)(x)` and
`hub.KerasLayer(path)` need a callable object ("Signature name has to be specified for
non-callable saved models"). A `CallableSavedModel` holds `tf.function`s at paths of the saved
object (`__call__` of the root, `tokenize.__call__`, ...), each traced for every input
structure it accepts (a restored function runs only the traces it was saved with), plus
attributes such as `variables`, `trainable_variables` and `regularization_losses`, which
`hub.KerasLayer(..., trainable=True)` fine-tunes. Its signatures are what TF Serving's Predict
API serves, so their outputs must be named dense tensors (`add_signature` checks).
"""

import tensorflow as tf


class CallableSavedModel:
    """A SavedModel under construction: callable objects, attributes and signatures.

    Examples:

    ```python
    model = CallableSavedModel()

    @tf.function
    def call(inputs, training=False):
        return {"default": encoder(inputs, training=training)["pooled_output"]}

    model.add_function("__call__", call, [((spec,), {"training": t}) for t in (False, True)])
    training_call = call.get_concrete_function(spec, training=True)
    model.add_attribute("variables", list(training_call.variables))
    model.write_out("/tmp/encoder/1")
    hub.KerasLayer("/tmp/encoder/1", trainable=True)
    ```
    """

    def __init__(self):
        self._root = tf.train.Checkpoint()
        self.signatures = {}
        self.concrete_functions = {}

    def _parent(self, path):
        """The object that holds the last name of `path` (made on the way), and that name."""
        *parents, name = path.split(".")
        node = self._root
        for parent in parents:
            if not hasattr(node, parent):
                setattr(node, parent, tf.train.Checkpoint())
            node = getattr(node, parent)
        return node, name

    def add_function(self, path, fn, traces=None):
        """Saves the `tf.function` `fn` at `path` (`"__call__"`, `"tokenize.__call__"`, ...).

        Args:
            path: dotted attribute path from the root.
            fn: a `tf.function`.
            traces: list of `(args, kwargs)` of specs to trace `fn` with; None for a function
                with an `input_signature` (traced once).
        """
        traces = traces or [((), {})]
        self.concrete_functions[path] = [
            fn.get_concrete_function(*args, **kwargs) for args, kwargs in traces
        ]
        node, name = self._parent(path)
        setattr(node, name, fn)

    def add_attribute(self, path, value):
        """Saves `value` (variables, a list of traced functions, ...) at `path`."""
        node, name = self._parent(path)
        setattr(node, name, value)

    def add_signature(self, name, fn):
        """Adds the TF Serving signature `name`: `fn`, a `tf.function` with an `input_signature`
        whose outputs are a dict of dense tensors (what the Predict API can return). It is
        also an attribute of the root, which Keras 3's `TFSMLayer(path, call_endpoint=name)`
        calls with its inputs as one argument."""
        concrete = fn.get_concrete_function()
        outputs = concrete.structured_outputs
        if not isinstance(outputs, dict) or not all(
            isinstance(t, tf.Tensor) for t in outputs.values()
        ):
            kinds = (
                {k: type(v).__name__ for k, v in outputs.items()}
                if isinstance(outputs, dict)
                else type(outputs).__name__
            )
            raise TypeError(
                f"Signature {name} must return a dict of dense tensors for TF Serving, got {kinds}."
            )
        self.signatures[name] = concrete
        self.concrete_functions[name] = [concrete]
        setattr(self._root, name, fn)  # also an attribute, as `ExportArchive` has its endpoints

    def write_out(self, path, verbose=False):
        """Writes the SavedModel to `path` (`verbose` is accepted as `ExportArchive.write_out`
        takes it; nothing is printed)."""
        tf.saved_model.save(self._root, path, signatures=self.signatures)
