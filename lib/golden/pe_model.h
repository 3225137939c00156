// Cycle-accurate golden model of one PE (swis_pe and fxp_pe), written from the paper's
// Equation 7 (SWIS) and Equation 1 (fixed point). It never sees the RTL: the testbench
// compares the two.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "lib/golden/hw_config.h"

namespace swis {

constexpr int kMaxGroupSize = 16;  // largest M a PE supports
constexpr int kMaxSlots = 2;       // shift slots per token (double-shift)

// One weight adds at most 255 (uint8 activation) * 255 (magnitude with all eight shifts).
constexpr int64_t kMaxTermMagnitude = 255 * 255;

// Longest reduction (weights per output) that an accumulator of `acc_width` bits holds
// exactly in the worst case: floor((2^(acc_width-1) - 1) / 65025). 33025 for 32 bits.
int64_t max_reduction(int acc_width);

enum class PeKind { kSwis, kFixedPoint };

struct PeParams {
  PeKind kind = PeKind::kSwis;
  int group_size = 4;        // M, 1..16
  int shifts_per_cycle = 2;  // slots per token: 1 (SS) or 2 (DS); 1 for fixed point
  int acc_width = 32;        // accumulator bits, two's complement

  // The PE a configuration line describes (top swis_pe or fxp_pe); validated.
  static PeParams from_config(const HwConfig& config);
  // Throws std::invalid_argument naming the first out-of-range field.
  void validate() const;
  std::string describe() const;
};

// One activation group as it travels through the array: raw 8-bit codes and their format.
struct ActGroup {
  std::array<uint8_t, kMaxGroupSize> lane{};
  bool is_signed = true;  // int8 if set, uint8 otherwise

  int value(int i) const { return is_signed ? static_cast<int8_t>(lane[i]) : lane[i]; }
};

// One shift of a group's support vector: bit position s_j and the mask bits m_i[j].
struct ShiftSlot {
  int shift = 0;      // 0..7
  uint32_t mask = 0;  // bit i = m_i[j]; zero for an empty slot
};

// One weight token. SWIS PEs read sign and slot; the fixed-point PE reads weight.
struct WeightToken {
  bool valid = false;
  bool first = false;  // restart the accumulation with this token
  bool last = false;   // this token completes an output
  uint32_t sign = 0;   // bit i = 1: weight i is negative
  std::array<ShiftSlot, kMaxSlots> slot{};
  std::array<int8_t, kMaxGroupSize> weight{};
};

// Everything a PE shows after a clock edge.
struct PeOutputs {
  ActGroup act;     // forwarded east
  WeightToken tok;  // forwarded south
  int64_t acc = 0;  // accumulator
  bool res_valid = false;
  int64_t res = 0;  // last completed output
};

class AccumulatorOverflow : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
};

// Equation 7 for one token: sum over slots j of (sum_i Sign(w_i) * (a_i & m_i[j])) * 2^s_j.
int64_t swis_contribution(int group_size, int slots, const ActGroup& act, const WeightToken& tok);

// Equation 1 for one group: sum_i w_i * a_i.
int64_t fxp_contribution(int group_size, const ActGroup& act, const WeightToken& tok);

class PeModel {
 public:
  explicit PeModel(const PeParams& params);

  // Asynchronous reset: every register to zero.
  void reset();

  // One rising clock edge with these inputs. Throws AccumulatorOverflow when the exact
  // result would leave the accumulator's range (the reduction is past max_reduction).
  void clock(const ActGroup& act, const WeightToken& tok);

  const PeOutputs& out() const { return out_; }
  const PeParams& params() const { return params_; }

 private:
  PeParams params_;
  PeOutputs out_;
  int64_t acc_min_;
  int64_t acc_max_;
};

}  // namespace swis
