// A stand-in for `sparq-opt bench/gpu/kernels.mlir --convert-sparq-to-nvvm`
// on sm_90a: the kernels' signatures and sparq.launch attributes as the
// wgmma lowering is specified to write them (bodies elided), plus one
// mma.sync kernel without the attribute. Not run: read by launch_params.py.
module attributes {gpu.container_module} {
  gpu.module @sparq_kernels {
    gpu.func @sparq_wg_dense_f8E4M3FN_f8E4M3FN_bf16_ss(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: memref<f32>, %arg3: memref<f32>, %arg4: memref<?x?x?xbf16>, %arg5: index, %arg6: index, %arg7: index) workgroup(%arg8 : memref<16xi8, #gpu.address_space<workgroup>>) kernel attributes {sparq.launch = {block_cols = 256 : i64, block_rows = 128 : i64, dynamic_shared_memory = 197632 : i64, tensor_maps = [{box = [128, 128], element_bytes = 1 : i64, operand = "a", swizzle = 128 : i64}, {box = [128, 256], element_bytes = 1 : i64, operand = "b", swizzle = 128 : i64}], threads = 384 : i64}} {
      gpu.return
    }
    gpu.func @sparq_wg_sp8_f8E4M3FN_f8E4M3FN_bf16_ss(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr, %arg3: memref<f32>, %arg4: memref<f32>, %arg5: memref<?x?x?xbf16>, %arg6: index, %arg7: index, %arg8: index) kernel attributes {sparq.launch = {block_cols = 256 : i64, block_rows = 128 : i64, dynamic_shared_memory = 164864 : i64, tensor_maps = [{box = array<i64: 64, 128>, element_bytes = 1 : i64, operand = "a", swizzle = 64 : i64}, {box = [128, 256], element_bytes = 1 : i64, operand = "b", swizzle = 128 : i64}, {box = [8, 128], element_bytes = 2 : i64, operand = "a_meta", swizzle = 0 : i64}], threads = 384 : i64}} {
      gpu.return
    }
    gpu.func @sparq_wg_sp16_f16_f16_f16_nn(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr, %arg3: memref<?x?x?xf16>, %arg4: index, %arg5: index, %arg6: index) kernel attributes {sparq.launch = {block_cols = 256 : i64, block_rows = 128 : i64, dynamic_shared_memory = 131072 : i64, tensor_maps = [{box = [64, 128], element_bytes = 2 : i64, operand = "a", swizzle = 128 : i64}, {box = [64, 256], element_bytes = 2 : i64, operand = "b", swizzle = 128 : i64}, {box = [8, 128], element_bytes = 2 : i64, operand = "a_meta", swizzle = 0 : i64}], threads = 384 : i64}} {
      gpu.return
    }
    gpu.func @sparq_mm_dense_f8E4M3FN_f8E4M3FN_bf16_ss(%arg0: memref<?x?x?xf8E4M3FN>, %arg1: memref<?x?x?xf8E4M3FN>, %arg2: memref<f32>, %arg3: memref<f32>, %arg4: memref<?x?x?xbf16>, %arg5: index, %arg6: index, %arg7: index) workgroup(%arg8 : memref<64x48xi8, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
}
