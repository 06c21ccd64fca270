"""TOSA building blocks the converters share: operands from numpy constants,
numpy-style broadcasting made explicit (TOSA wants equal ranks), and the
handful of ops whose operand lists MLIR 22's TOSA fixes (zero points,
shifts, shape operands)."""
import numpy as np

from .emit import FLOATS, Tensor, element, scalar

F32_MAX = float(np.finfo(np.float32).max)


def value(e, x, dtype=None, hint=None):
    """`x` as a Tensor: numpy constants become tosa.const."""
    if isinstance(x, Tensor):
        return x
    x = np.asarray(x)
    if dtype is not None:
        x = x.astype(dtype)
    return e.const(x, hint)


def zero_point(e, dtype):
    return e.const(np.zeros((1,), dtype=dtype))


def reshape(e, x, shape):
    shape = tuple(int(d) for d in shape)
    x = value(e, x)
    if x.shape == shape:
        return x
    return e.op("tosa.reshape", [x, e.shape(shape)], [(shape, x.dtype)])


def transpose(e, x, perm):
    perm = [int(p) for p in perm]
    if perm == list(range(len(perm))):
        return x
    shape = [x.shape[p] for p in perm]
    return e.op("tosa.transpose", [x], [(shape, x.dtype)],
                props={"perms": f"array<i32: {', '.join(map(str, perm))}>"})


def to_rank(e, x, rank):
    """`x` with leading 1s up to `rank` (numpy broadcasting's alignment)."""
    if isinstance(x, Tensor):
        return reshape(e, x, (1,) * (rank - x.rank) + x.shape)
    x = np.asarray(x)
    return x.reshape((1,) * (rank - x.ndim) + x.shape)


def elementwise(e, name, inputs, dtype=None, extra=()):
    """An elementwise TOSA op over broadcast inputs; `extra` operands (a
    shift) follow them unbroadcast."""
    rank = max(np.ndim(i) if not isinstance(i, Tensor) else i.rank for i in inputs)
    shapes = [i.shape if isinstance(i, Tensor) else np.shape(i) for i in inputs]
    out = np.broadcast_shapes(*shapes)
    ref = next(i for i in inputs if isinstance(i, Tensor))
    if name == "tosa.select":   # the element type is the chosen values'
        ref = next((i for i in inputs[1:] if isinstance(i, Tensor)), ref)
    # Constants take the float type of the run-time operand (not conditions).
    ops = [value(e, to_rank(e, i, rank), ref.dtype if not isinstance(i, Tensor)
                 and ref.dtype in FLOATS and np.asarray(i).dtype != np.bool_
                 else None) for i in inputs]
    if name == "tosa.select" and dtype is None:
        dtype = ref.dtype
    return e.op(name, ops + list(extra), [(out, dtype or ref.dtype)])


def add(e, a, b):
    return elementwise(e, "tosa.add", [a, b])


def sub(e, a, b):
    return elementwise(e, "tosa.sub", [a, b])


def mul(e, a, b):
    return elementwise(e, "tosa.mul", [a, b],
                       extra=[e.const(np.zeros((1,), np.int8))])


def unary(e, name, x):
    return e.op(name, [x], [(x.shape, x.dtype)])


def clamp(e, x, lo, hi):
    """tosa.clamp: bounds are attributes of the element type."""
    t = element(x.dtype)
    if x.dtype not in FLOATS:
        lo, hi = int(lo), int(hi)
    return e.op("tosa.clamp", [x], [(x.shape, x.dtype)],
                props={"min_val": f"{scalar(lo, x.dtype)} : {t}",
                       "max_val": f"{scalar(hi, x.dtype)} : {t}"})


def negate(e, x):
    z = zero_point(e, x.dtype)
    return e.op("tosa.negate", [x, z, z], [(x.shape, x.dtype)])


def reduce(e, name, x, axes, keepdims=True):
    """tosa.reduce_* over each axis in turn (TOSA reduces one axis per op)."""
    axes = sorted({a % x.rank for a in axes})
    for a in axes:
        shape = list(x.shape)
        shape[a] = 1
        x = e.op(name, [x], [(shape, x.dtype)], props={"axis": f"{a} : i32"})
    if not keepdims:
        x = reshape(e, x, [d for i, d in enumerate(x.shape) if i not in axes])
    return x


def slice_(e, x, start, size):
    if list(size) == list(x.shape):
        return x
    return e.op("tosa.slice", [x, e.shape(start), e.shape(size)], [(size, x.dtype)])


def concat(e, xs, axis):
    if len(xs) == 1:
        return xs[0]
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    return e.op("tosa.concat", xs, [(shape, xs[0].dtype)],
                props={"axis": f"{axis} : i32"})


def cast(e, x, dtype):
    if x.dtype == np.dtype(dtype):
        return x
    return e.op("tosa.cast", [x], [(x.shape, dtype)])


def tile(e, x, multiples):
    if all(m == 1 for m in multiples):
        return x
    shape = [d * m for d, m in zip(x.shape, multiples)]
    return e.op("tosa.tile", [x, e.shape(multiples)], [(shape, x.dtype)])


def broadcast_to(e, x, shape):
    """`x` expanded to `shape` (numpy rules) by a reshape and a tile."""
    x = reshape(e, x, (1,) * (len(shape) - x.rank) + x.shape)
    return tile(e, x, [t if d == 1 else 1 for d, t in zip(x.shape, shape)])
