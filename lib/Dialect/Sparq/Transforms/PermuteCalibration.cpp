//===- PermuteCalibration.cpp - calibration for sparq-permute-channels ----===//
//
// Checks a calibration file against every product the permutation pass may
// touch before it rewrites anything.
//
//===----------------------------------------------------------------------===//
#include "PermuteCalibration.h"

#include "sparq/Dialect/Sparq/Transforms/Contraction.h"
#include "sparq/Dialect/Sparq/Transforms/Convolution.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace sparq;

/// K of a product the pass may permute, and whether its weight is a
/// constant; nullopt for products it leaves alone anyway.
static std::optional<std::pair<int64_t, bool>>
permutableK(linalg::LinalgOp op) {
  std::string why;
  ConvolutionKind kind = classifyConvolution(op, why);
  if (kind == ConvolutionKind::Product) {
    FailureOr<ConvolutionInfo> info = matchConvolution(op, why);
    if (failed(info) || info->grouped)
      return std::nullopt;
    return std::make_pair(
        info->k, matchPattern(op.getDpsInputOperand(1)->get(), m_Constant()));
  }
  if (kind != ConvolutionKind::None)
    return std::nullopt;
  FailureOr<Contraction> c = matchContraction(op, why);
  if (failed(c) || (c->batched && !c->batchIntoM) || c->transposeLhs)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(c->rhs.getType());
  if (!type || type.getRank() != 2)
    return std::nullopt;
  return std::make_pair(type.getDimSize(c->transposeRhs ? 1 : 0),
                        matchPattern(c->rhs, m_Constant()));
}

LogicalResult sparq::loadPermuteCalibration(
    Location loc, StringRef criterion, StringRef calibration,
    ArrayRef<linalg::LinalgOp> products,
    std::optional<CalibrationFile> &calibrationFile) {
  if (criterion != "magnitude" && criterion != "wanda")
    return emitError(loc) << "unknown criterion '" << criterion
                          << "': expected magnitude or wanda";
  bool wanda = criterion == "wanda";
  if (wanda && calibration.empty())
    return emitError(loc) << "criterion=wanda needs a calibration file "
                             "(calibration=FILE)";
  if (calibration.empty())
    return success();
  FailureOr<CalibrationFile> file = CalibrationFile::load(calibration, loc);
  if (failed(file))
    return failure();
  if (file->isLegacy())
    return emitError(loc) << "calibration table '" << calibration
                          << "' holds amax values only; criterion=wanda "
                             "needs a sparq_calibration file with 'sumsq'";
  llvm::StringSet<> names;
  for (linalg::LinalgOp op : products) {
    std::string name = getContractionName(op);
    if (!name.empty())
      names.insert(name);
    std::optional<std::pair<int64_t, bool>> k = permutableK(op);
    if (!k || !k->second)
      continue;
    const OpCalibration *entry = name.empty() ? nullptr : file->lookup(name);
    if (!entry) {
      if (wanda)
        return op.emitError()
               << "criterion=wanda: calibration file '" << calibration
               << "' has no statistics for "
               << (name.empty() ? std::string("this unnamed product")
                                : "'" + name + "'");
      continue;
    }
    if (entry->channels != k->first)
      return op.emitError() << "criterion=" << criterion << ": calibration for '"
                            << name << "' has " << entry->channels
                            << " channels, but the product's K is "
                            << k->first;
    if (wanda && entry->sumsq.empty())
      return op.emitError() << "criterion=wanda: calibration for '" << name
                            << "' has no 'sumsq'";
  }
  for (const auto &entry : file->getOps())
    if (!names.contains(entry.getKey()))
      return emitError(loc) << "calibration file '" << calibration
                            << "' names '" << entry.getKey()
                            << "', which is no product in the module";
  calibrationFile = std::move(*file);
  return success();
}

