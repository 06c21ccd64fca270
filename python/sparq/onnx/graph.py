"""Walks an ONNX graph in order: graph inputs become function arguments,
initializers numpy constants, and each node is either evaluated in numpy
(all its inputs known at import: shape arithmetic, constant subgraphs) or
handed to its converter, which emits TOSA / linalg for it."""
import numpy as np
import onnx
from onnx import numpy_helper

from . import fold
from .emit import ELEMENT, Emitter, Tensor, quote
from .errors import ImportError
from .registry import CONVERTERS, Node


def np_dtype(elem_type, what):
    try:
        return np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[elem_type])
    except KeyError:
        raise ImportError(f"{what} has an unknown element type ({elem_type})",
                          hint="re-export the model") from None


def to_array(tensor, what):
    try:
        return numpy_helper.to_array(tensor)
    except Exception as e:
        raise ImportError(f"{what} '{tensor.name}' cannot be read ({e})",
                          hint="the model file is damaged; export it again") from None


def input_shape(value_info, batch):
    """The static shape of a graph input; a dynamic first dimension takes
    `batch`."""
    t = value_info.type
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        raise ImportError(f"graph input '{value_info.name}' has no tensor shape",
                          hint="export the model with static input shapes")
    shape = []
    for i, d in enumerate(t.tensor_type.shape.dim):
        if d.HasField("dim_value") and d.dim_value > 0:
            shape.append(d.dim_value)
        elif i == 0 and batch is not None:
            shape.append(batch)
        else:
            what = f"'{d.dim_param}'" if d.dim_param else "unknown"
            raise ImportError(
                f"graph input '{value_info.name}' has a dynamic dimension {i} "
                f"({what})",
                hint="pass batch=N (--batch N) for a dynamic first dimension"
                if i == 0 else "export the model with static shapes")
    return shape


class Graph:
    """Imports one ONNX graph into an Emitter."""

    def __init__(self, proto, opset, batch):
        self.proto, self.opset, self.batch = proto, opset, batch
        self.e = Emitter()
        self.env = {"": None}   # ONNX name -> Tensor | np.ndarray | None

    def run(self, entry):
        g = self.proto.graph
        for t in g.initializer:
            self.env[t.name] = to_array(t, "initializer")
        for t in g.sparse_initializer:
            raise ImportError(f"sparse initializer '{t.values.name}' is not "
                              "supported", hint="store it dense")
        args = []
        for vi in g.input:
            if vi.name in self.env:   # an initializer listed as an input
                continue
            dtype = np_dtype(vi.type.tensor_type.elem_type, f"graph input '{vi.name}'")
            if dtype not in ELEMENT:
                raise ImportError(f"graph input '{vi.name}' has element type "
                                  f"{dtype}, which sparq cannot take",
                                  hint="use float32 inputs")
            t = Tensor(f"%arg{len(args)}", input_shape(vi, self.batch), dtype)
            self.env[vi.name] = t
            args.append((t, f"loc({quote(vi.name)})"))
        for index, proto in enumerate(g.node):
            self.node(Node(proto, index, self.opset))
        results = []
        self.e.at("output")
        for vi in g.output:
            if vi.name not in self.env:
                raise ImportError(f"graph output '{vi.name}' is computed by no node",
                                  hint="the model is malformed; export it again")
            out = self.env[vi.name]
            if not isinstance(out, Tensor):
                from .tosa import value
                out = value(self.e, out)
            results.append(out)
        if not args:
            raise ImportError("the model has no run-time inputs (everything folds "
                              "to constants)", hint="nothing to compile")
        return self.e.module(entry, args, results)

    def node(self, node):
        inputs = []
        for name in node.proto.input:
            if name not in self.env:
                raise node.error(f"input '{name}' is not defined before the node",
                                 "the graph is not topologically sorted or is "
                                 "malformed; export it again")
            inputs.append(self.env[name])
        if node.proto.domain not in ("", "ai.onnx"):
            raise node.error(f"operator domain '{node.proto.domain}' is not supported",
                             "export with only standard ONNX operators")
        self.e.at(node.name)
        try:
            outputs = self._fold(node, inputs)
            if outputs is None:
                converter = CONVERTERS.get(node.op_type)
                if converter is None:
                    raise node.error(
                        "operator is not supported by sparq's ONNX importer",
                        "see docs/Onnx.md for the supported operators; "
                        "replace it in the model or fold it away before export")
                outputs = converter(self.e, node, inputs)
        except ImportError:
            raise
        except Exception as e:  # a shape or attribute the converter rejects
            raise node.error(f"cannot be converted: {type(e).__name__}: {e}",
                             "check the node's attributes and input shapes") from None
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        names = list(node.proto.output)
        if len(outputs) < len([n for n in names if n]):
            raise node.error(f"produces {len(outputs)} of its {len(names)} outputs",
                             "the extra outputs (training statistics, masks) "
                             "are not supported")
        for name, out in zip(names, outputs):
            if name:
                self.env[name] = out

    def _fold(self, node, inputs):
        """The node's outputs computed in numpy when all its inputs are known
        (Shape needs only a static shape), else None."""
        evaluator = fold.EVALUATORS.get(node.op_type)
        if evaluator is None:
            return None
        if node.op_type in fold.SHAPE_ONLY:
            return evaluator(node, inputs)
        if any(isinstance(i, Tensor) for i in inputs):
            return None
        return evaluator(node, inputs)
