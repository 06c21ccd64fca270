//===- PrunePass.cpp - the sparq-prune pass -------------------------------===//
//
// Weights are pruned once per weight value, not once per product: a weight
// read by several products (forward and backward of a training step) must
// present the same mask to all of them. The first product decides the sparse
// dimension; products whose K is another dimension read the pruned weight
// dense (or compressed, with the transposable rule).
//
//===----------------------------------------------------------------------===//
#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/Transforms/Convolution.h"

#include "PruneCalibrated.h"

#include "sparq/Numerics/NM.h"
#include "sparq/Numerics/Transposable.h"
#include "sparq/Utils/ConstantElements.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace sparq {
#define GEN_PASS_DEF_SPARQPRUNE
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace sparq

using namespace mlir;
using namespace sparq;
namespace num = sparq::numerics;

namespace {
/// A product whose weight the pass may prune.
struct Consumer {
  Operation *op = nullptr;
  std::optional<Location> loc;
  std::string name;
  /// The op as the summary names it.
  std::string description;
  std::string skipReason;
  /// For a convolution rewritten as an im2col product: how K is laid out.
  std::string convolution;
  /// linalg input index, or 0 / 1 for the lhs / rhs of a sparq.matmul.
  unsigned weightIndex = 0;
  /// The dense value that is pruned, and the sparq.quantize between it and
  /// the product, if any.
  Value root;
  QuantizeOp quantize;
  /// The dimension of `root` that is this product's K.
  int64_t rootK = 0;
};

/// Whether `value` is a constant, possibly behind a sparq.quantize.
bool isConstantWeight(Value value) {
  if (auto q = value.getDefiningOp<QuantizeOp>())
    value = q.getInput();
  return matchPattern(value, m_Constant());
}

/// The input index a `sparq.weight_operand` attribute names, or the only
/// constant one.
std::optional<unsigned> findWeight(Operation *op, Value in0, Value in1) {
  if (auto named = op->getAttrOfType<IntegerAttr>("sparq.weight_operand"))
    if (named.getInt() == 0 || named.getInt() == 1)
      return unsigned(named.getInt());
  bool c0 = isConstantWeight(in0), c1 = isConstantWeight(in1);
  if (c0 != c1)
    return c0 ? 0u : 1u;
  return std::nullopt;
}

/// The tensor type of `type` encoded N:M along dimension `dim`.
RankedTensorType encodedType(RankedTensorType type, unsigned n, unsigned m,
                             int64_t dim) {
  auto nm = NMAttr::get(type.getContext(), n, m,
                        dim == type.getRank() - 1 ? -1 : dim);
  return RankedTensorType::get(type.getShape(), type.getElementType(), nm);
}

struct SparqPrunePass : public sparq::impl::SparqPruneBase<SparqPrunePass> {
  using SparqPruneBase::SparqPruneBase;
  void runOnOperation() override;

private:
  void analyze(Consumer &c);
  void rewrite(Consumer &c, Value pruned, int64_t prunedDim);
  void emitReport(const Consumer &c, int64_t prunedDim);

  /// Reads the criterion and calibration options; errors are emitted.
  LogicalResult loadCriterion();

  unsigned n = 2, m = 4;
  PruneCriterion criterionKind = PruneCriterion::Magnitude;
  std::optional<CalibrationFile> calibrationFile;
  unsigned pruned = 0, skipped = 0;
  SmallVector<std::string> unchanged;
  double keptL1 = 0, totalL1 = 0;
};
} // namespace

void SparqPrunePass::analyze(Consumer &c) {
  auto skipBecause = [&](const std::string &why) { c.skipReason = why; };
  std::string whyNotConv;
  switch (classifyConvolution(c.op, whyNotConv)) {
  case ConvolutionKind::None:
    break;
  case ConvolutionKind::Depthwise:
  case ConvolutionKind::Unsupported:
    return skipBecause(whyNotConv);
  case ConvolutionKind::Product: {
    // Checked on the convolution so that one left dense stays a convolution.
    FailureOr<ConvolutionInfo> info =
        matchConvolution(cast<linalg::LinalgOp>(c.op), whyNotConv);
    if (failed(info))
      return skipBecause(whyNotConv);
    if (info->k % m != 0)
      return skipBecause(llvm::formatv("K = {0} is not a multiple of M = {1} "
                                       "({2})",
                                       info->k, m, info->describeK())
                             .str());
    if (rule == NMRule::transposable)
      return skipBecause("the transposable rule is for matrices, not "
                         "convolution filters");
    IRRewriter rewriter(c.op->getContext());
    c.convolution = "convolution " + info->layout + " as an im2col product, " +
                    info->describeK();
    c.op = rewriteConvolutionAsProduct(rewriter, *info);
    break;
  }
  }
  Value inputs[2];
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(c.op)) {
    std::string whyNot;
    FailureOr<Contraction> contraction = matchContraction(linalgOp, whyNot);
    if (failed(contraction))
      return skipBecause(whyNot);
    inputs[0] = linalgOp.getDpsInputOperand(0)->get();
    inputs[1] = linalgOp.getDpsInputOperand(1)->get();
    std::optional<unsigned> weight = findWeight(c.op, inputs[0], inputs[1]);
    if (!weight)
      return skipBecause("no weight: neither input is a constant; mark a "
                         "training weight with sparq.weight_operand");
    c.weightIndex = *weight;
    bool isLhs = *weight == contraction->lhsIndex;
    if (isLhs && contraction->batchIntoM)
      return skipBecause("a weight that folds a batch into M");
    int64_t rank = cast<RankedTensorType>(inputs[*weight].getType()).getRank();
    c.rootK = isLhs ? (contraction->transposeLhs ? rank - 2 : rank - 1)
                    : (contraction->transposeRhs ? rank - 1 : rank - 2);
  } else {
    auto matmul = cast<MatmulOp>(c.op);
    inputs[0] = matmul.getLhs();
    inputs[1] = matmul.getRhs();
    if (getNMEncoding(inputs[0].getType()) || getNMEncoding(inputs[1].getType()))
      return skipBecause("already N:M-sparse");
    std::optional<unsigned> weight = findWeight(c.op, inputs[0], inputs[1]);
    if (!weight)
      return skipBecause("no weight: neither input is a constant; mark a "
                         "training weight with sparq.weight_operand");
    c.weightIndex = *weight;
    int64_t rank = matmul.getType().getRank();
    c.rootK = *weight == 0 ? rank - 1 : rank - 2;
  }
  c.root = inputs[c.weightIndex];
  if (auto q = c.root.getDefiningOp<QuantizeOp>()) {
    // Prune the value being quantized: the same program as pruning first.
    c.quantize = q;
    c.root = q.getInput();
  }
  auto type = cast<RankedTensorType>(c.root.getType());
  int64_t k = type.getDimSize(c.rootK);
  if (ShapedType::isDynamic(k))
    return skipBecause("K is dynamic");
  if (k % m != 0)
    return skipBecause(llvm::formatv("K = {0} is not a multiple of M = {1}", k,
                                     m)
                           .str());
  if (rule == NMRule::transposable &&
      (type.getRank() != 2 || !type.hasStaticShape() ||
       type.getDimSize(0) % 4 || type.getDimSize(1) % 4))
    return skipBecause("the transposable rule needs a static matrix whose "
                       "dimensions are multiples of 4");
}

void SparqPrunePass::rewrite(Consumer &c, Value prunedRoot, int64_t prunedDim) {
  IRRewriter rewriter(c.op->getContext());
  rewriter.setInsertionPoint(c.op);
  Location loc = c.op->getLoc();
  bool compressible = rule == NMRule::transposable || c.rootK == prunedDim;
  Value weight = prunedRoot;
  if (c.quantize)
    weight = QuantizeOp::create(
        rewriter, c.quantize.getLoc(), c.quantize.getType(), prunedRoot,
        c.quantize.getScale(), c.quantize.getSeed(), c.quantize.getAxisAttr(),
        c.quantize.getRoundingAttr(), c.quantize.getSaturationAttr());

  if (auto matmul = dyn_cast<MatmulOp>(c.op)) {
    if (compressible) {
      auto type = cast<RankedTensorType>(weight.getType());
      weight = CompressOp::create(rewriter, loc,
                                  encodedType(type, n, m, c.rootK), weight);
    }
    rewriter.modifyOpInPlace(matmul,
                             [&] { matmul->setOperand(c.weightIndex, weight); });
    if (c.quantize && c.quantize->use_empty())
      rewriter.eraseOp(c.quantize);
    return;
  }

  auto linalgOp = cast<linalg::LinalgOp>(c.op);
  rewriter.modifyOpInPlace(linalgOp, [&] {
    linalgOp.getDpsInputOperand(c.weightIndex)->set(weight);
  });
  std::string ignored;
  Contraction contraction = *matchContraction(linalgOp, ignored);
  bool weightIsLhs = c.weightIndex == contraction.lhsIndex;
  rewriteAsSparqMatmul(
      rewriter, contraction,
      [&](Value operand, bool isLhs) -> std::pair<Value, Value> {
        if (isLhs != weightIsLhs || !compressible)
          return {operand, Value()};
        auto type = cast<RankedTensorType>(operand.getType());
        int64_t k = isLhs ? type.getRank() - 1 : type.getRank() - 2;
        return {CompressOp::create(rewriter, loc, encodedType(type, n, m, k),
                                   operand),
                Value()};
      },
      SaturationAttr::get(c.op->getContext(), Saturation::satfinite));
}

void SparqPrunePass::emitReport(const Consumer &c, int64_t prunedDim) {
  if (!report)
    return;
  if (!c.skipReason.empty()) {
    emitRemark(*c.loc) << "left dense: " << c.skipReason;
    return;
  }
  InFlightDiagnostic remark = emitRemark(*c.loc);
  remark << "pruned input " << c.weightIndex << " to " << n << ":" << m;
  if (!c.convolution.empty())
    remark << " (" << c.convolution << ")";
  if (rule == NMRule::transposable)
    remark << " (transposable)";
  remark << (isConstantWeight(c.root) ? " at compile time"
                                      : ", mask recomputed at run time");
  if (rule != NMRule::transposable && c.rootK != prunedDim)
    remark << "; read dense: the weight is sparse along dimension "
           << prunedDim << ", not this product's K";
}

LogicalResult SparqPrunePass::loadCriterion() {
  Location loc = getOperation().getLoc();
  if (criterion == "magnitude")
    criterionKind = PruneCriterion::Magnitude;
  else if (criterion == "wanda")
    criterionKind = PruneCriterion::Wanda;
  else if (criterion == "sparsegpt")
    criterionKind = PruneCriterion::SparseGPT;
  else
    return emitError(loc) << "unknown criterion '" << criterion
                          << "': expected magnitude, wanda or sparsegpt";
  if (!std::isfinite(damp) || damp < 0)
    return emitError(loc) << "damp must be finite and non-negative, got "
                          << damp;
  bool aware = criterionKind != PruneCriterion::Magnitude;
  if (aware && calibration.empty())
    return emitError(loc) << "criterion=" << criterion
                          << " needs a calibration file (calibration=FILE)";
  if (aware && rule == NMRule::transposable)
    return emitError(loc) << "criterion=" << criterion
                          << " does not combine with the transposable rule";
  if (calibration.empty())
    return success();
  FailureOr<CalibrationFile> file = CalibrationFile::load(calibration, loc);
  if (failed(file))
    return failure();
  if (file->isLegacy())
    return emitError(loc) << "calibration table '" << calibration
                          << "' holds amax values only; pruning needs a "
                             "sparq_calibration file with per-channel "
                             "statistics";
  calibrationFile = std::move(*file);
  return success();
}

void SparqPrunePass::runOnOperation() {
  ModuleOp module = getOperation();
  // Options first: a bad request changes nothing.
  auto nm = parseNMPattern(pattern);
  if (!nm) {
    emitError(module.getLoc()) << "pattern '" << pattern
                               << "' is not N:M with 0 < N < M <= 16";
    return signalPassFailure();
  }
  std::tie(n, m) = *nm;
  static const char *gpuTargets[] = {"sm_80", "sm_89", "sm_90", "sm_90a"};
  bool gpu = llvm::is_contained(gpuTargets, StringRef(target));
  if (!gpu && target != "cpu") {
    emitError(module.getLoc()) << "unknown target '" << target
                               << "': expected cpu, sm_80, sm_89, sm_90 or "
                                  "sm_90a";
    return signalPassFailure();
  }
  if (gpu && !(n == 2 && m == 4)) {
    emitError(module.getLoc())
        << "target " << target << " runs sparse products with mma.sp, which "
        << "takes 2:4 only; " << n << ":" << m << " needs target=cpu";
    return signalPassFailure();
  }
  if (rule == NMRule::transposable && !(n == 2 && m == 4)) {
    emitError(module.getLoc()) << "the transposable rule is defined for 2:4 only";
    return signalPassFailure();
  }

  if (failed(loadCriterion()))
    return signalPassFailure();

  llvm::StringSet<> skipNames;
  for (const std::string &name : skip)
    skipNames.insert(name);
  normalizeContractions(module);
  // Collected first: analyze rewrites convolutions.
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    std::string ignored;
    if (isa<MatmulOp>(op) ||
        (isa<linalg::LinalgOp>(op) &&
         linalg::isaContractionOpInterface(cast<linalg::LinalgOp>(op))) ||
        classifyConvolution(op, ignored) != ConvolutionKind::None)
      ops.push_back(op);
  });
  SmallVector<Consumer> consumers;
  for (Operation *op : ops) {
    Consumer c;
    c.op = op;
    c.loc = op->getLoc();
    c.name = getContractionName(op);
    c.description = describeForReport(op);
    if (op->hasAttr("sparq.skip"))
      c.skipReason = "marked sparq.skip";
    else if (!c.name.empty() && skipNames.contains(c.name))
      c.skipReason = "named in skip";
    else
      analyze(c);
    consumers.push_back(std::move(c));
  }

  // One prune per weight value, along the K of its first product.
  llvm::MapVector<Value, SmallVector<Consumer *>> byRoot;
  for (Consumer &c : consumers)
    if (c.skipReason.empty())
      byRoot[c.root].push_back(&c);
  // Statistics are checked and the activation-aware weights computed for
  // every weight before anything is rewritten.
  if (calibrationFile) {
    llvm::StringSet<> names;
    for (const Consumer &c : consumers)
      if (!c.name.empty())
        names.insert(c.name);
    for (const auto &entry : calibrationFile->getOps())
      if (!names.contains(entry.getKey())) {
        emitError(module.getLoc())
            << "calibration file '" << calibration << "' names '"
            << entry.getKey() << "', which is no product in the module";
        return signalPassFailure();
      }
  }
  llvm::DenseMap<Value, CalibratedPruneResult> calibrated;
  bool failedCalibration = false;
  for (auto &[root, users] : byRoot) {
    if (!calibrationFile)
      break;
    Consumer &first = *users.front();
    Attribute attr;
    bool constant = matchPattern(root, m_Constant(&attr));
    if (!constant) {
      if (criterionKind != PruneCriterion::Magnitude) {
        emitError(*first.loc) << "criterion=" << criterion
                              << " prunes constant weights; this product's "
                                 "weight is computed at run time";
        failedCalibration = true;
      }
      continue;
    }
    // After --sparq-permute-channels, position p of K holds the calibrated
    // channel permutation[p].
    ArrayRef<int32_t> permutation;
    if (auto perm = first.op->getAttrOfType<DenseI32ArrayAttr>(
            "sparq.channel_permutation")) {
      int64_t k = cast<ShapedType>(root.getType()).getDimSize(first.rootK);
      std::vector<int32_t> values(perm.asArrayRef().begin(),
                                  perm.asArrayRef().end());
      llvm::sort(values);
      bool ok = int64_t(values.size()) == k;
      for (int64_t i = 0; ok && i < k; ++i)
        ok = values[i] == i;
      if (!ok) {
        emitError(*first.loc) << "sparq.channel_permutation is not a "
                                 "permutation of the product's K = "
                              << k;
        failedCalibration = true;
        continue;
      }
      permutation = perm.asArrayRef();
    }
    FailureOr<CalibratedPruneResult> result = pruneWithCalibration(
        *first.loc, attr, first.rootK, criterionKind, &*calibrationFile,
        first.name, num::NMPattern{n, m}, damp, report, permutation);
    if (failed(result))
      failedCalibration = true;
    else
      calibrated[root] = std::move(*result);
  }
  if (failedCalibration)
    return signalPassFailure();

  for (auto &[root, users] : byRoot) {
    int64_t dim = users.front()->rootK;
    OpBuilder builder(module.getContext());
    if (auto arg = dyn_cast<BlockArgument>(root))
      builder.setInsertionPointToStart(arg.getOwner());
    else
      builder.setInsertionPointAfterValue(root);
    auto nm = NMAttr::get(module.getContext(), n, m,
                          dim == cast<RankedTensorType>(root.getType()).getRank() - 1
                              ? -1
                              : dim);
    auto known = calibrated.find(root);
    Value input = root;
    if (known != calibrated.end() && known->second.weight)
      // Already N:M (SparseGPT's values reconstructed): the prune op keeps
      // exactly its non-zeros and the folder compresses it as usual.
      input = arith::ConstantOp::create(builder, root.getLoc(),
                                        known->second.weight);
    Value prunedRoot =
        PruneOp::create(builder, root.getLoc(), input, nm,
                        NMRuleAttr::get(module.getContext(), rule));
    ++pruned;
    // How much magnitude a constant weight keeps.
    Attribute attr;
    if (known != calibrated.end() && known->second.weight) {
      keptL1 += known->second.keptL1;
      totalL1 += known->second.totalL1;
    } else if (matchPattern(root, m_Constant(&attr)))
      if (auto data = ConstantElements::read(attr)) {
        auto type = cast<ShapedType>(root.getType());
        num::ElementKind kind = *getElementKind(type.getElementType());
        int64_t count = type.getNumElements();
        std::vector<char> out(data->getRawData().size());
        bool ok = rule == NMRule::transposable
                      ? num::pruneTransposable(data->getRawData().data(), kind,
                                               type.getDimSize(0),
                                               type.getDimSize(1), out.data())
                      : num::pruneNM(data->getRawData().data(), kind,
                                     num::AxisView::forDim(type.getShape().data(),
                                                           type.getRank(), dim),
                                     num::NMPattern{n, m},
                                     out.data()) == num::NMStatus::Ok;
        for (int64_t i = 0; ok && i < count; ++i) {
          totalL1 += std::fabs(num::loadAsF32(kind, data->getRawData().data(), i));
          keptL1 += std::fabs(num::loadAsF32(kind, out.data(), i));
        }
      }
    for (Consumer *c : users) {
      emitReport(*c, dim);
      if (report && known != calibrated.end() && !known->second.report.empty())
        emitRemark(*c->loc) << "criterion " << criterion << ": "
                            << known->second.report;
      rewrite(*c, prunedRoot, dim);
    }
  }
  for (Consumer &c : consumers)
    if (!c.skipReason.empty()) {
      ++skipped;
      unchanged.push_back(c.description + " (" + c.skipReason + ")");
      emitReport(c, 0);
    }

  numPruned = pruned;
  numSkipped = skipped;
  keptPermille = totalL1 > 0 ? uint64_t(std::llround(1000 * keptL1 / totalL1)) : 0;
  if (report) {
    InFlightDiagnostic remark = emitRemark(module.getLoc());
    remark << "sparq-prune: " << pruned << " weights pruned, " << skipped
           << " products left dense";
    if (totalL1 > 0)
      remark << llvm::formatv(", constant weights keep {0:P} of their L1 "
                              "magnitude",
                              keptL1 / totalL1)
                    .str();
    if (!unchanged.empty())
      remark << "; left dense: " << llvm::join(unchanged, ", ");
  }
}
