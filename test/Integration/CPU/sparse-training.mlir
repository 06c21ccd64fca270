// Sparse training in the manner of "Search Spaces for Neural Model Training":
// the dense weights are the search space; every step, --sparq-prune's run-time
// prune recomputes the 2:4 mask from them, the forward product runs on the
// pruned weight, and SGD updates all dense weights (straight-through). The
// target needs the two channels of each group that the initial mask drops, so
// the mask must move for the loss to fall.
// RUN: sparq-opt %s --sparq-prune | FileCheck %s --check-prefix=IR
// RUN: sparq-opt %s --sparq-prune --sparq-cpu-pipeline | %sparq-run | FileCheck %s

// The prune sits at the top of the step, on the latest dense weights.
// IR-LABEL: func @step
// IR-SAME: (%[[W:.*]]: tensor<8x4xf32>
// IR-NEXT: %[[P:.*]] = sparq.prune %[[W]] <2:4, dim = 0> : tensor<8x4xf32>
// IR: sparq.compress %[[P]]
// IR: sparq.matmul
// The weight gradient and the update stay dense, on the dense weights.
// IR: linalg.matmul
// IR: linalg.generic
// IR-SAME: ins(%[[W]],

// CHECK: loss fell:
// CHECK-NEXT: {{^}}[1]
// The first group of each column moves from channels {0, 1} to {2, 3} (4
// entries), the second from {4, 5} to {5, 6} (2): 6 per column.
// CHECK: mask entries changed:
// CHECK-NEXT: {{^}}[24]
// The final mask keeps channels 2 and 3, then 1 and 2 (where W* is 1, 0.8):
// CHECK: [0,  0,  0,  0],
// CHECK-NEXT: [0,  0,  0,  0],
// CHECK-NEXT: [1,  1,  1,  1],
// CHECK-NEXT: [1,  1,  1,  1],
// CHECK-NEXT: [0,  0,  0,  0],
// CHECK-NEXT: [1,  1,  1,  1],
// CHECK-NEXT: [1,  1,  1,  1],
// CHECK-NEXT: [0,  0,  0,  0]]

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func private @printMemrefI32(tensor<*xi32>)
func.func private @printString(!llvm.ptr)

func.func @loss(%w: tensor<8x4xf32>, %x: tensor<16x8xf32>, %t: tensor<16x4xf32>) -> f32 {
  %p = sparq.prune %w <2:4, dim = 0> : tensor<8x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<16x4xf32>) -> tensor<16x4xf32>
  %y = linalg.matmul {sparq.skip} ins(%x, %p : tensor<16x8xf32>, tensor<8x4xf32>) outs(%init : tensor<16x4xf32>) -> tensor<16x4xf32>
  %d = linalg.sub ins(%y, %t : tensor<16x4xf32>, tensor<16x4xf32>) outs(%e : tensor<16x4xf32>) -> tensor<16x4xf32>
  %s = tensor.empty() : tensor<f32>
  %si = linalg.fill ins(%zero : f32) outs(%s : tensor<f32>) -> tensor<f32>
  %sum = linalg.generic {indexing_maps = [#id, affine_map<(d0, d1) -> ()>],
                         iterator_types = ["reduction", "reduction"]}
      ins(%d : tensor<16x4xf32>) outs(%si : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %v = tensor.extract %sum[] : tensor<f32>
  return %v : f32
}

func.func @step(%w: tensor<8x4xf32>, %x: tensor<16x8xf32>, %t: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %lr = arith.constant 0.01 : f32
  %e = tensor.empty() : tensor<16x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<16x4xf32>) -> tensor<16x4xf32>
  // Forward on the weight (pruned by the pass).
  %y = linalg.matmul {sparq.weight_operand = 1}
      ins(%x, %w : tensor<16x8xf32>, tensor<8x4xf32>) outs(%init : tensor<16x4xf32>) -> tensor<16x4xf32>
  %dy = linalg.sub ins(%y, %t : tensor<16x4xf32>, tensor<16x4xf32>) outs(%e : tensor<16x4xf32>) -> tensor<16x4xf32>
  // dW = X^T dY, and the SGD update of the dense weights.
  %ew = tensor.empty() : tensor<8x4xf32>
  %initw = linalg.fill ins(%zero : f32) outs(%ew : tensor<8x4xf32>) -> tensor<8x4xf32>
  %dw = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>,
                                       affine_map<(m, n, k) -> (k, n)>,
                                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %dy : tensor<16x8xf32>, tensor<16x4xf32>) outs(%initw : tensor<8x4xf32>) -> tensor<8x4xf32>
  %next = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %dw : tensor<8x4xf32>, tensor<8x4xf32>) outs(%ew : tensor<8x4xf32>) {
  ^bb0(%a: f32, %g: f32, %o: f32):
    %s = arith.mulf %lr, %g : f32
    %r = arith.subf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  return %next : tensor<8x4xf32>
}

func.func @mask_bits(%w: tensor<8x4xf32>) -> tensor<8x4xi32> {
  %m = sparq.mask %w <2:4, dim = 0> : tensor<8x4xf32> -> tensor<8x4xi1>
  %e = tensor.empty() : tensor<8x4xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<8x4xi1>) outs(%e : tensor<8x4xi32>) {
  ^bb0(%a: i1, %o: i32):
    %c = arith.extui %a : i1 to i32
    linalg.yield %c : i32
  } -> tensor<8x4xi32>
  return %r : tensor<8x4xi32>
}

func.func @print_scalar(%v: i32) {
  %t = tensor.from_elements %v : tensor<1xi32>
  %u = tensor.cast %t : tensor<1xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

llvm.mlir.global internal constant @loss_fell("loss fell: \00")
llvm.mlir.global internal constant @changed("mask entries changed: \00")

func.func @main() {
  %x = arith.constant dense<"0x6B9E0240049023C00D11D63E595911BFA6C1E7BE81C55CBE744701C0AE7F6DBE9B7E5DBF06AC54409B34673E068CB4BEE80490BE16052BBF2C0F87BF1117C8BE8CC1F63E664774BEAD2F753FEE984CBEFFBBC63C75DDC53F098C0B3FAC5601BF243A3BBEDB5F0A3FF7B0F73FAD0B8ABE726779BED04B803F0AEF62BF5B5C95BE13EE613FD291143F1C6DBB3DF68B2B3F9C0035C02FBA823F47AB75BF5695D5BF4C8A8D3EE956333F8FB8E3BEABC789BFBF03D63C900D58BDA4EAB33F21563F3F9C77463EFF498E3FA27452BEC1076DBFD884153F3D21153F1CFC5BBE256648BF52A76A3EF79B1FC004AC303F9F94FB3E12C6D1BFD14D7B3D3CCF76BF3DD9413FCC2F02C0501C6ABF09A7353FF304943FC31C0AC014FFFEBE40F2A73E97F51BBF199ACB3F1E7A98BF3685B53E273286BF98F6B33FEB5DB1BCA097BEBE7CEDDBBF0F46D73F19B6403F8FE9403F18A6913FD3CDB23EAAA523BF9CDC4CBFE8D94CBF885EAF3FC5EDBABFACAB18BF157AA4BE8802663E194A133F69E29FBF1571DDBF44A590BB0F569B3F8FCE413F8FD35C3E3962A2BEBA22963ED52C79BE7334513FE7604BBF3276093EB2E0E2BD9A190B3FA407663EC4332340EBD3BF3F1595BF3F3B8702C0FB3DAEBEE8CD1BBF7160083F92DB11C0F955963FE992883F42AAA6BF28827ABF9C194DBF0B57313DAE16243F91100340232F4ABE0C7B443FD9251F3E"> : tensor<16x8xf32>
  %w0 = arith.constant dense<"0x0000803F0000803F0000803F0000803F6666663F6666663F6666663F6666663FCDCCCC3DCDCCCC3DCDCCCC3DCDCCCC3DCDCC4C3DCDCC4C3DCDCC4C3DCDCC4C3D0000803F0000803F0000803F0000803F6666663F6666663F6666663F6666663FCDCCCC3DCDCCCC3DCDCCCC3DCDCCCC3DCDCC4C3DCDCC4C3DCDCC4C3DCDCC4C3D"> : tensor<8x4xf32>
  %t = arith.constant dense<"0x9D3321C09D3321C09D3321C09D3321C0774D94BF774D94BF774D94BF774D94BF8BE7883F8BE7883F8BE7883F8BE7883FA1FB403FA1FB403FA1FB403FA1FB403FFFDDC0BFFFDDC0BFFFDDC0BFFFDDC0BF702D433F702D433F702D433F702D433F6417CFBF6417CFBF6417CFBF6417CFBFD899F63ED899F63ED899F63ED899F63E9CC3AA3F9CC3AA3F9CC3AA3F9CC3AA3FBC8B16C0BC8B16C0BC8B16C0BC8B16C0DC74703EDC74703EDC74703EDC74703E66CC64C066CC64C066CC64C066CC64C0E2CEBE3FE2CEBE3FE2CEBE3FE2CEBE3FCE745240CE745240CE745240CE74524008EA96BD08EA96BD08EA96BD08EA96BDD48CAC3FD48CAC3FD48CAC3FD48CAC3F"> : tensor<16x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c30 = arith.constant 30 : index
  %w = scf.for %i = %c0 to %c30 step %c1 iter_args(%wi = %w0) -> (tensor<8x4xf32>) {
    %n = func.call @step(%wi, %x, %t) : (tensor<8x4xf32>, tensor<16x8xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
    scf.yield %n : tensor<8x4xf32>
  }
  %l0 = call @loss(%w0, %x, %t) : (tensor<8x4xf32>, tensor<16x8xf32>, tensor<16x4xf32>) -> f32
  %l1 = call @loss(%w, %x, %t) : (tensor<8x4xf32>, tensor<16x8xf32>, tensor<16x4xf32>) -> f32
  %fell = arith.cmpf olt, %l1, %l0 : f32
  %fell32 = arith.extui %fell : i1 to i32
  %s1 = llvm.mlir.addressof @loss_fell : !llvm.ptr
  call @printString(%s1) : (!llvm.ptr) -> ()
  call @print_scalar(%fell32) : (i32) -> ()

  %m0 = call @mask_bits(%w0) : (tensor<8x4xf32>) -> tensor<8x4xi32>
  %m1 = call @mask_bits(%w) : (tensor<8x4xf32>) -> tensor<8x4xi32>
  %zero = arith.constant 0 : i32
  %s = tensor.empty() : tensor<i32>
  %si = linalg.fill ins(%zero : i32) outs(%s : tensor<i32>) -> tensor<i32>
  %diff = linalg.generic {indexing_maps = [#id, #id, affine_map<(d0, d1) -> ()>],
                          iterator_types = ["reduction", "reduction"]}
      ins(%m0, %m1 : tensor<8x4xi32>, tensor<8x4xi32>) outs(%si : tensor<i32>) {
  ^bb0(%a: i32, %b: i32, %acc: i32):
    %x1 = arith.xori %a, %b : i32
    %r = arith.addi %acc, %x1 : i32
    linalg.yield %r : i32
  } -> tensor<i32>
  %dv = tensor.extract %diff[] : tensor<i32>
  %s2 = llvm.mlir.addressof @changed : !llvm.ptr
  call @printString(%s2) : (!llvm.ptr) -> ()
  call @print_scalar(%dv) : (i32) -> ()
  %u = tensor.cast %m1 : tensor<8x4xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}
