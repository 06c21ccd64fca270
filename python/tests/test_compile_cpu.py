"""Module.compile_cpu: programs run in process on numpy arrays, every
boundary dtype, sparq's runtime ops against the numpy reference, and the
errors a caller can make."""
import gc

import numpy as np
import pytest

import sparq
from sparq.ir import MLIRError, Module

# (MLIR element type, numpy dtype, random values of that type)
rng = np.random.default_rng(7)
DTYPES = {
    "f32": (np.float32, lambda s: rng.standard_normal(s).astype(np.float32)),
    "f16": (np.float16, lambda s: rng.standard_normal(s).astype(np.float16)),
    "f64": (np.float64, lambda s: rng.standard_normal(s)),
    "bf16": (np.uint16, lambda s: rng.integers(0, 1 << 16, s, dtype=np.uint16)),
    "i1": (np.bool_, lambda s: rng.integers(0, 2, s).astype(np.bool_)),
    "i8": (np.int8, lambda s: rng.integers(-128, 128, s, dtype=np.int8)),
    "i16": (np.int16, lambda s: rng.integers(-2**15, 2**15, s, dtype=np.int16)),
    "i32": (np.int32, lambda s: rng.integers(-2**31, 2**31, s, dtype=np.int32)),
    "i64": (np.int64, lambda s: rng.integers(-2**62, 2**62, s, dtype=np.int64)),
    "f8E4M3FN": (np.uint8, lambda s: rng.integers(0, 256, s, dtype=np.uint8)),
    "f8E5M2": (np.uint8, lambda s: rng.integers(0, 256, s, dtype=np.uint8)),
}


def compile(text, entry="main"):
    return Module.parse(text).compile_cpu(entry)


@pytest.mark.parametrize("element", sorted(DTYPES))
def test_every_dtype_crosses_bit_exactly(element):
    # Pure data movement: every bit pattern (NaNs, FP8 codes) must survive
    # the trip in and out, through a transpose and a broadcast.
    dtype, make = DTYPES[element]
    fn = compile(f"""
    func.func @main(%a: tensor<2x3x{element}>, %b: tensor<3x{element}>)
        -> (tensor<3x2x{element}>, tensor<2x3x{element}>) {{
      %e = tensor.empty() : tensor<3x2x{element}>
      %t = linalg.transpose ins(%a : tensor<2x3x{element}>)
          outs(%e : tensor<3x2x{element}>) permutation = [1, 0]
      %f = tensor.empty() : tensor<2x3x{element}>
      %r = linalg.broadcast ins(%b : tensor<3x{element}>)
          outs(%f : tensor<2x3x{element}>) dimensions = [0]
      return %t, %r : tensor<3x2x{element}>, tensor<2x3x{element}>
    }}""")
    a, b = make((2, 3)), make((3,))
    t, r = fn(a, b)
    assert t.dtype == dtype and r.dtype == dtype
    assert t.shape == (3, 2) and r.shape == (2, 3)
    assert t.tobytes() == np.ascontiguousarray(a.T).tobytes()
    assert r.tobytes() == np.broadcast_to(b, (2, 3)).tobytes()


@pytest.mark.parametrize("element,op", [
    ("f32", "arith.addf"), ("f16", "arith.addf"), ("f64", "arith.addf"),
    ("i8", "arith.addi"), ("i16", "arith.addi"), ("i32", "arith.addi"),
    ("i64", "arith.addi"), ("i1", "arith.xori")])
def test_arithmetic_per_dtype(element, op):
    dtype, make = DTYPES[element]
    fn = compile(f"""
    #id = affine_map<(d0, d1) -> (d0, d1)>
    func.func @main(%a: tensor<4x5x{element}>, %b: tensor<4x5x{element}>)
        -> tensor<4x5x{element}> {{
      %e = tensor.empty() : tensor<4x5x{element}>
      %r = linalg.generic {{indexing_maps = [#id, #id, #id],
                            iterator_types = ["parallel", "parallel"]}}
          ins(%a, %b : tensor<4x5x{element}>, tensor<4x5x{element}>)
          outs(%e : tensor<4x5x{element}>) {{
      ^bb0(%x: {element}, %y: {element}, %o: {element}):
        %s = {op} %x, %y : {element}
        linalg.yield %s : {element}
      }} -> tensor<4x5x{element}>
      return %r : tensor<4x5x{element}>
    }}""")
    a, b = make((4, 5)), make((4, 5))
    out = fn(a, b)
    with np.errstate(over="ignore"):
        expected = a ^ b if element == "i1" else a + b
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, expected)


MATMUL = """
func.func @main(%x: tensor<8x32xf32>, %w: tensor<32x16xf32>,
                %sx: tensor<f32>, %sw: tensor<f32>) -> tensor<8x16xf32> {
  %xq = sparq.quantize %x, %sx : tensor<8x32xf32>, tensor<f32> -> tensor<8x32xf8E4M3FN>
  %wq = sparq.quantize %w, %sw : tensor<32x16xf32>, tensor<f32> -> tensor<32x16xf8E4M3FN>
  %we = sparq.compress %wq : tensor<32x16xf8E4M3FN>
      -> tensor<32x16xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  %y = sparq.matmul %xq, %we lhs_scale %sx : tensor<f32> rhs_scale %sw : tensor<f32>
      : tensor<8x32xf8E4M3FN>, tensor<32x16xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
      -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
"""


def test_quantized_sparse_matmul_matches_numpy_reference():
    x = rng.standard_normal((8, 32)).astype(np.float32)
    w = rng.standard_normal((32, 16)).astype(np.float32)
    sx = np.float32(sparq.fp8.scale_for(sparq.fp8.amax(x)))
    sw = np.float32(sparq.fp8.scale_for(sparq.fp8.amax(w)))
    fn = compile(MATMUL)
    out = fn(x, w, np.array(sx), np.array(sw))

    # The reference (docs/Semantics.md): exact FP8 values, the 2:4 weight
    # kept along K, f32 accumulation in increasing k, then / (sx * sw).
    xd = sparq.fp8.decode(sparq.fp8.encode(x, scale=sx))
    wq = sparq.fp8.encode(w, scale=sw)
    wd = sparq.fp8.decode(sparq.sparsity.prune(wq, 2, 4, axis=0, kind="e4m3"))
    assert np.count_nonzero(wd) <= wd.size // 2
    acc = np.zeros((8, 16), np.float32)
    for k in range(32):
        acc = acc + np.outer(xd[:, k], wd[k, :]).astype(np.float32)
    expected = acc / np.float32(sx * sw)
    np.testing.assert_array_equal(out, expected)
    # And it is a useful approximation of the dense f32 product.
    dense = x @ sparq.sparsity.prune(w, 2, 4, axis=0)
    assert np.linalg.norm(out - dense) / np.linalg.norm(dense) < 0.1


def test_called_twice_and_outlives_its_module():
    module = Module.parse(MATMUL)
    fn = module.compile_cpu()
    before = str(module)
    assert "sparq.matmul" in before  # compile_cpu lowers a copy
    del module
    gc.collect()
    x = rng.standard_normal((8, 32)).astype(np.float32)
    w = rng.standard_normal((32, 16)).astype(np.float32)
    one = np.array(2.0, np.float32)
    first = fn(x, w, one, one)
    second = fn(x, w, one, one)
    np.testing.assert_array_equal(first, second)
    assert first is not second


def test_results_the_program_does_not_own():
    # A returned argument, a returned constant and one buffer returned
    # twice: every result is a fresh array and nothing is freed twice.
    fn = compile("""
    func.func @main(%a: tensor<3xf32>) -> (tensor<3xf32>, tensor<2xi32>, tensor<3xf32>, tensor<3xf32>) {
      %c = arith.constant dense<[7, -7]> : tensor<2xi32>
      %e = tensor.empty() : tensor<3xf32>
      %n = linalg.negf ins(%a : tensor<3xf32>) outs(%e : tensor<3xf32>) -> tensor<3xf32>
      return %a, %c, %n, %n : tensor<3xf32>, tensor<2xi32>, tensor<3xf32>, tensor<3xf32>
    }""")
    a = np.array([1.0, -2.0, 3.0], np.float32)
    for _ in range(3):
        same, const, n1, n2 = fn(a)
        np.testing.assert_array_equal(same, a)
        assert not np.shares_memory(same, a)
        np.testing.assert_array_equal(const, [7, -7])
        np.testing.assert_array_equal(n1, -a)
        np.testing.assert_array_equal(n2, -a)


def test_arguments_are_not_written():
    # linalg.fill into an argument would update it in place; the caller's
    # array must stay as it was.
    fn = compile("""
    func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
      %z = arith.constant 5.0 : f32
      %r = linalg.fill ins(%z : f32) outs(%a : tensor<4xf32>) -> tensor<4xf32>
      return %r : tensor<4xf32>
    }""")
    a = np.arange(4, dtype=np.float32)
    np.testing.assert_array_equal(fn(a), np.full(4, 5.0, np.float32))
    np.testing.assert_array_equal(a, np.arange(4, dtype=np.float32))


def test_dynamic_dimensions_and_strided_input():
    fn = compile("""
    #id = affine_map<(d0, d1) -> (d0, d1)>
    func.func @main(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
      %c0 = arith.constant 0 : index
      %n = tensor.dim %a, %c0 : tensor<?x4xf32>
      %e = tensor.empty(%n) : tensor<?x4xf32>
      %r = linalg.generic {indexing_maps = [#id, #id],
                           iterator_types = ["parallel", "parallel"]}
          ins(%a : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.mulf %x, %x : f32
        linalg.yield %s : f32
      } -> tensor<?x4xf32>
      return %r : tensor<?x4xf32>
    }""")
    for rows in (1, 5, 0):
        a = rng.standard_normal((rows, 4)).astype(np.float32)
        np.testing.assert_array_equal(fn(a), a * a)
    big = rng.standard_normal((6, 8)).astype(np.float32)
    view = big[::2, 1::2]  # not contiguous: passed as a copy
    np.testing.assert_array_equal(fn(view), view * view)
    with pytest.raises(ValueError, match=r"expected shape \(\?, 4\)"):
        fn(np.zeros((3, 5), np.float32))


def test_no_results():
    fn = compile("func.func @main(%a: tensor<2xf32>) { return }")
    assert fn(np.zeros(2, np.float32)) is None


IDENTITY = """
func.func @main(%a: tensor<2x3xf32>, %b: tensor<4xi8>) -> tensor<2x3xf32> {
  return %a : tensor<2x3xf32>
}
"""


def test_wrong_argument_count():
    fn = compile(IDENTITY)
    a, b = np.zeros((2, 3), np.float32), np.zeros(4, np.int8)
    with pytest.raises(TypeError, match=r"@main takes 2 arguments .* 1 given"):
        fn(a)
    with pytest.raises(TypeError, match=r"3 given"):
        fn(a, b, b)


def test_wrong_dtype():
    fn = compile(IDENTITY)
    a, b = np.zeros((2, 3), np.float32), np.zeros(4, np.int8)
    with pytest.raises(TypeError, match=r"argument 0 of @main: expected dtype "
                       r"float32 \(for tensor<2x3xf32>\), got float64"):
        fn(a.astype(np.float64), b)
    with pytest.raises(TypeError, match=r"argument 1 of @main: expected dtype "
                       r"int8 .*got uint8"):
        fn(a, b.astype(np.uint8))
    with pytest.raises(TypeError, match=r"argument 0 .*got >f4"):
        fn(a.astype(">f4"), b)
    with pytest.raises(TypeError, match=r"argument 1 .*expected a numpy array"
                       r".*got list"):
        fn(a, [0, 0, 0, 0])


def test_wrong_shape():
    fn = compile(IDENTITY)
    b = np.zeros(4, np.int8)
    with pytest.raises(ValueError, match=r"argument 0 of @main: expected shape "
                       r"\(2, 3\) \(for tensor<2x3xf32>\), got \(3, 2\)"):
        fn(np.zeros((3, 2), np.float32), b)
    with pytest.raises(ValueError, match=r"argument 1 .*expected shape \(4,\)"
                       r".*got \(1, 4\)"):
        fn(np.zeros((2, 3), np.float32), b[None])


def test_missing_entry():
    module = Module.parse(IDENTITY)
    with pytest.raises(ValueError, match=r"no function @forward .*defines @main"):
        module.compile_cpu("forward")
    assert module.compile_cpu("main").entry == "main"


def test_unsupported_signature():
    with pytest.raises(TypeError, match=r"argument 0 has type memref<2xf32>"):
        compile("func.func @main(%a: memref<2xf32>) { return }")
    with pytest.raises(TypeError, match=r"result 0 has type tensor<\*xf32>"):
        compile("""
        func.func @main(%a: tensor<2xf32>) -> tensor<*xf32> {
          %u = tensor.cast %a : tensor<2xf32> to tensor<*xf32>
          return %u : tensor<*xf32>
        }""")


def test_compile_errors_are_mlir_errors():
    # An external function nobody defines: the JIT cannot resolve it.
    with pytest.raises(MLIRError, match=r"cannot compile @main.*"
                       r"(?s:.*)calls sparq_nowhere, which no loaded library defines"):
        compile("""
        func.func private @sparq_nowhere(tensor<2xf32>) -> tensor<2xf32>
        func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {
          %r = call @sparq_nowhere(%a) : (tensor<2xf32>) -> tensor<2xf32>
          return %r : tensor<2xf32>
        }""")
