// --sparq-buffer-deallocation: upstream's ownership-based deallocation on
// every function but sparq's GPU launch functions, which upstream's pass
// refuses (gpu.wait declares no memory effects).
// RUN: sparq-opt %s --split-input-file --sparq-buffer-deallocation | FileCheck %s
// RUN: not sparq-opt %s --split-input-file --ownership-based-buffer-deallocation 2>&1 | FileCheck %s --check-prefix=UPSTREAM

// UPSTREAM: error: ops with unknown memory side effects are not supported

// The caller owns the result buffer it passes to the launch function and
// frees it once it is done with it; the launch function is left alone.
// CHECK-LABEL: func.func @caller(
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<4xf32>
// CHECK: call @launch(%[[OUT]])
// CHECK: %[[V:.*]] = memref.load %[[OUT]]
// CHECK: %[[BASE:[^,]*]], %{{.*}} = memref.extract_strided_metadata %[[OUT]]
// CHECK: bufferization.dealloc (%[[BASE]] : memref<f32>) if (%true{{[_0-9]*}})
// CHECK: return %[[V]]
// CHECK-LABEL: func.func private @launch(
// CHECK-NEXT: gpu.wait async
// CHECK-NOT: bufferization.dealloc
// CHECK: return
func.func @caller() -> f32 {
  %out = memref.alloc() : memref<4xf32>
  call @launch(%out) : (memref<4xf32>) -> ()
  %c0 = arith.constant 0 : index
  %v = memref.load %out[%c0] : memref<4xf32>
  return %v : f32
}

func.func private @launch(%out: memref<4xf32>) attributes {sparq.gpu_launch} {
  %t = gpu.wait async
  %d, %t1 = gpu.alloc async [%t] () : memref<4xf32>
  %t2 = gpu.memcpy async [%t1] %out, %d : memref<4xf32>, memref<4xf32>
  %t3 = gpu.dealloc async [%t2] %d : memref<4xf32>
  gpu.wait [%t3]
  return
}
