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
    ArrayRef<bool> constantInputs) {
  // Reuse this variant's launch function; a user symbol of the same name
  // gets a numbered one instead. Which inputs are constants is part of the
  // variant (`_c` and one digit per input).
  std::string base = ("sparq_launch_" + kernel.getName()).str();
  if (llvm::is_contained(constantInputs, true)) {
    base += "_c";
    for (bool constant : constantInputs)
      base += constant ? '1' : '0';
  }
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

  // Arguments: inputs, out, M, N, K, the constants' slots.
  unsigned slotCount = llvm::count(constantInputs, true);
  auto argsOf = entry->getArguments();
  ValueRange slots = argsOf.take_back(slotCount);
  ValueRange buffers = argsOf.drop_back(slotCount + 3);
  Value m = argsOf[buffers.size()], n = argsOf[buffers.size() + 1],
        k = argsOf[buffers.size() + 2];
  Value out = buffers.back();
  LaunchBuilder launch(builder, loc);
  // Constants first: their first-use upload waits on its own stream.
  ValueRange inputs = buffers.drop_back();
  SmallVector<Value> device(inputs.size());
  auto isConstant = [&](size_t i) {
    return i < constantInputs.size() && constantInputs[i];
  };
  unsigned slot = 0;
  for (auto [i, host] : llvm::enumerate(inputs))
    if (isConstant(i))
      device[i] = emitDeviceConstant(builder, loc, slots[slot++], host);
  launch.start();
  for (auto [i, host] : llvm::enumerate(inputs)) {
    if (isConstant(i))
      continue;
    device[i] = launch.allocLike(host);
    launch.copy(device[i], host);
  }
  Value deviceOut = launch.allocLike(out);
  SmallVector<Value> maps;
  emitKernelLaunch(launch, module, kernels, kernel, spec, device, deviceOut, m,
                   n, k, maps);
  launch.copy(out, deviceOut);
  launch.finish();
  destroyTensorMaps(builder, loc, module, maps);
  func::ReturnOp::create(builder, loc);
  return func;
}
