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
