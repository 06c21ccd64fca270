//===- CudaRuntime.cpp - mgpu* entry points over the CUDA driver API ------===//
//
// What a module lowered by --sparq-gpu-pipeline calls at run time: the
// signatures are those MLIR 22's GPU-to-LLVM lowering and gpu.binary
// translation declare (test/Runtime/cuda-runtime-symbols.mlir checks every
// declared symbol is exported here). All work runs in the primary context
// of the default device (0, or mgpuSetDefaultDevice's).
//
// A failing driver call prints the call and CUDA's error name and exits:
// the caller has no error path, and continuing would turn a GPU fault into
// a wrong answer.
//
//===----------------------------------------------------------------------===//
#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define SPARQ_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

void check(CUresult result, const char *call) {
  if (result == CUDA_SUCCESS)
    return;
  const char *name = nullptr;
  cuGetErrorName(result, &name);
  std::fprintf(stderr, "sparq_cuda_runtime: %s failed: %s\n", call,
               name ? name : "unknown CUDA error");
  std::exit(EXIT_FAILURE);
}
#define CHECK(call) check((call), #call)

int32_t defaultDevice = 0;

/// Makes the default device's primary context current on this thread.
void ensureContext() {
  static thread_local bool current = false;
  static thread_local int32_t currentDevice = -1;
  if (current && currentDevice == defaultDevice)
    return;
  CHECK(cuInit(0));
  CUdevice device;
  CHECK(cuDeviceGet(&device, defaultDevice));
  CUcontext context;
  CHECK(cuDevicePrimaryCtxRetain(&context, device));
  CHECK(cuCtxSetCurrent(context));
  current = true;
  currentDevice = defaultDevice;
}

CUstream asStream(void *stream) { return reinterpret_cast<CUstream>(stream); }

} // namespace

SPARQ_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  defaultDevice = device;
  ensureContext();
}

SPARQ_EXPORT void *mgpuModuleLoad(void *data, size_t /*size*/) {
  ensureContext();
  CUmodule module = nullptr;
  CHECK(cuModuleLoadData(&module, data));
  return module;
}

/// PTX text (format=isa): JIT-compiled by the driver at `optLevel`.
SPARQ_EXPORT void *mgpuModuleLoadJIT(void *data, int optLevel) {
  ensureContext();
  CUmodule module = nullptr;
  char log[4096] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(intptr_t(optLevel)), log,
                    reinterpret_cast<void *>(sizeof(log))};
  CUresult result = cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS && log[0])
    std::fprintf(stderr, "sparq_cuda_runtime: PTX JIT log:\n%s\n", log);
  CHECK(result);
  return module;
}

SPARQ_EXPORT void mgpuModuleUnload(void *module) {
  CHECK(cuModuleUnload(reinterpret_cast<CUmodule>(module)));
}

SPARQ_EXPORT void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function = nullptr;
  CHECK(cuModuleGetFunction(&function, reinterpret_cast<CUmodule>(module),
                            name));
  return function;
}

SPARQ_EXPORT void mgpuLaunchKernel(void *function, intptr_t gridX,
                                   intptr_t gridY, intptr_t gridZ,
                                   intptr_t blockX, intptr_t blockY,
                                   intptr_t blockZ, int32_t sharedBytes,
                                   void *stream, void **params, void **extra,
                                   size_t /*paramsCount*/) {
  ensureContext();
  // An empty grid (a zero-sized dimension) launches nothing.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  CUfunction f = reinterpret_cast<CUfunction>(function);
  if (sharedBytes > 48 * 1024)
    CHECK(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                             sharedBytes));
  CHECK(cuLaunchKernel(f, unsigned(gridX), unsigned(gridY), unsigned(gridZ),
                       unsigned(blockX), unsigned(blockY), unsigned(blockZ),
                       unsigned(sharedBytes), asStream(stream), params, extra));
}

SPARQ_EXPORT void *mgpuStreamCreate() {
  ensureContext();
  CUstream stream = nullptr;
  CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

SPARQ_EXPORT void mgpuStreamDestroy(void *stream) {
  CHECK(cuStreamDestroy(asStream(stream)));
}

SPARQ_EXPORT void mgpuStreamSynchronize(void *stream) {
  CHECK(cuStreamSynchronize(asStream(stream)));
}

SPARQ_EXPORT void mgpuStreamWaitEvent(void *stream, void *event) {
  CHECK(cuStreamWaitEvent(asStream(stream), reinterpret_cast<CUevent>(event),
                          0));
}

SPARQ_EXPORT void *mgpuEventCreate() {
  ensureContext();
  CUevent event = nullptr;
  CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

SPARQ_EXPORT void mgpuEventDestroy(void *event) {
  CHECK(cuEventDestroy(reinterpret_cast<CUevent>(event)));
}

SPARQ_EXPORT void mgpuEventSynchronize(void *event) {
  CHECK(cuEventSynchronize(reinterpret_cast<CUevent>(event)));
}

SPARQ_EXPORT void mgpuEventRecord(void *event, void *stream) {
  CHECK(cuEventRecord(reinterpret_cast<CUevent>(event), asStream(stream)));
}

SPARQ_EXPORT void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/,
                                bool isHostShared) {
  ensureContext();
  if (bytes == 0)
    return nullptr;
  CUdeviceptr ptr = 0;
  if (isHostShared)
    CHECK(cuMemAllocManaged(&ptr, bytes, CU_MEM_ATTACH_GLOBAL));
  else
    CHECK(cuMemAlloc(&ptr, bytes));
  return reinterpret_cast<void *>(ptr);
}

SPARQ_EXPORT void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (ptr)
    CHECK(cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)));
}

SPARQ_EXPORT void mgpuMemcpy(void *dst, void *src, size_t bytes,
                             void *stream) {
  if (bytes == 0)
    return;
  CHECK(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                      reinterpret_cast<CUdeviceptr>(src), bytes,
                      asStream(stream)));
}

SPARQ_EXPORT void mgpuMemset32(void *dst, uint32_t value, size_t count,
                               void *stream) {
  CHECK(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                         asStream(stream)));
}

SPARQ_EXPORT void mgpuMemset16(void *dst, uint16_t value, size_t count,
                               void *stream) {
  CHECK(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                         asStream(stream)));
}
