//===- MBarrierTest.cpp - CPU model of the shared-memory mbarrier --------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The phase rules of the PTX ISA's mbarrier section, one by one.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/MBarrier.h"

#include "gtest/gtest.h"

using namespace sparq::numerics::mbarrier;

namespace {

TEST(MBarrier, InitState) {
  MBarrier bar;
  EXPECT_FALSE(bar.isInitialized());
  EXPECT_EQ(bar.arrive(), Status::NotInitialized);
  EXPECT_EQ(bar.expectTx(16), Status::NotInitialized);
  EXPECT_EQ(bar.completeTx(16), Status::NotInitialized);
  EXPECT_EQ(bar.init(0), Status::InvalidCount);
  EXPECT_EQ(bar.init(kMaxCount + 1), Status::InvalidCount);
  ASSERT_EQ(bar.init(kMaxCount), Status::Ok);
  ASSERT_EQ(bar.init(3), Status::Ok);
  EXPECT_EQ(bar.phase(), 0u);
  EXPECT_EQ(bar.pendingArrivals(), 3u);
  EXPECT_EQ(bar.expectedArrivals(), 3u);
  EXPECT_EQ(bar.txCount(), 0);
}

// phaseParity names the current phase or the preceding one: on a fresh
// barrier, parity 1 (the "preceding" phase) has completed and parity 0 (the
// current one) has not.
TEST(MBarrier, FreshBarrierParity) {
  MBarrier bar;
  ASSERT_EQ(bar.init(1), Status::Ok);
  EXPECT_TRUE(bar.testWaitParity(1));
  EXPECT_FALSE(bar.testWaitParity(0));
}

TEST(MBarrier, ArrivalsCompleteThePhase) {
  MBarrier bar;
  ASSERT_EQ(bar.init(3), Status::Ok);
  uint32_t state = 99;
  ASSERT_EQ(bar.arrive(1, 0, &state), Status::Ok);
  EXPECT_EQ(state, 0u);
  ASSERT_EQ(bar.arrive(), Status::Ok);
  EXPECT_EQ(bar.pendingArrivals(), 1u);
  EXPECT_FALSE(bar.testWaitParity(0));
  EXPECT_FALSE(bar.testWait(state));
  ASSERT_EQ(bar.arrive(), Status::Ok);
  // Phase 0 completed: phase 1 current, pending reloaded.
  EXPECT_EQ(bar.phase(), 1u);
  EXPECT_EQ(bar.pendingArrivals(), 3u);
  EXPECT_TRUE(bar.testWaitParity(0));
  EXPECT_FALSE(bar.testWaitParity(1));
  EXPECT_TRUE(bar.testWait(state));
  // An arrive with a count: all three at once.
  ASSERT_EQ(bar.arrive(3), Status::Ok);
  EXPECT_EQ(bar.phase(), 2u);
  EXPECT_TRUE(bar.testWaitParity(1));
}

// Both counts must reach zero: arrivals alone do not complete a phase that
// still expects transaction bytes.
TEST(MBarrier, TransactionBytesHoldThePhase) {
  MBarrier bar;
  ASSERT_EQ(bar.init(1), Status::Ok);
  ASSERT_EQ(bar.arrive(1, 4096), Status::Ok); // arrive.expect_tx
  EXPECT_EQ(bar.pendingArrivals(), 0u);
  EXPECT_EQ(bar.txCount(), 4096);
  EXPECT_FALSE(bar.testWaitParity(0));
  ASSERT_EQ(bar.completeTx(4000), Status::Ok);
  EXPECT_FALSE(bar.testWaitParity(0));
  ASSERT_EQ(bar.completeTx(96), Status::Ok);
  EXPECT_TRUE(bar.testWaitParity(0));
  EXPECT_EQ(bar.phase(), 1u);
  EXPECT_EQ(bar.txCount(), 0);
  // Two TMA copies of one stage: expect_tx for both, then arrive.
  ASSERT_EQ(bar.expectTx(1024), Status::Ok);
  ASSERT_EQ(bar.expectTx(2048), Status::Ok);
  ASSERT_EQ(bar.arrive(), Status::Ok);
  ASSERT_EQ(bar.completeTx(2048), Status::Ok);
  EXPECT_FALSE(bar.testWaitParity(1));
  ASSERT_EQ(bar.completeTx(1024), Status::Ok);
  EXPECT_TRUE(bar.testWaitParity(1));
}

// The tx-count is signed: a copy may complete before its expect-tx.
TEST(MBarrier, CompleteBeforeExpect) {
  MBarrier bar;
  ASSERT_EQ(bar.init(1), Status::Ok);
  ASSERT_EQ(bar.completeTx(512), Status::Ok);
  EXPECT_EQ(bar.txCount(), -512);
  EXPECT_EQ(bar.phase(), 0u);
  ASSERT_EQ(bar.arrive(1, 512), Status::Ok);
  EXPECT_EQ(bar.phase(), 1u);
  // Arrivals first, then a negative tx-count brought back to zero by
  // expect-tx also completes.
  ASSERT_EQ(bar.completeTx(64), Status::Ok);
  ASSERT_EQ(bar.arrive(), Status::Ok);
  EXPECT_EQ(bar.phase(), 1u);
  ASSERT_EQ(bar.expectTx(64), Status::Ok);
  EXPECT_EQ(bar.phase(), 2u);
}

TEST(MBarrier, ErrorsLeaveTheStateAlone) {
  MBarrier bar;
  ASSERT_EQ(bar.init(2), Status::Ok);
  ASSERT_EQ(bar.arrive(), Status::Ok);
  EXPECT_EQ(bar.arrive(2), Status::TooManyArrivals);
  EXPECT_EQ(bar.arrive(0), Status::InvalidCount);
  EXPECT_EQ(bar.pendingArrivals(), 1u);
  EXPECT_EQ(bar.expectTx(uint32_t(kMaxTxCount) + 1), Status::TxCountOverflow);
  EXPECT_EQ(bar.arrive(1, uint32_t(kMaxTxCount) + 1), Status::TxCountOverflow);
  EXPECT_EQ(bar.pendingArrivals(), 1u);
  ASSERT_EQ(bar.expectTx(uint32_t(kMaxTxCount)), Status::Ok);
  EXPECT_EQ(bar.expectTx(1), Status::TxCountOverflow);
  ASSERT_EQ(bar.completeTx(uint32_t(kMaxTxCount)), Status::Ok);
  ASSERT_EQ(bar.completeTx(uint32_t(kMaxTxCount)), Status::Ok);
  EXPECT_EQ(bar.txCount(), -kMaxTxCount);
  EXPECT_EQ(bar.completeTx(1), Status::TxCountUnderflow);
  EXPECT_EQ(bar.phase(), 0u);
}

// The parity only tells the current phase from the preceding one: a waiter
// that fell two phases behind sees its old phase's parity as current and
// blocks -- the reason pipelines wait on every phase in turn.
TEST(MBarrier, ParityAliasesPhasesTwoApart) {
  MBarrier bar;
  ASSERT_EQ(bar.init(1), Status::Ok);
  ASSERT_EQ(bar.arrive(), Status::Ok); // phase 0 done
  ASSERT_EQ(bar.arrive(), Status::Ok); // phase 1 done
  EXPECT_EQ(bar.phase(), 2u);
  EXPECT_FALSE(bar.testWaitParity(0)); // phase 0 is done, yet parity 0 waits
  EXPECT_TRUE(bar.testWaitParity(1));
  EXPECT_TRUE(bar.testWait(0)); // the state token is not ambiguous
}

} // namespace
