//===- RuntimeChecks.cpp - run-time checks of dynamic sizes ---------------===//
//
// Each check compares two sizes as i64 and, when they differ, calls the
// runtime's sparq_rt_size_mismatch with the op's location, what the two sizes
// are and their values. Only relations with a dynamic side are emitted, so a
// static program carries no check; a relation whose sizes become constants
// later folds away with the comparison (canonicalize).
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToLLVM/RuntimeChecks.h"

#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace sparq;

namespace {
/// One side of a size relation: dimension `dim` of `tensor`, or a size known
/// statically (from the op's result type, or the static K of an encoded
/// operand, whose stored sizes are not its logical ones).
struct Size {
  Value tensor;
  int64_t dim = 0;
  int64_t known = ShapedType::kDynamic;
  std::string what;

  static Size of(Value tensor, int64_t dim, const Twine &what) {
    return {tensor, dim, ShapedType::kDynamic, what.str()};
  }
  static Size fixed(int64_t size, const Twine &what) {
    return {Value(), 0, size, what.str()};
  }
  bool isStatic() const {
    return !tensor ||
           !cast<RankedTensorType>(tensor.getType()).isDynamicDim(dim);
  }
};

class Checker {
public:
  Checker(OpBuilder &builder, Operation *op, ArrayRef<ValueRange> operands)
      : builder(builder), op(op), operands(operands), loc(op->getLoc()),
        module(op->getParentOfType<ModuleOp>()) {}

  /// The converted values of `original`, one of op's operands.
  ValueRange converted(Value original) const {
    for (OpOperand &operand : op->getOpOperands())
      if (operand.get() == original)
        return operands[operand.getOperandNumber()];
    llvm_unreachable("not an operand of the op");
  }

  /// Checks a == b at run time unless both are static (the verifier has
  /// compared them then).
  void equal(const Size &a, const Size &b) {
    if (a.isStatic() && b.isStatic())
      return;
    Value x = valueOf(a), y = valueOf(b);
    Value differ = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne,
                                         x, y);
    auto ifOp = scf::IfOp::create(builder, loc, differ, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(ifOp.thenBlock());
    func::CallOp::create(builder, loc, declareMismatch(),
                         ValueRange{string(where()), string(a.what), x,
                                    string(b.what), y});
  }

  /// The values and metadata of an encoded operand agree in every dimension
  /// but the sparse one.
  void storage(Value original, StringRef name) {
    NMAttr pattern = getNMEncoding(original.getType());
    ValueRange parts = converted(original);
    if (!pattern || parts.size() != 2)
      return;
    int64_t rank = cast<RankedTensorType>(original.getType()).getRank();
    int64_t sparse = *pattern.getSparseDim(rank);
    for (int64_t d = 0; d < rank; ++d)
      if (d != sparse)
        equal(Size::of(parts[0], d,
                       "dimension " + Twine(d) + " of the values of " + name),
              Size::of(parts[1], d,
                       "dimension " + Twine(d) + " of the metadata of " +
                           name));
  }

private:
  Value valueOf(const Size &size) {
    if (!size.tensor)
      return arith::ConstantIntOp::create(builder, loc, size.known, 64);
    auto type = cast<RankedTensorType>(size.tensor.getType());
    if (!type.isDynamicDim(size.dim))
      return arith::ConstantIntOp::create(builder, loc,
                                          type.getDimSize(size.dim), 64);
    Value dim = tensor::DimOp::create(builder, loc, size.tensor, size.dim);
    return arith::IndexCastOp::create(builder, loc, builder.getI64Type(), dim);
  }

  /// "file:line:col: error: 'sparq.op' op", as the verifier would say it.
  std::string where() const {
    std::string text;
    llvm::raw_string_ostream os(text);
    if (auto file = loc->findInstanceOf<FileLineColLoc>())
      os << file.getFilename().getValue() << ":" << file.getLine() << ":"
         << file.getColumn();
    else
      os << loc;
    os << ": error: '" << op->getName() << "' op";
    return text;
  }

  /// A pointer to a NUL-terminated constant holding `text`; equal texts
  /// share one global.
  Value string(StringRef text) {
    std::string value = (text + Twine('\0')).str();
    LLVM::GlobalOp global;
    for (auto existing : module.getOps<LLVM::GlobalOp>()) {
      auto attr = dyn_cast_or_null<StringAttr>(existing.getValueOrNull());
      if (existing.getSymName().starts_with("sparq_check_text") && attr &&
          attr.getValue() == value) {
        global = existing;
        break;
      }
    }
    if (!global) {
      std::string name = "sparq_check_text";
      for (unsigned i = 0; module.lookupSymbol(name); ++i)
        name = "sparq_check_text_" + std::to_string(i);
      OpBuilder::InsertionGuard guard(builder);
      builder.setInsertionPointToStart(module.getBody());
      auto type = LLVM::LLVMArrayType::get(builder.getI8Type(), value.size());
      global = LLVM::GlobalOp::create(builder, loc, type, /*isConstant=*/true,
                                      LLVM::Linkage::Internal, name,
                                      builder.getStringAttr(value));
    }
    return LLVM::AddressOfOp::create(builder, loc, global);
  }

  func::FuncOp declareMismatch() {
    if (auto func = module.lookupSymbol<func::FuncOp>(kSizeMismatchFunction))
      return func;
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(module.getBody());
    Type ptr = LLVM::LLVMPointerType::get(builder.getContext());
    Type i64 = builder.getI64Type();
    auto func = func::FuncOp::create(
        builder, loc, kSizeMismatchFunction,
        builder.getFunctionType({ptr, ptr, i64, ptr, i64}, {}));
    func.setPrivate();
    return func;
  }

  OpBuilder &builder;
  Operation *op;
  ArrayRef<ValueRange> operands;
  Location loc;
  ModuleOp module;
};

void checkMatmul(Checker &check, MatmulOp op) {
  RankedTensorType resultType = op.getType();
  int64_t rank = resultType.getRank(), b = rank - 2;
  auto lhsType = op.getLhs().getType(), rhsType = op.getRhs().getType();
  Value lhs = check.converted(op.getLhs())[0];
  Value rhs = check.converted(op.getRhs())[0];
  // A result size is the operand's when dynamic; a static one must match.
  auto resultSize = [&](int64_t d, const Twine &what) {
    return Size::fixed(resultType.getDimSize(d), what);
  };
  auto checkResult = [&](Size operand, int64_t d, const Twine &what) {
    if (!resultType.isDynamicDim(d))
      check.equal(operand, resultSize(d, what));
  };

  if (rank == 3) {
    Size batch = Size::of(lhs, 0, "the batch size of lhs");
    check.equal(batch, Size::of(rhs, 0, "the batch size of rhs"));
    checkResult(batch, 0, "the batch size of the result");
  }
  Size m = Size::of(lhs, b, "the M of lhs");
  Size n = Size::of(rhs, b + 1, "the N of rhs");
  checkResult(m, b, "the M of the result");
  checkResult(n, b + 1, "the N of the result");
  // An encoded operand stores fewer K; its logical K is static.
  Size lhsK = getNMEncoding(lhsType)
                  ? Size::fixed(lhsType.getDimSize(b + 1), "the K of lhs")
                  : Size::of(lhs, b + 1, "the K of lhs");
  Size rhsK = getNMEncoding(rhsType)
                  ? Size::fixed(rhsType.getDimSize(b), "the K of rhs")
                  : Size::of(rhs, b, "the K of rhs");
  check.equal(lhsK, rhsK);

  auto vector = [&](Value original, StringRef name, const Size &size) {
    if (!original || cast<RankedTensorType>(original.getType()).getRank() != 1)
      return;
    check.equal(Size::of(check.converted(original)[0], 0,
                         "the size of " + name),
                size);
  };
  vector(op.getLhsScale(), "lhs_scale", m);
  vector(op.getRhsScale(), "rhs_scale", n);
  vector(op.getBias(), "bias", n);
  check.storage(op.getLhs(), "lhs");
  check.storage(op.getRhs(), "rhs");
}

/// A per-axis scale has one entry per index of the input's axis.
template <typename OpTy>
void checkScaled(Checker &check, OpTy op) {
  std::optional<int64_t> axis = op.getAxis();
  if (!axis || op.getScale().getType().getRank() != 1)
    return;
  check.equal(Size::of(check.converted(op.getScale())[0], 0,
                       "the size of the scale"),
              Size::of(check.converted(op.getInput())[0], *axis,
                       "dimension " + Twine(*axis) + " of the input"));
}
} // namespace

void sparq::emitRuntimeSizeChecks(OpBuilder &builder, Operation *op,
                                  ArrayRef<ValueRange> operands) {
  Checker check(builder, op, operands);
  if (auto matmul = dyn_cast<MatmulOp>(op))
    checkMatmul(check, matmul);
  else if (auto quantize = dyn_cast<QuantizeOp>(op))
    checkScaled(check, quantize);
  else if (auto dequantize = dyn_cast<DequantizeOp>(op))
    checkScaled(check, dequantize);
  else if (auto decompress = dyn_cast<DecompressOp>(op))
    check.storage(decompress.getInput(), "the input");
}
