//===- Quantize.h - FP8 quantization of linalg contractions -----*- C++ -*-===//
#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_QUANTIZE_H
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_QUANTIZE_H

#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/Dialect/Sparq/Transforms/Contraction.h"

#include "mlir/IR/PatternMatch.h"

namespace sparq {

enum class QuantizeFormat { E4M3, E5M2, Hybrid };
enum class ActivationScaling { Dynamic, Static, Delayed };

struct QuantizeOptions {
  /// Hybrid: E4M3, except E5M2 for the operand that a `sparq.gradient_operand`
  /// attribute (0 or 1, in linalg operand order) names on a backward op.
  QuantizeFormat format = QuantizeFormat::E4M3;
  /// `row`: one scale per output channel of a weight.
  ScaleGranularity weightGranularity = ScaleGranularity::tensor;
  ActivationScaling activationScaling = ActivationScaling::Dynamic;
  int margin = 0;
  Saturation saturation = Saturation::satfinite;
};

/// How one operand of a contraction is quantized.
struct OperandPlan {
  enum class Scaling {
    /// amax and scale computed from the operand itself (folded for
    /// constants).
    Current,
    /// A scale fixed at compile time from a calibrated amax.
    Static,
    /// The scale of the amax history in `history`, which is then updated.
    Delayed,
  };
  mlir::Type format;
  bool isWeight = false;
  Scaling scaling = Scaling::Current;
  float staticAmax = 0.0f;
  mlir::Value history;
};

/// What quantizing one contraction produced.
struct QuantizedContraction {
  mlir::Value result;
  /// For delayed operands (lhs, rhs order): the updated amax histories.
  llvm::SmallVector<mlir::Value, 2> newHistories;
  /// For constant weights: relative L2 error of the quantized weight.
  llvm::SmallVector<double, 2> weightErrors;
};

/// The FP8 element type options.format gives operand `linalgOperand` of
/// `op`.
mlir::Type getQuantizedFormat(mlir::Operation *op, unsigned linalgOperand,
                              const QuantizeOptions &options);

/// Which linalg operand of a contraction is its weight: a constant one, else
/// the one a `sparq.weight_operand` attribute names, else the second.
unsigned getWeightOperand(const Contraction &c);

/// Replaces contraction `c` by quantize ops and a sparq.matmul computing the
/// same result in FP8 with f32 accumulation. `lhs`/`rhs` plan the operands
/// of the matmul form (after any swap, see Contraction).
QuantizedContraction quantizeContraction(mlir::RewriterBase &rewriter,
                                         const Contraction &c,
                                         const OperandPlan &lhs,
                                         const OperandPlan &rhs,
                                         const QuantizeOptions &options);

/// The same for a sparq.matmul on f32/f16/bf16 operands (after
/// --sparq-prune): its operands are quantized, an N:M-encoded one through its
/// dense values and re-encoded in FP8; out_scale and bias are kept.
QuantizedContraction quantizeMatmul(mlir::RewriterBase &rewriter, MatmulOp op,
                                    const OperandPlan &lhs,
                                    const OperandPlan &rhs,
                                    const QuantizeOptions &options);

/// Which operand (0 lhs, 1 rhs) of an unquantized sparq.matmul is its
/// weight: an N:M-encoded one, else a constant one, else the one a
/// `sparq.weight_operand` attribute names, else rhs.
unsigned getWeightOperand(MatmulOp op);

/// Why `op` cannot be quantized by quantizeMatmul, or empty.
std::string whyNotQuantizable(MatmulOp op);

/// Patterns quantizing every contraction matchContraction accepts, with
/// current scaling for weights and, for activations, current (dynamic)
/// scaling or, with Static, the `sparq.activation_amax` attribute of the op
/// (ops without it are left alone). Delayed scaling changes function
/// signatures and is only available through the sparq-quantize pass.
void populateSparqQuantizePatterns(mlir::RewritePatternSet &patterns,
                                   const QuantizeOptions &options);

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_QUANTIZE_H
