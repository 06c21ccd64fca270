// Each option of --sparq-quantize on a two-layer network.
// RUN: sparq-opt %s --sparq-quantize="activation-scaling=static calibration=%S/Inputs/calibration.json" --canonicalize | FileCheck %s --check-prefix=STATIC
// RUN: sparq-opt %s --sparq-quantize="activation-scaling=delayed amax-history=8" | FileCheck %s --check-prefix=DELAYED
// RUN: sparq-opt %s --sparq-quantize="format=hybrid" | FileCheck %s --check-prefix=HYBRID
// RUN: sparq-opt %s --sparq-quantize="skip=first" | FileCheck %s --check-prefix=FIRST
// RUN: sparq-opt %s --sparq-quantize="skip=last" | FileCheck %s --check-prefix=LAST
// RUN: sparq-opt %s --sparq-quantize="skip=attn" | FileCheck %s --check-prefix=BYNAME
// RUN: sparq-opt %s --sparq-quantize="min-size=300" | FileCheck %s --check-prefix=MINSIZE
// RUN: sparq-opt %s --sparq-quantize="margin=2 saturate=false" | FileCheck %s --check-prefix=MARGIN

// STATIC-LABEL: func @net
// Static scales from the table: 448 / 4 for fc1's activation, 448 / 2 for attn's.
// STATIC-DAG: %[[S1:.*]] = arith.constant dense<1.120000e+02> : tensor<f32>
// STATIC-DAG: %[[S2:.*]] = arith.constant dense<2.240000e+02> : tensor<f32>
// STATIC: sparq.quantize %{{.*}}, %[[S1]]
// STATIC: sparq.quantize %{{.*}}, %[[S2]]
// STATIC-NOT: sparq.amax

// Each activation gets an amax history argument and result.
// DELAYED-LABEL: func @net
// DELAYED-SAME: (%[[X:.*]]: tensor<4x16xf32>, %[[W:.*]]: tensor<8x16xf32>, %[[H1:.*]]: tensor<8xf32>, %[[H2:.*]]: tensor<8xf32>)
// DELAYED-SAME: -> (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>)
// DELAYED: %[[P1:.*]] = sparq.amax %[[H1]] : tensor<8xf32> -> tensor<f32>
// DELAYED: %[[S1:.*]] = sparq.scale %[[P1]] for f8E4M3FN : tensor<f32>
// DELAYED: %[[C1:.*]] = sparq.amax %[[X]] : tensor<4x16xf32> -> tensor<f32>
// DELAYED: %[[E1:.*]] = tensor.expand_shape %[[C1]] [] output_shape [1] : tensor<f32> into tensor<1xf32>
// DELAYED: %[[T1:.*]] = tensor.extract_slice %[[H1]][0] [7] [1]
// DELAYED: %[[N1:.*]] = tensor.concat dim(0) %[[E1]], %[[T1]]
// DELAYED: sparq.quantize %[[X]], %[[S1]]
// DELAYED: sparq.amax %[[H2]]
// DELAYED: %[[N2:.*]] = tensor.concat
// DELAYED: return %{{.*}}, %[[N1]], %[[N2]] : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>

// The backward-style op names its gradient operand: that one is E5M2.
// HYBRID-LABEL: func @net
// HYBRID: sparq.matmul {{.*}} : tensor<4x16xf8E4M3FN>, tensor<16x8xf8E4M3FN> -> tensor<4x8xf32>
// HYBRID: sparq.matmul {{.*}} : tensor<4x8xf8E5M2>, tensor<8x8xf8E4M3FN> -> tensor<4x8xf32>

// FIRST-LABEL: func @net
// FIRST: linalg.matmul
// FIRST: sparq.matmul
// LAST-LABEL: func @net
// LAST: sparq.matmul
// LAST: linalg.matmul
// BYNAME-LABEL: func @net
// BYNAME: sparq.matmul
// BYNAME: linalg.matmul {sparq.gradient_operand = 0 : i64, sparq.name = "attn"}
// fc1 has 4 * 8 * 16 = 512 multiply-adds, attn 4 * 8 * 8 = 256.
// MINSIZE-LABEL: func @net
// MINSIZE: sparq.matmul
// MINSIZE: linalg.matmul

// MARGIN-LABEL: func @net
// MARGIN: sparq.scale %{{.*}} for f8E4M3FN margin 2
// MARGIN: sparq.quantize {{.*}} saturation <none>
// MARGIN: sparq.matmul {{.*}} saturation <none>

func.func @net(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<4x16xf32>, tensor<8x16xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32> loc("fc1")
  %v = arith.constant dense<0.5> : tensor<8x8xf32>
  %y = linalg.matmul {sparq.name = "attn", sparq.gradient_operand = 0}
      ins(%h, %v : tensor<4x8xf32>, tensor<8x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
