#include "tb/pe_stimulus.h"

#include <algorithm>
#include <memory>
#include <random>

namespace swis::tb {
namespace {

uint32_t lane_mask(int group_size) { return (uint32_t{1} << group_size) - 1; }

void random_act(std::mt19937_64& rng, int group_size, bool is_signed, ActGroup& act) {
  act.is_signed = is_signed;
  for (int i = 0; i < group_size; ++i) act.lane[i] = static_cast<uint8_t>(rng());
}

}  // namespace

PeSequence random_sequence(const PeParams& p, bool is_signed, uint64_t cycles, uint64_t seed) {
  // A token adds at most M * 255 * 128 per slot; restarting at least every 256 tokens keeps
  // |acc| < 16 * 255 * 128 * 2 * 256 < 2^28, inside any supported accumulator.
  constexpr int kMaxTokensPerOutput = 256;
  auto rng = std::make_shared<std::mt19937_64>(seed);
  auto since_first = std::make_shared<int>(kMaxTokensPerOutput);
  return [=](uint64_t cycle, PeStimulus& in) {
    if (cycle >= cycles) return false;
    auto& r = *rng;
    random_act(r, p.group_size, is_signed, in.act);
    WeightToken& t = in.tok;
    t = WeightToken{};
    t.valid = r() % 16 != 0;
    t.first = r() % 16 == 0 || *since_first >= kMaxTokensPerOutput;
    t.last = r() % 8 == 0;
    t.sign = static_cast<uint32_t>(r()) & lane_mask(p.group_size);
    for (int s = 0; s < p.shifts_per_cycle; ++s) {
      t.slot[s].shift = static_cast<int>(r() % 8);
      t.slot[s].mask = static_cast<uint32_t>(r()) & lane_mask(p.group_size);
    }
    if (p.shifts_per_cycle == 2 && r() % 4 == 0) t.slot[1] = ShiftSlot{};  // empty slot
    for (int i = 0; i < p.group_size; ++i) t.weight[i] = static_cast<int8_t>(r());
    if (t.valid) *since_first = t.first ? 1 : *since_first + 1;
    return true;
  };
}

uint64_t exhaustive_lane_cycles(const PeParams& p) {
  if (p.kind == PeKind::kFixedPoint) return 2 * 256 * 256;  // format x activation x weight
  // format x activation x sign x (mask bit x shift) per slot
  uint64_t n = 2 * 256 * 2;
  for (int s = 0; s < p.shifts_per_cycle; ++s) n *= 2 * 8;
  return n;
}

PeSequence exhaustive_lane_sequence(const PeParams& p, int lane, uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  const uint64_t total = exhaustive_lane_cycles(p);
  return [=](uint64_t cycle, PeStimulus& in) {
    if (cycle >= total) return false;
    uint64_t k = cycle;
    const bool is_signed = k % 2;
    k /= 2;
    random_act(*rng, p.group_size, is_signed, in.act);
    in.act.lane[lane] = static_cast<uint8_t>(k % 256);
    k /= 256;
    WeightToken& t = in.tok;
    t = WeightToken{};
    t.valid = t.first = t.last = true;
    if (p.kind == PeKind::kFixedPoint) {
      t.weight[lane] = static_cast<int8_t>(k % 256);  // other lanes weigh zero
      return true;
    }
    t.sign = static_cast<uint32_t>(k % 2) << lane;
    k /= 2;
    for (int s = 0; s < p.shifts_per_cycle; ++s) {
      t.slot[s].mask = static_cast<uint32_t>(k % 2) << lane;
      k /= 2;
      t.slot[s].shift = static_cast<int>(k % 8);
      k /= 8;
    }
    // The other lanes' signs are random: with their masks clear they must not matter.
    t.sign |= static_cast<uint32_t>((*rng)()) & lane_mask(p.group_size) & ~(1u << lane);
    return true;
  };
}

PeSequence extreme_sequence(const PeParams& p, uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  // act in {-128 int8, 127 int8, 255 uint8, 0 uint8} x sign pattern {all +, all -, random}
  return [=](uint64_t cycle, PeStimulus& in) {
    if (cycle >= 12 * 16) return false;
    static constexpr struct {
      uint8_t code;
      bool is_signed;
    } kActs[] = {{0x80, true}, {0x7f, true}, {0xff, false}, {0x00, false}};
    const auto& a = kActs[cycle % 4];
    const int sign_mode = static_cast<int>(cycle / 4 % 3);
    in.act.is_signed = a.is_signed;
    for (int i = 0; i < p.group_size; ++i) in.act.lane[i] = a.code;
    WeightToken& t = in.tok;
    t = WeightToken{};
    t.valid = t.first = t.last = true;
    const uint32_t all = lane_mask(p.group_size);
    t.sign = sign_mode == 0 ? 0 : sign_mode == 1 ? all : static_cast<uint32_t>((*rng)()) & all;
    for (int s = 0; s < p.shifts_per_cycle; ++s) t.slot[s] = ShiftSlot{7, all};
    for (int i = 0; i < p.group_size; ++i) {
      t.weight[i] = sign_mode == 0 ? 127 : sign_mode == 1 ? -128 : static_cast<int8_t>((*rng)());
    }
    return true;
  };
}

PeSequence bound_sequence(const PeParams& p, bool negative, int64_t extra_weights) {
  // SWIS: every weight is 255 = all eight shifts, 8 / slots tokens per group.
  // Fixed point: one token per group.
  const int64_t weights = max_reduction(p.acc_width) + extra_weights;
  const int64_t groups = (weights + p.group_size - 1) / p.group_size;
  const int tokens_per_group = p.kind == PeKind::kFixedPoint ? 1 : 8 / p.shifts_per_cycle;
  const uint64_t total = static_cast<uint64_t>(groups * tokens_per_group);
  return [=](uint64_t cycle, PeStimulus& in) {
    if (cycle >= total) return false;
    const int64_t group = static_cast<int64_t>(cycle) / tokens_per_group;
    const int token = static_cast<int>(cycle % tokens_per_group);
    // The last group holds the remainder of the weights.
    const int64_t live = std::min<int64_t>(p.group_size, weights - group * p.group_size);
    const uint32_t mask = (uint32_t{1} << live) - 1;
    in.act.is_signed = false;
    for (int i = 0; i < p.group_size; ++i) in.act.lane[i] = 0xff;
    WeightToken& t = in.tok;
    t = WeightToken{};
    t.valid = true;
    t.first = cycle == 0;
    t.last = cycle + 1 == total;
    t.sign = negative ? mask : 0;
    for (int s = 0; s < p.shifts_per_cycle; ++s) {
      t.slot[s] = ShiftSlot{token * p.shifts_per_cycle + s, mask};
    }
    // Fixed point: the largest product magnitude, -128 * 255 or 127 * 255.
    for (int i = 0; i < p.group_size; ++i) {
      t.weight[i] = i < live ? (negative ? -128 : 127) : 0;
    }
    return true;
  };
}

}  // namespace swis::tb
