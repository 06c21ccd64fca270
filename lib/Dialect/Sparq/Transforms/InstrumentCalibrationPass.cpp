//===- InstrumentCalibrationPass.cpp - expose activations for calibration -===//
//
// Calibration needs, for every product sparq may transform, the activation
// the product reads, as a [rows, K] matrix whose column j is input channel j
// of the weight (the order the prune and permute passes group K in). Rather
// than recording statistics at run time, the pass appends those matrices to
// the results of the entry function: `sparq.calibrate` runs the instrumented
// copy with compile_cpu and reduces them in numpy, where the statistics are
// exact and easy to check. The module is a throw-away copy: convolutions
// become their im2col products, whose patches are the activation matrix.
//
//===----------------------------------------------------------------------===//
#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/Transforms/Convolution.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSet.h"

namespace sparq {
#define GEN_PASS_DEF_SPARQINSTRUMENTCALIBRATION
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace sparq

using namespace mlir;
using namespace sparq;

namespace {
struct SparqInstrumentCalibrationPass
    : public sparq::impl::SparqInstrumentCalibrationBase<
          SparqInstrumentCalibrationPass> {
  using SparqInstrumentCalibrationBase::SparqInstrumentCalibrationBase;
  void runOnOperation() override;
};

/// The activation `operand` of a product in matmul orientation ([B x] M x K
/// as lhs, [B x] K x N as rhs, or their transposes) as a [rows, K] matrix.
Value asChannelMatrix(OpBuilder &builder, Location loc, Value operand,
                      bool isLhs, bool transposed) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t rank = type.getRank();
  // lhs [.., M, K] has K last; rhs [.., K, N] has it second to last.
  bool kLast = isLhs ? !transposed : transposed;
  Value value = kLast ? operand : transposeLastTwo(builder, loc, operand);
  type = cast<RankedTensorType>(value.getType());
  if (rank == 2)
    return value;
  ReassociationIndices rows;
  for (int64_t d = 0; d < rank - 1; ++d)
    rows.push_back(d);
  SmallVector<ReassociationIndices> reassociation = {rows, {rank - 1}};
  auto collapsed =
      tensor::CollapseShapeOp::inferCollapsedType(type, reassociation);
  return tensor::CollapseShapeOp::create(builder, loc, collapsed, value,
                                         reassociation);
}
} // namespace

void SparqInstrumentCalibrationPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto func = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      module, StringAttr::get(module.getContext(), entry));
  if (!func || func.isExternal() || !func.getBody().hasOneBlock()) {
    emitError(module.getLoc())
        << "calibration runs @" << entry
        << ", which must be a function with a body of one block";
    return signalPassFailure();
  }
  normalizeContractions(module);

  // Products are collected first: convolutions are rewritten below.
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    std::string ignored;
    if (isa<MatmulOp>(op) ||
        (isa<linalg::LinalgOp>(op) &&
         linalg::isaContractionOpInterface(cast<linalg::LinalgOp>(op))) ||
        classifyConvolution(op, ignored) == ConvolutionKind::Product)
      ops.push_back(op);
  });

  Block &body = func.getBody().front();
  llvm::StringMap<Location> seen;
  for (Operation *op : ops) {
    std::string name = getContractionName(op);
    if (name.empty())
      continue;
    if (op->hasAttr("sparq.channel_permutation")) {
      op->emitError() << "'" << name << "' had its channels permuted: "
                      << "calibrate before --sparq-permute-channels";
      return signalPassFailure();
    }
    if (auto [it, inserted] = seen.try_emplace(name, op->getLoc()); !inserted) {
      InFlightDiagnostic diag = op->emitError()
                                << "two products are named '" << name
                                << "': calibration statistics need one each";
      diag.attachNote(it->second) << "the other one";
      return signalPassFailure();
    }
  }

  SmallVector<std::pair<std::string, Value>> outputs;
  IRRewriter rewriter(module.getContext());
  for (Operation *op : ops) {
    std::string name = getContractionName(op);
    if (name.empty())
      continue;
    auto skip = [&](const Twine &why) {
      if (report)
        emitRemark(op->getLoc()) << "not recorded: " << why;
    };
    if (op->getBlock() != &body) {
      skip("calibration records the products in the body of @" + entry);
      continue;
    }
    std::string whyNot;
    if (classifyConvolution(op, whyNot) == ConvolutionKind::Product) {
      FailureOr<ConvolutionInfo> info =
          matchConvolution(cast<linalg::LinalgOp>(op), whyNot);
      if (failed(info)) {
        skip(whyNot);
        continue;
      }
      op = rewriteConvolutionAsProduct(rewriter, *info);
    }
    Value operand;
    bool isLhs, transposed;
    if (auto matmul = dyn_cast<MatmulOp>(op)) {
      isLhs = getWeightOperand(matmul) == 1;
      operand = isLhs ? matmul.getLhs() : matmul.getRhs();
      transposed = false;
      if (getNMEncoding(operand.getType())) {
        skip("the activation is N:M-encoded");
        continue;
      }
    } else {
      FailureOr<Contraction> c =
          matchContraction(cast<linalg::LinalgOp>(op), whyNot);
      if (failed(c)) {
        skip(whyNot);
        continue;
      }
      isLhs = getWeightOperand(*c) != c->lhsIndex;
      operand = isLhs ? c->lhs : c->rhs;
      transposed = isLhs ? c->transposeLhs : c->transposeRhs;
    }
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type || !type.getElementType().isF32() || type.getRank() < 2) {
      skip("the activation is not an f32 tensor of rank 2 or more");
      continue;
    }
    rewriter.setInsertionPoint(op);
    outputs.emplace_back(name, asChannelMatrix(rewriter, op->getLoc(), operand,
                                               isLhs, transposed));
  }

  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret) {
    emitError(func.getLoc()) << "@" << entry << " does not end in func.return";
    return signalPassFailure();
  }
  for (auto &[name, value] : outputs) {
    unsigned index = func.getNumResults();
    if (failed(func.insertResult(index, value.getType(), DictionaryAttr()))) {
      emitError(func.getLoc()) << "cannot add a result to @" << entry;
      return signalPassFailure();
    }
    ret->insertOperands(ret->getNumOperands(), value);
    // sparq.calibrate reads these to know which result is which.
    if (report)
      emitRemark(func.getLoc())
          << "calibration output " << index << ": " << name;
  }
}
