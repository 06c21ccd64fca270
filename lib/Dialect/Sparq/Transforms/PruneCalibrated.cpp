//===- PruneCalibrated.cpp - activation-aware pruning of constants --------===//
//
// The numerics library works on [rows][k] row-major f32 weights with N:M
// groups along k; a K x N weight is transposed into that layout and back.
//
//===----------------------------------------------------------------------===//
#include "PruneCalibrated.h"

#include "sparq/Numerics/SparseGPT.h"
#include "sparq/Numerics/Wanda.h"
#include "sparq/Utils/ConstantElements.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace sparq;
namespace num = sparq::numerics;

namespace {
/// sum_r d_r^T H d_r with d = w - v; with only the channel sums of squares,
/// the diagonal of H (the cross-channel terms dropped).
double outputError(const std::vector<float> &w, const std::vector<float> &v,
                   int64_t rows, int64_t k, const std::vector<double> *hessian,
                   const std::vector<double> &sumsq) {
  if (hessian)
    return num::reconstructionError(w.data(), v.data(), rows, k,
                                    hessian->data());
  double error = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k; ++j) {
      double d = double(w[r * k + j]) - double(v[r * k + j]);
      error += d * d * sumsq[j];
    }
  return error;
}
} // namespace

FailureOr<CalibratedPruneResult> sparq::pruneWithCalibration(
    Location loc, Attribute weightAttr, int64_t kDim, PruneCriterion criterion,
    const CalibrationFile *file, StringRef name, num::NMPattern pattern,
    double damp, bool wantReport, ArrayRef<int32_t> permutation) {
  CalibratedPruneResult result;
  bool aware = criterion != PruneCriterion::Magnitude;
  const char *criterionName = criterion == PruneCriterion::Wanda ? "wanda"
                              : criterion == PruneCriterion::SparseGPT
                                  ? "sparsegpt"
                                  : "magnitude";
  auto fail = [&](const Twine &why) -> FailureOr<CalibratedPruneResult> {
    emitError(loc) << "criterion=" << criterionName << ": " << why;
    return failure();
  };
  auto data = ConstantElements::read(weightAttr);
  auto type = data ? dyn_cast<RankedTensorType>(data->getType()) : nullptr;
  std::optional<num::ElementKind> kind =
      type ? getElementKind(type.getElementType()) : std::nullopt;
  if (!type || type.getRank() != 2 || !type.hasStaticShape() || !kind ||
      num::isFp8(*kind)) {
    if (aware)
      return fail("the weight is not a readable f32, f16 or bf16 matrix "
                  "constant");
    return result;
  }
  if (name.empty()) {
    if (aware)
      return fail("the product has no name (sparq.name or a name location) "
                  "to find its calibration statistics by");
    return result;
  }
  const OpCalibration *stats = file ? file->lookup(name) : nullptr;
  if (!stats) {
    if (aware)
      return fail("calibration file '" + (file ? file->getPath() : "") +
                  "' has no statistics for '" + name + "'");
    return result;
  }
  int64_t k = type.getDimSize(kDim), rows = type.getDimSize(1 - kDim);
  if (stats->channels != k)
    return fail("calibration for '" + name + "' has " +
                Twine(stats->channels) + " channels, but the product's K is " +
                Twine(k));
  if (stats->sumsq.empty() && criterion != PruneCriterion::SparseGPT) {
    if (aware)
      return fail("calibration for '" + name + "' has no 'sumsq'");
    return result;
  }
  std::optional<std::vector<double>> hessian;
  if (!stats->hessianPath.empty()) {
    hessian = file->loadHessian(name, loc);
    if (!hessian)
      return failure();
  } else if (criterion == PruneCriterion::SparseGPT) {
    return fail("calibration for '" + name + "' has no 'hessian' (calibrate "
                "with hessian=True)");
  }

  // Statistics in the product's current channel order.
  std::vector<double> sumsq = stats->sumsq;
  if (!permutation.empty() && int64_t(permutation.size()) == k) {
    for (int64_t p = 0; !sumsq.empty() && p < k; ++p)
      sumsq[p] = stats->sumsq[permutation[p]];
    if (hessian) {
      std::vector<double> h(hessian->size());
      for (int64_t p = 0; p < k; ++p)
        for (int64_t q = 0; q < k; ++q)
          h[p * k + q] = (*hessian)[permutation[p] * k + permutation[q]];
      hessian = std::move(h);
    }
  }

  // [rows][k], K contiguous.
  ArrayRef<char> raw = data->getRawData();
  std::vector<float> w(size_t(rows * k));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k; ++j)
      w[r * k + j] = num::loadAsF32(*kind, raw.data(),
                                    kDim == 1 ? r * k + j : j * rows + r);
  for (float v : w)
    if (!std::isfinite(v))
      return aware ? fail("the weight has a non-finite value")
                   : FailureOr<CalibratedPruneResult>(result);

  std::vector<float> magnitude(w.size());
  int64_t shape[2] = {rows, k};
  if (num::pruneNM(w.data(), num::ElementKind::F32,
                   num::AxisView::forDim(shape, 2, 1), pattern,
                   magnitude.data()) != num::NMStatus::Ok)
    return fail("the weight cannot be pruned N:M along K");
  std::vector<float> pruned = magnitude;
  std::vector<uint8_t> mask(w.size());
  if (criterion == PruneCriterion::Wanda) {
    num::PruneStatus status =
        num::wandaPrune(w.data(), rows, k, sumsq.data(), pattern,
                        mask.data(), pruned.data());
    if (status != num::PruneStatus::Ok)
      return fail(num::pruneStatusMessage(status));
  } else if (criterion == PruneCriterion::SparseGPT) {
    num::SparseGPTOptions options;
    options.pattern = pattern;
    options.damp = damp;
    options.block = std::max<int64_t>(pattern.m, 128 / pattern.m * pattern.m);
    num::SparseGPTResult gpt = num::sparseGPTPrune(
        w.data(), rows, k, hessian->data(), options, pruned.data(),
        mask.data());
    if (gpt.status == num::PruneStatus::NotPositiveDefinite)
      return fail("the Hessian of '" + name + "' is not positive definite "
                  "even damped by " + llvm::formatv("{0:e}", gpt.lambda) +
                  "; raise damp");
    if (gpt.status != num::PruneStatus::Ok)
      return fail(num::pruneStatusMessage(gpt.status));
    if (gpt.neededDamping)
      emitWarning(loc) << "the Hessian of '" << name
                       << "' is not positive definite; damped by "
                       << llvm::formatv("{0:e}", gpt.lambda).str()
                       << " (damp=" << damp << " times its mean diagonal)";
  }

  for (size_t i = 0; i < w.size(); ++i) {
    result.totalL1 += std::fabs(w[i]);
    bool kept = aware ? mask[i] != 0 : magnitude[i] != 0;
    if (kept)
      result.keptL1 += std::fabs(w[i]);
  }
  if (aware) {
    ConstantBuilder out(type, data->isResource());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < k; ++j)
        num::storeFromF32(*kind, out.data().data(),
                          kDim == 1 ? r * k + j : j * rows + r,
                          pruned[r * k + j], num::Saturation::None);
    result.weight = out.finish();
  }
  if (wantReport) {
    const std::vector<double> *h = hessian ? &*hessian : nullptr;
    std::vector<float> zero(w.size(), 0.0f);
    double dense = outputError(w, zero, rows, k, h, sumsq);
    double before = outputError(w, magnitude, rows, k, h, sumsq);
    double after = outputError(w, pruned, rows, k, h, sumsq);
    auto relative = [&](double e) {
      return dense > 0 ? llvm::formatv("{0:e}", e / dense).str()
                       : std::string("n/a");
    };
    result.report =
        llvm::formatv("output error on the calibration set ({0}), relative "
                      "to the dense output: magnitude {1}",
                      h ? "from X^T X" : "diagonal estimate from sumsq",
                      relative(before))
            .str();
    if (aware)
      result.report += ", " + std::string(criterionName) + " " +
                       relative(after);
  }
  return result;
}
