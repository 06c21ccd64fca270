"""Convolutions, pooling and matrix products. ONNX is NCHW and TOSA NHWC:
each convolution or pool transposes its input in and its result out (as
upstream's TOSA lowering gives linalg.conv_2d_nhwc_fhwc); weights are
rearranged in numpy at import (OIHW -> OHWI), so they stay plain constants.
Convolutions and products are linalg ops with `sparq.name` (see linalg.py)."""
import numpy as np

from . import linalg as L
from . import tosa as T
from .emit import Tensor
from .registry import converter


def _pads(node, spatial, kernel, strides, dilations):
    """Explicit (begin..., end...) pads, resolving auto_pad."""
    auto = node.attr("auto_pad", "NOTSET")
    n = len(spatial)
    if auto in ("NOTSET", ""):
        pads = list(node.attr("pads", [0] * (2 * n)))
        if len(pads) != 2 * n or any(p < 0 for p in pads):
            raise node.error(f"has invalid pads {pads}")
        return pads
    if auto == "VALID":
        return [0] * (2 * n)
    begin, end = [], []
    for d, k, s, dl in zip(spatial, kernel, strides, dilations):
        out = -(-d // s)
        total = max(0, (out - 1) * s + (k - 1) * dl + 1 - d)
        small, big = total // 2, total - total // 2
        begin.append(big if auto == "SAME_LOWER" else small)
        end.append(small if auto == "SAME_LOWER" else big)
    return begin + end


def _window(node, x, kernel, ceil_mode=False):
    """(stride, dilation, pads, output size) of a 2-D window op. TOSA wants
    (in + pads - window) divisible by the stride: the end pads shrink (or
    the input is cut) to the rows the window actually reaches."""
    spatial = x.shape[2:]
    strides = list(node.attr("strides", [1] * len(spatial)))
    dilations = list(node.attr("dilations", [1] * len(spatial)))
    pads = _pads(node, spatial, kernel, strides, dilations)
    begin, end = pads[:len(spatial)], pads[len(spatial):]
    outs = []
    for i, (d, k, s, dl) in enumerate(zip(spatial, kernel, strides, dilations)):
        span = d + begin[i] + end[i] - ((k - 1) * dl + 1)
        if span < 0:
            raise node.error(f"its window ({k}) is larger than the padded input "
                             f"({d + begin[i] + end[i]})")
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= d + begin[i]:
            o -= 1      # the last window must start inside the input
        # Pad or trim the end so that the last window ends exactly there.
        end[i] = (o - 1) * s + (k - 1) * dl + 1 - d - begin[i]
        outs.append(o)
    return strides, dilations, begin, end, outs


def _to_nhwc(e, x, begin, end, pad_value=0.0):
    """NCHW -> NHWC; negative end pads cut rows off (TOSA pads must be >= 0)."""
    if any(p < 0 for p in end):
        size = [x.shape[0], x.shape[1]] + [d + min(p, 0) for d, p in zip(x.shape[2:], end)]
        x = T.slice_(e, x, [0] * x.rank, size)
    return T.transpose(e, x, [0, 2, 3, 1])


def _pad_nhwc(e, x, begin, end):
    """Zero padding of H and W as a tosa.pad (tensor.pad once lowered)."""
    widths = [0, 0, begin[0], max(end[0], 0), begin[1], max(end[1], 0), 0, 0]
    if not any(widths):
        return x
    shape = (x.shape[0], x.shape[1] + widths[2] + widths[3],
             x.shape[2] + widths[4] + widths[5], x.shape[3])
    return e.op("tosa.pad", [x, e.shape(widths), e.const(np.zeros((1,), x.dtype))],
                [(shape, x.dtype)])


def _from_nhwc(e, y):
    return T.transpose(e, y, [0, 3, 1, 2])


def _as_2d(e, node, x):
    """1-D convolutions and pools as 2-D ones over a height of 1."""
    if x.rank == 3:
        return T.reshape(e, x, (x.shape[0], x.shape[1], 1, x.shape[2])), True
    if x.rank != 4:
        raise node.error(f"{x.rank - 2}-D windows are not supported",
                         "sparq imports 1-D and 2-D convolutions and pools")
    return x, False


def _lift_attrs(node, flat):
    """Makes 1-D attributes 2-D (height 1) for ops rewritten by _as_2d."""
    if not flat:
        return
    a = node.attrs
    for key, one in (("strides", 1), ("dilations", 1)):
        if key in a:
            a[key] = [one] + list(a[key])
    if "pads" in a:
        p = list(a["pads"])
        a["pads"] = [0, p[0], 0, p[1]]
    if "kernel_shape" in a:
        a["kernel_shape"] = [1] + list(a["kernel_shape"])


@converter("Conv")
def conv(e, node, inputs):
    x0 = node.tensor_input(inputs, 0)
    x, flat = _as_2d(e, node, x0)
    w = node.const(inputs, 1, "weight").astype(x.dtype)
    if flat:
        w = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2])
    _lift_attrs(node, flat)
    cout, cin_g, kh, kw = w.shape
    group = node.attr("group", 1)
    cin = x.shape[1]
    if cin != cin_g * group or cout % group:
        raise node.error(f"weight {list(w.shape)} does not fit {cin} input "
                         f"channels in {group} groups")
    has_bias = len(inputs) > 2 and inputs[2] is not None
    bias = node.const(inputs, 2, "bias", np.zeros(cout)).astype(x.dtype)
    strides, dil, begin, end, outs = _window(node, x, [kh, kw])
    xh = _pad_nhwc(e, _to_nhwc(e, x, begin, end), begin, end)
    out_shape = (x.shape[0], outs[0], outs[1])
    hint = node.proto.input[1]
    if group > 1 and cin_g == 1:
        # Depthwise (weight [C*M, 1, KH, KW] -> [KH, KW, C, M]) as
        # tosa-to-linalg-named lowers tosa.depthwise_conv2d; sparq's passes
        # leave it dense and name it in their reports.
        m = cout // group
        wd = w.reshape(group, m, kh, kw).transpose(2, 3, 0, 1)
        y = L.depthwise_conv_2d_nhwc_hwcm(e, xh, e.const(wd, hint), strides, dil,
                                          out_shape + (group, m))
        y = T.reshape(e, y, out_shape + (cout,))
    else:
        cg = cout // group
        parts = []
        for g in range(group):
            # Grouped: one convolution per group on its channel slice.
            xg = T.slice_(e, xh, [0, 0, 0, g * cin_g], list(xh.shape[:3]) + [cin_g])
            wg = w[g * cg:(g + 1) * cg].transpose(0, 2, 3, 1)
            parts.append(L.conv_2d_nhwc_fhwc(
                e, xg, e.const(wg, hint if group == 1 else f"{hint}_g{g}"),
                strides, dil, out_shape + (cg,)))
        y = T.concat(e, parts, 3)
    if has_bias:
        y = T.add(e, y, bias.reshape(1, 1, 1, cout))
    y = _from_nhwc(e, y)
    return T.reshape(e, y, (y.shape[0], y.shape[1], y.shape[3])) if flat else y


@converter("MaxPool", "AveragePool")
def pool(e, node, inputs):
    x, flat = _as_2d(e, node, inputs[0])
    _lift_attrs(node, flat)
    kernel = list(node.attr("kernel_shape"))
    if list(node.attr("dilations", [1, 1])) != [1, 1]:
        raise node.error("dilated pooling is not supported")
    if len(node.proto.output) > 1 and node.proto.output[1]:
        raise node.error("MaxPool's indices output is not supported")
    ceil = bool(node.attr("ceil_mode", 0))
    strides, _, begin, end, outs = _window(node, x, kernel, ceil)
    avg = node.op_type == "AveragePool"
    if avg and node.attr("count_include_pad", 0) and any(begin + end):
        # TOSA's average leaves padding out of the count: pad explicitly.
        widths = [0, 0, 0, 0, begin[0], max(end[0], 0), begin[1], max(end[1], 0)]
        x = e.op("tosa.pad", [x, e.shape(widths), e.const(np.zeros((1,), x.dtype))],
                 [((x.shape[0], x.shape[1], x.shape[2] + widths[4] + widths[5],
                    x.shape[3] + widths[6] + widths[7]), x.dtype)])
        begin, end = [0, 0], [min(end[0], 0), min(end[1], 0)]
    xh = _to_nhwc(e, x, begin, end)
    props = {"kernel": f"array<i64: {kernel[0]}, {kernel[1]}>",
             "stride": f"array<i64: {strides[0]}, {strides[1]}>",
             "pad": f"array<i64: {begin[0]}, {max(end[0], 0)}, {begin[1]}, {max(end[1], 0)}>"}
    shape = (x.shape[0], outs[0], outs[1], x.shape[1])
    if avg:
        zp = T.zero_point(e, x.dtype)
        props["acc_type"] = "f32"
        y = e.op("tosa.avg_pool2d", [xh, zp, zp], [(shape, x.dtype)], props=props)
    else:
        y = e.op("tosa.max_pool2d", [xh], [(shape, x.dtype)], props=props)
    y = _from_nhwc(e, y)
    return T.reshape(e, y, (y.shape[0], y.shape[1], y.shape[3])) if flat else y


@converter("MatMul")
def matmul(e, node, inputs):
    a, b = inputs
    hint = node.proto.input[1]
    if not isinstance(a, Tensor):
        a = T.value(e, np.asarray(a, b.dtype), node.proto.input[0])
    if not isinstance(b, Tensor):
        b = np.asarray(b, a.dtype)
    a_shape, b_shape = a.shape, b.shape
    # 1-D operands as numpy does: a row vector on the left, a column on the right.
    a2 = a_shape if len(a_shape) > 1 else (1,) + a_shape
    b2 = b_shape if len(b_shape) > 1 else b_shape + (1,)
    if a2[-1] != b2[-2]:
        raise node.error(f"shapes {list(a_shape)} and {list(b_shape)} do not "
                         "multiply")
    m, k, n = a2[-2], a2[-1], b2[-1]
    batch = np.broadcast_shapes(a2[:-2], b2[:-2])
    out = tuple(batch) + (m, n)
    if len(b2) == 2:
        # A weight shared by the batch: the batch folds into the rows.
        rows = int(np.prod(a2[:-1]))
        lhs = T.reshape(e, a, (rows, k))
        rhs = T.reshape(e, b, (k, n)) if isinstance(b, Tensor) else \
            e.const(np.reshape(b, (k, n)), hint)
        y = L.matmul(e, lhs, rhs)
        y = T.reshape(e, y, tuple(a2[:-2]) + (m, n))
    else:
        nb = int(np.prod(batch))
        lhs = T.reshape(e, T.broadcast_to(e, T.reshape(e, a, a2), tuple(batch) + (m, k)),
                        (nb, m, k))
        rb = T.value(e, b, hint=hint)
        rhs = T.reshape(e, T.broadcast_to(e, T.reshape(e, rb, b2), tuple(batch) + (k, n)),
                        (nb, k, n))
        y = T.reshape(e, L.batch_matmul(e, lhs, rhs), out)
    final = out
    if len(a_shape) == 1:
        final = final[:-2] + final[-1:]
    if len(b_shape) == 1:
        final = final[:-1]
    return T.reshape(e, y, final)


@converter("Gemm")
def gemm(e, node, inputs):
    """alpha * A' B' + beta * C, with a constant B' prepared as K x N."""
    a, b = inputs[0], inputs[1]
    alpha, beta = node.attr("alpha", 1.0), node.attr("beta", 1.0)
    if not isinstance(a, Tensor):
        a = T.value(e, np.asarray(a, np.float32))
    if node.attr("transA", 0):
        a = T.transpose(e, a, [1, 0])
    m, k = a.shape
    if isinstance(b, Tensor):
        if node.attr("transB", 0):
            b = T.transpose(e, b, [1, 0])
        rhs = b
        if alpha != 1.0:
            a = T.mul(e, a, np.asarray(alpha, a.dtype))
    else:
        w = np.asarray(b, np.float64 if alpha != 1.0 else a.dtype)
        w = w.T if node.attr("transB", 0) else w
        rhs = e.const((w * alpha).astype(a.dtype) if alpha != 1.0
                      else np.ascontiguousarray(w), node.proto.input[1])
    if rhs.shape[0] != k:
        raise node.error(f"A is {m}x{k} but B has {rhs.shape[0]} rows")
    y = L.matmul(e, a, rhs)
    if len(inputs) > 2 and inputs[2] is not None and beta != 0.0:
        c = inputs[2]
        if not isinstance(c, Tensor):
            c = (np.asarray(c, np.float64) * beta).astype(a.dtype)
        elif beta != 1.0:
            c = T.mul(e, c, np.asarray(beta, a.dtype))
        y = T.add(e, y, c)
    return y
