// host-copies=false lowers products on device buffers only: anything else
// is a located error, before anything is rewritten.
// RUN: sparq-opt %s --split-input-file --verify-diagnostics --convert-sparq-to-nvvm="chip=sm_89 host-copies=false"

// Host memory only.
func.func @host(%b: memref<32x8xf8E4M3FN>, %c: memref<16x8xf32>) {
  // expected-note @below {{allocated here}}
  %a = memref.alloc() : memref<16x32xf8E4M3FN>
  %at = bufferization.to_tensor %a restrict : memref<16x32xf8E4M3FN> to tensor<16x32xf8E4M3FN>
  %bt = arith.constant dense<1.0> : tensor<32x8xf8E4M3FN>
  // expected-error @below {{with host-copies=false needs its lhs in device memory; it is in host memory (memref.alloc)}}
  %r = sparq.matmul %at, %bt : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  bufferization.materialize_in_destination %r in restrict writable %c : (tensor<16x8xf32>, memref<16x8xf32>) -> ()
  return
}

// -----

// Host and device memory mixed in one product.
func.func @mixed(%c: memref<16x8xf32> {sparq.device}) {
  %t0 = gpu.wait async
  %a, %t1 = gpu.alloc async [%t0] () : memref<16x32xf8E4M3FN>
  gpu.wait [%t1]
  // expected-note @below {{allocated here}}
  %b = memref.get_global @weights : memref<32x8xf8E4M3FN>
  %at = bufferization.to_tensor %a restrict : memref<16x32xf8E4M3FN> to tensor<16x32xf8E4M3FN>
  %bt = bufferization.to_tensor %b restrict : memref<32x8xf8E4M3FN> to tensor<32x8xf8E4M3FN>
  // expected-error @below {{mixes host and device memory: its rhs is in host memory (memref.get_global) while its result destination is in device memory}}
  %r = sparq.matmul %at, %bt : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  bufferization.materialize_in_destination %r in restrict writable %c : (tensor<16x8xf32>, memref<16x8xf32>) -> ()
  return
}
memref.global "private" constant @weights : memref<32x8xf8E4M3FN> = dense<1.0>

// -----

// A result written to host memory.
func.func @host_result(%a: memref<16x32xf8E4M3FN> {sparq.device}, %b: memref<32x8xf8E4M3FN> {sparq.device}) {
  // expected-note @below {{allocated here}}
  %c = memref.alloca() : memref<16x8xf32>
  %at = bufferization.to_tensor %a restrict : memref<16x32xf8E4M3FN> to tensor<16x32xf8E4M3FN>
  %bt = bufferization.to_tensor %b restrict : memref<32x8xf8E4M3FN> to tensor<32x8xf8E4M3FN>
  // expected-error @below {{mixes host and device memory: its result destination is in host memory (memref.alloca) while its rhs is in device memory}}
  %r = sparq.matmul %at, %bt : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  bufferization.materialize_in_destination %r in restrict writable %c : (tensor<16x8xf32>, memref<16x8xf32>) -> ()
  return
}

// -----

// Another address space.
func.func @shared(%a: memref<16x32xf8E4M3FN, #gpu.address_space<workgroup>>, %b: memref<32x8xf8E4M3FN> {sparq.device}, %c: memref<16x8xf32> {sparq.device}) {
  %at = bufferization.to_tensor %a restrict : memref<16x32xf8E4M3FN, #gpu.address_space<workgroup>> to tensor<16x32xf8E4M3FN>
  %bt = bufferization.to_tensor %b restrict : memref<32x8xf8E4M3FN> to tensor<32x8xf8E4M3FN>
  // expected-error @below {{needs its lhs in global device memory; it is in memory space #gpu.address_space<workgroup>}}
  %r = sparq.matmul %at, %bt : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  bufferization.materialize_in_destination %r in restrict writable %c : (tensor<16x8xf32>, memref<16x8xf32>) -> ()
  return
}

// -----

// A strided view: kernels take contiguous rows.
func.func @strided(%a: memref<16x64xf8E4M3FN> {sparq.device}, %b: memref<32x8xf8E4M3FN> {sparq.device}, %c: memref<16x8xf32> {sparq.device}) {
  %v = memref.subview %a[0, 0] [16, 32] [1, 2] : memref<16x64xf8E4M3FN> to memref<16x32xf8E4M3FN, strided<[64, 2]>>
  %at = bufferization.to_tensor %v restrict : memref<16x32xf8E4M3FN, strided<[64, 2]>> to tensor<16x32xf8E4M3FN>
  %bt = bufferization.to_tensor %b restrict : memref<32x8xf8E4M3FN> to tensor<32x8xf8E4M3FN>
  // expected-error @below {{needs its lhs contiguous and row-major (an identity layout); it has strided<[64, 2]>}}
  %r = sparq.matmul %at, %bt : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  bufferization.materialize_in_destination %r in restrict writable %c : (tensor<16x8xf32>, memref<16x8xf32>) -> ()
  return
}

// -----

// A buffer of unknown origin (an unmarked argument), a tensor computed on
// the host.
func.func @unknown(%a: memref<16x32xf8E4M3FN>, %b: tensor<32x8xf8E4M3FN>, %c: memref<16x8xf32> {sparq.device}) {
  %at = bufferization.to_tensor %a restrict : memref<16x32xf8E4M3FN> to tensor<16x32xf8E4M3FN>
  // expected-error @below {{with host-copies=false needs its lhs in device memory: a constant, or bufferization.to_tensor of a buffer from gpu.alloc, in #gpu.address_space<global> or a function argument marked sparq.device}}
  %r = sparq.matmul %at, %b : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  bufferization.materialize_in_destination %r in restrict writable %c : (tensor<16x8xf32>, memref<16x8xf32>) -> ()
  return
}

// -----

// A 2:4 operand that is no constant.
func.func @encoded(%a: tensor<16x64xf8E4M3FN, #sparq.nm<2:4>>, %b: memref<64x8xf8E4M3FN> {sparq.device}, %c: memref<16x8xf32> {sparq.device}) {
  %bt = bufferization.to_tensor %b restrict : memref<64x8xf8E4M3FN> to tensor<64x8xf8E4M3FN>
  // expected-error @below {{with host-copies=false takes a 2:4 lhs only as a constant (uploaded to the device once); compress the weight at compile time}}
  %r = sparq.matmul %a, %bt : tensor<16x64xf8E4M3FN, #sparq.nm<2:4>>, tensor<64x8xf8E4M3FN> -> tensor<16x8xf32>
  bufferization.materialize_in_destination %r in restrict writable %c : (tensor<16x8xf32>, memref<16x8xf32>) -> ()
  return
}

// -----

// A result that is not stored into a buffer.
func.func @returned(%a: memref<16x32xf8E4M3FN> {sparq.device}, %b: memref<32x8xf8E4M3FN> {sparq.device}) -> tensor<16x8xf32> {
  %at = bufferization.to_tensor %a restrict : memref<16x32xf8E4M3FN> to tensor<16x32xf8E4M3FN>
  %bt = bufferization.to_tensor %b restrict : memref<32x8xf8E4M3FN> to tensor<32x8xf8E4M3FN>
  // expected-error @below {{with host-copies=false must have one use, a bufferization.materialize_in_destination into a device buffer (the kernel writes the result there)}}
  %r = sparq.matmul %at, %bt : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}
