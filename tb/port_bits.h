// Bit-field access to Verilated ports of any width (CData..QData, or VlWide for > 64 bits),
// so one harness serves every parameterisation of a module.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "verilated.h"

namespace swis::tb {

template <typename Port>
void put_bits(Port& port, int lsb, int width, uint64_t value) {
  static_assert(std::is_integral_v<Port>);
  const uint64_t field = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  uint64_t word = static_cast<uint64_t>(port);
  word = (word & ~(field << lsb)) | ((value & field) << lsb);
  port = static_cast<Port>(word);
}

template <std::size_t Words>
void put_bits(VlWide<Words>& port, int lsb, int width, uint64_t value) {
  // Word by word: the part of the field that falls in each 32-bit word.
  while (width > 0) {
    const int offset = lsb % 32;
    const int take = std::min(width, 32 - offset);
    const uint64_t field = (uint64_t{1} << take) - 1;
    EData& word = port.at(static_cast<std::size_t>(lsb / 32));
    word = static_cast<EData>((word & ~(field << offset)) | ((value & field) << offset));
    value >>= take;
    lsb += take;
    width -= take;
  }
}

template <typename Port>
uint64_t get_bits(const Port& port, int lsb, int width) {
  static_assert(std::is_integral_v<Port>);
  const uint64_t field = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  return (static_cast<uint64_t>(port) >> lsb) & field;
}

template <std::size_t Words>
uint64_t get_bits(const VlWide<Words>& port, int lsb, int width) {
  // The common case, one aligned 32-bit field (an accumulator), without the loop.
  if (width == 32 && lsb % 32 == 0) return port.at(static_cast<std::size_t>(lsb / 32));
  uint64_t value = 0;
  for (int done = 0; done < width;) {
    const int offset = lsb % 32;
    const int take = std::min(width - done, 32 - offset);
    const uint64_t field = (uint64_t{1} << take) - 1;
    value |= ((uint64_t{port.at(static_cast<std::size_t>(lsb / 32))} >> offset) & field) << done;
    lsb += take;
    done += take;
  }
  return value;
}

// Two's-complement value of a `width`-bit field.
inline int64_t sign_extend(uint64_t value, int width) {
  const uint64_t sign = uint64_t{1} << (width - 1);
  return static_cast<int64_t>((value ^ sign) - sign);
}

}  // namespace swis::tb
