// sparq.matmul on Tensor Cores against the CPU runtime, bit for bit: dense
// FP8, 2:4 FP8 with per-row scales and an FP8 result, 2:4 f16 weight (rhs),
// sizes that are no multiple of any tile. Small integer data make every sum
// exact, so the instruction's unspecified summation order cannot matter.
// Runs only on a machine with an NVIDIA GPU (sm_89 or newer).
// REQUIRES: cuda-gpu
// RUN: sparq-opt %s --sparq-cpu-pipeline | %sparq-run | %strip-addresses > %t.cpu
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=%gpu-chip format=bin toolkit=%cuda-toolkit" \
// RUN:   | %sparq-run-gpu | %strip-addresses > %t.gpu
// RUN: diff %t.cpu %t.gpu
// RUN: FileCheck %s < %t.gpu
// CHECK-COUNT-3: Unranked Memref {{.*}} rank = 1 offset = 0 sizes = [{{[0-9]+}}] strides = [1] data =

#map2 = affine_map<(d0, d1) -> (d0, d1)>
func.func private @printMemrefI32(tensor<*xi32>)

// x[i][j] = ((i * a + j * b) mod 9) - 4 (exact in every element type here), as f32.
func.func @pattern(%rows: index, %cols: index, %a: index, %b: index) -> tensor<?x?xf32> {
  %e = tensor.empty(%rows, %cols) : tensor<?x?xf32>
  %r = linalg.generic {indexing_maps = [#map2], iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<?x?xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %ia = arith.muli %i, %a : index
    %jb = arith.muli %j, %b : index
    %s = arith.addi %ia, %jb : index
    %c9 = arith.constant 9 : index
    %m = arith.remui %s, %c9 : index
    %c4 = arith.constant 4 : index
    %v = arith.subi %m, %c4 : index
    %vi = arith.index_cast %v : index to i32
    %f = arith.sitofp %vi : i32 to f32
    linalg.yield %f : f32
  } -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

func.func @to_f16(%t: tensor<?x?xf32>) -> tensor<?x?xf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %t, %c0 : tensor<?x?xf32>
  %n = tensor.dim %t, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%m, %n) : tensor<?x?xf16>
  %r = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%t : tensor<?x?xf32>) outs(%e : tensor<?x?xf16>) {
  ^bb0(%a: f32, %o: f16):
    %h = arith.truncf %a : f32 to f16
    linalg.yield %h : f16
  } -> tensor<?x?xf16>
  return %r : tensor<?x?xf16>
}

// The bits of a result, so that the comparison is exact.
func.func @print_bits(%t: tensor<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %t, %c0 : tensor<?x?xf32>
  %n = tensor.dim %t, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%m, %n) : tensor<?x?xi32>
  %r = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%t : tensor<?x?xf32>) outs(%e : tensor<?x?xi32>) {
  ^bb0(%a: f32, %o: i32):
    %b = arith.bitcast %a : f32 to i32
    linalg.yield %b : i32
  } -> tensor<?x?xi32>
  %flat = tensor.collapse_shape %r [[0, 1]] : tensor<?x?xi32> into tensor<?xi32>
  %u = tensor.cast %flat : tensor<?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @main() {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c40 = arith.constant 40 : index
  %c70 = arith.constant 70 : index
  %c100 = arith.constant 100 : index
  %c136 = arith.constant 136 : index
  %one = arith.constant dense<1.0> : tensor<f32>

  // Dense FP8: [70 x 100] x [100 x 40].
  %a0 = call @pattern(%c70, %c100, %c7, %c3) : (index, index, index, index) -> tensor<?x?xf32>
  %b0 = call @pattern(%c100, %c40, %c5, %c1) : (index, index, index, index) -> tensor<?x?xf32>
  %a0s = tensor.cast %a0 : tensor<?x?xf32> to tensor<70x100xf32>
  %b0s = tensor.cast %b0 : tensor<?x?xf32> to tensor<100x40xf32>
  %a0q = sparq.quantize %a0s, %one : tensor<70x100xf32>, tensor<f32> -> tensor<70x100xf8E4M3FN>
  %b0q = sparq.quantize %b0s, %one : tensor<100x40xf32>, tensor<f32> -> tensor<100x40xf8E5M2>
  %d0 = sparq.matmul %a0q, %b0q : tensor<70x100xf8E4M3FN>, tensor<100x40xf8E5M2> -> tensor<70x40xf32>
  %d0d = tensor.cast %d0 : tensor<70x40xf32> to tensor<?x?xf32>
  call @print_bits(%d0d) : (tensor<?x?xf32>) -> ()

  // 2:4 FP8 lhs pruned and compressed at run time, per-row scale, FP8 out.
  %a1 = call @pattern(%c70, %c136, %c3, %c7) : (index, index, index, index) -> tensor<?x?xf32>
  %b1 = call @pattern(%c136, %c40, %c1, %c5) : (index, index, index, index) -> tensor<?x?xf32>
  %a1s = tensor.cast %a1 : tensor<?x?xf32> to tensor<70x136xf32>
  %b1s = tensor.cast %b1 : tensor<?x?xf32> to tensor<136x40xf32>
  %a1q = sparq.quantize %a1s, %one : tensor<70x136xf32>, tensor<f32> -> tensor<70x136xf8E4M3FN>
  %b1q = sparq.quantize %b1s, %one : tensor<136x40xf32>, tensor<f32> -> tensor<136x40xf8E4M3FN>
  %a1p = sparq.prune %a1q <2:4> : tensor<70x136xf8E4M3FN>
  %a1e = sparq.compress %a1p : tensor<70x136xf8E4M3FN> -> tensor<70x136xf8E4M3FN, #sparq.nm<2:4>>
  %rows = arith.constant dense<4.0> : tensor<70xf32>
  %d1 = sparq.matmul %a1e, %b1q lhs_scale %rows : tensor<70xf32>
      : tensor<70x136xf8E4M3FN, #sparq.nm<2:4>>, tensor<136x40xf8E4M3FN> -> tensor<70x40xf8E4M3FN>
  %d1f = sparq.dequantize %d1, %one : tensor<70x40xf8E4M3FN>, tensor<f32> -> tensor<70x40xf32>
  %d1d = tensor.cast %d1f : tensor<70x40xf32> to tensor<?x?xf32>
  call @print_bits(%d1d) : (tensor<?x?xf32>) -> ()

  // 2:4 f16 weight (rhs, along K) with a bias: [70 x 136] x [136 x 40].
  %a2d = call @to_f16(%a1) : (tensor<?x?xf32>) -> tensor<?x?xf16>
  %b2d = call @to_f16(%b1) : (tensor<?x?xf32>) -> tensor<?x?xf16>
  %a2 = tensor.cast %a2d : tensor<?x?xf16> to tensor<70x136xf16>
  %b2 = tensor.cast %b2d : tensor<?x?xf16> to tensor<136x40xf16>
  %b2p = sparq.prune %b2 <2:4, dim = 0> : tensor<136x40xf16>
  %b2e = sparq.compress %b2p : tensor<136x40xf16> -> tensor<136x40xf16, #sparq.nm<2:4, dim = 0>>
  %bias = arith.constant dense<0.5> : tensor<40xf32>
  %d2 = sparq.matmul %a2, %b2e bias %bias : tensor<40xf32>
      : tensor<70x136xf16>, tensor<136x40xf16, #sparq.nm<2:4, dim = 0>> -> tensor<70x40xf32>
  %d2d = tensor.cast %d2 : tensor<70x40xf32> to tensor<?x?xf32>
  call @print_bits(%d2d) : (tensor<?x?xf32>) -> ()
  return
}
