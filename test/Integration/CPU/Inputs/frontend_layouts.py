#!/usr/bin/env python3
"""Convolutions and products in the layouts frontends emit, and their numpy
reference (see frontend-layouts.mlir).

  emit          prints the MLIR program: one function per case, each with a
                constant weight, and @main printing every result.
  check F32 PERMUTED PRUNED QUANTIZED ALL
                compares the printed results of the five runs against numpy:
                f32 and permuted within printing precision of the f32
                reference, pruned within printing precision of the f32 conv
                with the filter pruned 2:4 along K as docs/Quantization.md
                states it for each layout, quantized within the FP8 bound of
                docs/Semantics.md, and the three passes together reported.
"""
import re
import struct
import sys

import numpy as np

RNG = np.random.default_rng(15)
N, H, W = 2, 7, 7


def hexdense(a):
    return '"0x' + struct.pack("<%df" % a.size, *a.astype(np.float32).ravel()).hex().upper() + '"'


def ttype(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def conv_logical(x, w, groups, stride, dilation):
    """x [N, G*C, H, W], w [G*F, C, KH, KW] -> [N, G*F, OH, OW] in float64."""
    n, ct, h, wd = x.shape
    ft, c, kh, kw = w.shape
    fg = ft // groups
    oh = (h - (kh - 1) * dilation - 1) // stride + 1
    ow = (wd - (kw - 1) * dilation - 1) // stride + 1
    out = np.zeros((n, ft, oh, ow))
    for g in range(groups):
        xs = x[:, g * c:(g + 1) * c].astype(np.float64)
        ws = w[g * fg:(g + 1) * fg].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dilation:i * dilation + (oh - 1) * stride + 1:stride,
                           j * dilation:j * dilation + (ow - 1) * stride + 1:stride]
                out[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch, ws[:, :, i, j])
    return out


def prune24(rows):
    """2:4 along the last axis: keep the two largest magnitudes of each 4."""
    r = rows.reshape(rows.shape[:-1] + (-1, 4))
    order = np.argsort(-np.abs(r), axis=-1, kind="stable")
    mask = np.zeros_like(r, dtype=bool)
    np.put_along_axis(mask, order[..., :2], True, axis=-1)
    return np.where(mask, r, 0).reshape(rows.shape)


# Each convolution case: op name, groups, stride, dilation, kernel, channels
# per group (C, F), and the layouts as numpy transposes of the logical
# x [N, G, C, H, W], w [G, F, C, KH, KW] and out [N, G, F, OH, OW].
CONVS = [
    # name, op, G, stride, dilation, K, C, F, x perm, w perm, out perm, K dims
    ("nhwc_hwcf", "conv_2d_nhwc_hwcf", 1, 2, 1, 3, 8, 8),
    ("nhwc_fhwc", "conv_2d_nhwc_fhwc", 1, 1, 1, 3, 8, 8),
    ("pointwise", "conv_2d_nhwc_fhwc", 1, 1, 1, 1, 16, 8),
    ("nchw_fchw", "conv_2d_nchw_fchw", 1, 1, 2, 3, 8, 8),
    ("ngchw_gfchw", "conv_2d_ngchw_gfchw", 2, 1, 1, 3, 8, 4),
    ("nhwgc_gfhwc", "conv_2d_nhwgc_gfhwc", 2, 1, 1, 3, 8, 4),
]
# Layout letters -> transposes of the logical 5-D tensors (g always present
# logically, dropped when G = 1 and the layout has no g).
LAYOUTS = {
    "conv_2d_nhwc_hwcf": ("nhwc", "yxcf", "nhwf"),
    "conv_2d_nhwc_fhwc": ("nhwc", "fyxc", "nhwf"),
    "conv_2d_nchw_fchw": ("nchw", "fcyx", "nfhw"),
    "conv_2d_ngchw_gfchw": ("ngchw", "gfcyx", "ngfhw"),
    "conv_2d_nhwgc_gfhwc": ("nhwgc", "gfyxc", "nhwgf"),
}


def to_layout(a, logical, layout):
    """a in `logical` letters -> `layout` letters (letters missing from
    `layout` must have size 1)."""
    perm = [logical.index(l) for l in layout] + [i for i, l in enumerate(logical) if l not in layout]
    return a.transpose(perm).reshape([a.shape[logical.index(l)] for l in layout])


def from_layout(a, layout, logical, shape):
    extra = [l for l in logical if l not in layout]
    b = a.reshape(a.shape + (1,) * len(extra))
    order = layout + "".join(extra)
    return b.transpose([order.index(l) for l in logical]).reshape(shape)


def cases():
    out = []
    for name, op, g, s, d, k, c, f in CONVS:
        x = RNG.standard_normal((N, g, c, H, W)).astype(np.float32)
        w = (RNG.standard_normal((g, f, c, k, k)) / np.sqrt(c * k * k)).astype(np.float32)
        out.append(dict(name=name, op=op, g=g, s=s, d=d, x=x, w=w))
    return out


def conv_case_out(case, w):
    g = case["g"]
    x = case["x"]
    xl = x.reshape(N, -1, H, W)
    wl = w.reshape((-1,) + w.shape[2:])
    y = conv_logical(xl, wl, g, case["s"], case["d"])
    return y


def prune_filter(case):
    """The filter pruned along K as the passes do: per group and output
    channel, the filter's (c, kh, kw) dimensions flattened in the order the
    layout stores them."""
    lx, lw, lo = LAYOUTS[case["op"]]
    w = case["w"]  # g f c y x
    kletters = "".join(l for l in lw if l in "cyx")
    rows = to_layout(w, "gfcyx", "gf" + kletters)
    shape = rows.shape
    pruned = prune24(rows.reshape(shape[0], shape[1], -1)).reshape(shape)
    return from_layout(pruned, "gf" + kletters, "gfcyx", w.shape)


# The product case: y = x @ W with W stored transposed (N x K) and read through
# linalg.transpose, then a TOSA-style batch_matmul of one batch.
PM, PK, PN = 8, 32, 16


def emit():
    cs = cases()
    lines = ["func.func private @printMemrefF32(tensor<*xf32>)"]
    calls = []
    for case in cs:
        lx, lw, lo = LAYOUTS[case["op"]]
        xl = to_layout(case["x"], "ngchw", lx)
        wl = to_layout(case["w"], "gfcyx", lw)
        y = conv_case_out(case, case["w"])
        oh, ow = y.shape[2], y.shape[3]
        outl = to_layout(y.reshape(N, case["g"], -1, oh, ow), "ngfhw", lo)
        attrs = ("{dilations = dense<%d> : tensor<2xi64>, strides = dense<%d> : tensor<2xi64>}"
                 % (case["d"], case["s"]))
        lines += [
            "func.func @%s(%%x: %s) -> %s {" % (case["name"], ttype(xl.shape), ttype(outl.shape)),
            "  %%w = arith.constant dense<%s> : %s" % (hexdense(wl), ttype(wl.shape)),
            "  %zero = arith.constant 0.0 : f32",
            "  %%e = tensor.empty() : %s" % ttype(outl.shape),
            "  %%init = linalg.fill ins(%%zero : f32) outs(%%e : %s) -> %s" % (ttype(outl.shape), ttype(outl.shape)),
            "  %%y = linalg.%s %s ins(%%x, %%w : %s, %s) outs(%%init : %s) -> %s"
            % (case["op"], attrs, ttype(xl.shape), ttype(wl.shape), ttype(outl.shape), ttype(outl.shape)),
            "  return %%y : %s" % ttype(outl.shape),
            "}",
        ]
        calls.append((case["name"], xl, outl.shape))
    # Depthwise: left dense by every pass, still computing the same values.
    xd = RNG.standard_normal((N, H, W, 8)).astype(np.float32)
    wd = RNG.standard_normal((3, 3, 8)).astype(np.float32)
    lines += [
        "func.func @depthwise(%%x: %s) -> %s {" % (ttype(xd.shape), ttype((N, 5, 5, 8))),
        "  %%w = arith.constant dense<%s> : %s" % (hexdense(wd), ttype(wd.shape)),
        "  %zero = arith.constant 0.0 : f32",
        "  %%e = tensor.empty() : %s" % ttype((N, 5, 5, 8)),
        "  %%init = linalg.fill ins(%%zero : f32) outs(%%e : %s) -> %s" % ((ttype((N, 5, 5, 8)),) * 2),
        "  %%y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%%x, %%w : %s, %s) outs(%%init : %s) -> %s"
        % (ttype(xd.shape), ttype(wd.shape), ttype((N, 5, 5, 8)), ttype((N, 5, 5, 8))),
        "  return %%y : %s" % ttype((N, 5, 5, 8)),
        "}",
    ]
    calls.append(("depthwise", xd, (N, 5, 5, 8)))
    # Products as frontends write them.
    xp = RNG.standard_normal((PM, PK)).astype(np.float32)
    wt = (RNG.standard_normal((PN, PK)) / np.sqrt(PK)).astype(np.float32)
    lines += [
        "func.func @products(%%x: %s) -> %s {" % (ttype((PM, PK)), ttype((PM, PN))),
        "  %%wt = arith.constant dense<%s> : %s" % (hexdense(wt), ttype((PN, PK))),
        "  %%et = tensor.empty() : %s" % ttype((PK, PN)),
        "  %%w = linalg.transpose ins(%%wt : %s) outs(%%et : %s) permutation = [1, 0]" % (ttype((PN, PK)), ttype((PK, PN))),
        "  %zero = arith.constant 0.0 : f32",
        "  %%e = tensor.empty() : %s" % ttype((PM, PN)),
        "  %%init = linalg.fill ins(%%zero : f32) outs(%%e : %s) -> %s" % ((ttype((PM, PN)),) * 2),
        "  %%y = linalg.matmul ins(%%x, %%w : %s, %s) outs(%%init : %s) -> %s" % (ttype((PM, PK)), ttype((PK, PN)), ttype((PM, PN)), ttype((PM, PN))),
        "  return %%y : %s" % ttype((PM, PN)),
        "}",
    ]
    calls.append(("products", xp, (PM, PN)))
    lines.append("func.func @main() {")
    for i, (name, x, oshape) in enumerate(calls):
        lines += [
            "  %%x%d = arith.constant dense<%s> : %s" % (i, hexdense(x), ttype(x.shape)),
            "  %%y%d = call @%s(%%x%d) : (%s) -> %s" % (i, name, i, ttype(x.shape), ttype(oshape)),
            "  %%u%d = tensor.cast %%y%d : %s to tensor<*xf32>" % (i, i, ttype(oshape)),
            "  call @printMemrefF32(%%u%d) : (tensor<*xf32>) -> ()" % i,
        ]
    lines += ["  return", "}"]
    print("\n".join(lines))
    return cs, xd, wd, xp, wt


def printed(path):
    out = []
    for block in open(path).read().split("Unranked Memref")[1:]:
        data = block.split("data =", 1)[1]
        out.append(np.array([float(v) for v in re.findall(r"-?(?:[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)", data)]))
    return out


def logical_results(cs, xd, wd, xp, wt, pruned=False, absolute=False):
    """Reference results flattened in each case's output layout."""
    res = []
    for case in cs:
        w = prune_filter(case) if pruned else case["w"]
        c2 = dict(case)
        if absolute:
            c2["x"] = np.abs(case["x"])
            w = np.abs(w)
        y = conv_case_out(c2, w)
        lo = LAYOUTS[case["op"]][2]
        res.append(to_layout(y.reshape(N, case["g"], -1, y.shape[2], y.shape[3]), "ngfhw", lo).ravel())
    x, ww = (np.abs(xd), np.abs(wd)) if absolute else (xd, wd)
    dw = np.zeros((N, 5, 5, 8))
    for i in range(3):
        for j in range(3):
            dw += x[:, i:i + 5, j:j + 5, :] * ww[i, j]
    res.append(dw.ravel())
    wk = wt.T.astype(np.float64)  # K x N
    if pruned:
        wk = prune24(wk.T).T  # 2:4 along K per output column
    x, wk = (np.abs(xp), np.abs(wk)) if absolute else (xp, wk)
    res.append((x.astype(np.float64) @ wk).ravel())
    return res


def check(paths):
    cs, xd, wd, xp, wt = emit_silently()
    names = [c["name"] for c in cs] + ["depthwise", "products"]
    f32, permuted, pruned, quantized, together = map(printed, paths)
    ref = logical_results(cs, xd, wd, xp, wt)
    ref_pruned = logical_results(cs, xd, wd, xp, wt, pruned=True)
    bound_base = logical_results(cs, xd, wd, xp, wt, absolute=True)
    ok = True
    u = 2.0 ** -4
    for i, name in enumerate(names):
        scale = np.abs(ref[i]).max()
        # printMemref prints six significant digits.
        d_f32 = np.abs(f32[i] - ref[i]).max() / scale
        d_perm = np.abs(permuted[i] - ref[i]).max() / scale
        dense = name == "depthwise"
        target = ref[i] if dense else ref_pruned[i]
        d_pruned = np.abs(pruned[i] - target).max() / scale
        err = np.linalg.norm(quantized[i] - ref[i])
        bound = (2 * u + u * u) * np.linalg.norm(bound_base[i])
        q_ok = err <= bound or dense and err <= 1e-5 * np.linalg.norm(ref[i])
        all_err = np.linalg.norm(together[i] - ref[i]) / np.linalg.norm(ref[i])
        good = max(d_f32, d_perm, d_pruned) <= 1e-5 and q_ok
        ok &= good
        print(f"{name}: f32 {d_f32:.1e}, permuted {d_perm:.1e}, pruned "
              f"{'(left dense) ' if dense else ''}{d_pruned:.1e} of the output scale; "
              f"FP8 error {err / np.linalg.norm(ref[i]):.4f} <= bound {bound / np.linalg.norm(ref[i]):.4f}; "
              f"all three passes: relative error {all_err:.4f}: {'ok' if good else 'WRONG'}")
    return 0 if ok else 1


def emit_silently():
    import io
    import contextlib
    global RNG
    RNG = np.random.default_rng(15)
    with contextlib.redirect_stdout(io.StringIO()):
        return emit()


if __name__ == "__main__":
    if sys.argv[1] == "emit":
        emit()
    else:
        sys.exit(check(sys.argv[2:7]))
