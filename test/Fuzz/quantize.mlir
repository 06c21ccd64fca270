// Robustness of --sparq-quantize on inputs found by fuzzing or by the
// sanitizer builds.
// RUN: sparq-opt %s -split-input-file --sparq-quantize="min-size=64 report=1" -o /dev/null 2>&1 | FileCheck %s

// The multiply-adds of a product whose static sizes overflow int64_t are
// counted as the largest int64_t, not as a wrapped (and tiny) count that
// min-size skipped; the count was a signed overflow.
// CHECK: remark: quantized to FP8
// CHECK-NOT: smaller than min-size
func.func @macs_overflow(%x: tensor<4294967296x4294967296xf32>, %w: tensor<4294967296x4294967296xf32>, %c: tensor<4294967296x4294967296xf32>) -> tensor<4294967296x4294967296xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<4294967296x4294967296xf32>, tensor<4294967296x4294967296xf32>) outs(%c : tensor<4294967296x4294967296xf32>) -> tensor<4294967296x4294967296xf32>
  return %r : tensor<4294967296x4294967296xf32>
}
