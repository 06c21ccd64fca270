// Every op in custom form, printed, reparsed and printed again; the same in
// generic form and through bytecode.
// RUN: sparq-opt %s | sparq-opt | FileCheck %s
// RUN: sparq-opt %s -mlir-print-op-generic | sparq-opt | FileCheck %s
// RUN: sparq-opt %s -emit-bytecode | sparq-opt | FileCheck %s
// RUN: sparq-opt %s -verify-roundtrip -o /dev/null
// RUN: sparq-opt %s -mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func @quantize
// CHECK-SAME: (%[[X:.*]]: tensor<16x32xf32>, %[[S:.*]]: tensor<f32>, %[[ROWS:.*]]: tensor<16xf32>, %[[SEED:.*]]: i64, %[[H:.*]]: tensor<4x8xbf16>)
func.func @quantize(%x: tensor<16x32xf32>, %s: tensor<f32>, %rows: tensor<16xf32>,
                    %seed: i64, %h: tensor<4x8xbf16>)
    -> (tensor<16x32xf8E4M3FN>, tensor<16x32xf8E5M2>, tensor<4x8xf8E4M3FN>) {
  // CHECK: sparq.quantize %[[X]], %[[S]] : tensor<16x32xf32>, tensor<f32> -> tensor<16x32xf8E4M3FN>
  %a = sparq.quantize %x, %s : tensor<16x32xf32>, tensor<f32> -> tensor<16x32xf8E4M3FN>
  // CHECK: sparq.quantize %[[X]], %[[ROWS]] axis 0 rounding <stochastic> seed %[[SEED]] saturation <none> : tensor<16x32xf32>, tensor<16xf32> -> tensor<16x32xf8E5M2>
  %b = sparq.quantize %x, %rows axis 0 rounding <stochastic> seed %seed saturation <none>
      : tensor<16x32xf32>, tensor<16xf32> -> tensor<16x32xf8E5M2>
  // Defaults (rne, satfinite) are not printed.
  // CHECK: sparq.quantize %[[H]], %[[S]] : tensor<4x8xbf16>, tensor<f32> -> tensor<4x8xf8E4M3FN>
  %c = sparq.quantize %h, %s rounding <rne> saturation <satfinite>
      : tensor<4x8xbf16>, tensor<f32> -> tensor<4x8xf8E4M3FN>
  return %a, %b, %c : tensor<16x32xf8E4M3FN>, tensor<16x32xf8E5M2>, tensor<4x8xf8E4M3FN>
}
// GENERIC-LABEL: sym_name = "quantize"
// GENERIC: "sparq.quantize"(%{{.*}}, %{{.*}}) <{rounding = #sparq.rounding<rne>, saturation = #sparq.saturation<satfinite>}>
// GENERIC: "sparq.quantize"(%{{.*}}, %{{.*}}, %{{.*}}) <{axis = 0 : i64, rounding = #sparq.rounding<stochastic>, saturation = #sparq.saturation<none>}>

// CHECK-LABEL: func @dequantize
func.func @dequantize(%q: tensor<2x3xf8E5M2>, %s: tensor<f32>, %cols: tensor<3xf32>,
                      %d: tensor<?x3xf8E4M3FN>)
    -> (tensor<2x3xf32>, tensor<2x3xf16>, tensor<?x3xbf16>) {
  // CHECK: sparq.dequantize %{{.*}}, %{{.*}} : tensor<2x3xf8E5M2>, tensor<f32> -> tensor<2x3xf32>
  %a = sparq.dequantize %q, %s : tensor<2x3xf8E5M2>, tensor<f32> -> tensor<2x3xf32>
  // CHECK: sparq.dequantize %{{.*}}, %{{.*}} axis 1 : tensor<2x3xf8E5M2>, tensor<3xf32> -> tensor<2x3xf16>
  %b = sparq.dequantize %q, %cols axis 1 : tensor<2x3xf8E5M2>, tensor<3xf32> -> tensor<2x3xf16>
  // CHECK: sparq.dequantize %{{.*}}, %{{.*}} : tensor<?x3xf8E4M3FN>, tensor<f32> -> tensor<?x3xbf16>
  %c = sparq.dequantize %d, %s : tensor<?x3xf8E4M3FN>, tensor<f32> -> tensor<?x3xbf16>
  return %a, %b, %c : tensor<2x3xf32>, tensor<2x3xf16>, tensor<?x3xbf16>
}

// CHECK-LABEL: func @amax_scale
func.func @amax_scale(%x: tensor<16x32xf32>, %q: tensor<8xf8E4M3FN>)
    -> (tensor<f32>, tensor<32xf32>, tensor<f32>, tensor<32xf32>) {
  // CHECK: %[[A:.*]] = sparq.amax %{{.*}} : tensor<16x32xf32> -> tensor<f32>
  %a = sparq.amax %x : tensor<16x32xf32> -> tensor<f32>
  // CHECK: %[[R:.*]] = sparq.amax %{{.*}} axis 1 : tensor<16x32xf32> -> tensor<32xf32>
  %r = sparq.amax %x axis 1 : tensor<16x32xf32> -> tensor<32xf32>
  // CHECK: sparq.amax %{{.*}} : tensor<8xf8E4M3FN> -> tensor<f32>
  %qa = sparq.amax %q : tensor<8xf8E4M3FN> -> tensor<f32>
  // CHECK: sparq.scale %[[A]] for f8E4M3FN : tensor<f32>
  %s = sparq.scale %a for f8E4M3FN : tensor<f32>
  // CHECK: sparq.scale %[[R]] for f8E5M2 margin 2 : tensor<32xf32>
  %t = sparq.scale %r for f8E5M2 margin 2 : tensor<32xf32>
  // CHECK: sparq.scale %{{.*}} for f8E4M3FN margin -1 : tensor<f32>
  %u = sparq.scale %qa for f8E4M3FN margin -1 : tensor<f32>
  return %a, %r, %s, %t : tensor<f32>, tensor<32xf32>, tensor<f32>, tensor<32xf32>
}

// CHECK-LABEL: func @sparsity
func.func @sparsity(%w: tensor<64x128xf16>, %k: tensor<128x64xf8E4M3FN>, %v3: tensor<2x8x12xf32>)
    -> (tensor<64x128xf16>, tensor<64x128xi1>, tensor<64x64xf16>, tensor<64x8xi16>,
        tensor<64x128xf16>, tensor<64x64xf8E4M3FN>, tensor<8x64xi16>, tensor<2x8x12xf32>) {
  // CHECK: %[[P:.*]] = sparq.prune %{{.*}} <2:4> : tensor<64x128xf16>
  %p = sparq.prune %w <2:4> : tensor<64x128xf16>
  // CHECK: sparq.mask %{{.*}} <2:4> : tensor<64x128xf16> -> tensor<64x128xi1>
  %m = sparq.mask %w <2:4> : tensor<64x128xf16> -> tensor<64x128xi1>
  // CHECK: %[[E:.*]] = sparq.compress %[[P]] : tensor<64x128xf16> -> tensor<64x128xf16, #sparq.nm<2:4>>
  %e = sparq.compress %p : tensor<64x128xf16> -> tensor<64x128xf16, #sparq.nm<2:4>>
  // CHECK: sparq.values %[[E]] : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x64xf16>
  %v = sparq.values %e : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x64xf16>
  // CHECK: sparq.metadata %[[E]] : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x8xi16>
  %md = sparq.metadata %e : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x8xi16>
  // CHECK: sparq.decompress %[[E]] : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x128xf16>
  %d = sparq.decompress %e : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x128xf16>
  // A K x N weight, sparse along K (dimension 0).
  // CHECK: %[[KP:.*]] = sparq.prune %{{.*}} <2:4, dim = 0> : tensor<128x64xf8E4M3FN>
  %kp = sparq.prune %k <2:4, dim = 0> : tensor<128x64xf8E4M3FN>
  // CHECK: %[[KE:.*]] = sparq.compress %[[KP]] : tensor<128x64xf8E4M3FN> -> tensor<128x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  %ke = sparq.compress %kp : tensor<128x64xf8E4M3FN> -> tensor<128x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  // CHECK: sparq.values %[[KE]] : tensor<128x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<64x64xf8E4M3FN>
  %kv = sparq.values %ke : tensor<128x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<64x64xf8E4M3FN>
  // CHECK: sparq.metadata %[[KE]] : tensor<128x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<8x64xi16>
  %km = sparq.metadata %ke : tensor<128x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<8x64xi16>
  // Other patterns and a middle dimension, counted from the back.
  // CHECK: sparq.prune %{{.*}} <1:2, dim = -2> : tensor<2x8x12xf32>
  %q = sparq.prune %v3 <1:2, dim = -2> : tensor<2x8x12xf32>
  // CHECK: sparq.mask %{{.*}} <4:8, dim = 1> : tensor<2x8x12xf32> -> tensor<2x8x12xi1>
  %qm = sparq.mask %v3 <4:8, dim = 1> : tensor<2x8x12xf32> -> tensor<2x8x12xi1>
  // CHECK: sparq.prune %{{.*}} <2:4> rule <transposable> : tensor<64x128xf16>
  %t = sparq.prune %w <2:4> rule <transposable> : tensor<64x128xf16>
  // CHECK: sparq.mask %{{.*}} <2:4> rule <transposable> : tensor<64x128xf16> -> tensor<64x128xi1>
  %tm = sparq.mask %w <2:4> rule <transposable> : tensor<64x128xf16> -> tensor<64x128xi1>
  return %p, %m, %v, %md, %d, %kv, %km, %q
      : tensor<64x128xf16>, tensor<64x128xi1>, tensor<64x64xf16>, tensor<64x8xi16>,
        tensor<64x128xf16>, tensor<64x64xf8E4M3FN>, tensor<8x64xi16>, tensor<2x8x12xf32>
}

// Metadata words of 4:8 (12 bits per group) straddle i16 words.
// CHECK-LABEL: func @metadata_4_8
func.func @metadata_4_8(%e: tensor<3x40xf32, #sparq.nm<4:8>>) -> tensor<3x4xi16> {
  // CHECK: sparq.metadata %{{.*}} : tensor<3x40xf32, #sparq.nm<4:8>> -> tensor<3x4xi16>
  %m = sparq.metadata %e : tensor<3x40xf32, #sparq.nm<4:8>> -> tensor<3x4xi16>
  return %m : tensor<3x4xi16>
}

// CHECK-LABEL: func @matmul
func.func @matmul(%a: tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, %b: tensor<128x64xf8E5M2>,
                  %sa: tensor<32xf32>, %sb: tensor<f32>, %so: tensor<f32>, %bias: tensor<64xf32>,
                  %c: tensor<32x128xbf16>, %d: tensor<128x64xbf16, #sparq.nm<2:4, dim = 0>>,
                  %x: tensor<4x?x16xf16>, %y: tensor<4x16x8xf16>)
    -> (tensor<32x64xf32>, tensor<32x64xf8E4M3FN>, tensor<32x64xbf16>, tensor<4x?x8xf16>) {
  // CHECK: sparq.matmul %{{.*}}, %{{.*}} : tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, tensor<128x64xf8E5M2> -> tensor<32x64xf32>
  %0 = sparq.matmul %a, %b : tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, tensor<128x64xf8E5M2> -> tensor<32x64xf32>
  // CHECK: sparq.matmul %{{.*}}, %{{.*}} lhs_scale %{{.*}} : tensor<32xf32> rhs_scale %{{.*}} : tensor<f32> out_scale %{{.*}} : tensor<f32> bias %{{.*}} : tensor<64xf32> saturation <none> : tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, tensor<128x64xf8E5M2> -> tensor<32x64xf8E4M3FN>
  %1 = sparq.matmul %a, %b lhs_scale %sa : tensor<32xf32> rhs_scale %sb : tensor<f32>
      out_scale %so : tensor<f32> bias %bias : tensor<64xf32> saturation <none>
      : tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, tensor<128x64xf8E5M2> -> tensor<32x64xf8E4M3FN>
  // CHECK: sparq.matmul %{{.*}}, %{{.*}} rhs_scale %{{.*}} : tensor<f32> : tensor<32x128xbf16>, tensor<128x64xbf16, #sparq.nm<2:4, dim = 0>> -> tensor<32x64xbf16>
  %2 = sparq.matmul %c, %d rhs_scale %sb : tensor<f32>
      : tensor<32x128xbf16>, tensor<128x64xbf16, #sparq.nm<2:4, dim = 0>> -> tensor<32x64xbf16>
  // CHECK: sparq.matmul %{{.*}}, %{{.*}} : tensor<4x?x16xf16>, tensor<4x16x8xf16> -> tensor<4x?x8xf16>
  %3 = sparq.matmul %x, %y : tensor<4x?x16xf16>, tensor<4x16x8xf16> -> tensor<4x?x8xf16>
  return %0, %1, %2, %3 : tensor<32x64xf32>, tensor<32x64xf8E4M3FN>, tensor<32x64xbf16>, tensor<4x?x8xf16>
}
