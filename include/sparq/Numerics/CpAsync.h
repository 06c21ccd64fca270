//===- CpAsync.h - CPU model of cp.async groups ----------------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// An exact model of one thread's non-bulk asynchronous copies and the
// shared memory they write, for simulating the warp-level multistage
// kernels (see PipelineIndexing.h). Source: PTX ISA 9.1, 9.7.9.25
// "Data Movement and Conversion Instructions: cp.async" and its
// subsections:
//  * "cp.async": copies cp-size bytes (4, 8 or 16; .cg only 16) from
//    global to shared memory asynchronously; both addresses aligned to
//    cp-size; with the optional src-size (< cp-size) only src-size bytes
//    are read and the remaining cp-size - src-size bytes of the destination
//    are zero-filled. Until the copy completes, the destination holds
//    unspecified values.
//  * "cp.async.commit_group": batches all prior uncommitted cp.async of the
//    executing thread into a new group (possibly empty); groups complete in
//    the order they were committed.
//  * "cp.async.wait_group N": waits until at most N of the thread's most
//    recent groups are pending and all prior groups have completed;
//    "cp.async.wait_all" is commit_group + wait_group 0.
//  * The writes of a completed copy are visible to the executing thread
//    only; other threads see them after a barrier (bar.sync) the executing
//    thread passed after its wait.
// A copy not yet completed is "in flight": the model records which bytes
// each thread's uncommitted and pending groups will write, and reading
// (or re-targeting) such a byte is a hazard the simulation reports.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_CPASYNC_H
#define SPARQ_NUMERICS_CPASYNC_H

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace sparq::numerics::cpasync {

enum class Status {
  Ok,
  /// cp-size not 4, 8, 16, src-size above cp-size, or .cg not 16 bytes.
  BadSize,
  /// A source or destination address not aligned to cp-size.
  Misaligned,
  /// An address outside the global buffer or shared memory.
  OutOfRange,
  /// A read of a shared byte whose copy has not completed (or completed in
  /// another thread with no barrier since).
  ReadInFlight,
  /// A copy targeting a byte another copy still has in flight.
  WriteInFlight,
};

const char *statusName(Status s);

/// One block's shared memory and every thread's copies in flight.
class SharedMemory {
public:
  SharedMemory(size_t bytes, unsigned threads)
      : data(bytes, 0xCD), owner(bytes, kNone), visible(bytes, 1),
        queues(threads), uncommitted(threads) {}

  /// cp.async.{ca,cg}.shared.global [dst], [src], cpSize, srcSize by
  /// `thread`: `global` is the source buffer (`globalBytes` long), `src` a
  /// byte offset into it. Nothing is read or written until completion.
  Status copy(unsigned thread, uint64_t dst, const uint8_t *global,
              uint64_t globalBytes, uint64_t src, unsigned cpSize,
              unsigned srcSize, bool cg);
  /// cp.async.commit_group by `thread`.
  void commit(unsigned thread);
  /// cp.async.wait_group n by `thread`: completes its oldest groups until
  /// at most n are pending.
  void wait(unsigned thread, unsigned n);
  /// bar.sync by every thread: completed copies become visible to all.
  void barrier();
  /// Pending groups of `thread` (committed, not completed).
  size_t pending(unsigned thread) const { return queues[thread].size(); }

  /// A read of `bytes` at `addr` by `thread` (ldmatrix row, ld.shared).
  Status read(unsigned thread, uint64_t addr, unsigned bytes, void *out) const;

  const std::vector<uint8_t> &raw() const { return data; }

private:
  static constexpr uint32_t kNone = ~0u;
  struct Copy {
    uint64_t dst;
    std::vector<uint8_t> bytes; // cp-size, zero-filled past src-size
  };
  using Group = std::vector<Copy>;
  void complete(unsigned thread, const Group &group);

  std::vector<uint8_t> data;
  /// The thread whose copy is writing (or wrote, before the next barrier)
  /// each byte; kNone where the byte is visible to every thread.
  std::vector<uint32_t> owner;
  /// Per byte: 0 while a copy to it is in flight, 1 once complete (visible
  /// to `owner` at once, to every thread after the next barrier).
  std::vector<uint8_t> visible;
  std::vector<std::deque<Group>> queues;
  std::vector<Group> uncommitted;
};

} // namespace sparq::numerics::cpasync

#endif // SPARQ_NUMERICS_CPASYNC_H
