// RUN: sparq-opt %s --convert-sparq-to-nvvm="chip=sm_89 host-copies=false" --canonicalize --cse | FileCheck %s
// RUN: sparq-opt %s --convert-sparq-to-nvvm="chip=sm_90a kernels=wgmma host-copies=false" --canonicalize | FileCheck %s --check-prefix=HOPPER

// host-copies=false, as an ML compiler that owns device memory uses it: it
// allocates with gpu.alloc, copies its input once, hands sparq.matmul views
// of its device buffers (bufferization.to_tensor) and stores each result
// into one (bufferization.materialize_in_destination). Each product becomes
// its kernel's launch on those buffers: no allocation, no copy, no launch
// function. The intermediate %h stays on the device; the constant weights
// and scale are uploaded once per program (device-constants.mlir).

// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[XH:.*]]: memref<16x64xf8E4M3FN>, %[[YH:.*]]: memref<16x32xf32>)
// CHECK: %[[X:.*]], %{{.*}} = gpu.alloc async {{.*}} : memref<16x64xf8E4M3FN>
// CHECK: %[[H:.*]], %{{.*}} = gpu.alloc async {{.*}} : memref<16x64xf8E4M3FN>
// CHECK: %[[Y:.*]], %{{.*}} = gpu.alloc async {{.*}} : memref<16x32xf32>
// CHECK: gpu.memcpy async [%{{.*}}] %[[X]], %[[XH]]
// CHECK-NOT: memref.alloc
// The first product: weight values, metadata and scale from their slots.
// CHECK: %[[X3:.*]] = memref.expand_shape %[[X]] {{.*}} into memref<1x16x64xf8E4M3FN>
// CHECK: %[[XD:.*]] = memref.cast %[[X3]] : memref<1x16x64xf8E4M3FN> to memref<?x?x?xf8E4M3FN>
// CHECK: scf.if
// CHECK: llvm.store %{{.*}}, %{{.*}} : !llvm.ptr, !llvm.ptr
// CHECK: %[[WV:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<?x?x?xf8E4M3FN>
// CHECK: %[[WM:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<?x?x?xi16>
// CHECK: %[[S:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<f32>
// CHECK: %[[H3:.*]] = memref.expand_shape %[[H]]
// CHECK: %[[HD:.*]] = memref.cast %[[H3]]
// CHECK-NOT: gpu.memcpy
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK-NEXT: %[[T1:.*]] = gpu.launch_func async [%[[T0]]] @sparq_kernels::@sparq_mm_sp8_{{.*}} args(%[[XD]] : memref<?x?x?xf8E4M3FN>, %[[WV]] : memref<?x?x?xf8E4M3FN>, %[[WM]] : memref<?x?x?xi16>, %[[S]] : memref<f32>, %[[HD]] : memref<?x?x?xf8E4M3FN>,
// CHECK-NEXT: gpu.wait [%[[T1]]]
// The second product reads %h where the first wrote it (the only copy is
// the weight's first-use upload).
// CHECK-NOT: gpu.memcpy {{.*}}%[[H]]
// CHECK: %[[W2:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<?x?x?xf8E4M3FN>
// CHECK: %[[Y3:.*]] = memref.expand_shape %[[Y]]
// CHECK: %[[YD:.*]] = memref.cast %[[Y3]]
// CHECK-NOT: gpu.memcpy
// The multistage kernel reads the rhs K-major: a scratch copy per call.
// CHECK: %[[W2T:.*]], %{{.*}} = gpu.alloc async {{.*}} : memref<?x?x?xf8E4M3FN>
// CHECK: gpu.launch_func async {{.*}} @sparq_kernels::@sparq_transpose_f8E4M3FN {{.*}} args(%[[W2]] : memref<?x?x?xf8E4M3FN>, %[[W2T]] : memref<?x?x?xf8E4M3FN>)
// CHECK-NEXT: gpu.launch_func async [%{{.*}}] @sparq_kernels::@sparq_mp_dense_{{.*}} args(%[[HD]] : memref<?x?x?xf8E4M3FN>, %[[W2T]] : memref<?x?x?xf8E4M3FN>, %[[YD]] : memref<?x?x?xf32>,
// CHECK-NEXT: gpu.dealloc async {{.*}} %[[W2T]]
// CHECK-NEXT: gpu.wait
// CHECK-NOT: sparq.matmul
// CHECK-NOT: bufferization.materialize_in_destination
// CHECK: gpu.memcpy async [%{{.*}}] %[[YH]], %[[Y]]
// CHECK-NOT: gpu.memcpy
// CHECK: return

// sm_90a: the launch sequence adds the rhs's K-major copy (a per-call
// scratch buffer, freed on the same stream) and the TMA tensor maps.
// HOPPER-LABEL: func.func @forward(
// HOPPER: builtin.unrealized_conversion_cast {{.*}} to memref<f32>
// HOPPER: %[[SCRATCH:.*]], %[[T1:.*]] = gpu.alloc async [%{{.*}}] (%{{.*}}, %{{.*}}, %{{.*}}) : memref<?x?x?xf8E4M3FN>
// HOPPER: gpu.launch_func async [%[[T1]]] @sparq_kernels::@sparq_transpose_f8E4M3FN {{.*}} args(%{{.*}} : memref<?x?x?xf8E4M3FN>, %[[SCRATCH]] : memref<?x?x?xf8E4M3FN>)
// HOPPER: call @sparqTensorMapCreate
// HOPPER: call @sparqTensorMapCreate
// HOPPER: gpu.launch_func async {{.*}} @sparq_kernels::@sparq_wg_
// HOPPER: gpu.dealloc async {{.*}} %[[SCRATCH]]
// HOPPER: gpu.wait
// HOPPER: call @sparqTensorMapDestroy
// HOPPER: call @sparqTensorMapDestroy
func.func @forward(%x_host: memref<16x64xf8E4M3FN>, %y_host: memref<16x32xf32>) {
  %t0 = gpu.wait async
  %x, %t1 = gpu.alloc async [%t0] () : memref<16x64xf8E4M3FN>
  %h, %t2 = gpu.alloc async [%t1] () : memref<16x64xf8E4M3FN>
  %y, %t3 = gpu.alloc async [%t2] () : memref<16x32xf32>
  %t4 = gpu.memcpy async [%t3] %x, %x_host : memref<16x64xf8E4M3FN>, memref<16x64xf8E4M3FN>
  gpu.wait [%t4]
  %w1 = arith.constant dense<0.0> : tensor<64x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  %w2 = arith.constant dense<1.0> : tensor<64x32xf8E4M3FN>
  %s = arith.constant dense<2.0> : tensor<f32>
  %xt = bufferization.to_tensor %x restrict : memref<16x64xf8E4M3FN> to tensor<16x64xf8E4M3FN>
  %h0 = sparq.matmul %xt, %w1 out_scale %s : tensor<f32> : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<16x64xf8E4M3FN>
  bufferization.materialize_in_destination %h0 in restrict writable %h : (tensor<16x64xf8E4M3FN>, memref<16x64xf8E4M3FN>) -> ()
  %ht = bufferization.to_tensor %h restrict : memref<16x64xf8E4M3FN> to tensor<16x64xf8E4M3FN>
  %y0 = sparq.matmul %ht, %w2 : tensor<16x64xf8E4M3FN>, tensor<64x32xf8E4M3FN> -> tensor<16x32xf32>
  bufferization.materialize_in_destination %y0 in restrict writable %y : (tensor<16x32xf32>, memref<16x32xf32>) -> ()
  %t5 = gpu.wait async
  %t6 = gpu.memcpy async [%t5] %y_host, %y : memref<16x32xf32>, memref<16x32xf32>
  %t7 = gpu.dealloc async [%t6] %x : memref<16x64xf8E4M3FN>
  %t8 = gpu.dealloc async [%t7] %h : memref<16x64xf8E4M3FN>
  %t9 = gpu.dealloc async [%t8] %y : memref<16x32xf32>
  gpu.wait [%t9]
  return
}

// Device buffers the caller passes in: a function argument marked
// sparq.device, or one in #gpu.address_space<global> (cast to the default
// space the kernels take); batched and dynamic sizes.
// CHECK-LABEL: func.func @arguments(
// CHECK-SAME: %[[A:.*]]: memref<?x?x64xf8E4M3FN> {sparq.device}, %[[B:.*]]: memref<?x64x?xf8E5M2, #gpu.address_space<global>>, %[[C:.*]]: memref<?x?x?xf32, #gpu.address_space<global>>)
// CHECK-DAG: %[[AD:.*]] = memref.cast %[[A]] : memref<?x?x64xf8E4M3FN> to memref<?x?x?xf8E4M3FN>
// CHECK-DAG: %[[BS:.*]] = memref.memory_space_cast %[[B]] : memref<?x64x?xf8E5M2, #gpu.address_space<global>> to memref<?x64x?xf8E5M2>
// CHECK-DAG: %[[BD:.*]] = memref.cast %[[BS]]
// CHECK-DAG: %[[CD:.*]] = memref.memory_space_cast %[[C]] : memref<?x?x?xf32, #gpu.address_space<global>> to memref<?x?x?xf32>
// CHECK: %[[BT:.*]], %{{.*}} = gpu.alloc async {{.*}} : memref<?x?x?xf8E5M2>
// CHECK: gpu.launch_func async {{.*}} @sparq_kernels::@sparq_transpose_f8E5M2 {{.*}} args(%[[BD]] : memref<?x?x?xf8E5M2>, %[[BT]] : memref<?x?x?xf8E5M2>)
// CHECK: gpu.launch_func async {{.*}} args(%[[AD]] : memref<?x?x?xf8E4M3FN>, %[[BT]] : memref<?x?x?xf8E5M2>, %[[CD]] : memref<?x?x?xf32>,
// CHECK-NEXT: gpu.dealloc async {{.*}} %[[BT]]
// CHECK-NOT: gpu.alloc
// CHECK-NOT: gpu.memcpy
// CHECK: return
func.func @arguments(%a: memref<?x?x64xf8E4M3FN> {sparq.device}, %b: memref<?x64x?xf8E5M2, #gpu.address_space<global>>, %c: memref<?x?x?xf32, #gpu.address_space<global>>) {
  %at = bufferization.to_tensor %a restrict : memref<?x?x64xf8E4M3FN> to tensor<?x?x64xf8E4M3FN>
  %bt = bufferization.to_tensor %b restrict : memref<?x64x?xf8E5M2, #gpu.address_space<global>> to tensor<?x64x?xf8E5M2>
  %r = sparq.matmul %at, %bt : tensor<?x?x64xf8E4M3FN>, tensor<?x64x?xf8E5M2> -> tensor<?x?x?xf32>
  bufferization.materialize_in_destination %r in restrict writable %c : (tensor<?x?x?xf32>, memref<?x?x?xf32, #gpu.address_space<global>>) -> ()
  return
}
