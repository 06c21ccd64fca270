"""sparq.calibrate: statistics against a direct numpy computation, the file
format the passes read, and activation-aware passes run end to end."""
import json
import os

import numpy as np
import pytest

import sparq
from sparq.calibration import _bin_index
from sparq.ir import MLIRError, Module

rng = np.random.default_rng(3)

# fc: x [4, 16] @ w [16, 8]; head: relu-free second product whose weight is
# stored transposed ([N, K], as ONNX Gemm with transB writes it).
W1 = rng.standard_normal((16, 8)).astype(np.float32)
W2T = rng.standard_normal((4, 8)).astype(np.float32)


def dense(w):
    rows = ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]"
                     for row in w)
    return f"dense<[{rows}]> : tensor<{w.shape[0]}x{w.shape[1]}xf32>"


MLP = f"""
func.func @main(%x: tensor<4x16xf32>) -> tensor<4x4xf32> {{
  %w1 = arith.constant {dense(W1)}
  %w2 = arith.constant {dense(W2T)}
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<4x8xf32>
  %f1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = linalg.matmul {{sparq.name = "fc"}} ins(%x, %w1 : tensor<4x16xf32>, tensor<16x8xf32>) outs(%f1 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %f2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%h, %w2 : tensor<4x8xf32>, tensor<4x8xf32>) outs(%f2 : tensor<4x4xf32>) -> tensor<4x4xf32> loc("head")
  return %y : tensor<4x4xf32>
}}
"""


def batches(count=5, scale=1.0):
    # Channel scales differ so that Wanda and magnitude disagree.
    s = np.geomspace(0.05, 20, 16).astype(np.float32)
    return [((rng.standard_normal((4, 16)) * s * scale * (1 + i)).astype(
        np.float32),) for i in range(count)]


def test_statistics_equal_numpy():
    data = batches()
    stats = sparq.calibrate(Module.parse(MLP), data, hessian=True, bins=64)
    assert sorted(stats) == ["fc", "head"]
    x = np.concatenate([b[0] for b in data]).astype(np.float64)
    h = x @ W1.astype(np.float64)
    for name, act in (("fc", x), ("head", h)):
        s = stats[name]
        assert s["channels"] == act.shape[1] and s["samples"] == act.shape[0]
        assert s["amax"] == pytest.approx(np.abs(act).max(), rel=1e-6)
        np.testing.assert_allclose(s["sumsq"], (act ** 2).sum(0), rtol=1e-5)
        np.testing.assert_allclose(s["hessian"], act.T @ act, rtol=1e-5,
                                   atol=1e-6 * np.abs(act.T @ act).max())
        top = s["histogram"]["max"]
        assert top >= s["amax"]
        counts = s["histogram"]["counts"]
        assert counts.sum() == act.size
    # The fc activation is the input itself: bit-exact counts at the final
    # range (the range doubled as the batches grew).
    direct = np.bincount(_bin_index(np.abs(x.astype(np.float32)).astype(
        np.float64), 64, stats["fc"]["histogram"]["max"]).ravel(),
        minlength=64)
    np.testing.assert_array_equal(stats["fc"]["histogram"]["counts"], direct)


def test_convolution_channels_are_im2col_order():
    # NHWC input, FHWC filter: K = (kh, kw, c), the filter's own order.
    x = rng.standard_normal((2, 5, 5, 4)).astype(np.float32)
    text = """
    func.func @main(%x: tensor<2x5x5x4xf32>) -> tensor<2x3x3x8xf32> {
      %w = arith.constant dense<0.5> : tensor<8x3x3x4xf32>
      %z = arith.constant 0.0 : f32
      %e = tensor.empty() : tensor<2x3x3x8xf32>
      %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x3x3x8xf32>) -> tensor<2x3x3x8xf32>
      %y = linalg.conv_2d_nhwc_fhwc {sparq.name = "conv", dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<2x5x5x4xf32>, tensor<8x3x3x4xf32>) outs(%f : tensor<2x3x3x8xf32>) -> tensor<2x3x3x8xf32>
      return %y : tensor<2x3x3x8xf32>
    }"""
    stats = sparq.calibrate(Module.parse(text), [(x,)])
    patches = np.stack([x[:, i:i + 3, j:j + 3, :].reshape(2, -1)
                        for i in range(3) for j in range(3)], 1).reshape(-1, 36)
    np.testing.assert_allclose(stats["conv"]["sumsq"],
                               (patches.astype(np.float64) ** 2).sum(0),
                               rtol=1e-6)
    assert stats["conv"]["samples"] == 18


def test_file_round_trip(tmp_path):
    path = str(tmp_path / "calib.json")
    assert sparq.calibrate(Module.parse(MLP), batches(2), path=path,
                           hessian=True) == path
    data = json.load(open(path))
    assert data["sparq_calibration"] == 1
    assert data["ops"]["fc"]["hessian"] == "calib.fc.hessian.npy"
    assert os.path.isfile(tmp_path / "calib.fc.hessian.npy")
    loaded = sparq.calibration.load(path)
    assert loaded["fc"]["hessian"].shape == (16, 16)
    assert len(loaded["head"]["sumsq"]) == 8


def test_two_files_in_one_directory_keep_their_hessians(tmp_path):
    # Two calibrations of ops with one name, side by side: each file keeps
    # its own Hessian.
    first, second = str(tmp_path / "a.json"), str(tmp_path / "b.json")
    module, data = Module.parse(MLP), batches(1)
    sparq.calibrate(module, data, path=first, hessian=True)
    sparq.calibrate(module, [tuple(10 * a for a in b) for b in data],
                    path=second, hessian=True)
    a = sparq.calibration.load(first)["fc"]["hessian"]
    b = sparq.calibration.load(second)["fc"]["hessian"]
    np.testing.assert_allclose(b, 100 * a, rtol=1e-5)


def test_bad_batches_raise():
    module = Module.parse(MLP)
    good = np.zeros((4, 16), np.float32)
    with pytest.raises(ValueError, match="batch 1 does not fit @main"):
        sparq.calibrate(module, [(good,), (np.zeros((4, 15), np.float32),)])
    with pytest.raises(ValueError, match="batch 0 does not fit @main"):
        sparq.calibrate(module, [(good, good)])
    with pytest.raises(ValueError, match="batch 0 must be a tuple"):
        sparq.calibrate(module, [3])
    bad = good.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="'fc' has non-finite values"):
        sparq.calibrate(module, [(bad,)])
    with pytest.raises(ValueError, match="at least one batch"):
        sparq.calibrate(module, [])
    with pytest.raises(ValueError, match="bins must be an even integer"):
        sparq.calibrate(module, [(good,)], bins=3)
    with pytest.raises(MLIRError, match="calibration runs @nope"):
        sparq.calibrate(module, [(good,)], entry="nope")
    unnamed = Module.parse(MLP.replace('{sparq.name = "fc"} ', "").replace(
        ' loc("head")', ""))
    with pytest.raises(ValueError, match="no named product"):
        sparq.calibrate(unnamed, [(good,)])


def run(module_text, pipeline, x):
    module = Module.parse(module_text)
    module.run(pipeline)
    return module.compile_cpu()(x)


@pytest.mark.parametrize("criterion", ["wanda", "sparsegpt"])
def test_activation_aware_pruning_end_to_end(tmp_path, criterion):
    data = batches(8)
    path = sparq.calibrate(Module.parse(MLP), data,
                           path=str(tmp_path / "c.json"), hessian=True)
    stats = sparq.calibration.load(path)
    # Expected weights, computed directly on [out, K] matrices.
    if criterion == "wanda":
        w1, _ = sparq.sparsity.wanda(W1.T, stats["fc"]["sumsq"])
        w2, _ = sparq.sparsity.wanda(W2T, stats["head"]["sumsq"])
    else:
        w1, _ = sparq.sparsity.sparsegpt(W1.T, stats["fc"]["hessian"])
        w2, _ = sparq.sparsity.sparsegpt(W2T, stats["head"]["hessian"])
    x = data[0][0]
    got = run(MLP, f"builtin.module(sparq-prune{{criterion={criterion} "
              f"calibration={path}}},canonicalize)", x)
    want = (x.astype(np.float64) @ w1.T.astype(np.float64)) @ w2.T
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    # Activation-aware pruning loses less of the layer output than magnitude
    # on the calibration set.
    xs = np.concatenate([b[0] for b in data]).astype(np.float64)
    magnitude = sparq.sparsity.prune(W1.T, 2, 4)
    err = lambda w: np.sum((xs @ W1 - xs @ w.T) ** 2)
    assert err(w1) < err(magnitude)


def test_report_states_output_errors(tmp_path):
    path = sparq.calibrate(Module.parse(MLP), batches(3),
                           path=str(tmp_path / "c.json"), hessian=True)
    module = Module.parse(MLP)
    remarks = [d[2] for d in module.run(
        f"builtin.module(sparq-prune{{criterion=sparsegpt calibration={path} "
        "report=true})")]
    lines = [r for r in remarks if r.startswith("criterion sparsegpt")]
    assert len(lines) == 2
    assert all("from X^T X" in r and "magnitude" in r for r in lines)


def test_permute_then_prune_with_wanda(tmp_path):
    data = batches(4)
    path = sparq.calibrate(Module.parse(MLP), data,
                           path=str(tmp_path / "c.json"))
    x = data[0][0]
    dense_out = Module.parse(MLP).compile_cpu()(x)
    permuted = run(MLP, f"builtin.module(sparq-permute-channels{{criterion="
                   f"wanda calibration={path}}})", x)
    np.testing.assert_allclose(permuted, dense_out, rtol=1e-5, atol=1e-4)
    run(MLP, f"builtin.module(sparq-permute-channels{{criterion=wanda "
        f"calibration={path}}},sparq-prune{{criterion=wanda "
        f"calibration={path}}},canonicalize)", x)


@pytest.mark.parametrize("method", ["max", "percentile", "mse"])
def test_static_quantization_from_calibration(tmp_path, method):
    data = batches(3)
    path = sparq.calibrate(Module.parse(MLP), data,
                           path=str(tmp_path / "c.json"))
    x = data[0][0]
    got = run(MLP, f"builtin.module(sparq-quantize{{activation-scaling=static "
              f"amax={method} calibration={path}}},canonicalize)", x)
    want = Module.parse(MLP).compile_cpu()(x)
    # FP8 E4M3 keeps about two significant bits of headroom per product.
    assert np.linalg.norm(got - want) < 0.15 * np.linalg.norm(want)
