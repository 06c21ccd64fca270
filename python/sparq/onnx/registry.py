"""The converter table and the view of an ONNX node converters get."""
from onnx import helper

from .errors import ImportError

CONVERTERS = {}


def converter(*op_types):
    """Registers a function (emitter, node, inputs) -> outputs."""
    def register(fn):
        for op in op_types:
            CONVERTERS[op] = fn
        return fn
    return register


class Node:
    """An ONNX node: name, op_type, attributes and error reporting."""

    def __init__(self, proto, index, opset):
        self.proto, self.opset = proto, opset
        self.op_type = proto.op_type
        self.name = proto.name or f"{proto.op_type}_{index}"
        try:
            self.attrs = {a.name: helper.get_attribute_value(a)
                          for a in proto.attribute}
        except Exception as e:
            raise self.error(f"has a malformed attribute ({e})",
                             "the model is damaged; export it again") from None

    def attr(self, name, default=None):
        value = self.attrs.get(name, default)
        return value.decode() if isinstance(value, bytes) else value

    def error(self, message, hint=None):
        return ImportError(message, node=self.name, op_type=self.op_type, hint=hint)

    def const(self, inputs, index, what, default=None):
        """Input `index` as a numpy array: it must be known at import."""
        import numpy as np
        if index >= len(inputs) or inputs[index] is None:
            if default is not None:
                return np.asarray(default)
            raise self.error(f"needs its {what} input", "the model is malformed")
        value = inputs[index]
        if not isinstance(value, np.ndarray):
            raise self.error(f"its {what} is computed at run time; sparq needs "
                             "it known at import",
                             "export with static shapes (and constant folding)")
        return value

    def tensor_input(self, inputs, index, what="data"):
        if index >= len(inputs) or inputs[index] is None:
            raise self.error(f"needs its {what} input", "the model is malformed")
        return inputs[index]
