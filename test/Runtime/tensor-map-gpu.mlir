// On a GPU: sparqTensorMapCreate encodes a map of a device buffer and
// returns a 64-byte aligned device copy; sparqTensorMapDestroy frees it in
// stream order. (Whether a kernel's TMA copies read it right is checked by
// bench/gpu/check.sh and test/Integration/GPU.)
// REQUIRES: cuda-gpu
// RUN: sparq-opt %s --convert-to-llvm --reconcile-unrealized-casts | %sparq-run-gpu | FileCheck %s
// CHECK: map aligned: 1
// CHECK-NEXT: freed

func.func private @mgpuStreamCreate() -> !llvm.ptr
func.func private @mgpuStreamSynchronize(!llvm.ptr)
func.func private @mgpuStreamDestroy(!llvm.ptr)
func.func private @mgpuMemAlloc(i64, !llvm.ptr, i1) -> !llvm.ptr
func.func private @mgpuMemFree(!llvm.ptr, !llvm.ptr)
func.func private @sparqTensorMapCreate(!llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
func.func private @sparqTensorMapDestroy(!llvm.ptr, !llvm.ptr)
func.func private @printI64(i64)
func.func private @printNewline()
func.func private @printString(!llvm.ptr)

llvm.mlir.global private constant @aligned("map aligned: \00")
llvm.mlir.global private constant @freed("freed\0A\00")

func.func @main() {
  %stream = func.call @mgpuStreamCreate() : () -> !llvm.ptr
  %bytes = arith.constant 65536 : i64
  %false = arith.constant false
  %buffer = func.call @mgpuMemAlloc(%bytes, %stream, %false) : (i64, !llvm.ptr, i1) -> !llvm.ptr
  // 2 batches of 64 rows of 256 FP8 bytes, a 128 x 64 box, 128-byte swizzle.
  %c1 = arith.constant 1 : i64
  %c2 = arith.constant 2 : i64
  %c64 = arith.constant 64 : i64
  %c128 = arith.constant 128 : i64
  %c256 = arith.constant 256 : i64
  %c16384 = arith.constant 16384 : i64
  %map = func.call @sparqTensorMapCreate(%buffer, %c1, %c256, %c64, %c2, %c256, %c16384, %c128, %c64, %c128, %stream)
      : (!llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr
  %address = llvm.ptrtoint %map : !llvm.ptr to i64
  %rem = arith.remui %address, %c64 : i64
  %c0 = arith.constant 0 : i64
  %nonnull = arith.cmpi ne, %address, %c0 : i64
  %zero = arith.cmpi eq, %rem, %c0 : i64
  %ok = arith.andi %nonnull, %zero : i1
  %ok64 = arith.extui %ok : i1 to i64
  %s0 = llvm.mlir.addressof @aligned : !llvm.ptr
  func.call @printString(%s0) : (!llvm.ptr) -> ()
  func.call @printI64(%ok64) : (i64) -> ()
  func.call @printNewline() : () -> ()
  func.call @sparqTensorMapDestroy(%map, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
  func.call @mgpuStreamSynchronize(%stream) : (!llvm.ptr) -> ()
  func.call @mgpuMemFree(%buffer, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
  func.call @mgpuStreamDestroy(%stream) : (!llvm.ptr) -> ()
  %s1 = llvm.mlir.addressof @freed : !llvm.ptr
  func.call @printString(%s1) : (!llvm.ptr) -> ()
  return
}
