"""Operators that move data without arithmetic: reshapes, transposes,
slices, concatenation, gathers, padding, casts. Shapes and indices must be
known at import (they are, once the shape subgraphs are folded)."""
import numpy as np

from . import tosa as T
from .emit import FLOATS, Tensor
from .fold import (axes_of, reshape_shape, slice_params, split_sizes,
                   squeeze_shape, unsqueeze_shape)
from .graph import np_dtype
from .registry import converter


@converter("Identity", "Dropout")
def identity(e, node, inputs):
    if node.op_type == "Dropout" and len(node.proto.output) > 1 and node.proto.output[1]:
        mask = np.ones(inputs[0].shape, np.bool_)
        return [inputs[0], mask]
    return inputs[0]


@converter("Reshape")
def reshape(e, node, inputs):
    x = inputs[0]
    target = node.const(inputs, 1, "shape")
    return T.reshape(e, x, reshape_shape(node, x.shape, target))


@converter("Flatten")
def flatten(e, node, inputs):
    x = inputs[0]
    axis = node.attr("axis", 1) % (x.rank + 1) if x.rank else 0
    return T.reshape(e, x, (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:]))))


@converter("Squeeze")
def squeeze(e, node, inputs):
    x = inputs[0]
    axes = axes_of(node, inputs)
    return T.reshape(e, x, squeeze_shape(x.shape, axes))


@converter("Unsqueeze")
def unsqueeze(e, node, inputs):
    x = inputs[0]
    axes = axes_of(node, inputs)
    if axes is None:
        raise node.error("has no axes")
    return T.reshape(e, x, unsqueeze_shape(x.shape, axes))


@converter("Transpose")
def transpose(e, node, inputs):
    x = inputs[0]
    perm = node.attr("perm")
    perm = list(range(x.rank))[::-1] if perm is None else [int(p) for p in perm]
    if sorted(perm) != list(range(x.rank)):
        raise node.error(f"perm {perm} is not a permutation of {x.rank} axes")
    return T.transpose(e, x, perm)


@converter("Cast")
def cast(e, node, inputs):
    x, to = inputs[0], np_dtype(node.attr("to"), "Cast's 'to'")
    if x.dtype in FLOATS and to not in FLOATS and to != np.bool_:
        # ONNX truncates toward zero; tosa.cast rounds to nearest.
        negative = T.elementwise(e, "tosa.greater", [np.zeros((), x.dtype), x],
                                 dtype=np.bool_)
        x = T.elementwise(e, "tosa.select", [negative, T.unary(e, "tosa.ceil", x),
                                             T.unary(e, "tosa.floor", x)])
    return T.cast(e, x, to)


@converter("Concat")
def concat(e, node, inputs):
    xs = [i for i in inputs if i is not None]
    ref = next(i for i in xs if isinstance(i, Tensor))
    axis = node.attr("axis") % ref.rank
    xs = [T.value(e, np.asarray(x, ref.dtype)) if not isinstance(x, Tensor) else x
          for x in xs]
    xs = [x for x in xs if x.shape[axis] > 0]
    return T.concat(e, xs, axis)


def _slice(e, x, slices):
    """x[slices] for normalized Python slices: tosa.slice for the window,
    tosa.reverse for negative steps, a reshape for strides > 1."""
    start, size, steps = [], [], []
    for d, s in zip(x.shape, slices):
        r = range(d)[s]
        lo, st, n = r.start, r.step, len(r)
        if st < 0:
            lo, st = lo + (n - 1) * st, -st    # the same elements, ascending
        start.append(lo)
        size.append(n)
        steps.append((st, s.step is not None and s.step < 0))
    if 0 in size:
        raise ValueError("the slice is empty")
    ext = [min((n - 1) * st + 1, d - lo) for n, (st, _), lo, d in
           zip(size, steps, start, x.shape)]
    y = T.slice_(e, x, start, ext)
    for axis, (st, _) in enumerate(steps):
        if st > 1:
            # Keep every st-th element: pad to a multiple of st, view as
            # [n, st] and take column 0.
            n = size[axis]
            full = n * st
            if y.shape[axis] < full:
                widths = []
                for i, d in enumerate(y.shape):
                    widths += [0, full - d if i == axis else 0]
                shape = list(y.shape)
                shape[axis] = full
                y = e.op("tosa.pad", [y, e.shape(widths), e.const(np.zeros((1,), y.dtype))],
                         [(shape, y.dtype)])
            shape = list(y.shape)
            view = shape[:axis] + [n, st] + shape[axis + 1:]
            y = T.reshape(e, y, view)
            y = T.slice_(e, y, [0] * len(view), shape[:axis] + [n, 1] + shape[axis + 1:])
            y = T.reshape(e, y, shape[:axis] + [n] + shape[axis + 1:])
    for axis, (_, rev) in enumerate(steps):
        if rev:
            y = e.op("tosa.reverse", [y], [(y.shape, y.dtype)],
                     props={"axis": f"{axis} : i32"})
    return y


@converter("Slice")
def slice_op(e, node, inputs):
    x = inputs[0]
    consts = [x] + [node.const(inputs, i, w) if i < len(inputs) and inputs[i] is not None
                    else None for i, w in ((1, "starts"), (2, "ends"), (3, "axes"),
                                           (4, "steps"))]
    if node.opset < 10:
        consts = [x, np.array(node.attr("starts")), np.array(node.attr("ends")),
                  np.array(node.attr("axes")) if node.attr("axes") else None]
    return _slice(e, x, slice_params(node, x.shape, consts))


@converter("Split")
def split(e, node, inputs):
    x = inputs[0]
    axis = node.attr("axis", 0) % x.rank
    consts = [x] + [node.const(inputs, 1, "split") if len(inputs) > 1 and
                    inputs[1] is not None else None]
    sizes = split_sizes(node, x.shape[axis], consts)
    outs, offset = [], 0
    for s in sizes:
        start = [0] * x.rank
        start[axis] = offset
        shape = list(x.shape)
        shape[axis] = s
        outs.append(T.slice_(e, x, start, shape))
        offset += s
    return outs


@converter("Gather")
def gather(e, node, inputs):
    data, indices = inputs
    if not isinstance(data, Tensor):
        data = T.value(e, data, hint=node.proto.input[0])
    axis = node.attr("axis", 0) % data.rank
    d = data.shape[axis]
    if not isinstance(indices, Tensor):
        idx = np.asarray(indices).astype(np.int64)
        if ((idx < -d) | (idx >= d)).any():
            raise node.error(f"an index is out of range for a dimension of {d}")
        idx = np.where(idx < 0, idx + d, idx)
        if idx.ndim == 0:
            # A single index: a slice without its axis.
            start = [0] * data.rank
            start[axis] = int(idx)
            size = list(data.shape)
            size[axis] = 1
            y = T.slice_(e, data, start, size)
            return T.reshape(e, y, data.shape[:axis] + data.shape[axis + 1:])
        indices = idx
    # General case: axis first, [1, D, rest] values, tosa.gather by i32 indices.
    perm = [axis] + [i for i in range(data.rank) if i != axis]
    moved = T.transpose(e, data, perm)
    rest = moved.shape[1:]
    values = T.reshape(e, moved, (1, d, int(np.prod(rest))))
    if isinstance(indices, Tensor):
        ishape = indices.shape
        flat = T.reshape(e, T.cast(e, indices, np.int32), (1, int(np.prod(ishape))))
    else:
        ishape = indices.shape
        flat = e.const(indices.astype(np.int32).reshape(1, -1))
    k = int(np.prod(ishape))
    g = e.op("tosa.gather", [values, flat], [((1, k, values.shape[2]), data.dtype)])
    y = T.reshape(e, g, tuple(ishape) + tuple(rest))
    # Move the gathered axes back to where `axis` was.
    ni = len(ishape)
    order = list(range(ni, ni + axis)) + list(range(ni)) + \
        list(range(ni + axis, ni + len(rest)))
    return T.transpose(e, y, order)


@converter("Expand")
def expand(e, node, inputs):
    x = inputs[0]
    target = tuple(int(s) for s in node.const(inputs, 1, "shape"))
    shape = np.broadcast_shapes(x.shape, target)
    return T.broadcast_to(e, x, shape)


@converter("Tile")
def tile(e, node, inputs):
    reps = [int(r) for r in node.const(inputs, 1, "repeats")]
    return T.tile(e, inputs[0], reps)


@converter("Pad")
def pad(e, node, inputs):
    x = inputs[0]
    if node.attr("mode", "constant") != "constant":
        raise node.error(f"pad mode '{node.attr('mode')}' is not supported",
                         "only constant padding is")
    if node.opset < 11:
        pads, value = node.attr("pads"), node.attr("value", 0.0)
    else:
        pads = node.const(inputs, 1, "pads")
        value = node.const(inputs, 2, "constant_value", 0).reshape(-1)[0] \
            if len(inputs) > 2 and inputs[2] is not None else 0
    pads = [int(p) for p in pads]
    n = x.rank
    if len(inputs) > 3 and inputs[3] is not None:
        axes = [int(a) % n for a in node.const(inputs, 3, "axes")]
        full = [0] * (2 * n)
        for i, a in enumerate(axes):
            full[a], full[n + a] = pads[i], pads[len(axes) + i]
        pads = full
    if any(p < 0 for p in pads):
        raise node.error("negative pads are not supported")
    widths = []
    for i in range(n):
        widths += [pads[i], pads[n + i]]
    shape = [d + pads[i] + pads[n + i] for i, d in enumerate(x.shape)]
    return e.op("tosa.pad", [x, e.shape(widths), e.const(np.full((1,), value, x.dtype))],
                [(shape, x.dtype)])
