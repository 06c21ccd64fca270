"""Elementwise operators, activations, reductions and normalizations, as
TOSA (linalg.generic with math for what TOSA lacks, e.g. sqrt)."""
import numpy as np

from . import tosa as T
from .emit import FLOATS, Tensor, element
from .fold import axes_of
from .registry import converter

BINARY = {"Add": "tosa.add", "Sub": "tosa.sub", "Max": "tosa.maximum",
          "Min": "tosa.minimum", "Sum": "tosa.add", "And": "tosa.logical_and",
          "Or": "tosa.logical_or"}
COMPARE = {"Equal": "tosa.equal", "Greater": "tosa.greater",
           "GreaterOrEqual": "tosa.greater_equal"}
UNARY = {"Exp": "tosa.exp", "Log": "tosa.log", "Tanh": "tosa.tanh",
         "Sigmoid": "tosa.sigmoid", "Abs": "tosa.abs",
         "Floor": "tosa.floor", "Ceil": "tosa.ceil",
         "Reciprocal": "tosa.reciprocal", "Not": "tosa.logical_not",
         "Sin": "tosa.sin", "Cos": "tosa.cos"}


def runtime(x, ref):
    """A constant operand in the run-time operand's float type."""
    if isinstance(x, Tensor) or not isinstance(ref, Tensor):
        return x
    return np.asarray(x).astype(ref.dtype)


def _ref(inputs):
    return next(i for i in inputs if isinstance(i, Tensor))


@converter(*BINARY)
def binary(e, node, inputs):
    ref = _ref(inputs)
    xs = [runtime(i, ref) for i in inputs]
    out = xs[0]
    for x in xs[1:]:
        out = T.elementwise(e, BINARY[node.op_type], [out, x])
    return out


@converter("Mul")
def mul(e, node, inputs):
    ref = _ref(inputs)
    return T.mul(e, runtime(inputs[0], ref), runtime(inputs[1], ref))


@converter("Div")
def div(e, node, inputs):
    a, b = inputs
    ref = _ref(inputs)
    if ref.dtype not in FLOATS:
        return T.elementwise(e, "tosa.intdiv", [runtime(a, ref), runtime(b, ref)])
    if not isinstance(b, Tensor):
        b = np.asarray(b, dtype=ref.dtype)
        # Division by a power of two is exact as a product.
        inv = (1 / b).astype(ref.dtype)
        if np.all(np.frexp(b)[0] == 0.5):
            return T.mul(e, a, inv)
    return _generic_binary(e, runtime(a, ref), runtime(b, ref), "arith.divf")


@converter(*COMPARE, "Less", "LessOrEqual")
def compare(e, node, inputs):
    ref = _ref(inputs)
    a, b = (runtime(i, ref) for i in inputs)
    if node.op_type in ("Less", "LessOrEqual"):   # TOSA has only > and >=
        a, b = b, a
        name = COMPARE[{"Less": "Greater", "LessOrEqual": "GreaterOrEqual"}[node.op_type]]
    else:
        name = COMPARE[node.op_type]
    return T.elementwise(e, name, [a, b], dtype=np.bool_)


@converter("Where")
def where(e, node, inputs):
    ref = _ref(inputs[1:]) if any(isinstance(i, Tensor) for i in inputs[1:]) else None
    c, a, b = inputs
    if ref is not None:
        a, b = runtime(a, ref), runtime(b, ref)
    return T.elementwise(e, "tosa.select", [c, a, b],
                         dtype=(ref.dtype if ref else np.asarray(a).dtype))


@converter(*UNARY)
def unary(e, node, inputs):
    return T.unary(e, UNARY[node.op_type], inputs[0])


# Abramowitz & Stegun 7.1.26: |error| <= 1.5e-7 for every x (5e-7 in f32).
ERF_P = 0.3275911
ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


@converter("Erf")
def erf(e, node, inputs):
    """erf in one linalg.generic of arith + math.exp: tosa.erf lowers to
    math.erf, which no upstream pass lowers to LLVM except as a libm call
    (convert-math-to-libm, which also turns every other math op into a
    call), so compile_cpu could not run it."""
    x = inputs[0]
    if x.dtype != np.float32:
        raise node.error("Erf is supported on float32 only")

    def body(el):
        f = el[0]
        k = lambda v: f"arith.constant {float(v)!r} : {f}"  # noqa: E731
        lines = [f"%ax = math.absf %a0 : {f}", f"%p = {k(ERF_P)}", f"%one = {k(1.0)}",
                 f"%zero = {k(0.0)}", f"%px = arith.mulf %p, %ax : {f}",
                 f"%d = arith.addf %px, %one : {f}", f"%t = arith.divf %one, %d : {f}",
                 f"%c4 = {k(ERF_A[4])}", "%q4 = arith.mulf %t, %c4 : " + f]
        prev = "%q4"
        for i in (3, 2, 1, 0):      # Horner: ((a5 t + a4) t + a3) ...
            lines += [f"%c{i} = {k(ERF_A[i])}", f"%s{i} = arith.addf {prev}, %c{i} : {f}",
                      f"%q{i} = arith.mulf %s{i}, %t : {f}"]
            prev = f"%q{i}"
        lines += [f"%x2 = arith.mulf %a0, %a0 : {f}", f"%nx2 = arith.negf %x2 : {f}",
                  f"%g = math.exp %nx2 : {f}", f"%pg = arith.mulf {prev}, %g : {f}",
                  f"%y = arith.subf %one, %pg : {f}", f"%ny = arith.negf %y : {f}",
                  f"%neg = arith.cmpf olt, %a0, %zero : {f}",
                  f"%r = arith.select %neg, %ny, %y : {f}", f"linalg.yield %r : {f}"]
        return "\n".join("      " + line for line in lines)
    return _generic(e, [x], x.dtype, body)


@converter("Neg")
def neg(e, node, inputs):
    return T.negate(e, inputs[0])


@converter("Relu")
def relu(e, node, inputs):
    x = inputs[0]
    return T.clamp(e, x, 0, T.F32_MAX if x.dtype in FLOATS
                   else np.iinfo(x.dtype).max)


@converter("Clip")
def clip(e, node, inputs):
    x = inputs[0]
    if node.opset < 11:
        lo, hi = node.attr("min", -T.F32_MAX), node.attr("max", T.F32_MAX)
    else:
        lo = node.const(inputs, 1, "min", -T.F32_MAX) if len(inputs) > 1 and \
            inputs[1] is not None else np.array(-T.F32_MAX)
        hi = node.const(inputs, 2, "max", T.F32_MAX) if len(inputs) > 2 and \
            inputs[2] is not None else np.array(T.F32_MAX)
    return T.clamp(e, x, float(lo), float(hi))


@converter("LeakyRelu")
def leaky_relu(e, node, inputs):
    x = inputs[0]
    alpha = np.asarray(node.attr("alpha", 0.01), x.dtype)
    neg = T.elementwise(e, "tosa.greater", [np.zeros((), x.dtype), x], dtype=np.bool_)
    return T.elementwise(e, "tosa.select", [neg, T.mul(e, x, alpha), x])


@converter("HardSigmoid", "HardSwish")
def hard_sigmoid(e, node, inputs):
    x = inputs[0]
    alpha = node.attr("alpha", 0.2 if node.op_type == "HardSigmoid" else 1 / 6)
    beta = node.attr("beta", 0.5)
    y = T.clamp(e, T.add(e, T.mul(e, x, np.asarray(alpha, x.dtype)),
                         np.asarray(beta, x.dtype)), 0.0, 1.0)
    return T.mul(e, x, y) if node.op_type == "HardSwish" else y


def _generic(e, inputs, out_dtype, body):
    """A linalg.generic over same-shape inputs whose body is `body(args)`
    (MLIR text lines ending in linalg.yield), for ops TOSA does not have."""
    shape = inputs[0].shape
    rank = len(shape)
    ident = f"affine_map<({', '.join(f'd{i}' for i in range(rank))}) -> " \
            f"({', '.join(f'd{i}' for i in range(rank))})>"
    init = e.op("tensor.empty", [], [(shape, out_dtype)])
    el = [element(i.dtype) for i in inputs]
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(el)) + \
        f", %out: {element(out_dtype)}"
    region = "{\n    ^bb0(" + args + "):\n" + body(el) + "\n    }"
    props = {"indexing_maps": "[" + ", ".join([ident] * (len(inputs) + 1)) + "]",
             "iterator_types": "[" + ", ".join(["#linalg.iterator_type<parallel>"] * rank) + "]",
             "operandSegmentSizes": f"array<i32: {len(inputs)}, 1>"}
    return e.op("linalg.generic", list(inputs) + [init], [(shape, out_dtype)],
                props=props, region=region)


def _generic_binary(e, a, b, arith_op):
    shape = np.broadcast_shapes(np.shape(a) if not isinstance(a, Tensor) else a.shape,
                                np.shape(b) if not isinstance(b, Tensor) else b.shape)
    ref = a if isinstance(a, Tensor) else b
    a = T.broadcast_to(e, T.value(e, a), shape)
    b = T.broadcast_to(e, T.value(e, b), shape)
    return _generic(e, [a, b], ref.dtype, lambda el: (
        f'      %r = "{arith_op}"(%a0, %a1) : ({el[0]}, {el[1]}) -> {el[0]}\n'
        f'      "linalg.yield"(%r) : ({el[0]}) -> ()'))


@converter("Sqrt")
def sqrt(e, node, inputs):
    return _generic(e, [inputs[0]], inputs[0].dtype, lambda el: (
        f'      %r = "math.sqrt"(%a0) : ({el[0]}) -> {el[0]}\n'
        f'      "linalg.yield"(%r) : ({el[0]}) -> ()'))


@converter("Pow")
def power(e, node, inputs):
    x, y = inputs
    if not isinstance(y, Tensor) and np.asarray(y).size == 1:
        p = float(np.asarray(y).reshape(-1)[0])
        # Small integer and half powers exactly, as torch computes them.
        if p == 1:
            return x
        if p == 2:
            return T.mul(e, x, x)
        if p == 3:
            return T.mul(e, T.mul(e, x, x), x)
        if p == 0.5:
            return sqrt(e, node, [x])
    ref = _ref(inputs)
    return T.elementwise(e, "tosa.pow", [runtime(x, ref), runtime(y, ref)])


REDUCE = {"ReduceSum": "tosa.reduce_sum", "ReduceMean": "tosa.reduce_sum",
          "ReduceMax": "tosa.reduce_max", "ReduceMin": "tosa.reduce_min",
          "ReduceProd": "tosa.reduce_product"}


@converter(*REDUCE)
def reduce(e, node, inputs):
    x = inputs[0]
    # ReduceSum takes axes as an input from opset 13, the others from 18.
    axes = axes_of(node, inputs) if len(inputs) > 1 else node.attr("axes")
    if axes is None or len(axes) == 0:
        if node.attr("noop_with_empty_axes", 0):
            return x
        axes = list(range(x.rank))
    keep = node.attr("keepdims", 1)
    y = T.reduce(e, REDUCE[node.op_type], x, axes, keepdims=bool(keep))
    if node.op_type == "ReduceMean":
        n = int(np.prod([x.shape[a % x.rank] for a in axes]))
        y = _divide_by(e, y, n)
    return y


def _divide_by(e, y, n):
    if n & (n - 1) == 0:
        return T.mul(e, y, np.asarray(1.0 / n, y.dtype))
    return _generic_binary(e, y, np.asarray(n, y.dtype), "arith.divf")


@converter("GlobalAveragePool", "GlobalMaxPool")
def global_pool(e, node, inputs):
    x = inputs[0]
    axes = list(range(2, x.rank))
    if node.op_type == "GlobalMaxPool":
        return T.reduce(e, "tosa.reduce_max", x, axes)
    y = T.reduce(e, "tosa.reduce_sum", x, axes)
    return _divide_by(e, y, int(np.prod(x.shape[2:])))


@converter("Softmax", "LogSoftmax")
def softmax(e, node, inputs):
    x = inputs[0]
    axis = node.attr("axis", -1 if node.opset >= 13 else 1) % x.rank
    if node.opset < 13:   # the old Softmax flattens from `axis` on
        shape = x.shape
        x = T.reshape(e, x, (int(np.prod(shape[:axis])), int(np.prod(shape[axis:]))))
        axis = 1
    m = T.reduce(e, "tosa.reduce_max", x, [axis])
    z = T.sub(e, x, m)
    ez = T.unary(e, "tosa.exp", z)
    s = T.reduce(e, "tosa.reduce_sum", ez, [axis])
    if node.op_type == "LogSoftmax":
        y = T.sub(e, z, T.unary(e, "tosa.log", s))
    else:
        y = _generic_binary(e, ez, T.broadcast_to(e, s, ez.shape), "arith.divf")
    return T.reshape(e, y, inputs[0].shape)


def _normalize(e, x, axes, eps):
    """(x - mean) / sqrt(var + eps) over `axes`, as torch computes it."""
    n = int(np.prod([x.shape[a] for a in axes]))
    mean = _divide_by(e, T.reduce(e, "tosa.reduce_sum", x, axes), n)
    d = T.sub(e, x, mean)
    var = _divide_by(e, T.reduce(e, "tosa.reduce_sum", T.mul(e, d, d), axes), n)
    std = sqrt(e, None, [T.add(e, var, np.asarray(eps, x.dtype))])
    return _generic_binary(e, d, T.broadcast_to(e, std, d.shape), "arith.divf")


@converter("LayerNormalization")
def layer_norm(e, node, inputs):
    x = inputs[0]
    axis = node.attr("axis", -1) % x.rank
    y = _normalize(e, x, list(range(axis, x.rank)), node.attr("epsilon", 1e-5))
    if len(inputs) > 1 and inputs[1] is not None:
        y = T.mul(e, y, runtime(inputs[1], x))
    if len(inputs) > 2 and inputs[2] is not None:
        y = T.add(e, y, runtime(inputs[2], x))
    return y


@converter("InstanceNormalization")
def instance_norm(e, node, inputs):
    x = inputs[0]
    y = _normalize(e, x, list(range(2, x.rank)), node.attr("epsilon", 1e-5))
    c = (1, x.shape[1]) + (1,) * (x.rank - 2)
    scale = node.const(inputs, 1, "scale").astype(x.dtype).reshape(c)
    bias = node.const(inputs, 2, "bias").astype(x.dtype).reshape(c)
    return T.add(e, T.mul(e, y, scale), bias)


@converter("BatchNormalization")
def batch_norm(e, node, inputs):
    """Inference form: a per-channel scale and shift folded in numpy."""
    x = inputs[0]
    if node.attr("training_mode", 0):
        raise node.error("training-mode BatchNormalization is not supported",
                         "export the model in eval() mode")
    scale, bias, mean, var = (node.const(inputs, i, w).astype(np.float64)
                              for i, w in ((1, "scale"), (2, "bias"),
                                           (3, "mean"), (4, "var")))
    a = scale / np.sqrt(var + node.attr("epsilon", 1e-5))
    b = bias - mean * a
    c = (1, x.shape[1]) + (1,) * (x.rank - 2)
    return T.add(e, T.mul(e, x, a.astype(x.dtype).reshape(c)),
                 b.astype(x.dtype).reshape(c))
