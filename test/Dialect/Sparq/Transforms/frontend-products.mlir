// Products as frontends write them: a weight transposed by linalg.transpose
// (torch-mlir's Linear) or broadcast over a batch by linalg.broadcast or by
// batch_matmul's indexing maps, a transposing linalg.matmul indexing map, and
// TOSA's batch of one between expand_shape and collapse_shape. The layout ops
// fold into the product, whose weight is then a constant operand.
// RUN: sparq-opt %s --sparq-prune -split-input-file | FileCheck %s --check-prefix=IR
// RUN: sparq-opt %s --sparq-prune="report=1" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=PRUNE
// RUN: sparq-opt %s --sparq-quantize="report=1" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUANT
// RUN: sparq-opt %s --sparq-permute-channels="report=1" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=PERM

// PRUNE: remark: pruned input 1 to 2:4 at compile time
// PRUNE: remark: sparq-prune: 1 weights pruned, 0 products left dense
// IR-LABEL: func @transposed_weight
// IR-NOT: linalg.matmul
// IR: %[[WT:.*]] = arith.constant dense<{{.*}}> : tensor<8x16xf32>
// IR: sparq.prune %[[WT]] <2:4> : tensor<8x16xf32>
// IR: sparq.matmul %arg0, %{{.*}} : tensor<4x16xf32>, tensor<16x8xf32, #sparq.nm<2:4, dim = 0>>
// QUANT: remark: sparq-quantize: 1 quantized, 0 left unchanged
// PERM: remark: permuted 16 input channels
func.func @transposed_weight(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %wt = arith.constant dense<[[1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0, 6.0, 5.0, 5.0, 6.0, 4.0, 7.0, 3.0, 8.0, 2.0],
                              [9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0],
                              [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                              [9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0],
                              [1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0, 6.0, 5.0, 5.0, 6.0, 4.0, 7.0, 3.0, 8.0, 2.0],
                              [9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0],
                              [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                              [9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0, 9.0, 9.0, 1.0, 1.0]]> : tensor<8x16xf32>
  %et = tensor.empty() : tensor<16x8xf32>
  %w = linalg.transpose ins(%wt : tensor<8x16xf32>) outs(%et : tensor<16x8xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// A weight broadcast over the batch folds the batch into M: one 2-D product.
// PRUNE: remark: pruned input 1 to 2:4 at compile time
// IR-LABEL: func @broadcast_weight
// IR-NOT: linalg.broadcast
// IR: %[[L:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<3x4x8xf32> into tensor<12x8xf32>
// IR: sparq.matmul %[[L]], %{{.*}} : tensor<12x8xf32>, tensor<8x2xf32, #sparq.nm<2:4, dim = 0>> -> tensor<12x2xf32>
// IR: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [3, 4, 2]
// QUANT: remark: sparq-quantize: 1 quantized, 0 left unchanged
// PERM: remark: channels not permuted: no permutation keeps more magnitude
func.func @broadcast_weight(%x: tensor<3x4x8xf32>) -> tensor<3x4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %eb = tensor.empty() : tensor<3x8x2xf32>
  %wb = linalg.broadcast ins(%w : tensor<8x2xf32>) outs(%eb : tensor<3x8x2xf32>) dimensions = [0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4x2xf32>) -> tensor<3x4x2xf32>
  %y = linalg.batch_matmul ins(%x, %wb : tensor<3x4x8xf32>, tensor<3x8x2xf32>) outs(%init : tensor<3x4x2xf32>) -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}

// -----

// The same broadcast written in batch_matmul's indexing maps, and a
// transposed weight in linalg.matmul's.
// PRUNE-COUNT-2: remark: pruned input 1 to 2:4 at compile time
// IR-LABEL: func @indexing_maps
// IR: sparq.matmul %{{.*}}, %{{.*}} : tensor<12x8xf32>, tensor<8x2xf32, #sparq.nm<2:4, dim = 0>> -> tensor<12x2xf32>
// IR: sparq.matmul %arg1, %{{.*}} : tensor<4x8xf32>, tensor<8x2xf32, #sparq.nm<2:4, dim = 0>> -> tensor<4x2xf32>
// QUANT: remark: sparq-quantize: 2 quantized, 0 left unchanged
func.func @indexing_maps(%x: tensor<3x4x8xf32>, %x2: tensor<4x8xf32>) -> (tensor<3x4x2xf32>, tensor<4x2xf32>) {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %wt = arith.constant dense<1.0> : tensor<2x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4x2xf32>) -> tensor<3x4x2xf32>
  %y = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                                            affine_map<(b, m, n, k) -> (k, n)>,
                                            affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%x, %w : tensor<3x4x8xf32>, tensor<8x2xf32>) outs(%init : tensor<3x4x2xf32>) -> tensor<3x4x2xf32>
  %e2 = tensor.empty() : tensor<4x2xf32>
  %init2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                       affine_map<(m, n, k) -> (n, k)>,
                                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x2, %wt : tensor<4x8xf32>, tensor<2x8xf32>) outs(%init2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y, %y2 : tensor<3x4x2xf32>, tensor<4x2xf32>
}

// -----

// TOSA's matmul: a batch of one between reshapes becomes a plain product
// whose reshapes cancel the frontend's, so that channel permutation applies.
// PRUNE: remark: pruned input 1 to 2:4 at compile time
// IR-LABEL: func @tosa_unit_batch
// IR-NOT: tensor.expand_shape
// IR: sparq.matmul %arg0, %{{.*}} : tensor<4x16xf32>, tensor<16x8xf32, #sparq.nm<2:4, dim = 0>> -> tensor<4x8xf32>
// IR-NOT: tensor.collapse_shape
// IR: return
// QUANT: remark: sparq-quantize: 1 quantized, 0 left unchanged
// PERM: remark: permuted 16 input channels
func.func @tosa_unit_batch(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<[[[1.0, 9.0, 1.0, 9.0, 1.0, 9.0, 1.0, 9.0],
                              [9.0, 9.0, 2.0, 9.0, 9.0, 9.0, 2.0, 9.0],
                              [2.0, 1.0, 3.0, 1.0, 2.0, 1.0, 3.0, 1.0],
                              [8.0, 1.0, 4.0, 1.0, 8.0, 1.0, 4.0, 1.0],
                              [3.0, 9.0, 5.0, 9.0, 3.0, 9.0, 5.0, 9.0],
                              [7.0, 9.0, 6.0, 9.0, 7.0, 9.0, 6.0, 9.0],
                              [4.0, 1.0, 7.0, 1.0, 4.0, 1.0, 7.0, 1.0],
                              [6.0, 1.0, 8.0, 1.0, 6.0, 1.0, 8.0, 1.0],
                              [5.0, 9.0, 9.0, 9.0, 5.0, 9.0, 9.0, 9.0],
                              [5.0, 9.0, 1.0, 9.0, 5.0, 9.0, 1.0, 9.0],
                              [6.0, 1.0, 2.0, 1.0, 6.0, 1.0, 2.0, 1.0],
                              [4.0, 1.0, 3.0, 1.0, 4.0, 1.0, 3.0, 1.0],
                              [7.0, 9.0, 4.0, 9.0, 7.0, 9.0, 4.0, 9.0],
                              [3.0, 9.0, 5.0, 9.0, 3.0, 9.0, 5.0, 9.0],
                              [8.0, 1.0, 6.0, 1.0, 8.0, 1.0, 6.0, 1.0],
                              [2.0, 1.0, 7.0, 1.0, 2.0, 1.0, 7.0, 1.0]]]> : tensor<1x16x8xf32>
  %x3 = tensor.expand_shape %x [[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %y = linalg.batch_matmul ins(%x3, %w : tensor<1x4x16xf32>, tensor<1x16x8xf32>) outs(%init : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %y2 = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x4x8xf32> into tensor<4x8xf32>
  return %y2 : tensor<4x8xf32>
}

// -----

// A weight shared by a batch on the left-hand side has no matmul form: named.
// PRUNE: remark: left dense: expects exactly one M, N and K dimension
// PRUNE: remark: sparq-prune: 0 weights pruned, 1 products left dense; left dense: linalg.batch_matmul at loc(
// QUANT: remark: left unchanged: expects exactly one M, N and K dimension
func.func @lhs_weight(%x: tensor<3x8x2xf32>) -> tensor<3x4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4x2xf32>) -> tensor<3x4x2xf32>
  %y = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (m, k)>,
                                            affine_map<(b, m, n, k) -> (b, k, n)>,
                                            affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%w, %x : tensor<4x8xf32>, tensor<3x8x2xf32>) outs(%init : tensor<3x4x2xf32>) -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}
