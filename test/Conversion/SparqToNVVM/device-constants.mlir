// RUN: sparq-opt %s --convert-sparq-to-nvvm=chip=sm_89 | FileCheck %s
// RUN: sparq-opt %s --sparq-gpu-pipeline=chip=sm_89 | FileCheck %s --check-prefix=LLVM

// Constant operands (a compressed weight: values and metadata; a scale)
// cross PCIe once per program, not once per product: each has a module slot
// that its first use fills and a module destructor frees. A loop of
// products copies only the activation in and the result out.

// CHECK: llvm.mlir.global internal @sparq_device_constant_0() {{.*}} : !llvm.ptr
// CHECK: llvm.mlir.zero
// CHECK: llvm.mlir.global internal @sparq_device_constant_1()
// CHECK: llvm.mlir.global internal @sparq_device_constant_2()
// CHECK-NOT: llvm.mlir.global internal @sparq_device_constant_3()

// The caller passes each constant's host buffer and its slot; nothing in
// the loop touches the device.
// CHECK-LABEL: func.func @loop(
// CHECK: scf.for
// CHECK-NOT: gpu.
// CHECK-DAG: %[[S0:.*]] = llvm.mlir.addressof @sparq_device_constant_0
// CHECK-DAG: %[[S1:.*]] = llvm.mlir.addressof @sparq_device_constant_1
// CHECK-DAG: %[[S2:.*]] = llvm.mlir.addressof @sparq_device_constant_2
// CHECK-NOT: gpu.
// CHECK: call @[[LAUNCH:sparq_launch_sparq_mm_sp8_.*_c0111]](%{{.*}}, %{{.*}}, %[[S0]], %[[S1]], %[[S2]])
// CHECK-NOT: gpu.
// CHECK: scf.yield
// The second product on the same weight shares its slots.
// CHECK: llvm.mlir.addressof @sparq_device_constant_0
// CHECK-NOT: llvm.mlir.global
// CHECK: call @[[LAUNCH]](
// CHECK: return

// The destructor frees every slot.
// CHECK: llvm.func internal @sparq_free_device_constants()
// CHECK-COUNT-3: llvm.call @mgpuMemFree
// CHECK: llvm.mlir.global_dtors dtors = [@sparq_free_device_constants]

// The launch function: each constant is uploaded under a test of its slot
// (alloc, copy, wait, record the pointer), then read through it; the
// activation is the only operand copied per call, the result the only one
// copied back.
// CHECK: func.func private @[[LAUNCH]](%{{.*}}: memref<?x?x?xf8E4M3FN>, %[[V:.*]]: memref<?x?x?xf8E4M3FN>, %[[M:.*]]: memref<?x?x?xi16>, %[[SC:.*]]: memref<?xf32>, %[[OUT:.*]]: memref<?x?x?xf8E4M3FN>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[P0:.*]]: !llvm.ptr, %[[P1:.*]]: !llvm.ptr, %[[P2:.*]]: !llvm.ptr)
// CHECK: %[[C0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[E0:.*]] = llvm.icmp "eq" %[[C0]]
// CHECK: scf.if %[[E0]] {
// CHECK: gpu.alloc async
// CHECK: gpu.memcpy async [%{{.*}}] %{{.*}}, %[[V]]
// CHECK: llvm.store %{{.*}}, %[[P0]]
// CHECK: }
// CHECK: llvm.load %[[P0]]
// CHECK: builtin.unrealized_conversion_cast %{{.*}} to memref<?x?x?xf8E4M3FN>
// CHECK: scf.if
// CHECK: gpu.memcpy async [%{{.*}}] %{{.*}}, %[[M]]
// CHECK: llvm.store %{{.*}}, %[[P1]]
// CHECK: scf.if
// CHECK: gpu.memcpy async [%{{.*}}] %{{.*}}, %[[SC]]
// CHECK: llvm.store %{{.*}}, %[[P2]]
// CHECK: gpu.wait async
// CHECK: gpu.alloc async
// CHECK: gpu.memcpy
// CHECK: gpu.alloc async
// CHECK-NOT: gpu.alloc
// CHECK-NOT: gpu.memcpy
// CHECK: gpu.launch_func
// CHECK: gpu.memcpy async [%{{.*}}] %[[OUT]]
// CHECK-NOT: gpu.memcpy
// CHECK-COUNT-2: gpu.dealloc
// CHECK-NOT: gpu.dealloc
// CHECK: return

// After the whole pipeline: the loop calls no GPU runtime function, the
// launch function copies five times (three first-use uploads, the
// activation, the result) and frees only its two per-call buffers.
// LLVM-LABEL: llvm.func @loop(
// LLVM-NOT: @mgpu
// LLVM: llvm.call @sparq_launch_
// LLVM-NOT: @mgpu
// LLVM: llvm.return
// LLVM: llvm.mlir.global_dtors dtors = [@sparq_free_device_constants]
// LLVM: llvm.func @sparq_launch_
// LLVM-COUNT-5: llvm.call @mgpuMemcpy
// LLVM-NOT: llvm.call @mgpuMemcpy
// LLVM-COUNT-2: llvm.call @mgpuMemFree
// LLVM-NOT: llvm.call @mgpuMemFree
// LLVM: llvm.return
func.func @loop(%x0: tensor<16x64xf8E4M3FN>, %steps: index) -> tensor<16x64xf8E4M3FN> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %w = arith.constant dense<0.0> : tensor<64x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  %s = arith.constant dense<2.0> : tensor<64xf32>
  %r = scf.for %i = %c0 to %steps step %c1 iter_args(%x = %x0) -> tensor<16x64xf8E4M3FN> {
    %y = sparq.matmul %x, %w rhs_scale %s : tensor<64xf32> : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<16x64xf8E4M3FN>
    scf.yield %y : tensor<16x64xf8E4M3FN>
  }
  %z = sparq.matmul %r, %w rhs_scale %s : tensor<64xf32> : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<16x64xf8E4M3FN>
  return %z : tensor<16x64xf8E4M3FN>
}
