//===- MBarrier.cpp - CPU model of the shared-memory mbarrier ------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Source: PTX ISA "mbarrier" (see MBarrier.h).
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/MBarrier.h"

using namespace sparq::numerics;
using namespace sparq::numerics::mbarrier;

const char *mbarrier::statusName(Status status) {
  switch (status) {
  case Status::Ok:
    return "ok";
  case Status::NotInitialized:
    return "mbarrier not initialized";
  case Status::InvalidCount:
    return "invalid count";
  case Status::TooManyArrivals:
    return "more arrivals than pending";
  case Status::TxCountOverflow:
    return "tx-count overflow";
  case Status::TxCountUnderflow:
    return "tx-count underflow";
  }
  return "?";
}

Status MBarrier::init(uint32_t count) {
  if (count == 0 || count > kMaxCount)
    return Status::InvalidCount;
  initialized = true;
  currentPhase = 0;
  pending = expected = count;
  tx = 0;
  return Status::Ok;
}

void MBarrier::maybeComplete() {
  // "Phase Completion": pending arrivals and tx-count both zero.
  if (pending != 0 || tx != 0)
    return;
  ++currentPhase;
  pending = expected;
}

Status MBarrier::expectTx(uint32_t bytes) {
  if (!initialized)
    return Status::NotInitialized;
  if (int64_t(tx) + int64_t(bytes) > kMaxTxCount)
    return Status::TxCountOverflow;
  tx += int32_t(bytes);
  // A complete-tx may precede its expect-tx: this can finish the phase.
  if (bytes != 0)
    maybeComplete();
  return Status::Ok;
}

Status MBarrier::completeTx(uint32_t bytes) {
  if (!initialized)
    return Status::NotInitialized;
  if (int64_t(tx) - int64_t(bytes) < -int64_t(kMaxTxCount))
    return Status::TxCountUnderflow;
  tx -= int32_t(bytes);
  if (bytes != 0)
    maybeComplete();
  return Status::Ok;
}

Status MBarrier::arrive(uint32_t count, uint32_t txBytes, uint32_t *state) {
  if (!initialized)
    return Status::NotInitialized;
  if (count == 0 || count > kMaxCount)
    return Status::InvalidCount;
  if (count > pending)
    return Status::TooManyArrivals;
  if (int64_t(tx) + int64_t(txBytes) > kMaxTxCount)
    return Status::TxCountOverflow;
  // .expect_tx: "performs an expect-tx operation prior to the arrive-on".
  // Done in one step, so the intermediate state (pending > 0) cannot
  // complete a phase on its own.
  if (state)
    *state = currentPhase;
  tx += int32_t(txBytes);
  pending -= count;
  maybeComplete();
  return Status::Ok;
}

bool MBarrier::testWaitParity(unsigned parity) const {
  // The phase named by the parity is the current one (incomplete) when the
  // parities match, else the preceding one (complete).
  return (parity & 1) != (currentPhase & 1);
}

bool MBarrier::testWait(uint32_t state) const { return state != currentPhase; }
