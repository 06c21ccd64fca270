//===- Pipelines.h - sparq end-to-end pass pipelines ------------*- C++ -*-===//
#ifndef SPARQ_PIPELINES_PIPELINES_H
#define SPARQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace sparq {

/// Tensors (linalg, sparq, arith, scf) to the LLVM dialect, sparq ops as
/// calls of the CPU runtime (libsparq_runtime.so); every buffer is freed
/// (upstream's ownership-based buffer deallocation).
void buildCPUPipeline(mlir::OpPassManager &pm);

struct GPUPipelineOptions
    : public mlir::PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("sm_80, sm_89, sm_90 or sm_90a"),
                           llvm::cl::init("sm_90")};
  Option<unsigned> ptx{*this, "ptx",
                       llvm::cl::desc("PTX version (85 = 8.5); 0 picks the "
                                      "smallest the kernels need"),
                       llvm::cl::init(0)};
  Option<std::string> kernels{
      *this, "kernels",
      llvm::cl::desc("auto, mma or wgmma (see --convert-sparq-to-nvvm)"),
      llvm::cl::init("auto")};
  Option<bool> hostCopies{
      *this, "host-copies",
      llvm::cl::desc("false: products on device buffers the program owns "
                     "(see --convert-sparq-to-nvvm); no host buffer "
                     "deallocation then"),
      llvm::cl::init(true)};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("isa (PTX text) or bin (cubin, needs ptxas)"),
      llvm::cl::init("isa")};
  Option<std::string> toolkit{*this, "toolkit",
                              llvm::cl::desc("CUDA toolkit with ptxas"),
                              llvm::cl::init("/usr/local/cuda")};
};

/// Tensors to the LLVM dialect with sparq.matmul on Tensor Cores.
void buildGPUPipeline(mlir::OpPassManager &pm, const GPUPipelineOptions &o);
void registerGPUPipeline();

/// Registers --sparq-cpu-pipeline and --sparq-gpu-pipeline.
void registerSparqPipelines();

} // namespace sparq

#endif // SPARQ_PIPELINES_PIPELINES_H
