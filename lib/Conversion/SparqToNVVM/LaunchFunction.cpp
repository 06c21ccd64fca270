//===- LaunchFunction.cpp - host functions that run sparq's kernels -------===//
//
// One private host function per kernel variant (`sparq.gpu_launch`): it
// copies the host buffers to the device, launches (KernelLaunch.cpp), copies
// the result back and frees, on one stream, synchronously at the end.
// Constant inputs come from their once-per-program device copies
// (DeviceConstants.cpp) instead.
//
//===----------------------------------------------------------------------===//
#include "LaunchFunction.h"

#include "DeviceConstants.h"
#include "KernelLaunch.h"

#include "sparq/Conversion/SparqToNVVM/SparqToNVVM.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace sparq;
using namespace sparq::nvvm;

func::FuncOp sparq::nvvm::getOrBuildLaunchFunction(
    OpBuilder &builder, ModuleOp module, gpu::GPUModuleOp kernels,
    gpu::GPUFuncOp kernel, const KernelSpec &spec, FunctionType hostType,
    ArrayRef<LaunchInput> inputKinds, bool keepResult) {
  // Reuse this variant's launch function; a user symbol of the same name
  // gets a numbered one instead. Where the inputs come from and whether the
  // result stays on the device are part of the variant (`_c` and one digit
  // per input, `_d`).
  std::string base = ("sparq_launch_" + kernel.getName()).str();
  if (llvm::any_of(inputKinds,
                   [](LaunchInput kind) { return kind != LaunchInput::Host; })) {
    base += "_c";
    for (LaunchInput kind : inputKinds)
      base += static_cast<char>(kind);
  }
  if (keepResult)
    base += "_d";
  std::string name = base;
  for (unsigned suffix = 1;; ++suffix) {
    Operation *existing = module.lookupSymbol(name);
    if (!existing)
      break;
    auto func = dyn_cast<func::FuncOp>(existing);
    if (func && func->hasAttr(kGpuLaunchAttrName) &&
        func.getFunctionType() == hostType)
      return func;
    name = base + "_" + std::to_string(suffix);
  }
  MLIRContext *ctx = builder.getContext();
  OpBuilder::InsertionGuard guard(builder);
  Location loc = kernel.getLoc();
  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, loc, name, hostType);
  func.setPrivate();
  func->setAttr(kGpuLaunchAttrName, UnitAttr::get(ctx));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);

  // Arguments: inputs, out (or the batch size), M, N, K, the slots.
  size_t count = inputKinds.size();
  auto argsOf = entry->getArguments();
  ValueRange inputs = argsOf.take_front(count);
  Value out = argsOf[count];
  Value m = argsOf[count + 1], n = argsOf[count + 2], k = argsOf[count + 3];
  ValueRange slots = argsOf.drop_front(count + 4);
  LaunchBuilder launch(builder, loc);
  Value batch = keepResult ? out : memref::DimOp::create(builder, loc, out, 0);
  // Constants first: their first-use upload waits on its own stream.
  SmallVector<Value> device(count);
  unsigned slot = 0;
  for (auto [i, host] : llvm::enumerate(inputs))
    if (inputKinds[i] == LaunchInput::Constant)
      device[i] = emitDeviceConstant(builder, loc, slots[slot++], host);
  launch.start();
  auto dynamic3 = [](Type element) {
    return MemRefType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
        element);
  };
  // The element types of sparq.matmul's lhs and rhs.
  Type lhsElement = spec.transposed ? spec.bElement : spec.aElement;
  Type rhsElement = spec.transposed ? spec.aElement : spec.bElement;
  for (auto [i, value] : llvm::enumerate(inputs)) {
    switch (inputKinds[i]) {
    case LaunchInput::Constant:
      break;
    case LaunchInput::Host:
      device[i] = launch.allocLike(value);
      launch.copy(device[i], value);
      break;
    case LaunchInput::DeviceLhs:
      device[i] = memrefFromPointer(builder, loc, value, dynamic3(lhsElement),
                                    {batch, m, k});
      launch.adopt(device[i]);
      break;
    case LaunchInput::DeviceRhs:
      device[i] = memrefFromPointer(builder, loc, value, dynamic3(rhsElement),
                                    {batch, k, n});
      launch.adopt(device[i]);
      break;
    }
  }
  Value deviceOut = keepResult
                        ? launch.allocKept(dynamic3(spec.outElement),
                                           {batch, m, n})
                        : launch.allocLike(out);
  SmallVector<Value> maps;
  emitKernelLaunch(launch, module, kernels, kernel, spec, device, deviceOut, m,
                   n, k, maps);
  if (!keepResult)
    launch.copy(out, deviceOut);
  launch.finish();
  destroyTensorMaps(builder, loc, module, maps);
  if (keepResult)
    func::ReturnOp::create(builder, loc, pointerOf(builder, loc, deviceOut));
  else
    func::ReturnOp::create(builder, loc);
  return func;
}
