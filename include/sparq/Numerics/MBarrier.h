//===- MBarrier.h - CPU model of the shared-memory mbarrier -----*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// An exact model of the state of one mbarrier object and of the operations
// a TMA / wgmma pipeline performs on it (see docs/Semantics.md, "Hopper:
// wgmma, TMA, mbarrier"). Single-threaded: callers (a simulator) decide the
// order of operations; each operation is atomic, as on the GPU.
//
// Source: PTX ISA chapter 9.7.13.15 "Parallel Synchronization and
// Communication Instructions: mbarrier" (numbering of 8.5 - 9.1):
//  * "Contents of the mbarrier object": the current phase, the pending
//    and expected arrival counts (range [1, 2^20 - 1] at init), and the
//    tx-count (range [-(2^20 - 1), 2^20 - 1]).
//  * "Phase Completion of the mbarrier object": the current phase completes
//    when the pending arrival count reaches zero and the tx-count reaches
//    zero; then the phase advances, the pending count is reloaded from the
//    expected count, and the tx-count is zero.
//  * "mbarrier.init" (phase 0, pending = expected = count, tx-count 0),
//    "mbarrier.arrive" (with count; .expect_tx performs expect-tx first),
//    "mbarrier.expect_tx", complete-tx ("mbarrier.complete_tx" and the
//    .mbarrier::complete_tx::bytes of cp.async.bulk{.tensor}), and
//    "mbarrier.test_wait/try_wait" with .parity: phaseParity names the
//    current phase or the immediately preceding one (even phases parity 0,
//    odd parity 1); the wait is complete when that phase has completed.
//    So on a fresh barrier (phase 0 incomplete) waiting on parity 1 -- the
//    "preceding" phase -- succeeds at once, and waiting on parity 0 blocks.
//
// Arrivals beyond the pending count and tx-count overflow are undefined
// behaviour on the GPU; here they are statuses and leave the state as it
// was.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_MBARRIER_H
#define SPARQ_NUMERICS_MBARRIER_H

#include <cstdint>

namespace sparq::numerics::mbarrier {

/// Bounds of the counts, from the ISA.
constexpr uint32_t kMaxCount = (1u << 20) - 1;
constexpr int32_t kMaxTxCount = (1 << 20) - 1;

enum class Status : uint8_t {
  Ok,
  /// An operation on a barrier that was never initialised.
  NotInitialized,
  /// init or arrive with a count of 0 or above 2^20 - 1.
  InvalidCount,
  /// An arrival beyond the phase's pending count.
  TooManyArrivals,
  /// tx-count pushed above 2^20 - 1 (expect-tx) or below -(2^20 - 1)
  /// (complete-tx).
  TxCountOverflow,
  TxCountUnderflow,
};
const char *statusName(Status status);

class MBarrier {
public:
  /// mbarrier.init: phase 0, pending = expected = count, tx-count 0.
  [[nodiscard]] Status init(uint32_t count);

  /// mbarrier.arrive{.expect_tx}: expect-tx(txBytes) then `count`
  /// arrivals; `state` receives the phase the arrivals belong to (the
  /// arrive's state operand, for testWait).
  [[nodiscard]] Status arrive(uint32_t count = 1, uint32_t txBytes = 0,
                              uint32_t *state = nullptr);
  /// mbarrier.expect_tx: tx-count += bytes.
  [[nodiscard]] Status expectTx(uint32_t bytes);
  /// complete-tx: tx-count -= bytes (what a finished TMA copy does).
  [[nodiscard]] Status completeTx(uint32_t bytes);

  /// mbarrier.test_wait.parity / try_wait.parity: whether the phase of
  /// parity `parity` (the current or the preceding one) has completed.
  bool testWaitParity(unsigned parity) const;
  /// mbarrier.test_wait with the state an arrive returned.
  bool testWait(uint32_t state) const;

  bool isInitialized() const { return initialized; }
  /// Completed phases since init (the current phase's number).
  uint32_t phase() const { return currentPhase; }
  unsigned phaseParity() const { return currentPhase & 1; }
  uint32_t pendingArrivals() const { return pending; }
  uint32_t expectedArrivals() const { return expected; }
  int32_t txCount() const { return tx; }

private:
  /// Completes the phase if both counts are zero.
  void maybeComplete();

  bool initialized = false;
  uint32_t currentPhase = 0;
  uint32_t pending = 0, expected = 0;
  int32_t tx = 0;
};

} // namespace sparq::numerics::mbarrier

#endif // SPARQ_NUMERICS_MBARRIER_H
