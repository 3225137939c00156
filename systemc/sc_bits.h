// Bit fields of the SystemC port types Verilator 5.006 gives a module under --sc: bool for one
// bit, uint32_t up to 32 bits, uint64_t up to 64, sc_bv<N> beyond. The SystemC counterpart of
// tb/port_bits.h, so that one testbench serves every parameterisation of the array.
#pragma once

#include <cstdint>
#include <systemc>
#include <type_traits>

namespace swis::sc {

template <class T>
struct PortBits {
  static_assert(std::is_integral_v<T>);
  static constexpr int kWidth = std::is_same_v<T, bool> ? 1 : static_cast<int>(8 * sizeof(T));

  static void put(T& port, int lsb, int width, uint64_t value) {
    const uint64_t field = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    uint64_t word = static_cast<uint64_t>(port);
    word = (word & ~(field << lsb)) | ((value & field) << lsb);
    port = static_cast<T>(word);
  }
  static uint64_t get(const T& port, int lsb, int width) {
    const uint64_t field = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    return (static_cast<uint64_t>(port) >> lsb) & field;
  }
};

template <int N>
struct PortBits<sc_dt::sc_bv<N>> {
  static constexpr int kWidth = N;

  static void put(sc_dt::sc_bv<N>& port, int lsb, int width, uint64_t value) {
    port.range(lsb + width - 1, lsb) = static_cast<sc_dt::uint64>(value);
  }
  static uint64_t get(const sc_dt::sc_bv<N>& port, int lsb, int width) {
    return port.range(lsb + width - 1, lsb).to_uint64();
  }
};

// Bits a port of this type holds: enough to check that the Verilated ports are as wide as the
// parameters the testbench was given say they should be.
template <class T>
constexpr int port_width() {
  return PortBits<T>::kWidth;
}

template <class T>
void put_bits(T& port, int lsb, int width, uint64_t value) {
  PortBits<T>::put(port, lsb, width, value);
}

template <class T>
uint64_t get_bits(const T& port, int lsb, int width) {
  return PortBits<T>::get(port, lsb, width);
}

}  // namespace swis::sc
