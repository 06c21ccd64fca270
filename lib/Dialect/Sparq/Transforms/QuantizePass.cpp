//===- QuantizePass.cpp - the sparq-quantize pass -------------------------===//
//
// Three phases so that an invalid request never leaves a half-rewritten
// module: plan every contraction, validate the plans (errors abort before any
// change), then rewrite.
//
//===----------------------------------------------------------------------===//
#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/Transforms/Calibration.h"
#include "sparq/Dialect/Sparq/Transforms/Convolution.h"
#include "sparq/Numerics/HistogramAmax.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

namespace sparq {
#define GEN_PASS_DEF_SPARQQUANTIZE
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace sparq

using namespace mlir;
using namespace sparq;
namespace num = sparq::numerics;

namespace {
/// One contraction the pass looked at, and what it decided.
struct Candidate {
  Operation *op = nullptr;
  /// Where remarks go; the op itself is gone once quantized.
  std::optional<Location> loc;
  func::FuncOp func;
  std::string name;
  /// The op as the summary names it (the op may be gone by then).
  std::string description;
  /// Why the op stays as it is; empty when it is quantized.
  std::string skipReason;
  /// Plans by linalg input index.
  OperandPlan plans[2];
  /// A convolution rewritten as an im2col product before quantizing.
  std::shared_ptr<const ConvolutionInfo> convolution;
};

/// The calibration file, if the pass was given one.
struct CalibrationTable {
  std::optional<CalibrationFile> file;
  bool empty() const { return !file; }
};

struct SparqQuantizePass
    : public sparq::impl::SparqQuantizeBase<SparqQuantizePass> {
  using SparqQuantizeBase::SparqQuantizeBase;

  void runOnOperation() override;

private:
  QuantizeOptions getOptions() const {
    QuantizeOptions options;
    options.format = format;
    options.weightGranularity = weightGranularity;
    options.activationScaling = activationScaling;
    options.margin = margin;
    options.saturation = saturate ? Saturation::satfinite : Saturation::none;
    return options;
  }
  LogicalResult loadCalibration(CalibrationTable &table);
  /// The static amax of linalg input `input` from `op`'s statistics, for
  /// the FP8 element type `format`, by the `amax` option's method.
  std::optional<double> chooseAmax(const CalibrationTable &table,
                                   const OpCalibration &op, unsigned input,
                                   Type format) const;
  SmallVector<Candidate> collect(const QuantizeOptions &options);
  LogicalResult plan(SmallVectorImpl<Candidate> &candidates,
                     const CalibrationTable &table);
  LogicalResult rewrite(SmallVectorImpl<Candidate> &candidates,
                        const QuantizeOptions &options);
  void emitReport(Candidate &c, ArrayRef<double> weightErrors);
  void noteSkipped(Candidate &c) {
    ++summary.skipped;
    summary.unchanged.push_back(c.description + " (" + c.skipReason +
                                ")");
    emitReport(c, {});
  }

  /// What the pass did; mirrored into the pass statistics, which release
  /// builds of LLVM compile out.
  struct {
    unsigned quantized = 0, skipped = 0, constantWeights = 0;
    double worstWeightError = 0;
    /// What was left unchanged and why, for the summary.
    SmallVector<std::string> unchanged;
  } summary;
};
} // namespace

LogicalResult SparqQuantizePass::loadCalibration(CalibrationTable &table) {
  Location loc = getOperation().getLoc();
  if (amaxMethod != "max" && amaxMethod != "percentile" && amaxMethod != "mse")
    return emitError(loc) << "unknown amax method '" << amaxMethod
                          << "': expected max, percentile or mse";
  if (!(percentile > 0 && percentile <= 100))
    return emitError(loc) << "percentile must be in (0, 100], got "
                          << percentile;
  if (calibration.empty())
    return success();
  FailureOr<CalibrationFile> file = CalibrationFile::load(calibration, loc);
  if (failed(file))
    return failure();
  table.file = std::move(*file);
  if (table.file->isLegacy() && amaxMethod != "max")
    return emitError(loc) << "amax=" << amaxMethod << " needs a histogram: "
                          << "calibration table '" << calibration
                          << "' is an {\"name\": amax} table";
  for (const auto &entry : table.file->getOps()) {
    const OpCalibration &op = entry.getValue();
    if (table.file->isLegacy())
      continue;
    if (amaxMethod == "max" ? !op.amax[0] : op.histogram.empty())
      return emitError(loc) << "calibration file '" << calibration << "', op '"
                            << entry.getKey() << "': amax=" << amaxMethod
                            << " needs its '"
                            << (amaxMethod == "max" ? "amax" : "histogram")
                            << "'";
  }
  return success();
}

std::optional<double>
SparqQuantizePass::chooseAmax(const CalibrationTable &table,
                              const OpCalibration &op, unsigned input,
                              Type format) const {
  if (table.file->isLegacy() || amaxMethod == "max")
    return op.amax[input];
  num::Fp8Format fp8 = isa<Float8E5M2Type>(format) ? num::Fp8Format::E5M2
                                                    : num::Fp8Format::E4M3;
  if (amaxMethod == "percentile")
    return num::percentileAmax(op.histogram.data(), op.histogram.size(),
                               op.histogramMax, percentile);
  return num::mseAmax(op.histogram.data(), op.histogram.size(),
                      op.histogramMax, fp8, margin);
}

SmallVector<Candidate>
SparqQuantizePass::collect(const QuantizeOptions &options) {
  SmallVector<Candidate> candidates;
  llvm::StringSet<> skipNames;
  for (const std::string &name : skip)
    skipNames.insert(name);
  getOperation().walk([&](func::FuncOp func) {
    SmallVector<Candidate> inFunc;
    func.walk([&](Operation *walked) {
      if (auto matmul = dyn_cast<MatmulOp>(walked)) {
        Candidate c;
        c.op = matmul;
        c.loc = matmul.getLoc();
        c.func = func;
        c.name = getContractionName(matmul);
        c.description = describeForReport(matmul);
        std::string why = whyNotQuantizable(matmul);
        if (why == "already FP8")
          return; // Nothing to say about quantized products.
        c.skipReason = why;
        inFunc.push_back(std::move(c));
        return;
      }
      auto op = dyn_cast<linalg::LinalgOp>(walked);
      if (!op)
        return;
      Candidate c;
      c.op = op;
      c.loc = op->getLoc();
      c.func = func;
      c.name = getContractionName(op);
      c.description = describeForReport(op);
      std::string whyNotConv;
      ConvolutionKind kind = classifyConvolution(op, whyNotConv);
      if (kind == ConvolutionKind::Depthwise ||
          kind == ConvolutionKind::Unsupported) {
        c.skipReason = whyNotConv;
      } else if (kind == ConvolutionKind::Product) {
        FailureOr<ConvolutionInfo> info = matchConvolution(op, whyNotConv);
        if (failed(info))
          c.skipReason = whyNotConv;
        else if (!convolutions)
          c.skipReason = "convolutions are quantized only with convolutions=true";
        else
          c.convolution = std::make_shared<ConvolutionInfo>(*info);
      } else {
        std::string whyNot;
        if (!linalg::isaContractionOpInterface(op))
          return; // Not a contraction: nothing to say.
        if (failed(matchContraction(op, whyNot)))
          c.skipReason = whyNot;
      }
      inFunc.push_back(std::move(c));
    });
    for (auto [i, c] : llvm::enumerate(inFunc)) {
      if (!c.skipReason.empty())
        continue;
      int64_t macs = -1;
      if (c.convolution) {
        macs = c.convolution->getNumMacs();
      } else if (!isa<MatmulOp>(c.op)) {
        std::string ignored;
        macs = matchContraction(cast<linalg::LinalgOp>(c.op), ignored)
                   ->getNumMacs();
      }
      if (c.op->hasAttr("sparq.skip"))
        c.skipReason = "marked sparq.skip";
      else if (!c.name.empty() && skipNames.contains(c.name))
        c.skipReason = "named in skip";
      else if (i == 0 && skipNames.contains("first"))
        c.skipReason = "first contraction of the function (skip=first)";
      else if (i + 1 == inFunc.size() && skipNames.contains("last"))
        c.skipReason = "last contraction of the function (skip=last)";
      else if (macs >= 0 && macs < minSize)
        c.skipReason = "smaller than min-size (" + std::to_string(macs) +
                       " multiply-adds)";
    }
    candidates.append(inFunc.begin(), inFunc.end());
  });
  return candidates;
}

/// The linalg input index of the weight of a convolution (its filter) or of
/// a contraction.
static unsigned weightIndex(Operation *op, bool isConvolution) {
  if (isConvolution)
    return 1;
  if (auto matmul = dyn_cast<MatmulOp>(op))
    return getWeightOperand(matmul);
  std::string ignored;
  return getWeightOperand(
      *matchContraction(cast<linalg::LinalgOp>(op), ignored));
}

LogicalResult SparqQuantizePass::plan(SmallVectorImpl<Candidate> &candidates,
                                      const CalibrationTable &table) {
  QuantizeOptions options = getOptions();
  bool ok = true;
  llvm::StringSet<> used;
  static const llvm::StringMap<OpCalibration> noOps;
  for (Candidate &c : candidates) {
    if (!c.skipReason.empty())
      continue;
    unsigned weight = weightIndex(c.op, c.convolution != nullptr);
    for (unsigned i = 0; i < 2; ++i) {
      OperandPlan &p = c.plans[i];
      p.format = getQuantizedFormat(c.op, i, options);
      p.isWeight = i == weight;
      if (p.isWeight)
        continue;
      switch (options.activationScaling) {
      case ActivationScaling::Dynamic:
        break;
      case ActivationScaling::Delayed:
        p.scaling = OperandPlan::Scaling::Delayed;
        break;
      case ActivationScaling::Static: {
        p.scaling = OperandPlan::Scaling::Static;
        std::optional<double> amax;
        if (const OpCalibration *entry =
                table.file && !c.name.empty() ? table.file->lookup(c.name)
                                              : nullptr) {
          amax = chooseAmax(table, *entry, i, p.format);
          used.insert(c.name);
        } else if (auto attr =
                       c.op->getAttrOfType<FloatAttr>("sparq.activation_amax")) {
          amax = attr.getValueAsDouble();
          if (!std::isfinite(*amax) || *amax < 0) {
            c.op->emitError() << "sparq.activation_amax must be finite and "
                                 "non-negative, got "
                              << *amax;
            ok = false;
          }
        }
        if (!amax) {
          c.op->emitError()
              << "static scaling needs a calibrated amax for input " << i
              << (c.name.empty() ? std::string(" (the op has no name)")
                                 : " of '" + c.name + "'")
              << ": add it to the calibration table or set "
                 "sparq.activation_amax";
          ok = false;
        }
        p.staticAmax = amax.value_or(0.0);
        break;
      }
      }
    }
  }
  for (const auto &entry : table.file ? table.file->getOps() : noOps)
    if (!used.contains(entry.getKey())) {
      emitError(getOperation().getLoc())
          << "calibration table entry '" << entry.getKey()
          << "' names no contraction to quantize";
      ok = false;
    }

  // Delayed scaling threads state through function signatures: only where
  // the pass can see every use and every value dominates the return.
  if (activationScaling == ActivationScaling::Delayed)
    for (Candidate &c : candidates) {
      if (!c.skipReason.empty())
        continue;
      if (!c.func.getBody().hasOneBlock() ||
          c.op->getBlock() != &c.func.getBody().front()) {
        c.op->emitError("delayed scaling needs the contraction in the single "
                        "block of its function");
        ok = false;
      } else if (!SymbolTable::symbolKnownUseEmpty(c.func, getOperation())) {
        c.op->emitError() << "delayed scaling adds amax-history state to @"
                          << c.func.getSymName()
                          << ", which is called inside the module";
        ok = false;
      }
    }
  return success(ok);
}

/// Erases ops of `module` that are trivially dead now but were not in
/// `deadBefore`: the inits and constants a rewrite left behind, not the
/// user's own dead code.
static void eraseNewlyDeadOps(ModuleOp module,
                              const llvm::DenseSet<Operation *> &deadBefore) {
  bool changed = true;
  while (changed) {
    changed = false;
    SmallVector<Operation *> dead;
    module.walk([&](Operation *op) {
      if (!deadBefore.contains(op) && isOpTriviallyDead(op))
        dead.push_back(op);
    });
    for (Operation *op : dead)
      op->erase();
    changed = !dead.empty();
  }
}

LogicalResult
SparqQuantizePass::rewrite(SmallVectorImpl<Candidate> &candidates,
                           const QuantizeOptions &options) {
  IRRewriter rewriter(&getContext());
  llvm::DenseSet<Operation *> deadBefore;
  getOperation().walk([&](Operation *op) {
    if (isOpTriviallyDead(op))
      deadBefore.insert(op);
  });
  auto historyType =
      RankedTensorType::get({int64_t(amaxHistory)}, rewriter.getF32Type());
  // New histories per function, returned in op order.
  llvm::MapVector<Operation *, SmallVector<Value>> histories;
  for (Candidate &c : candidates) {
    if (!c.skipReason.empty()) {
      noteSkipped(c);
      continue;
    }
    Operation *op = c.op;
    if (auto matmul = dyn_cast<MatmulOp>(op)) {
      for (OperandPlan &p : c.plans)
        if (p.scaling == OperandPlan::Scaling::Delayed) {
          Block &entry = c.func.getBody().front();
          unsigned index = c.func.getNumArguments();
          if (failed(c.func.insertArgument(index, historyType, {},
                                           c.func.getLoc())))
            return c.func.emitError("cannot add an amax-history argument");
          p.history = entry.getArgument(index);
        }
      QuantizedContraction done =
          quantizeMatmul(rewriter, matmul, c.plans[0], c.plans[1], options);
      ++summary.quantized;
      histories[c.func].append(done.newHistories.begin(),
                               done.newHistories.end());
      emitReport(c, done.weightErrors);
      continue;
    }
    if (c.convolution)
      op = rewriteConvolutionAsProduct(rewriter, *c.convolution);
    std::string whyNot;
    FailureOr<Contraction> contraction =
        matchContraction(cast<linalg::LinalgOp>(op), whyNot);
    if (failed(contraction)) {
      c.skipReason = whyNot;
      noteSkipped(c);
      continue;
    }
    for (OperandPlan &p : c.plans)
      if (p.scaling == OperandPlan::Scaling::Delayed) {
        Block &entry = c.func.getBody().front();
        unsigned index = c.func.getNumArguments();
        if (failed(c.func.insertArgument(index, historyType, {}, c.func.getLoc())))
          return c.func.emitError("cannot add an amax-history argument");
        p.history = entry.getArgument(index);
      }
    QuantizedContraction done = quantizeContraction(
        rewriter, *contraction, c.plans[contraction->lhsIndex],
        c.plans[1 - contraction->lhsIndex], options);
    ++summary.quantized;
    histories[c.func].append(done.newHistories.begin(),
                             done.newHistories.end());
    for (double err : done.weightErrors) {
      ++summary.constantWeights;
      summary.worstWeightError = std::max(summary.worstWeightError, err);
    }
    emitReport(c, done.weightErrors);
  }

  for (auto &[funcOp, values] : histories) {
    auto func = cast<func::FuncOp>(funcOp);
    if (values.empty())
      continue;
    for (Value v : values)
      if (failed(func.insertResult(func.getNumResults(), v.getType(), {})))
        return func.emitError("cannot add an amax-history result");
    func.walk([&](func::ReturnOp ret) {
      ret->insertOperands(ret->getNumOperands(), values);
    });
  }
  // Only once the histories are returned are they live.
  eraseNewlyDeadOps(getOperation(), deadBefore);
  return success();
}

void SparqQuantizePass::emitReport(Candidate &c,
                                   ArrayRef<double> weightErrors) {
  if (!report)
    return;
  if (!c.skipReason.empty()) {
    emitRemark(*c.loc) << "left unchanged: " << c.skipReason;
    return;
  }
  InFlightDiagnostic remark = emitRemark(*c.loc);
  remark << "quantized to FP8: inputs " << c.plans[0].format << " and "
         << c.plans[1].format;
  if (c.convolution)
    remark << " (convolution " << c.convolution->layout
           << " as an im2col product, " << c.convolution->describeK() << ")";
  for (unsigned i = 0; i < 2; ++i) {
    const OperandPlan &p = c.plans[i];
    remark << "; input " << i << ": ";
    if (p.isWeight) {
      remark << "weight, "
             << (weightGranularity == ScaleGranularity::row ? "per-channel"
                                                            : "per-tensor")
             << " scale";
      continue;
    }
    switch (p.scaling) {
    case OperandPlan::Scaling::Current:
      remark << "activation, dynamic scale";
      break;
    case OperandPlan::Scaling::Static:
      remark << "activation, static scale from amax " << p.staticAmax;
      break;
    case OperandPlan::Scaling::Delayed:
      remark << "activation, delayed scale (amax history of " << amaxHistory
             << ")";
      break;
    }
  }
  for (double err : weightErrors) {
    remark << "; constant weight: relative L2 error "
           << llvm::formatv("{0:F4}", err).str();
    if (err > 0)
      remark << llvm::formatv(" (SNR {0:F1} dB)", -20.0 * std::log10(err)).str();
  }
}

void SparqQuantizePass::runOnOperation() {
  if (activationScaling == ActivationScaling::Delayed && amaxHistory == 0) {
    emitError(getOperation().getLoc(), "amax-history must be at least 1");
    return signalPassFailure();
  }
  CalibrationTable table;
  if (failed(loadCalibration(table)))
    return signalPassFailure();
  if (!table.empty() && activationScaling != ActivationScaling::Static) {
    emitError(getOperation().getLoc(),
              "a calibration table needs activation-scaling=static");
    return signalPassFailure();
  }
  QuantizeOptions options = getOptions();
  // Products as frontends write them (transposed or broadcast weights, unit
  // batches) into the forms matchContraction takes; results are unchanged.
  normalizeContractions(getOperation());
  SmallVector<Candidate> candidates = collect(options);
  if (failed(plan(candidates, table)))
    return signalPassFailure();
  if (failed(rewrite(candidates, options)))
    return signalPassFailure();
  numQuantized = summary.quantized;
  numSkipped = summary.skipped;
  numConstantWeights = summary.constantWeights;
  worstWeightErrorPpm = uint64_t(std::llround(summary.worstWeightError * 1e6));
  worstWeightSnrCentiDb =
      summary.worstWeightError > 0
          ? uint64_t(std::llround(-2000.0 * std::log10(summary.worstWeightError)))
          : 0;
  // Release builds of LLVM (Debian's) compile pass statistics out, so the
  // report carries them too.
  if (report) {
    InFlightDiagnostic remark = emitRemark(getOperation().getLoc());
    remark << "sparq-quantize: " << summary.quantized << " quantized, "
           << summary.skipped << " left unchanged, " << summary.constantWeights
           << " constant weights";
    if (summary.constantWeights)
      remark << llvm::formatv(", worst weight error {0:F4}",
                              summary.worstWeightError)
                    .str();
    if (!summary.unchanged.empty())
      remark << "; left unchanged: " << llvm::join(summary.unchanged, ", ");
  }
}
