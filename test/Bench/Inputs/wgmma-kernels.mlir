// The kernels' signatures and sparq.launch attributes from
// `sparq-opt bench/gpu/kernels.mlir --convert-sparq-to-nvvm="chip=sm_90a"`
// (bodies elided; one box written as array<i64: ...>, which MLIR also
// prints), plus the mma.sync kernel the dense product falls back to
// for a K that TMA cannot tile. Not run: read by launch_params.py.
module attributes {gpu.container_module} {
  gpu.module @sparq_kernels {
    gpu.func @sparq_wg_dense_f8E4M3FN_f8E4M3FN_bf16_ss(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: memref<f32>, %arg3: memref<f32>, %arg4: memref<?x?x?xbf16>, %arg5: index, %arg6: index, %arg7: index) kernel attributes {nvvm.maxntid = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32, sparq.launch = {block_cols = 256 : i64, block_rows = 128 : i64, dynamic_shared_memory = 197696 : i64, tensor_maps = [{box = [128, 128], element_bytes = 1 : i64, operand = "a", swizzle = 128 : i64}, {box = [128, 256], element_bytes = 1 : i64, operand = "b", swizzle = 128 : i64}], threads = 384 : i64}} {
      gpu.return
    }
    gpu.func @sparq_mm_dense_f8E4M3FN_f8E4M3FN_bf16_ss(%arg0: memref<?x?x?xf8E4M3FN>, %arg1: memref<?x?x?xf8E4M3FN>, %arg2: memref<f32>, %arg3: memref<f32>, %arg4: memref<?x?x?xbf16>, %arg5: index, %arg6: index, %arg7: index) workgroup(%arg8 : memref<64x48xi8, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %arg9 : memref<64x48xi8, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel {
      gpu.return
    }
    gpu.func @sparq_wg_sp8_f8E4M3FN_f8E4M3FN_bf16_ss(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: memref<?x?x?xi16>, %arg3: memref<f32>, %arg4: memref<f32>, %arg5: memref<?x?x?xbf16>, %arg6: index, %arg7: index, %arg8: index) kernel attributes {nvvm.maxntid = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32, sparq.launch = {block_cols = 256 : i64, block_rows = 128 : i64, dynamic_shared_memory = 205904 : i64, tensor_maps = [{box = [64, 128], element_bytes = 1 : i64, operand = "a", swizzle = 64 : i64}, {box = [128, 256], element_bytes = 1 : i64, operand = "b", swizzle = 128 : i64}], threads = 384 : i64}} {
      gpu.return
    }
    gpu.func @sparq_wg_sp16_f16_f16_f16_nn(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: memref<?x?x?xi16>, %arg3: memref<?x?x?xf16>, %arg4: index, %arg5: index, %arg6: index) kernel attributes {nvvm.maxntid = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32, sparq.launch = {block_cols = 256 : i64, block_rows = 128 : i64, dynamic_shared_memory = 205904 : i64, tensor_maps = [{box = array<i64: 32, 128>, element_bytes = 2 : i64, operand = "a", swizzle = 64 : i64}, {box = [64, 256], element_bytes = 2 : i64, operand = "b", swizzle = 128 : i64}], threads = 384 : i64}} {
      gpu.return
    }
    gpu.func @sparq_wg_sp16_bf16_bf16_bf16_nn(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: memref<?x?x?xi16>, %arg3: memref<?x?x?xbf16>, %arg4: index, %arg5: index, %arg6: index) kernel attributes {nvvm.maxntid = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32, sparq.launch = {block_cols = 256 : i64, block_rows = 128 : i64, dynamic_shared_memory = 205904 : i64, tensor_maps = [{box = [32, 128], element_bytes = 2 : i64, operand = "a", swizzle = 64 : i64}, {box = [64, 256], element_bytes = 2 : i64, operand = "b", swizzle = 128 : i64}], threads = 384 : i64}} {
      gpu.return
    }
  }
}
