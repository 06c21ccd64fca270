// The products of constants.mlir with host-copies=false, written as a
// compiler that owns device memory writes them: gpu.alloc, one copy in,
// four products from buffer to buffer (the intermediates never leave the
// device), one copy out, gpu.dealloc. Its output must equal constants.mlir's
// on the CPU runtime, bit for bit.
// REQUIRES: cuda-gpu
// RUN: cat %S/Inputs/common.mlir.inc %S/constants.mlir | sparq-opt --sparq-cpu-pipeline | %sparq-run | %strip-addresses > %t.cpu
// RUN: cat %S/Inputs/common.mlir.inc %s \
// RUN:   | sparq-opt --sparq-gpu-pipeline="chip=%gpu-chip format=bin toolkit=%cuda-toolkit host-copies=false" \
// RUN:   | %sparq-run-gpu | %strip-addresses > %t.gpu
// RUN: diff %t.cpu %t.gpu

func.func @main() {
  %x0 = call @input() : () -> tensor<24x32xf8E4M3FN>
  %xh = bufferization.to_buffer %x0 read_only : tensor<24x32xf8E4M3FN> to memref<24x32xf8E4M3FN>
  %t0 = gpu.wait async
  %a, %t1 = gpu.alloc async [%t0] () : memref<24x32xf8E4M3FN>
  %b, %t2 = gpu.alloc async [%t1] () : memref<24x32xf8E4M3FN>
  %t3 = gpu.memcpy async [%t2] %a, %xh : memref<24x32xf8E4M3FN>, memref<24x32xf8E4M3FN>
  gpu.wait [%t3]

  %d = arith.constant dense<"0xC40000004400B8004000C0003800C40000004400B8004000C0003800C400000000C0003800C40000004400B8004000C0003800C40000004400B8004000C000384400B8004000C0003800C40000004400B8004000C0003800C40000004400B80000C40000004400B8004000C0003800C40000004400B8004000C0003800C400000000004400B8004000C0003800C40000004400B8004000C0003800C400000044C0003800C40000004400B8004000C0003800C40000004400B8004000C000380000B8004000C0003800C40000004400B8004000C0003800C40000004400B80040C40000004400B8004000C0003800C40000004400B8004000C0003800C400000000004400B8004000C0003800C40000004400B8004000C0003800C40000004400003800C40000004400B8004000C0003800C40000004400B8004000C0003800C4B8004000C0003800C40000004400B8004000C0003800C40000004400B80040000000004400B8004000C0003800C40000004400B8004000C0003800C400000044004400B8004000C0003800C40000004400B8004000C0003800C40000004400B83800C40000004400B8004000C0003800C40000004400B8004000C0003800C400004000C0003800C40000004400B8004000C0003800C40000004400B8004000C000004400B8004000C0003800C40000004400B8004000C0003800C400000044004400B8004000C0003800C40000004400B8004000C0003800C40000004400B80000C40000004400B8004000C0003800C40000004400B8004000C0003800C400004000C0003800C40000004400B8004000C0003800C40000004400B8004000C000004400B8004000C0003800C40000004400B8004000C0003800C40000004400B800B8004000C0003800C40000004400B8004000C0003800C40000004400B80040C40000004400B8004000C0003800C40000004400B8004000C0003800C400000000C0003800C40000004400B8004000C0003800C40000004400B8004000C000384400B8004000C0003800C40000004400B8004000C0003800C40000004400B800B8004000C0003800C40000004400B8004000C0003800C40000004400B80040000000004400B8004000C0003800C40000004400B8004000C0003800C400000044C0003800C40000004400B8004000C0003800C40000004400B8004000C000380000B8004000C0003800C40000004400B8004000C0003800C40000004400B80040004000C0003800C40000004400B8004000C0003800C40000004400B8004000C000004400B8004000C0003800C40000004400B8004000C0003800C40000004400003800C40000004400B8004000C0003800C40000004400B8004000C0003800C4B8004000C0003800C40000004400B8004000C0003800C40000004400B8004000"> : tensor<32x32xf8E4M3FN>
  %w = sparq.compress %d : tensor<32x32xf8E4M3FN> -> tensor<32x32xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  %s = arith.constant dense<8.0> : tensor<32xf32>
  // a -> b -> a -> b -> a
  %a1 = bufferization.to_tensor %a restrict : memref<24x32xf8E4M3FN> to tensor<24x32xf8E4M3FN>
  %y1 = sparq.matmul %a1, %w rhs_scale %s : tensor<32xf32>
      : tensor<24x32xf8E4M3FN>, tensor<32x32xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<24x32xf8E4M3FN>
  bufferization.materialize_in_destination %y1 in restrict writable %b : (tensor<24x32xf8E4M3FN>, memref<24x32xf8E4M3FN>) -> ()
  %b1 = bufferization.to_tensor %b restrict : memref<24x32xf8E4M3FN> to tensor<24x32xf8E4M3FN>
  %y2 = sparq.matmul %b1, %w rhs_scale %s : tensor<32xf32>
      : tensor<24x32xf8E4M3FN>, tensor<32x32xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<24x32xf8E4M3FN>
  bufferization.materialize_in_destination %y2 in restrict writable %a : (tensor<24x32xf8E4M3FN>, memref<24x32xf8E4M3FN>) -> ()
  %a2 = bufferization.to_tensor %a restrict : memref<24x32xf8E4M3FN> to tensor<24x32xf8E4M3FN>
  %y3 = sparq.matmul %a2, %w rhs_scale %s : tensor<32xf32>
      : tensor<24x32xf8E4M3FN>, tensor<32x32xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<24x32xf8E4M3FN>
  bufferization.materialize_in_destination %y3 in restrict writable %b : (tensor<24x32xf8E4M3FN>, memref<24x32xf8E4M3FN>) -> ()
  %b2 = bufferization.to_tensor %b restrict : memref<24x32xf8E4M3FN> to tensor<24x32xf8E4M3FN>
  %y4 = sparq.matmul %b2, %w rhs_scale %s : tensor<32xf32>
      : tensor<24x32xf8E4M3FN>, tensor<32x32xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<24x32xf8E4M3FN>
  bufferization.materialize_in_destination %y4 in restrict writable %a : (tensor<24x32xf8E4M3FN>, memref<24x32xf8E4M3FN>) -> ()

  %yh = memref.alloc() : memref<24x32xf8E4M3FN>
  %t4 = gpu.wait async
  %t5 = gpu.memcpy async [%t4] %yh, %a : memref<24x32xf8E4M3FN>, memref<24x32xf8E4M3FN>
  %t6 = gpu.dealloc async [%t5] %a : memref<24x32xf8E4M3FN>
  %t7 = gpu.dealloc async [%t6] %b : memref<24x32xf8E4M3FN>
  gpu.wait [%t7]
  %y = bufferization.to_tensor %yh restrict : memref<24x32xf8E4M3FN> to tensor<24x32xf8E4M3FN>
  call @print_bits(%y) : (tensor<24x32xf8E4M3FN>) -> ()
  memref.dealloc %yh : memref<24x32xf8E4M3FN>
  return
}
