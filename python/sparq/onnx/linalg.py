"""The contractions (matmul, batch_matmul, conv_2d_nhwc_fhwc,
depthwise_conv_2d_nhwc_hwcm), emitted as the linalg ops upstream's
tosa-to-linalg-named produces for tosa.matmul, tosa.conv2d and
tosa.depthwise_conv2d (zero-filled init), but carrying a `sparq.name`:
upstream's lowering drops discardable attributes, and the name must survive
printing, which drops locations, for calibration tables and `skip` lists."""
from .emit import Tensor, quote, ttype


def _zero_init(e, shape, dtype):
    init = e.op("tensor.empty", [], [(shape, dtype)])
    zero = e.fresh()
    el = ttype((), dtype)[7:-1]
    e.lines.append(f"    {zero} = arith.constant 0.0 : {el} {e.loc}")
    out = Tensor(e.fresh(), shape, dtype)
    e.lines.append(f"    {out.ssa} = linalg.fill ins({zero} : {el}) outs({init.ssa} : "
                   f"{ttype(shape, dtype)}) -> {ttype(shape, dtype)} {e.loc}")
    return out


def _named(e, op, attrs, ins, shape, dtype):
    init = _zero_init(e, shape, dtype)
    out = Tensor(e.fresh(), shape, dtype)
    attrs = dict(attrs, **{"sparq.name": quote(e.name)})
    attr_text = "{" + ", ".join(f"{k} = {v}" for k, v in attrs.items()) + "}"
    e.lines.append(
        f"    {out.ssa} = linalg.{op} {attr_text} ins("
        + ", ".join(i.ssa for i in ins) + " : "
        + ", ".join(ttype(i.shape, i.dtype) for i in ins)
        + f") outs({init.ssa} : {ttype(shape, dtype)}) -> {ttype(shape, dtype)} {e.loc}")
    return out


def matmul(e, a, b):
    """[M,K] x [K,N] -> [M,N]."""
    return _named(e, "matmul", {}, [a, b], (a.shape[0], b.shape[1]), a.dtype)


def batch_matmul(e, a, b):
    """[B,M,K] x [B,K,N] -> [B,M,N]."""
    return _named(e, "batch_matmul", {}, [a, b],
                  (a.shape[0], a.shape[1], b.shape[2]), a.dtype)


def conv_2d_nhwc_fhwc(e, x, w, strides, dilations, shape):
    """Unpadded NHWC x OHWI convolution (padding is a tosa.pad before)."""
    def vec(v):
        return f"dense<[{v[0]}, {v[1]}]> : tensor<2xi64>"
    return _named(e, "conv_2d_nhwc_fhwc",
                  {"dilations": vec(dilations), "strides": vec(strides)},
                  [x, w], shape, x.dtype)


def depthwise_conv_2d_nhwc_hwcm(e, x, w, strides, dilations, shape):
    """Unpadded depthwise convolution: [N,H,W,C] x [KH,KW,C,M] -> [N,OH,OW,C,M]."""
    def vec(v):
        return f"dense<[{v[0]}, {v[1]}]> : tensor<2xi64>"
    return _named(e, "depthwise_conv_2d_nhwc_hwcm",
                  {"dilations": vec(dilations), "strides": vec(strides)},
                  [x, w], shape, x.dtype)
