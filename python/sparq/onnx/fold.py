"""ONNX operators evaluated in numpy at import: the shape-computing
subgraphs exporters emit (Shape, Gather, Concat, ConstantOfShape, ...) and
any node whose inputs are all constants. Every function takes (node,
inputs) and returns the list of outputs."""
import numpy as np
from onnx import numpy_helper

from .emit import Tensor

EVALUATORS = {}
# Evaluated even when the input is a run-time Tensor (only its shape is read).
SHAPE_ONLY = {"Shape", "Size"}


def evaluator(*op_types):
    def register(fn):
        for op in op_types:
            EVALUATORS[op] = fn
        return fn
    return register


def shape_of(x):
    return x.shape if isinstance(x, Tensor) else np.shape(x)


@evaluator("Shape")
def _shape(node, inputs):
    shape = np.array(shape_of(inputs[0]), dtype=np.int64)
    rank = len(shape)
    start = node.attr("start", 0)
    end = node.attr("end", rank)
    return [shape[slice(start, end)]]


@evaluator("Size")
def _size(node, inputs):
    return [np.array(int(np.prod(shape_of(inputs[0]))), dtype=np.int64)]


@evaluator("Constant")
def _constant(node, inputs):
    a = node.attrs
    if "value" in a:
        return [numpy_helper.to_array(a["value"])]
    for key, dtype in (("value_float", np.float32), ("value_int", np.int64)):
        if key in a:
            return [np.array(a[key], dtype=dtype)]
    for key, dtype in (("value_floats", np.float32), ("value_ints", np.int64)):
        if key in a:
            return [np.array(list(a[key]), dtype=dtype)]
    raise node.error("has no supported value attribute",
                     "sparse and string constants are not supported")


@evaluator("ConstantOfShape")
def _constant_of_shape(node, inputs):
    value = node.attrs.get("value")
    fill = numpy_helper.to_array(value).reshape(-1) if value is not None \
        else np.zeros(1, np.float32)
    shape = [int(d) for d in inputs[0]]
    if any(d < 0 for d in shape) or np.prod(shape) > 1 << 28:
        raise node.error(f"asks for an invalid or huge shape {shape}")
    return [np.full(shape, fill[0], dtype=fill.dtype)]


@evaluator("Identity", "Dropout")
def _identity(node, inputs):
    return [inputs[0]]


def _binary(fn):
    def run(node, inputs):
        return [np.asarray(fn(inputs[0], inputs[1]))]
    return run


def _div(a, b):
    if np.issubdtype(a.dtype, np.integer):
        return np.trunc(a / b).astype(a.dtype)   # ONNX integer Div truncates
    return (a / b).astype(a.dtype)


for _op, _fn in {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
                 "Div": _div, "Equal": np.equal, "Less": np.less,
                 "Greater": np.greater, "LessOrEqual": np.less_equal,
                 "GreaterOrEqual": np.greater_equal, "And": np.logical_and,
                 "Or": np.logical_or, "Pow": lambda a, b: np.power(a, b).astype(a.dtype),
                 "Mod": np.fmod}.items():
    EVALUATORS[_op] = _binary(_fn)

for _op, _fn in {"Neg": np.negative, "Not": np.logical_not, "Sqrt": np.sqrt,
                 "Abs": np.abs, "Floor": np.floor, "Ceil": np.ceil,
                 "Reciprocal": np.reciprocal, "Exp": np.exp,
                 "Relu": lambda x: np.maximum(x, 0).astype(x.dtype)}.items():
    EVALUATORS[_op] = (lambda f: lambda node, inputs: [np.asarray(f(inputs[0]))])(_fn)


@evaluator("Max", "Min", "Sum")
def _variadic(node, inputs):
    fn = {"Max": np.maximum, "Min": np.minimum, "Sum": np.add}[node.op_type]
    out = inputs[0]
    for x in inputs[1:]:
        out = fn(out, x)
    return [np.asarray(out)]


@evaluator("Where")
def _where(node, inputs):
    return [np.where(inputs[0], inputs[1], inputs[2])]


@evaluator("Cast")
def _cast(node, inputs):
    import onnx
    to = np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[node.attr("to")])
    return [inputs[0].astype(to)]


@evaluator("Concat")
def _concat(node, inputs):
    return [np.concatenate([np.atleast_1d(x) for x in inputs if x is not None],
                           axis=node.attr("axis"))]


@evaluator("Gather")
def _gather(node, inputs):
    return [np.take(inputs[0], inputs[1].astype(np.int64), axis=node.attr("axis", 0))]


def axes_of(node, inputs, index=1):
    """Axes from the attribute (old opsets) or the input (new ones)."""
    if len(inputs) > index and inputs[index] is not None:
        return [int(a) for a in np.atleast_1d(inputs[index])]
    axes = node.attr("axes")
    return None if axes is None else [int(a) for a in axes]


@evaluator("Unsqueeze")
def _unsqueeze(node, inputs):
    return [np.reshape(inputs[0], unsqueeze_shape(shape_of(inputs[0]),
                                                  axes_of(node, inputs)))]


def unsqueeze_shape(shape, axes):
    rank = len(shape) + len(axes)
    axes = sorted(a % rank for a in axes)
    out = list(shape)
    for a in axes:
        out.insert(a, 1)
    return out


def squeeze_shape(shape, axes):
    if axes is None:
        return [d for d in shape if d != 1]
    axes = {a % len(shape) for a in axes}
    if any(shape[a] != 1 for a in axes):
        raise ValueError(f"squeezes an axis of size > 1 in shape {list(shape)}")
    return [d for i, d in enumerate(shape) if i not in axes]


@evaluator("Squeeze")
def _squeeze(node, inputs):
    return [np.reshape(inputs[0], squeeze_shape(shape_of(inputs[0]),
                                                axes_of(node, inputs)))]


def reshape_shape(node, shape, target):
    """ONNX Reshape's target shape: 0 copies the input's dimension (unless
    allowzero), -1 is inferred."""
    out = [int(d) for d in target]
    allowzero = node.attr("allowzero", 0)
    for i, d in enumerate(out):
        if d == 0 and not allowzero:
            out[i] = shape[i]
    if out.count(-1) == 1:
        known = int(np.prod([d for d in out if d != -1]))
        total = int(np.prod(shape))
        if known == 0 or total % known:
            raise ValueError(f"cannot reshape {list(shape)} to {list(target)}")
        out[out.index(-1)] = total // known
    if any(d < 0 for d in out) or int(np.prod(out)) != int(np.prod(shape)):
        raise ValueError(f"cannot reshape {list(shape)} to {list(target)}")
    return out


@evaluator("Reshape")
def _reshape(node, inputs):
    return [np.reshape(inputs[0], reshape_shape(node, inputs[0].shape, inputs[1]))]


@evaluator("Flatten")
def _flatten(node, inputs):
    x = inputs[0]
    axis = node.attr("axis", 1) % (x.ndim + 1) if x.ndim else 0
    return [x.reshape(int(np.prod(x.shape[:axis])), -1)]


@evaluator("Transpose")
def _transpose(node, inputs):
    return [np.transpose(inputs[0], node.attr("perm"))]


def slice_params(node, shape, inputs):
    """(starts, ends, steps) per axis, clamped as ONNX Slice defines."""
    starts, ends = inputs[1], inputs[2]
    axes = inputs[3] if len(inputs) > 3 and inputs[3] is not None \
        else np.arange(len(starts))
    steps = inputs[4] if len(inputs) > 4 and inputs[4] is not None \
        else np.ones(len(starts), np.int64)
    out = [slice(None)] * len(shape)
    for s, e, a, st in zip(starts, ends, axes, steps):
        a = int(a) % len(shape)
        if int(st) == 0:
            raise ValueError("a Slice step is 0")
        # range() normalizes; a slice of it gives start/stop/step that need
        # no second normalization (a stop of -1 would wrap).
        r = range(shape[a])[slice(int(s), int(e), int(st))]
        out[a] = slice(r.start, r.stop if r.stop >= 0 else None, r.step)
    return out


@evaluator("Slice")
def _slice(node, inputs):
    return [np.asarray(inputs[0][tuple(slice_params(node, inputs[0].shape, inputs))])]


@evaluator("Range")
def _range(node, inputs):
    start, limit, delta = (np.asarray(i).item() for i in inputs[:3])
    return [np.arange(start, limit, delta, dtype=inputs[0].dtype)]


@evaluator("Expand")
def _expand(node, inputs):
    shape = np.broadcast_shapes(inputs[0].shape, tuple(int(d) for d in inputs[1]))
    return [np.broadcast_to(inputs[0], shape).copy()]


@evaluator("Split")
def _split(node, inputs):
    x = inputs[0]
    axis = node.attr("axis", 0) % x.ndim
    sizes = split_sizes(node, x.shape[axis], inputs)
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def split_sizes(node, dim, inputs):
    if len(inputs) > 1 and inputs[1] is not None:
        sizes = [int(s) for s in np.atleast_1d(inputs[1])]
    elif node.attr("split") is not None:
        sizes = [int(s) for s in node.attr("split")]
    else:
        n = node.attr("num_outputs", len(node.proto.output))
        chunk = -(-dim // n)
        sizes = [min(chunk, dim - i * chunk) for i in range(n)]
    if sum(sizes) != dim or any(s < 0 for s in sizes):
        raise ValueError(f"split sizes {sizes} do not add up to {dim}")
    return sizes
