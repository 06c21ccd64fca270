//===- WgmmaDescriptor.cpp - wgmma shared-memory matrix descriptors ------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Sources: see WgmmaDescriptor.h (PTX ISA "Matrix Descriptor", "Shared
// Memory Matrix Layout", "Strides"; CuTe's GmmaDescriptor and
// make_gmma_desc).
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/WgmmaDescriptor.h"

using namespace sparq::numerics;
using namespace sparq::numerics::wgmma;

const char *wgmma::statusName(Status status) {
  switch (status) {
  case Status::Ok:
    return "ok";
  case Status::InvalidInstruction:
    return "invalid instruction";
  case Status::InvalidSelector:
    return "invalid sparsity selector";
  case Status::InvalidMetadata:
    return "invalid metadata";
  case Status::InvalidScale:
    return "invalid imm-scale";
  case Status::InvalidField:
    return "invalid descriptor field";
  case Status::UnsupportedLayout:
    return "unsupported shared-memory layout";
  case Status::OutOfBounds:
    return "shared-memory access out of bounds";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Bit fields ("Matrix Descriptor")
//===----------------------------------------------------------------------===//

namespace {
// Bit positions of the fields.
constexpr unsigned kStartBit = 0, kLeadingBit = 16, kStrideBit = 32,
                   kBaseOffsetBit = 49, kSwizzleBit = 62;
constexpr uint64_t kField14 = 0x3FFF;

/// matrix-descriptor-encode(x) = (x & 0x3FFFF) >> 4, refusing what it
/// would silently truncate.
bool encodeField(uint32_t bytes, uint64_t &field) {
  if (bytes % 16 != 0 || bytes > 0x3FFFF)
    return false;
  field = (bytes & 0x3FFFFu) >> 4;
  return true;
}
} // namespace

Status wgmma::encodeDescriptor(const Descriptor &fields, uint64_t &bits) {
  uint64_t start, leading, stride;
  if (!encodeField(fields.startAddress, start) ||
      !encodeField(fields.leadingByteOffset, leading) ||
      !encodeField(fields.strideByteOffset, stride) || fields.baseOffset > 7)
    return Status::InvalidField;
  bits = start << kStartBit | leading << kLeadingBit | stride << kStrideBit |
         uint64_t(fields.baseOffset) << kBaseOffsetBit |
         uint64_t(fields.swizzle) << kSwizzleBit;
  return Status::Ok;
}

Descriptor wgmma::decodeDescriptor(uint64_t bits) {
  Descriptor d;
  d.startAddress = uint32_t((bits >> kStartBit) & kField14) << 4;
  d.leadingByteOffset = uint32_t((bits >> kLeadingBit) & kField14) << 4;
  d.strideByteOffset = uint32_t((bits >> kStrideBit) & kField14) << 4;
  d.baseOffset = unsigned((bits >> kBaseOffsetBit) & 7);
  d.swizzle = Swizzle((bits >> kSwizzleBit) & 3);
  return d;
}

Status wgmma::advanceStartAddress(uint64_t &bits, uint32_t bytes) {
  if (bytes % 16 != 0 || (bits & kField14) + (bytes >> 4) > kField14)
    return Status::InvalidField;
  // The low 32 bits plus bytes >> 4, as kernels do it.
  const uint32_t low = uint32_t(bits) + (bytes >> 4);
  bits = (bits & ~uint64_t(0xFFFFFFFF)) | low;
  return Status::Ok;
}

//===----------------------------------------------------------------------===//
// Addresses ("Shared Memory Matrix Layout", "Strides")
//===----------------------------------------------------------------------===//

uint32_t wgmma::swizzleAddress(Swizzle swizzle, uint32_t address) {
  // CuTe's Swizzle<B, 4, 3>: the 16-byte unit (bits 4..) XOR the 128-byte
  // line (bits 7..), B bits of each.
  unsigned b = 0;
  switch (swizzle) {
  case Swizzle::B128:
    b = 3;
    break;
  case Swizzle::B64:
    b = 2;
    break;
  case Swizzle::B32:
    b = 1;
    break;
  case Swizzle::None:
    return address;
  }
  const uint32_t mask = (1u << b) - 1;
  return address ^ (((address >> 7) & mask) << 4);
}

Status wgmma::checkOperand(uint64_t desc, Major major, OperandShape shape) {
  if (major != Major::K)
    return Status::UnsupportedLayout;
  const Descriptor d = decodeDescriptor(desc);
  if (d.baseOffset != 0)
    return Status::UnsupportedLayout;
  if (shape.rows == 0 || shape.rows % 8 != 0 || shape.kBytes == 0 ||
      shape.kBytes % 16 != 0)
    return Status::UnsupportedLayout;
  if (d.swizzle != Swizzle::None) {
    // K must stay inside one swizzled row: LBO, which would locate a second
    // one, is "not used" for swizzled K-major layouts.
    const unsigned span = swizzleRowBytes(d.swizzle);
    if (d.startAddress % span + shape.kBytes > span)
      return Status::UnsupportedLayout;
  }
  return Status::Ok;
}

namespace {
/// The address formula, for a checked descriptor and in-range (row, kByte).
uint32_t addressOf(const Descriptor &d, unsigned row, unsigned kByte) {
  const uint32_t group = (row / 8) * d.strideByteOffset;
  if (d.swizzle == Swizzle::None) {
    // Core matrices of 8 rows x 16 bytes, rows 16 bytes apart; the next
    // 16 bytes of K at LBO, the next 8 rows at SBO.
    return d.startAddress + group + (row % 8) * 16 +
           (kByte / 16) * d.leadingByteOffset + kByte % 16;
  }
  // Swizzle atom: 8 rows of `span` bytes, contiguous; the XOR acts on the
  // final address.
  const unsigned span = swizzleRowBytes(d.swizzle);
  return swizzleAddress(d.swizzle,
                        d.startAddress + group + (row % 8) * span + kByte);
}
} // namespace

Status wgmma::operandAddress(uint64_t desc, Major major, OperandShape shape,
                             unsigned row, unsigned kByte, uint32_t &address) {
  if (Status s = checkOperand(desc, major, shape); s != Status::Ok)
    return s;
  if (row >= shape.rows || kByte >= shape.kBytes)
    return Status::OutOfBounds;
  address = addressOf(decodeDescriptor(desc), row, kByte);
  return Status::Ok;
}

Status wgmma::elementAddress(uint64_t desc, Major major, OperandShape shape,
                             unsigned elementBytes, unsigned row, unsigned k,
                             uint32_t &address) {
  if (elementBytes == 0 || 16 % elementBytes != 0)
    return Status::UnsupportedLayout;
  return operandAddress(desc, major, shape, row, k * elementBytes, address);
}

Descriptor wgmma::canonicalKMajor(Swizzle swizzle, uint32_t start,
                                  unsigned kBytes) {
  Descriptor d;
  d.startAddress = start;
  d.swizzle = swizzle;
  if (swizzle == Swizzle::None) {
    d.leadingByteOffset = 128;
    d.strideByteOffset = 8 * kBytes;
  } else {
    d.leadingByteOffset = 16;
    d.strideByteOffset = 8 * swizzleRowBytes(swizzle);
  }
  return d;
}

namespace {
template <typename Visit>
Status forEachByte(uint64_t desc, Major major, OperandShape shape,
                   size_t smemBytes, Visit visit) {
  if (Status s = checkOperand(desc, major, shape); s != Status::Ok)
    return s;
  // Check every address before touching memory, so a failure leaves it as
  // it was.
  const Descriptor d = decodeDescriptor(desc);
  for (int pass = 0; pass < 2; ++pass)
    for (unsigned row = 0; row < shape.rows; ++row)
      for (unsigned k = 0; k < shape.kBytes; ++k) {
        const uint32_t address = addressOf(d, row, k);
        if (address >= smemBytes)
          return Status::OutOfBounds;
        if (pass == 1)
          visit(size_t(row) * shape.kBytes + k, address);
      }
  return Status::Ok;
}
} // namespace

Status wgmma::loadOperand(uint64_t desc, Major major, OperandShape shape,
                          const uint8_t *smem, size_t smemBytes,
                          uint8_t *matrix) {
  return forEachByte(
      desc, major, shape, smemBytes,
      [&](size_t index, uint32_t address) { matrix[index] = smem[address]; });
}

Status wgmma::storeOperand(uint64_t desc, Major major, OperandShape shape,
                           const uint8_t *matrix, uint8_t *smem,
                           size_t smemBytes) {
  return forEachByte(
      desc, major, shape, smemBytes,
      [&](size_t index, uint32_t address) { smem[address] = matrix[index]; });
}
