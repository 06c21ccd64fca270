//===- CpAsync.cpp - CPU model of cp.async groups -------------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
#include "sparq/Numerics/CpAsync.h"

using namespace sparq::numerics::cpasync;

const char *sparq::numerics::cpasync::statusName(Status s) {
  switch (s) {
  case Status::Ok:
    return "ok";
  case Status::BadSize:
    return "bad cp-size or src-size";
  case Status::Misaligned:
    return "address not aligned to cp-size";
  case Status::OutOfRange:
    return "address out of range";
  case Status::ReadInFlight:
    return "shared memory read before its cp.async group completed";
  case Status::WriteInFlight:
    return "cp.async to bytes another cp.async still has in flight";
  }
  return "?";
}

Status SharedMemory::copy(unsigned thread, uint64_t dst, const uint8_t *global,
                          uint64_t globalBytes, uint64_t src, unsigned cpSize,
                          unsigned srcSize, bool cg) {
  if ((cpSize != 4 && cpSize != 8 && cpSize != 16) || srcSize > cpSize ||
      (cg && cpSize != 16))
    return Status::BadSize;
  if (dst % cpSize || src % cpSize)
    return Status::Misaligned;
  if (dst + cpSize > data.size() || (srcSize && src + srcSize > globalBytes))
    return Status::OutOfRange;
  for (uint64_t i = dst; i < dst + cpSize; ++i)
    if (!visible[i])
      return Status::WriteInFlight;
  Copy c{dst, std::vector<uint8_t>(cpSize, 0)};
  // The source is read at issue here; a kernel that writes global memory
  // while its copies are in flight is outside this model.
  if (srcSize)
    std::memcpy(c.bytes.data(), global + src, srcSize);
  for (uint64_t i = dst; i < dst + cpSize; ++i) {
    visible[i] = 0;
    owner[i] = thread;
  }
  uncommitted[thread].push_back(std::move(c));
  return Status::Ok;
}

void SharedMemory::commit(unsigned thread) {
  queues[thread].push_back(std::move(uncommitted[thread]));
  uncommitted[thread].clear();
}

void SharedMemory::complete(unsigned thread, const Group &group) {
  for (const Copy &c : group) {
    std::memcpy(&data[c.dst], c.bytes.data(), c.bytes.size());
    for (uint64_t i = c.dst; i < c.dst + c.bytes.size(); ++i)
      if (owner[i] == thread)
        visible[i] = 1;
  }
}

void SharedMemory::wait(unsigned thread, unsigned n) {
  while (queues[thread].size() > n) {
    complete(thread, queues[thread].front());
    queues[thread].pop_front();
  }
}

void SharedMemory::barrier() {
  for (size_t i = 0; i < data.size(); ++i)
    if (visible[i])
      owner[i] = kNone;
}

Status SharedMemory::read(unsigned thread, uint64_t addr, unsigned bytes,
                          void *out) const {
  if (addr + bytes > data.size())
    return Status::OutOfRange;
  for (uint64_t i = addr; i < addr + bytes; ++i)
    if (!visible[i] || (owner[i] != kNone && owner[i] != thread))
      return Status::ReadInFlight;
  std::memcpy(out, &data[addr], bytes);
  return Status::Ok;
}
