//===- SparseTensorInteropTest.cpp - #sparq.nm <-> #sparse_tensor ---------===//
#include "sparq/Dialect/Sparq/IR/SparseTensorInterop.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::sparse_tensor;
using namespace sparq;

namespace {
class SparseTensorInteropTest : public ::testing::Test {
protected:
  SparseTensorInteropTest() {
    ctx.loadDialect<SparqDialect, SparseTensorDialect>();
  }
  SparseTensorEncodingAttr parseEncoding(StringRef text) {
    return dyn_cast_or_null<SparseTensorEncodingAttr>(
        parseAttribute(text, &ctx));
  }
  MLIRContext ctx;
};

TEST_F(SparseTensorInteropTest, UpstreamTwoFourIsInnermostNM) {
  auto encoding = parseEncoding(
      "#sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, "
      "d1 floordiv 4 : dense, d1 mod 4 : structured[2, 4]) }>");
  ASSERT_TRUE(encoding);
  NMAttr nm = fromSparseTensorEncoding(encoding);
  ASSERT_TRUE(nm);
  EXPECT_EQ(nm, NMAttr::get(&ctx, 2, 4, -1));
  EXPECT_EQ(toSparseTensorEncoding(nm, 2), encoding);
}

TEST_F(SparseTensorInteropTest, RoundTripsEveryDimensionAndPattern) {
  for (int64_t rank : {1, 2, 3})
    for (auto [n, m] : {std::pair(2u, 4u), std::pair(1u, 2u), std::pair(4u, 8u)})
      for (int64_t dim = 0; dim < rank; ++dim) {
        NMAttr nm = NMAttr::get(&ctx, n, m, dim == rank - 1 ? -1 : dim);
        SparseTensorEncodingAttr encoding = toSparseTensorEncoding(nm, rank);
        ASSERT_TRUE(encoding) << "rank " << rank << " dim " << dim;
        EXPECT_EQ(fromSparseTensorEncoding(encoding), nm)
            << "rank " << rank << " dim " << dim << " " << n << ":" << m;
      }
}

TEST_F(SparseTensorInteropTest, OutOfRangeDimensionHasNoEquivalent) {
  EXPECT_FALSE(toSparseTensorEncoding(NMAttr::get(&ctx, 2, 4, 2), 2));
  EXPECT_FALSE(toSparseTensorEncoding(NMAttr::get(&ctx, 2, 4, -3), 2));
}

TEST_F(SparseTensorInteropTest, RejectsOtherSparseEncodings) {
  // CSR: no structured level.
  EXPECT_FALSE(fromSparseTensorEncoding(parseEncoding(
      "#sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, "
      "d1 : compressed) }>")));
  // Structured, but the other dimensions permuted.
  EXPECT_FALSE(fromSparseTensorEncoding(parseEncoding(
      "#sparse_tensor.encoding<{ map = (d0, d1, d2) -> (d1 : dense, d0 : "
      "dense, d2 floordiv 4 : dense, d2 mod 4 : structured[2, 4]) }>")));
  EXPECT_FALSE(fromSparseTensorEncoding(nullptr));
}
} // namespace
