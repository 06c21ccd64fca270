// sparqTensorMapCreate refuses, before any driver call, arguments that
// cuTensorMapEncodeTiled (or sparq's dense layout) rules out, naming the
// rule. The driver stub stands in for a driver; nothing reaches it.
// REQUIRES: cuda-runtime, cuda-driver-stub
// RUN: rm -rf %t && mkdir -p %t && ln -s %cuda-driver-stub %t/libcuda.so.1
// RUN: sparq-opt %s --convert-to-llvm --reconcile-unrealized-casts > %t/checks.mlir
// The unchanged arguments pass every check and reach the driver (the stub,
// which fails cuInit).
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e valid 2>&1 | FileCheck %s --check-prefix=VALID
// VALID-NOT: sparqTensorMapCreate:
// VALID: sparq_cuda_runtime: cuInit(0) failed
// So do arbitrary strides of unit dimensions (a memref's are arbitrary): a
// single batch's stride 0, a single row's stride 0.
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e unit_batch 2>&1 | FileCheck %s --check-prefix=VALID
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e unit_row 2>&1 | FileCheck %s --check-prefix=VALID
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e element_bytes 2>&1 | FileCheck %s --check-prefix=ELEMENT
// ELEMENT: sparqTensorMapCreate: element size must be 1 or 2 bytes (elementBytes = 4)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e swizzle 2>&1 | FileCheck %s --check-prefix=SWIZZLE
// SWIZZLE: sparqTensorMapCreate: swizzle must be 0, 32, 64 or 128 bytes (swizzleBytes = 48)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e misaligned 2>&1 | FileCheck %s --check-prefix=ALIGN
// ALIGN: sparqTensorMapCreate: global address must be non-null and 16-byte aligned (base = 4104)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e null 2>&1 | FileCheck %s --check-prefix=NULL
// NULL: sparqTensorMapCreate: global address must be non-null and 16-byte aligned (base = 0)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e empty_dim 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: sparqTensorMapCreate: each dimension must be in [1, 2^32] elements (dim0 = 0)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e huge_dim 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: sparqTensorMapCreate: each dimension must be in [1, 2^32] elements (dim1 = 4294967297)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e stride_16 2>&1 | FileCheck %s --check-prefix=STRIDE16
// STRIDE16: sparqTensorMapCreate: byte strides must be positive multiples of 16 (strideBytes1 = 264)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e stride_big 2>&1 | FileCheck %s --check-prefix=STRIDEBIG
// STRIDEBIG: sparqTensorMapCreate: byte strides must be below 2^40 (strideBytes2 = 1099511627776)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e rows_overlap 2>&1 | FileCheck %s --check-prefix=ROWS
// ROWS: sparqTensorMapCreate: rows must not overlap (strideBytes1 >= dim0 * elementBytes) (strideBytes1 = 256)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e batches_overlap 2>&1 | FileCheck %s --check-prefix=BATCHES
// BATCHES: sparqTensorMapCreate: batches must not overlap (strideBytes2 >= strideBytes1 * dim1) (strideBytes2 = 256)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e box_big 2>&1 | FileCheck %s --check-prefix=BOXBIG
// BOXBIG: sparqTensorMapCreate: box dimensions must be in [1, 256] (box1 = 257)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e box_empty 2>&1 | FileCheck %s --check-prefix=BOXEMPTY
// BOXEMPTY: sparqTensorMapCreate: box dimensions must be in [1, 256] (box0 = 0)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e box_bytes 2>&1 | FileCheck %s --check-prefix=BOXBYTES
// BOXBYTES: sparqTensorMapCreate: the box's inner dimension must be a multiple of 16 bytes (box0 * elementBytes = 24)
// RUN: not env LD_LIBRARY_PATH=%t %sparq-run-gpu-entry %t/checks.mlir -e box_span 2>&1 | FileCheck %s --check-prefix=SPAN
// SPAN: sparqTensorMapCreate: a swizzled box's inner dimension must fit the swizzle span (box0 * elementBytes = 128)

// Declared exactly as the sm_90a lowering declares it.
func.func private @sparqTensorMapCreate(!llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr

// Argument `k` of the call: `v<i>` if `w<i>` is k, else `default`.
func.func @pick(%k: i64, %default: i64, %w0: i64, %v0: i64, %w1: i64, %v1: i64,
                %w2: i64, %v2: i64) -> i64 {
  %e0 = arith.cmpi eq, %w0, %k : i64
  %x0 = arith.select %e0, %v0, %default : i64
  %e1 = arith.cmpi eq, %w1, %k : i64
  %x1 = arith.select %e1, %v1, %x0 : i64
  %e2 = arith.cmpi eq, %w2, %k : i64
  %x2 = arith.select %e2, %v2, %x1 : i64
  return %x2 : i64
}

// Calls sparqTensorMapCreate for a 1 x 64 x 256 FP8 operand at 0x1000 with
// a 128 x 64 box and 128-byte swizzle, which passes every check, except
// that argument w<i> (0 address, 1 element bytes, 2-4 dims, 5-6 byte
// strides, 7-8 box, 9 swizzle) is v<i>; the stream is null.
func.func @create(%w0: i64, %v0: i64, %w1: i64, %v1: i64, %w2: i64, %v2: i64) {
  %k0 = arith.constant 0 : i64
  %default0 = arith.constant 4096 : i64
  %base = func.call @pick(%k0, %default0, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k1 = arith.constant 1 : i64
  %default1 = arith.constant 1 : i64
  %eb = func.call @pick(%k1, %default1, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k2 = arith.constant 2 : i64
  %default2 = arith.constant 256 : i64
  %d0 = func.call @pick(%k2, %default2, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k3 = arith.constant 3 : i64
  %default3 = arith.constant 64 : i64
  %d1 = func.call @pick(%k3, %default3, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k4 = arith.constant 4 : i64
  %default4 = arith.constant 1 : i64
  %d2 = func.call @pick(%k4, %default4, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k5 = arith.constant 5 : i64
  %default5 = arith.constant 256 : i64
  %s1 = func.call @pick(%k5, %default5, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k6 = arith.constant 6 : i64
  %default6 = arith.constant 16384 : i64
  %s2 = func.call @pick(%k6, %default6, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k7 = arith.constant 7 : i64
  %default7 = arith.constant 128 : i64
  %b0 = func.call @pick(%k7, %default7, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k8 = arith.constant 8 : i64
  %default8 = arith.constant 64 : i64
  %b1 = func.call @pick(%k8, %default8, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %k9 = arith.constant 9 : i64
  %default9 = arith.constant 128 : i64
  %sw = func.call @pick(%k9, %default9, %w0, %v0, %w1, %v1, %w2, %v2)
      : (i64, i64, i64, i64, i64, i64, i64, i64) -> i64
  %p = llvm.inttoptr %base : i64 to !llvm.ptr
  %stream = llvm.mlir.zero : !llvm.ptr
  %map = func.call @sparqTensorMapCreate(%p, %eb, %d0, %d1, %d2, %s1, %s2, %b0, %b1, %sw, %stream)
      : (!llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
  return
}

func.func @create1(%w: i64, %v: i64) {
  %none = arith.constant -1 : i64
  func.call @create(%w, %v, %none, %none, %none, %none) : (i64, i64, i64, i64, i64, i64) -> ()
  return
}

func.func @valid() {
  %none = arith.constant -1 : i64
  func.call @create1(%none, %none) : (i64, i64) -> ()
  return
}
func.func @unit_batch() {
  %w = arith.constant 6 : i64
  %v = arith.constant 0 : i64
  func.call @create1(%w, %v) : (i64, i64) -> ()
  return
}
func.func @unit_row() {
  %w0 = arith.constant 3 : i64
  %v0 = arith.constant 1 : i64
  %w1 = arith.constant 5 : i64
  %v1 = arith.constant 0 : i64
  %w2 = arith.constant -1 : i64
  %v2 = arith.constant 0 : i64
  func.call @create(%w0, %v0, %w1, %v1, %w2, %v2) : (i64, i64, i64, i64, i64, i64) -> ()
  return
}
func.func @element_bytes() {
  %w0 = arith.constant 1 : i64
  %v0 = arith.constant 4 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
func.func @swizzle() {
  %w0 = arith.constant 9 : i64
  %v0 = arith.constant 48 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
func.func @misaligned() {
  %w0 = arith.constant 0 : i64
  %v0 = arith.constant 4104 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
func.func @null() {
  %w0 = arith.constant 0 : i64
  %v0 = arith.constant 0 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
func.func @empty_dim() {
  %w0 = arith.constant 2 : i64
  %v0 = arith.constant 0 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
func.func @huge_dim() {
  %w0 = arith.constant 3 : i64
  %v0 = arith.constant 4294967297 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
func.func @stride_16() {
  %w0 = arith.constant 5 : i64
  %v0 = arith.constant 264 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
// Two batches 2^40 bytes apart.
func.func @stride_big() {
  %w0 = arith.constant 4 : i64
  %v0 = arith.constant 2 : i64
  %w1 = arith.constant 6 : i64
  %v1 = arith.constant 1099511627776 : i64
  %w2 = arith.constant -1 : i64
  %v2 = arith.constant 0 : i64
  func.call @create(%w0, %v0, %w1, %v1, %w2, %v2) : (i64, i64, i64, i64, i64, i64) -> ()
  return
}
// 2-byte elements: 512-byte rows, but the row stride given in elements.
func.func @rows_overlap() {
  %w0 = arith.constant 1 : i64
  %v0 = arith.constant 2 : i64
  %w1 = arith.constant 5 : i64
  %v1 = arith.constant 256 : i64
  %w2 = arith.constant 7 : i64
  %v2 = arith.constant 64 : i64
  func.call @create(%w0, %v0, %w1, %v1, %w2, %v2) : (i64, i64, i64, i64, i64, i64) -> ()
  return
}
// Two batches one row apart.
func.func @batches_overlap() {
  %w0 = arith.constant 4 : i64
  %v0 = arith.constant 2 : i64
  %w1 = arith.constant 6 : i64
  %v1 = arith.constant 256 : i64
  %w2 = arith.constant -1 : i64
  %v2 = arith.constant 0 : i64
  func.call @create(%w0, %v0, %w1, %v1, %w2, %v2) : (i64, i64, i64, i64, i64, i64) -> ()
  return
}
func.func @box_big() {
  %w0 = arith.constant 8 : i64
  %v0 = arith.constant 257 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
func.func @box_empty() {
  %w0 = arith.constant 7 : i64
  %v0 = arith.constant 0 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
func.func @box_bytes() {
  %w0 = arith.constant 7 : i64
  %v0 = arith.constant 24 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
// 128-byte box rows, 64-byte swizzle.
func.func @box_span() {
  %w0 = arith.constant 9 : i64
  %v0 = arith.constant 64 : i64
  func.call @create1(%w0, %v0) : (i64, i64) -> ()
  return
}
