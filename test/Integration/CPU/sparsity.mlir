// N:M prune / mask / compress / values / metadata / decompress on the CPU
// runtime, against the same ops folded at compile time. Encoded tensors cross
// a function boundary and an scf.for loop as their two storage tensors.
// RUN: sparq-opt %s --sparq-cpu-pipeline | %sparq-run | %strip-addresses > %t.runtime
// RUN: sparq-opt %s --inline --canonicalize | FileCheck %s --check-prefix=FOLDED
// RUN: sparq-opt %s --inline --canonicalize --sparq-cpu-pipeline | %sparq-run | %strip-addresses > %t.folded
// RUN: diff %t.runtime %t.folded
// RUN: FileCheck %s < %t.runtime

// FOLDED-LABEL: func @main
// FOLDED-NOT: sparq.

#id = affine_map<(d0) -> (d0)>
func.func private @printMemrefI32(tensor<*xi32>)
func.func private @printMemrefF32(tensor<*xf32>)

func.func @print_f32(%t: tensor<?xf32>) {
  %u = tensor.cast %t : tensor<?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @print_i16(%t: tensor<?xi16>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %t, %c0 : tensor<?xi16>
  %e = tensor.empty(%n) : tensor<?xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%t : tensor<?xi16>) outs(%e : tensor<?xi32>) {
  ^bb0(%a: i16, %o: i32):
    %c = arith.extui %a : i16 to i32
    linalg.yield %c : i32
  } -> tensor<?xi32>
  %u = tensor.cast %r : tensor<?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @print_i1(%t: tensor<?xi1>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %t, %c0 : tensor<?xi1>
  %e = tensor.empty(%n) : tensor<?xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%t : tensor<?xi1>) outs(%e : tensor<?xi32>) {
  ^bb0(%a: i1, %o: i32):
    %c = arith.extui %a : i1 to i32
    linalg.yield %c : i32
  } -> tensor<?xi32>
  %u = tensor.cast %r : tensor<?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @flat(%t: tensor<2x8xf32>) -> tensor<?xf32> {
  %f = tensor.collapse_shape %t [[0, 1]] : tensor<2x8xf32> into tensor<16xf32>
  %d = tensor.cast %f : tensor<16xf32> to tensor<?xf32>
  return %d : tensor<?xf32>
}

// An encoded tensor as argument and result: its storage crosses the call.
func.func @roundtrip(%e: tensor<2x8xf32, #sparq.nm<2:4>>) -> tensor<2x8xf32, #sparq.nm<2:4>> {
  %d = sparq.decompress %e : tensor<2x8xf32, #sparq.nm<2:4>> -> tensor<2x8xf32>
  %c = sparq.compress %d : tensor<2x8xf32> -> tensor<2x8xf32, #sparq.nm<2:4>>
  return %c : tensor<2x8xf32, #sparq.nm<2:4>>
}

func.func @kernel(%w: tensor<2x8xf32>, %k: tensor<8x2xf32>) {
  %p = sparq.prune %w <2:4> : tensor<2x8xf32>
  %pf = call @flat(%p) : (tensor<2x8xf32>) -> tensor<?xf32>
  %wf2 = tensor.collapse_shape %w [[0, 1]] : tensor<2x8xf32> into tensor<16xf32>
  call @print_f32(%pf) : (tensor<?xf32>) -> ()

  %m = sparq.mask %w <2:4> : tensor<2x8xf32> -> tensor<2x8xi1>
  %mf = tensor.collapse_shape %m [[0, 1]] : tensor<2x8xi1> into tensor<16xi1>
  %md = tensor.cast %mf : tensor<16xi1> to tensor<?xi1>
  call @print_i1(%md) : (tensor<?xi1>) -> ()

  // compress keeps the two largest even of an unpruned input.
  %e = sparq.compress %w : tensor<2x8xf32> -> tensor<2x8xf32, #sparq.nm<2:4>>
  %e2 = call @roundtrip(%e) : (tensor<2x8xf32, #sparq.nm<2:4>>) -> tensor<2x8xf32, #sparq.nm<2:4>>
  %v = sparq.values %e2 : tensor<2x8xf32, #sparq.nm<2:4>> -> tensor<2x4xf32>
  %vf = tensor.collapse_shape %v [[0, 1]] : tensor<2x4xf32> into tensor<8xf32>
  %vd = tensor.cast %vf : tensor<8xf32> to tensor<?xf32>
  call @print_f32(%vd) : (tensor<?xf32>) -> ()
  %meta = sparq.metadata %e2 : tensor<2x8xf32, #sparq.nm<2:4>> -> tensor<2x1xi16>
  %metaf = tensor.collapse_shape %meta [[0, 1]] : tensor<2x1xi16> into tensor<2xi16>
  %metad = tensor.cast %metaf : tensor<2xi16> to tensor<?xi16>
  call @print_i16(%metad) : (tensor<?xi16>) -> ()

  // Along dimension 0, and 1:2 inside an scf.for that carries the encoded
  // tensor: re-encoding its decompression is the identity.
  %ke = sparq.compress %k : tensor<8x2xf32> -> tensor<8x2xf32, #sparq.nm<1:2, dim = 0>>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %loop = scf.for %i = %c0 to %c3 step %c1 iter_args(%it = %ke) -> (tensor<8x2xf32, #sparq.nm<1:2, dim = 0>>) {
    %d = sparq.decompress %it : tensor<8x2xf32, #sparq.nm<1:2, dim = 0>> -> tensor<8x2xf32>
    %n = sparq.compress %d : tensor<8x2xf32> -> tensor<8x2xf32, #sparq.nm<1:2, dim = 0>>
    scf.yield %n : tensor<8x2xf32, #sparq.nm<1:2, dim = 0>>
  }
  %kd = sparq.decompress %loop : tensor<8x2xf32, #sparq.nm<1:2, dim = 0>> -> tensor<8x2xf32>
  %kf = tensor.collapse_shape %kd [[0, 1]] : tensor<8x2xf32> into tensor<16xf32>
  %kdd = tensor.cast %kf : tensor<16xf32> to tensor<?xf32>
  call @print_f32(%kdd) : (tensor<?xf32>) -> ()
  %km = sparq.metadata %loop : tensor<8x2xf32, #sparq.nm<1:2, dim = 0>> -> tensor<1x2xi16>
  %kmf = tensor.collapse_shape %km [[0, 1]] : tensor<1x2xi16> into tensor<2xi16>
  %kmd = tensor.cast %kmf : tensor<2xi16> to tensor<?xi16>
  call @print_i16(%kmd) : (tensor<?xi16>) -> ()

  // The transposable rule needs 4x4 blocks: w's 16 values as a 4x4 matrix.
  %wt = tensor.expand_shape %wf2 [[0, 1]] output_shape [4, 4] : tensor<16xf32> into tensor<4x4xf32>
  %tp = sparq.prune %wt <2:4> rule <transposable> : tensor<4x4xf32>
  %tpf = tensor.collapse_shape %tp [[0, 1]] : tensor<4x4xf32> into tensor<16xf32>
  %tpd = tensor.cast %tpf : tensor<16xf32> to tensor<?xf32>
  call @print_f32(%tpd) : (tensor<?xf32>) -> ()
  return
}

func.func @main() {
  %w = arith.constant dense<[[1.0, -3.0, 2.0, 0.5, 0.0, 0.0, 0.0, 7.0],
                             [5.0, 5.0, 5.0, 5.0, 1.0, 0x7FC00000, -2.0, 0.0]]> : tensor<2x8xf32>
  %k = arith.constant dense<[[1.0, 0.0], [-2.0, 3.0], [0.0, 0.0], [4.0, 4.0],
                             [0.5, -0.25], [0.5, 0.25], [0x7F800000, 1.0], [6.0, 0.0]]> : tensor<8x2xf32>
  call @kernel(%w, %k) : (tensor<2x8xf32>, tensor<8x2xf32>) -> ()
  return
}

// Ties go to the lowest index; NaN is kept as the largest magnitude.
// CHECK: [0,  -3,  2,  0,  0,  0,  0,  7,  5,  5,  0,  0,  0,  nan,  -2,  0]
// A group with one non-zero keeps its lowest-index zero: [0, 0, 0, 7] -> {0, 3}.
// CHECK: [0,  1,  1,  0,  1,  0,  0,  1,  1,  1,  0,  0,  0,  1,  1,  0]
// CHECK: [-3,  2,  0,  7,  5,  5,  nan,  -2]
// Row 0: {1,2} {0,3} -> 0b1100'1001 = 201; row 1: {0,1} {1,2} -> 0b1001'0100 = 148.
// CHECK: [201,  148]
// 1:2 along K of each column: pairs (1,-2), (0,4), (0.5,0.5) tie, (inf,6);
// (0,3), (0,4) tie, (-0.25,0.25) tie, (1,0).
// CHECK: [0,  0,  -2,  3,  0,  0,  4,  4,  0.5,  -0.25,  0,  0,  inf,  1,  0,  0]
// One index bit per pair, first pair in bit 0: both columns keep the second
// element of their first two pairs and the first of the last two: 0b0011.
// CHECK: [3,  3]
// w as 4x4 [[1,-3,2,.5],[0,0,0,7],[5,5,5,5],[1,nan,-2,0]], two per row and
// column: the NaN stays and the finite magnitude kept is the largest, 24 (as
// an exhaustive search over the 90 patterns finds).
// CHECK: [0,  -3,  2,  0,  0,  0,  0,  7,  5,  0,  0,  5,  0,  nan,  -2,  0]
