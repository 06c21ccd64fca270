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
// sparqTensorMap{Create,Destroy} build the TMA descriptors of the sm_90a
// wgmma kernels (the lowering declares them with these signatures).
//
//===----------------------------------------------------------------------===//
#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

//===----------------------------------------------------------------------===//
// TMA tensor maps
//===----------------------------------------------------------------------===//

namespace {

/// Prints which rule of cuTensorMapEncodeTiled a tensor map breaks, and
/// exits: the lowering checks static shapes at compile time, this is the
/// guard for sizes known only at run time (the driver would only answer
/// CUDA_ERROR_INVALID_VALUE).
[[noreturn]] void tensorMapError(const char *rule, const char *what,
                                 uint64_t value) {
  std::fprintf(stderr,
               "sparq_cuda_runtime: sparqTensorMapCreate: %s (%s = %llu)\n",
               rule, what, static_cast<unsigned long long>(value));
  std::exit(EXIT_FAILURE);
}

constexpr uint64_t kMaxGlobalDim = uint64_t(1) << 32;
constexpr uint64_t kMaxGlobalStride = uint64_t(1) << 40;
constexpr int64_t kMaxBoxDim = 256;
constexpr size_t kTensorMapBytes = sizeof(CUtensorMap); // 128

static_assert(sizeof(CUtensorMap) == 128 && alignof(CUtensorMap) >= 64,
              "the kernels read a 128-byte, 64-byte aligned tensor map");

/// Whether the default device allocates stream-ordered (cuMemAllocAsync):
/// then a map is freed in stream order, after the kernels that read it.
bool hasMemoryPools() {
  static thread_local int32_t cachedDevice = -1;
  static thread_local bool cached = false;
  if (cachedDevice != defaultDevice) {
    CUdevice device;
    CHECK(cuDeviceGet(&device, defaultDevice));
    int supported = 0;
    CHECK(cuDeviceGetAttribute(
        &supported, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, device));
    cached = supported != 0;
    cachedDevice = defaultDevice;
  }
  return cached;
}

} // namespace

/// Encodes a tiled 3-D tensor map (dims innermost first: dim0 elements of
/// `elementBytes` bytes, contiguous; dim1 and dim2 at byte strides
/// `strideBytes1`, `strideBytes2`) whose box is box0 x box1 x 1, with
/// `swizzleBytes` (0, 32, 64 or 128) shared-memory swizzle and zero fill out
/// of bounds, copies it to device memory on `stream` and returns its device
/// address (free it with sparqTensorMapDestroy on the same stream). FP8
/// travels as UINT8: TMA copies bits and has no FP8 data type.
SPARQ_EXPORT void *sparqTensorMapCreate(void *base, int64_t elementBytes,
                                        int64_t dim0, int64_t dim1,
                                        int64_t dim2, int64_t strideBytes1,
                                        int64_t strideBytes2, int64_t box0,
                                        int64_t box1, int64_t swizzleBytes,
                                        void *stream) {
  // The rules of cuTensorMapEncodeTiled (CUDA driver API reference), checked
  // first so that a bad shape names its rule instead of INVALID_VALUE.
  CUtensorMapDataType dataType;
  if (elementBytes == 1)
    dataType = CU_TENSOR_MAP_DATA_TYPE_UINT8;
  else if (elementBytes == 2)
    dataType = CU_TENSOR_MAP_DATA_TYPE_UINT16;
  else
    tensorMapError("element size must be 1 or 2 bytes", "elementBytes",
                   uint64_t(elementBytes));
  CUtensorMapSwizzle swizzle;
  switch (swizzleBytes) {
  case 0:
    swizzle = CU_TENSOR_MAP_SWIZZLE_NONE;
    break;
  case 32:
    swizzle = CU_TENSOR_MAP_SWIZZLE_32B;
    break;
  case 64:
    swizzle = CU_TENSOR_MAP_SWIZZLE_64B;
    break;
  case 128:
    swizzle = CU_TENSOR_MAP_SWIZZLE_128B;
    break;
  default:
    tensorMapError("swizzle must be 0, 32, 64 or 128 bytes", "swizzleBytes",
                   uint64_t(swizzleBytes));
  }
  uintptr_t address = reinterpret_cast<uintptr_t>(base);
  if (address == 0 || address % 16 != 0)
    tensorMapError("global address must be non-null and 16-byte aligned",
                   "base", address);
  const int64_t dims[3] = {dim0, dim1, dim2};
  const char *dimNames[3] = {"dim0", "dim1", "dim2"};
  for (int i = 0; i < 3; ++i)
    if (dims[i] < 1 || uint64_t(dims[i]) > kMaxGlobalDim)
      tensorMapError("each dimension must be in [1, 2^32] elements",
                     dimNames[i], uint64_t(dims[i]));
  // A unit dimension is never stepped along, so any valid stride describes
  // it (a memref's stride of a unit dimension is arbitrary): use the dense
  // one.
  if (dim1 == 1)
    strideBytes1 = (dim0 * elementBytes + 15) / 16 * 16;
  if (dim2 == 1)
    strideBytes2 = strideBytes1 * dim1;
  const int64_t strides[2] = {strideBytes1, strideBytes2};
  const char *strideNames[2] = {"strideBytes1", "strideBytes2"};
  for (int i = 0; i < 2; ++i) {
    if (strides[i] < 16 || strides[i] % 16 != 0)
      tensorMapError("byte strides must be positive multiples of 16",
                     strideNames[i], uint64_t(strides[i]));
    if (uint64_t(strides[i]) >= kMaxGlobalStride)
      tensorMapError("byte strides must be below 2^40", strideNames[i],
                     uint64_t(strides[i]));
  }
  // Not a driver rule but sparq's: its operands are dense, so overlapping
  // rows mean a stride passed in elements instead of bytes.
  if (strideBytes1 < dim0 * elementBytes)
    tensorMapError(
        "rows must not overlap (strideBytes1 >= dim0 * elementBytes)",
        "strideBytes1", uint64_t(strideBytes1));
  if (dim2 > 1 && strideBytes2 < strideBytes1 * dim1)
    tensorMapError(
        "batches must not overlap (strideBytes2 >= strideBytes1 * dim1)",
        "strideBytes2", uint64_t(strideBytes2));
  const int64_t box[2] = {box0, box1};
  const char *boxNames[2] = {"box0", "box1"};
  for (int i = 0; i < 2; ++i)
    if (box[i] < 1 || box[i] > kMaxBoxDim)
      tensorMapError("box dimensions must be in [1, 256]", boxNames[i],
                     uint64_t(box[i]));
  int64_t innerBoxBytes = box0 * elementBytes;
  if (innerBoxBytes % 16 != 0)
    tensorMapError("the box's inner dimension must be a multiple of 16 bytes",
                   "box0 * elementBytes", uint64_t(innerBoxBytes));
  if (swizzleBytes != 0 && innerBoxBytes > swizzleBytes)
    tensorMapError("a swizzled box's inner dimension must fit the swizzle span",
                   "box0 * elementBytes", uint64_t(innerBoxBytes));

  ensureContext();
  const cuuint64_t globalDim[3] = {cuuint64_t(dim0), cuuint64_t(dim1),
                                   cuuint64_t(dim2)};
  const cuuint64_t globalStrides[2] = {cuuint64_t(strideBytes1),
                                       cuuint64_t(strideBytes2)};
  const cuuint32_t boxDim[3] = {cuuint32_t(box0), cuuint32_t(box1), 1};
  const cuuint32_t elementStrides[3] = {1, 1, 1};
  CUtensorMap map; // alignas(64) by cuda.h
  std::memset(&map, 0, sizeof(map));
  // OOB_FILL_NONE fills zeros (NAN_REQUEST_ZERO_FMA would fill NaN): a
  // ragged tile's missing rows and K columns must contribute nothing.
  CHECK(cuTensorMapEncodeTiled(
      &map, dataType, 3, base, globalDim, globalStrides, boxDim, elementStrides,
      CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle,
      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE));

  CUdeviceptr device = 0;
  if (hasMemoryPools())
    CHECK(cuMemAllocAsync(&device, kTensorMapBytes, asStream(stream)));
  else
    CHECK(cuMemAlloc(&device, kTensorMapBytes));
  if (device % 64 != 0) {
    std::fprintf(stderr, "sparq_cuda_runtime: sparqTensorMapCreate: device "
                         "allocation is not 64-byte aligned\n");
    std::exit(EXIT_FAILURE);
  }
  // From pageable memory the copy has read `map` when the call returns, so
  // the stack copy may go out of scope before the stream runs.
  CHECK(cuMemcpyHtoDAsync(device, &map, kTensorMapBytes, asStream(stream)));
  return reinterpret_cast<void *>(device);
}

/// Frees a map of sparqTensorMapCreate after the work queued on `stream`
/// (the kernels that read it).
SPARQ_EXPORT void sparqTensorMapDestroy(void *map, void *stream) {
  if (!map)
    return;
  ensureContext();
  CUdeviceptr device = reinterpret_cast<CUdeviceptr>(map);
  if (hasMemoryPools()) {
    CHECK(cuMemFreeAsync(device, asStream(stream)));
    return;
  }
  CHECK(cuStreamSynchronize(asStream(stream)));
  CHECK(cuMemFree(device));
}
