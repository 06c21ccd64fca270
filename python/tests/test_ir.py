import os

import pytest

import sparq

LINEAR = """
func.func @f(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.5> : tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x2xf32>)
                     outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}
"""


def test_parse_print_and_run_a_pipeline():
    module = sparq.ir.Module.parse(LINEAR)
    module.verify()
    remarks = module.run("builtin.module(sparq-prune{report=1},sparq-quantize,canonicalize)")
    assert any("pruned input 1 to 2:4" in message for _, _, message in remarks)
    text = str(module)
    assert "sparq.matmul" in text and "linalg.matmul" not in text
    assert "tensor<8x2xf8E4M3FN, #sparq.nm<2:4, dim = 0>>" in text
    assert '"sparq.matmul"' in module.to_string(generic=True)


def test_errors_carry_their_locations():
    bad = "func.func @f(%x: tensor<3x6xf32>) {\n  %p = sparq.prune %x <2:4> : tensor<3x6xf32>\n  return\n}"
    with pytest.raises(sparq.ir.MLIRError) as caught:
        sparq.ir.Module.parse(bad, name="bad.mlir")
    severity, location, message = caught.value.diagnostics[0]
    assert severity == "error" and '"bad.mlir":2:8' in location
    assert "is not a multiple of M = 4" in message


def test_failing_pipeline_raises():
    module = sparq.ir.Module.parse(LINEAR)
    with pytest.raises(sparq.ir.MLIRError, match="does not refer to a registered pass"):
        module.run("builtin.module(no-such-pass)")
    with pytest.raises(sparq.ir.MLIRError, match="pattern '3-4'"):
        module.run("builtin.module(sparq-prune{pattern=3-4})")


SPARSE_FP8 = """
func.func @f(%a: tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, %b: tensor<128x16xf8E5M2>) -> tensor<32x16xf32> {
  %0 = sparq.matmul %a, %b : tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, tensor<128x16xf8E5M2> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}
"""


def test_compile_gpu_emits_ptx_and_leaves_the_module():
    module = sparq.ir.Module.parse(SPARSE_FP8)
    before = str(module)
    ptx = module.compile_gpu(chip="sm_89")
    assert ".version 8.5" in ptx and ".target sm_89" in ptx
    assert "mma.sp::ordered_metadata.sync.aligned.m16n8k64.row.col.f32.e4m3.e5m2.f32" in ptx
    assert str(module) == before


def test_compile_gpu_refuses_an_instruction_the_chip_lacks():
    module = sparq.ir.Module.parse(SPARSE_FP8, name="sparse.mlir")
    with pytest.raises(sparq.ir.MLIRError) as error:
        module.compile_gpu(chip="sm_80")
    assert any('"sparse.mlir":3:8' in loc and "which sm_89 and newer have" in message
               for _, loc, message in error.value.diagnostics)
    with pytest.raises(ValueError):
        module.compile_gpu(format="fatbin")


@pytest.mark.skipif(not os.path.exists("/usr/local/cuda/bin/ptxas"),
                    reason="needs CUDA's ptxas")
def test_compile_gpu_assembles_a_cubin():
    module = sparq.ir.Module.parse(SPARSE_FP8)
    cubin = module.compile_gpu(chip="sm_90a", format="bin")
    assert cubin[:4] == b"\x7fELF"
    # sm_90a: the TMA + wgmma.sp kernel, and no warp-level one (K = 128
    # keeps TMA rows aligned).
    assert b"sparq_wg_sp8_f8E4M3FN_f8E5M2_f32_nn" in cubin
    assert b"sparq_mm_sp8" not in cubin
    cubin = module.compile_gpu(chip="sm_90a", format="bin", kernels="mma")
    assert b"sparq_mm_sp8_f8E4M3FN_f8E5M2_f32_nn" in cubin
    with pytest.raises(ValueError, match="kernels must be"):
        module.compile_gpu(kernels="fast")
