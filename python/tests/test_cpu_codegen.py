"""The CPU pipeline's tiled and vectorized products (lib/Pipelines/
CPUCodegen.cpp) against numpy: convolutions in three layouts with strides,
padding-sized shapes and dimensions that tiles divide unevenly, matmuls,
batch matmuls and a generic contraction with a transposed operand."""
import numpy as np
import pytest

from sparq.ir import Module

rng = np.random.default_rng(3)


def ty(shape):
    return "tensor<" + "".join(f"{d}x" for d in shape) + "f32>"


def run(body, args, result_shape):
    sig = ", ".join(f"%a{i}: {ty(a.shape)}" for i, a in enumerate(args))
    text = (f"func.func @main({sig}) -> {ty(result_shape)} {{\n"
            "  %z = arith.constant 0.0 : f32\n"
            f"  %e = tensor.empty() : {ty(result_shape)}\n"
            f"  %f = linalg.fill ins(%z : f32) outs(%e : {ty(result_shape)}) -> {ty(result_shape)}\n"
            f"  {body}\n  return %r : {ty(result_shape)}\n}}\n")
    module = Module.parse(text)
    lowered = Module.parse(text)
    lowered.run("builtin.module(func.func(sparq-cpu-tile-and-vectorize))")
    return module.compile_cpu()(*args), str(lowered)


def conv_reference(x, w, stride):
    """NCHW x FCHW, no padding."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, f, oh, ow), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return out


@pytest.mark.parametrize("c,f,size,k,stride", [
    (16, 32, 10, 3, 1), (3, 64, 23, 7, 2), (24, 40, 9, 1, 2), (32, 96, 16, 3, 2)])
def test_convolutions(c, f, size, k, stride):
    x = rng.standard_normal((1, c, size, size)).astype(np.float32)
    w = rng.standard_normal((f, c, k, k)).astype(np.float32)
    expected = conv_reference(x.astype(np.float64), w.astype(np.float64), stride)
    attrs = (f"{{dilations = dense<1> : tensor<2xi64>, "
             f"strides = dense<{stride}> : tensor<2xi64>}}")
    out, lowered = run(f"%r = linalg.conv_2d_nchw_fchw {attrs} ins(%a0, %a1 : "
                       f"{ty(x.shape)}, {ty(w.shape)}) outs(%f : {ty(expected.shape)}) "
                       f"-> {ty(expected.shape)}", [x, w], expected.shape)
    assert "vector.fma" in lowered and "linalg.conv_2d_nchw_fchw" not in lowered
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    # The same in NHWC / HWCF.
    xt = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    wt = np.ascontiguousarray(w.transpose(2, 3, 1, 0))
    et = expected.transpose(0, 2, 3, 1)
    out, lowered = run(f"%r = linalg.conv_2d_nhwc_hwcf {attrs} ins(%a0, %a1 : "
                       f"{ty(xt.shape)}, {ty(wt.shape)}) outs(%f : {ty(et.shape)}) "
                       f"-> {ty(et.shape)}", [xt, wt], et.shape)
    assert "vector.fma" in lowered
    np.testing.assert_allclose(out, et, rtol=1e-4, atol=1e-4)
    # And NHWC / FHWC, what TOSA lowers to.
    wf = np.ascontiguousarray(w.transpose(0, 2, 3, 1))
    out, lowered = run(f"%r = linalg.conv_2d_nhwc_fhwc {attrs} ins(%a0, %a1 : "
                       f"{ty(xt.shape)}, {ty(wf.shape)}) outs(%f : {ty(et.shape)}) "
                       f"-> {ty(et.shape)}", [xt, wf], et.shape)
    assert "vector.fma" in lowered and "linalg.conv_2d_nhwc_fhwc" not in lowered
    np.testing.assert_allclose(out, et, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("m,k,n", [(64, 128, 96), (197, 192, 576), (1, 512, 1000),
                                   (5, 3, 7)])
def test_matmul(m, k, n):
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    out, lowered = run(f"%r = linalg.matmul ins(%a0, %a1 : {ty(a.shape)}, {ty(b.shape)}) "
                       f"outs(%f : {ty((m, n))}) -> {ty((m, n))}", [a, b], (m, n))
    assert "vector.fma" in lowered and "linalg.matmul" not in lowered
    np.testing.assert_allclose(out, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)


def test_batch_matmul_and_transposed_generic():
    a = rng.standard_normal((3, 20, 64)).astype(np.float32)
    b = rng.standard_normal((3, 64, 48)).astype(np.float32)
    out, lowered = run(f"%r = linalg.batch_matmul ins(%a0, %a1 : {ty(a.shape)}, "
                       f"{ty(b.shape)}) outs(%f : {ty((3, 20, 48))}) -> {ty((3, 20, 48))}",
                       [a, b], (3, 20, 48))
    assert "vector.fma" in lowered
    np.testing.assert_allclose(out, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)
    # scores[h, i, j] = sum_c q[h, i, c] * k[h, j, c]: both operands K-minor.
    kt = np.ascontiguousarray(b.transpose(0, 2, 1))
    body = ("%r = linalg.generic {indexing_maps = [affine_map<(h, i, j, c) -> (h, i, c)>, "
            "affine_map<(h, i, j, c) -> (h, j, c)>, affine_map<(h, i, j, c) -> (h, i, j)>], "
            'iterator_types = ["parallel", "parallel", "parallel", "reduction"]} '
            f"ins(%a0, %a1 : {ty(a.shape)}, {ty(kt.shape)}) outs(%f : {ty((3, 20, 48))}) {{\n"
            "  ^bb0(%x: f32, %y: f32, %o: f32):\n"
            "    %p = arith.mulf %x, %y : f32\n    %s = arith.addf %o, %p : f32\n"
            f"    linalg.yield %s : f32\n  }} -> {ty((3, 20, 48))}")
    out, lowered = run(body, [a, kt], (3, 20, 48))
    # Vectorized as dot products (vector.reduction) rather than FMAs.
    assert "vector.reduction" in lowered and "linalg.generic" not in lowered
    np.testing.assert_allclose(out, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)


def test_other_ops_are_left_to_the_loops():
    # Not f32, or dynamic: no vectors.
    text = """
    func.func @main(%a: tensor<8x16xf64>, %b: tensor<16x8xf64>, %c: tensor<?x16xf32>,
                    %d: tensor<16x8xf32>) -> (tensor<8x8xf64>, tensor<?x8xf32>) {
      %z = arith.constant 0.0 : f64
      %e = tensor.empty() : tensor<8x8xf64>
      %f = linalg.fill ins(%z : f64) outs(%e : tensor<8x8xf64>) -> tensor<8x8xf64>
      %r = linalg.matmul ins(%a, %b : tensor<8x16xf64>, tensor<16x8xf64>)
          outs(%f : tensor<8x8xf64>) -> tensor<8x8xf64>
      %c0 = arith.constant 0 : index
      %n = tensor.dim %c, %c0 : tensor<?x16xf32>
      %zf = arith.constant 0.0 : f32
      %e2 = tensor.empty(%n) : tensor<?x8xf32>
      %f2 = linalg.fill ins(%zf : f32) outs(%e2 : tensor<?x8xf32>) -> tensor<?x8xf32>
      %s = linalg.matmul ins(%c, %d : tensor<?x16xf32>, tensor<16x8xf32>)
          outs(%f2 : tensor<?x8xf32>) -> tensor<?x8xf32>
      return %r, %s : tensor<8x8xf64>, tensor<?x8xf32>
    }"""
    lowered = Module.parse(text)
    lowered.run("builtin.module(func.func(sparq-cpu-tile-and-vectorize))")
    assert "vector." not in str(lowered)
    assert str(lowered).count("linalg.matmul") == 2
    a, b = rng.standard_normal((8, 16)), rng.standard_normal((16, 8))
    c = rng.standard_normal((5, 16)).astype(np.float32)
    d = rng.standard_normal((16, 8)).astype(np.float32)
    r, s = Module.parse(text).compile_cpu()(a, b, c, d)
    np.testing.assert_allclose(r, a @ b, rtol=1e-12)
    np.testing.assert_allclose(s, c.astype(np.float64) @ d, rtol=1e-4, atol=1e-4)
