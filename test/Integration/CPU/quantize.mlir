// sparq.quantize / dequantize / amax / scale executed on the CPU runtime and,
// after inlining, folded at compile time: the printed bits must agree.
// RUN: sparq-opt %s --sparq-cpu-pipeline | %sparq-run | %strip-addresses > %t.runtime
// RUN: sparq-opt %s --inline --canonicalize | FileCheck %s --check-prefix=FOLDED
// RUN: sparq-opt %s --inline --canonicalize --sparq-cpu-pipeline | %sparq-run | %strip-addresses > %t.folded
// RUN: diff %t.runtime %t.folded
// RUN: FileCheck %s < %t.runtime

// After inlining every sparq op has constant operands and folds away.
// FOLDED-LABEL: func @main
// FOLDED-NOT: sparq.

#id = affine_map<(d0) -> (d0)>
func.func private @printMemrefI32(tensor<*xi32>)
func.func private @printMemrefF32(tensor<*xf32>)

func.func @print_f8(%t: tensor<?xf8E4M3FN>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %t, %c0 : tensor<?xf8E4M3FN>
  %e = tensor.empty(%n) : tensor<?xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%t : tensor<?xf8E4M3FN>) outs(%e : tensor<?xi32>) {
  ^bb0(%a: f8E4M3FN, %o: i32):
    %b = arith.bitcast %a : f8E4M3FN to i8
    %c = arith.extui %b : i8 to i32
    linalg.yield %c : i32
  } -> tensor<?xi32>
  %u = tensor.cast %r : tensor<?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @print_e5m2(%t: tensor<?xf8E5M2>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %t, %c0 : tensor<?xf8E5M2>
  %e = tensor.empty(%n) : tensor<?xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%t : tensor<?xf8E5M2>) outs(%e : tensor<?xi32>) {
  ^bb0(%a: f8E5M2, %o: i32):
    %b = arith.bitcast %a : f8E5M2 to i8
    %c = arith.extui %b : i8 to i32
    linalg.yield %c : i32
  } -> tensor<?xi32>
  %u = tensor.cast %r : tensor<?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @print_f32_bits(%t: tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %t, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%t : tensor<?xf32>) outs(%e : tensor<?xi32>) {
  ^bb0(%a: f32, %o: i32):
    %b = arith.bitcast %a : f32 to i32
    linalg.yield %b : i32
  } -> tensor<?xi32>
  %u = tensor.cast %r : tensor<?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @kernel(%x: tensor<16xf32>, %one: tensor<f32>, %h: tensor<2x4xbf16>,
                  %rows: tensor<2xf32>, %seed: i64) {
  %c0 = arith.constant 0 : index
  // RNE, both saturation modes, both formats.
  %a = sparq.quantize %x, %one : tensor<16xf32>, tensor<f32> -> tensor<16xf8E4M3FN>
  %b = sparq.quantize %x, %one saturation <none> : tensor<16xf32>, tensor<f32> -> tensor<16xf8E4M3FN>
  %c = sparq.quantize %x, %one saturation <none> : tensor<16xf32>, tensor<f32> -> tensor<16xf8E5M2>
  %ad = tensor.cast %a : tensor<16xf8E4M3FN> to tensor<?xf8E4M3FN>
  %bd = tensor.cast %b : tensor<16xf8E4M3FN> to tensor<?xf8E4M3FN>
  %cd = tensor.cast %c : tensor<16xf8E5M2> to tensor<?xf8E5M2>
  call @print_f8(%ad) : (tensor<?xf8E4M3FN>) -> ()
  call @print_f8(%bd) : (tensor<?xf8E4M3FN>) -> ()
  call @print_e5m2(%cd) : (tensor<?xf8E5M2>) -> ()

  // Stochastic rounding from the seed.
  %s = sparq.quantize %x, %one rounding <stochastic> seed %seed : tensor<16xf32>, tensor<f32> -> tensor<16xf8E4M3FN>
  %sd = tensor.cast %s : tensor<16xf8E4M3FN> to tensor<?xf8E4M3FN>
  call @print_f8(%sd) : (tensor<?xf8E4M3FN>) -> ()
  %point3 = tensor.extract_slice %x[11] [1] [1] : tensor<16xf32> to tensor<1xf32>
  %p3 = tensor.extract %point3[%c0] : tensor<1xf32>
  %many = tensor.splat %p3 : tensor<16xf32>
  %m = sparq.quantize %many, %one rounding <stochastic> seed %seed : tensor<16xf32>, tensor<f32> -> tensor<16xf8E4M3FN>
  %md = tensor.cast %m : tensor<16xf8E4M3FN> to tensor<?xf8E4M3FN>
  call @print_f8(%md) : (tensor<?xf8E4M3FN>) -> ()

  // bf16 input with one scale per row.
  %r = sparq.quantize %h, %rows axis 0 : tensor<2x4xbf16>, tensor<2xf32> -> tensor<2x4xf8E4M3FN>
  %rf = tensor.collapse_shape %r [[0, 1]] : tensor<2x4xf8E4M3FN> into tensor<8xf8E4M3FN>
  %rd = tensor.cast %rf : tensor<8xf8E4M3FN> to tensor<?xf8E4M3FN>
  call @print_f8(%rd) : (tensor<?xf8E4M3FN>) -> ()

  // Dequantize back, and the dynamic-scaling recipe amax -> scale.
  %dq = sparq.dequantize %a, %one : tensor<16xf8E4M3FN>, tensor<f32> -> tensor<16xf32>
  %dqd = tensor.cast %dq : tensor<16xf32> to tensor<?xf32>
  call @print_f32_bits(%dqd) : (tensor<?xf32>) -> ()
  %amax = sparq.amax %h axis 0 : tensor<2x4xbf16> -> tensor<2xf32>
  %scale = sparq.scale %amax for f8E4M3FN margin 1 : tensor<2xf32>
  %sc = tensor.cast %scale : tensor<2xf32> to tensor<*xf32>
  call @printMemrefF32(%sc) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  // Max finite, the 464 tie, overflow, NaN, +-inf, min subnormal, -0,
  // underflow, E5M2 max and its tie at 61440, ordinary values.
  %x = arith.constant dense<[448.0, 464.0, 464.5, 0x7FC00000, 0x7F800000, 0xFF800000,
                             0.001953125, -0.0, 1.0e-30, 57344.0, 61440.0, 0.3,
                             -0.3, 3.14159, -100.0, 1.0e-3]> : tensor<16xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %h = arith.constant dense<[[1.0, -2.0, 3.0, 0.5], [0.25, 7.0, -8.0, 100.0]]> : tensor<2x4xbf16>
  %rows = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %seed = arith.constant 42 : i64
  call @kernel(%x, %one, %h, %rows, %seed)
      : (tensor<16xf32>, tensor<f32>, tensor<2x4xbf16>, tensor<2xf32>, i64) -> ()
  return
}

// E4M3 satfinite: 448 = 0x7E (126) and so are 464 (the tie) and 464.5;
// -inf saturates to 0xFE; NaN is 0x7F; 2^-9 is the subnormal 0x01; 3.14159
// rounds to 3.25 (0x45 = 69); -100 is the tie between -96 and -104 and goes
// to even -96 (0xEC = 236); 1e-3 is just above half of 2^-9 and rounds up.
// CHECK: [126,  126,  126,  127,  126,  254,  1,  128,  0,  126,  126,  42,  170,  69,  236,  1]
// E4M3 without saturation: overflow and inf give NaN keeping the sign.
// CHECK: [126,  126,  127,  127,  127,  255,  1,  128,  0,  127,  127,  42,  170,  69,  236,  1]
// E5M2 without saturation: 448 and 464 round to 448 (0x5F); 2^-9 is normal
// (0x18); 61440 rounds to infinity (0x7C).
// CHECK: [95,  95,  95,  127,  124,  252,  24,  128,  0,  123,  124,  53,  181,  66,  214,  20]
// Stochastic: exact values, NaN and saturation as RNE; the rest drawn.
// CHECK: [126,  126,  126,  127,  126,  254,  1,  128,  0,  126,  126, {{.*}}]
// Sixteen stochastic roundings of 0.3 mix 0.28125 (0x29 = 41) and 0.3125 (42).
// CHECK: [{{.*}}41{{.*}}42{{.*}}]
// Per-row scales on bf16: row 0 times 2 = [2, -4, 6, 1]; row 1 times 0.5 =
// [0.125, 3.5, -4, 50 -> 48].
// CHECK: [64,  200,  76,  56,  32,  70,  200,  100]
// Dequantized: 448.0 is 0x43E00000.
// CHECK: [1138753536,  1138753536,  1138753536,  2143289344,  1138753536,  -1008730112,  989855744,  -2147483648,  0,  1138753536,
// Per-row amax 3 and 100: scales 448 / 3 / 2 and 448 / 100 / 2.
// CHECK: [74.6667,  2.24]
