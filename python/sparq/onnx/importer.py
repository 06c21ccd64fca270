"""import_model: ONNX model -> sparq.ir.Module (text, parse, verify, lower)."""
import re

from . import ops_math, ops_nn, ops_shape  # noqa: F401 - register converters
from .errors import ImportError
from .fold import EVALUATORS
from .graph import Graph
from .load import load
from .registry import CONVERTERS

SUPPORTED = sorted(set(CONVERTERS) | set(EVALUATORS))

# Upstream's lowering of what the importer emits: the NCHW<->NHWC transposes
# around convolutions and pools cancelled through the elementwise ops between
# them (tosa-reduce-transposes), TOSA to linalg, tensor and arith, cleanup.
LOWERING = ("builtin.module(func.func(tosa-reduce-transposes,tosa-optional-decompositions,"
            "tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,tosa-to-tensor),"
            "canonicalize,cse)")


def import_text(model, *, batch=None, entry="main"):
    """The TOSA-level MLIR text of `model` (before parsing or lowering)."""
    if batch is not None and (not isinstance(batch, int) or batch < 1):
        raise ImportError(f"batch must be a positive int, not {batch!r}")
    proto, opset = load(model)
    try:
        return Graph(proto, opset, batch).run(entry)
    except ImportError:
        raise
    except Exception as e:  # a malformed graph the checks above let through
        raise ImportError(f"the model is malformed ({type(e).__name__}: {e})",
                          hint="export it again; check it with "
                               "onnx.checker.check_model") from None


def import_model(model, *, batch=None, lower=True, entry="main", context=None):
    """Imports `model` (a path, bytes or onnx.ModelProto) as a
    sparq.ir.Module with one function `entry` taking the graph inputs and
    returning its outputs. With lower=False the module stays at TOSA.
    Raises ImportError (a ValueError) for a model it cannot import."""
    from .. import ir
    text = import_text(model, batch=batch, entry=entry)
    try:
        module = ir.Module.parse(text, name="onnx", context=context)
        module.verify()
        if lower:
            module.run(LOWERING)
    except ir.MLIRError as e:
        raise _located(e) from None
    return module


def _located(error):  # noqa: D401
    """An MLIRError from the emitted IR as an ImportError naming the node
    its first diagnostic is located at (the importer emitted IR the
    verifier rejects: a bug or an unsupported combination)."""
    node = None
    message = str(error)
    for _, loc, msg in error.diagnostics:
        m = re.search(r'loc\("((?:[^"\\]|\\.)*)"', loc)
        if m:
            node = m.group(1)
        message = msg
        break
    return ImportError(f"the imported IR is rejected: {message}", node=node,
                       hint="this model uses a form sparq's importer does not "
                            "handle; please report it with the model")
