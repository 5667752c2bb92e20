"""Which graph ops each deployment target runs, and a check that names the first one it lacks.

Targets:
- `"tf_serving"`: stock TF Serving. It has every core TensorFlow op but a fixed
  tensorflow-text: 2.12.1 in releases before 2.20 (2.20.0 from 2.20). A graph may use core ops
  and the tensorflow-text ops of 2.12.1 (`TFTEXT_2_12_1_OPS`). Core ops added to TensorFlow after
  the serving release are not tracked here.
- `"tflite"`: the LiteRT interpreter with `tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS`
  (no Flex delegate): the TensorFlow ops the converter lowers to TFLite builtins
  (`TFLITE_BUILTIN_OPS`) and the tensorflow-text ops that have a TFLite kernel
  (`TFLITE_TFTEXT_OPS`).

`TFTEXT_2_12_1_OPS` was read from the tensorflow-text 2.12.1 wheel (op names registered in its
shared libraries, intersected with the ops tensorflow-text 2.21 registers): 2.21 adds only
`TFText>RoundRobinGenerateMasks`, `TFText>RoundRobinTrim` and `TFText>Utf8Binarize`.
`TFLITE_TFTEXT_OPS` are the TensorFlow op names behind the kernels that
`tensorflow_text.tflite_registrar` registers (`AddFastBertNormalize`, `AddFastWordpieceTokenize`,
...).
"""

import tensorflow as tf

TF_SERVING = "tf_serving"
TFLITE = "tflite"
TARGETS = (TF_SERVING, TFLITE)

TFTEXT_2_12_1_OPS = frozenset(
    {
        "CaseFoldUTF8",
        "ConstrainedSequence",
        "FastBertNormalize",
        "FastWordpieceTokenizeWithOffsets",
        "FindSourceOffsets",
        "MaxSpanningTree",
        "NormalizeUTF8",
        "NormalizeUTF8WithOffsetsMap",
        "PhraseTokenize",
        "RegexSplitWithOffsets",
        "RougeL",
        "SentenceFragments",
        "SentenceFragmentsV2",
        "SentencepieceDetokenizeOp",
        "SentencepieceIdToStringOp",
        "SentencepieceOp",
        "SentencepieceStringToIdOp",
        "SentencepieceTokenizeOp",
        "SentencepieceTokenizeWithOffsetsOp",
        "SentencepieceVocabSizeOp",
        "SplitMergeTokenizeWithOffsets",
        "TFText>BoiseTagsToOffsets",
        "TFText>ByteSplitByOffsets",
        "TFText>ByteSplitWithOffsets",
        "TFText>FastSentencepieceDetokenize",
        "TFText>FastSentencepieceTokenize",
        "TFText>FastWordpieceDetokenize",
        "TFText>NgramsStringJoin",
        "TFText>OffsetsToBoiseTags",
        "TFText>PhraseDetokenize",
        "TFText>WhitespaceTokenizeWithOffsetsV2",
        "TokenizerFromLogits",
        "UnicodeScriptTokenizeWithOffsets",
        "WhitespaceTokenizeWithOffsets",
        "WordpieceTokenizeWithOffsets",
    }
)

TFLITE_TFTEXT_OPS = frozenset(
    {
        "FastBertNormalize",
        "FastWordpieceTokenizeWithOffsets",
        "RaggedTensorToTensor",
        "SentenceFragmentsV2",
        "TFText>ByteSplitByOffsets",
        "TFText>ByteSplitWithOffsets",
        "TFText>FastSentencepieceDetokenize",
        "TFText>FastSentencepieceTokenize",
        "TFText>FastWordpieceDetokenize",
        "TFText>NgramsStringJoin",
        "TFText>RoundRobinGenerateMasks",
        "TFText>RoundRobinTrim",
        "TFText>Utf8Binarize",
        "TFText>WhitespaceTokenizeWithOffsetsV2",
    }
)

# TensorFlow ops that the TFLite converter lowers to builtin kernels, plus the graph plumbing it
# removes (function calls, identities, variable reads folded into constants).
TFLITE_BUILTIN_OPS = frozenset(
    {
        # plumbing
        "Const",
        "Placeholder",
        "Identity",
        "IdentityN",
        "NoOp",
        "PartitionedCall",
        "StatefulPartitionedCall",
        "ReadVariableOp",
        "VarHandleOp",
        "StopGradient",
        "If",
        "StatelessIf",
        "While",
        "StatelessWhile",
        # arithmetic and math
        "Abs",
        "Add",
        "AddN",
        "AddV2",
        "BiasAdd",
        "Ceil",
        "Cos",
        "Cumsum",
        "Div",
        "Elu",
        "Exp",
        "Floor",
        "FloorDiv",
        "FloorMod",
        "LeakyRelu",
        "Log",
        "LogSoftmax",
        "MatMul",
        "BatchMatMul",
        "BatchMatMulV2",
        "BatchMatMulV3",
        "Einsum",
        "Maximum",
        "Minimum",
        "Mul",
        "Neg",
        "Pow",
        "RealDiv",
        "Relu",
        "Relu6",
        "Round",
        "Rsqrt",
        "Sigmoid",
        "Sign",
        "Sin",
        "Softmax",
        "Sqrt",
        "Square",
        "SquaredDifference",
        "Sub",
        "Tanh",
        # exact GELU (`gelu_erf`, most Hugging Face checkpoints) is `0.5 x erfc(-x / sqrt 2)`
        # in TensorFlow; the converter fuses that pattern into the builtin GELU
        "Erf",
        "Erfc",
        # comparisons and logic
        "Equal",
        "NotEqual",
        "Greater",
        "GreaterEqual",
        "Less",
        "LessEqual",
        "LogicalAnd",
        "LogicalNot",
        "LogicalOr",
        "Select",
        "SelectV2",
        "Where",
        # reductions
        "All",
        "Any",
        "ArgMax",
        "ArgMin",
        "Max",
        "Mean",
        "Min",
        "Prod",
        "Sum",
        "TopKV2",
        "UnsortedSegmentMax",
        "UnsortedSegmentMin",
        # shapes, indexing, layout
        "BroadcastArgs",
        "BroadcastTo",
        "Cast",
        "ConcatV2",
        "ExpandDims",
        "Fill",
        "GatherNd",
        "GatherV2",
        "OneHot",
        "OnesLike",
        "Pack",
        "Pad",
        "PadV2",
        "MirrorPad",
        "Range",
        "Rank",
        "Reshape",
        "ReverseV2",
        "ScatterNd",
        "Shape",
        "Slice",
        "Split",
        "SplitV",
        "Squeeze",
        "StridedSlice",
        "Tile",
        "Transpose",
        "Unpack",
        "ZerosLike",
    }
)


def graph_ops(graph_like):
    """The set of op types in a graph, including the bodies of the functions it calls.

    Args:
        graph_like: a `ConcreteFunction`, a `tf.Graph` or a `GraphDef`.
    """
    if hasattr(graph_like, "graph"):
        graph_like = graph_like.graph
    graph_def = graph_like.as_graph_def() if isinstance(graph_like, tf.Graph) else graph_like
    ops = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        ops.update(node.op for node in function.node_def)
    called = {f.signature.name for f in graph_def.library.function}
    return ops - called


def allowed_ops(target):
    """The allowlist of `target` as a predicate on op names."""
    if target == TF_SERVING:
        return lambda op: hasattr(tf.raw_ops, op) or op in TFTEXT_2_12_1_OPS
    if target == TFLITE:
        return lambda op: op in TFLITE_BUILTIN_OPS or op in TFLITE_TFTEXT_OPS
    raise ValueError(f"Unknown export target {target!r}; use one of {TARGETS}.")


def unsupported_ops(graph_like, target):
    """Sorted op types of `graph_like` that `target` lacks."""
    allowed = allowed_ops(target)
    return sorted(op for op in graph_ops(graph_like) if not allowed(op))


def check_ops(graph_like, target, what="the graph"):
    """Raises ValueError naming the first op of `graph_like` that `target` cannot run."""
    missing = unsupported_ops(graph_like, target)
    if missing:
        hint = {
            TF_SERVING: "TF Serving before 2.20 embeds tensorflow-text 2.12.1, which lacks it",
            TFLITE: "the TFLite runtime has no builtin or tensorflow-text kernel for it (for text, "
            "use BertTokenizer(mode='tflite'))",
        }[target]
        others = f" (also: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise ValueError(f"Op {missing[0]} in {what} cannot run on {target}: {hint}{others}.")
