#include "lib/golden/pe_model.h"

#include <sstream>

namespace swis {

int64_t max_reduction(int acc_width) {
  if (acc_width < 18 || acc_width > 62) {
    throw std::invalid_argument("accumulator width must be in [18, 62], got " +
                                std::to_string(acc_width));
  }
  const int64_t acc_max = (int64_t{1} << (acc_width - 1)) - 1;
  return acc_max / kMaxTermMagnitude;
}

PeParams PeParams::from_config(const HwConfig& config) {
  PeParams p;
  if (config.top == "swis_pe") {
    p.kind = PeKind::kSwis;
    p.shifts_per_cycle = static_cast<int>(config.param("ShiftsPerCycle"));
  } else if (config.top == "fxp_pe") {
    p.kind = PeKind::kFixedPoint;
    p.shifts_per_cycle = 1;
  } else {
    throw std::invalid_argument("configuration " + config.name + " is not a PE (top " + config.top +
                                ")");
  }
  p.group_size = static_cast<int>(config.param("GroupSize"));
  p.acc_width = static_cast<int>(config.param("AccWidth"));
  p.validate();
  return p;
}

void PeParams::validate() const {
  if (group_size < 1 || group_size > kMaxGroupSize) {
    throw std::invalid_argument("group size must be in [1, 16], got " + std::to_string(group_size));
  }
  if (shifts_per_cycle < 1 || shifts_per_cycle > kMaxSlots) {
    throw std::invalid_argument("shifts per cycle must be 1 or 2, got " +
                                std::to_string(shifts_per_cycle));
  }
  if (kind == PeKind::kFixedPoint && shifts_per_cycle != 1) {
    throw std::invalid_argument("a fixed-point PE has no shift slots");
  }
  max_reduction(acc_width);  // throws on a width outside the supported range
}

std::string PeParams::describe() const {
  std::ostringstream os;
  if (kind == PeKind::kFixedPoint) {
    os << "fixed-point";
  } else {
    os << (shifts_per_cycle == 1 ? "single-shift" : "double-shift");
  }
  os << " M=" << group_size << " acc=" << acc_width;
  return os.str();
}

int64_t swis_contribution(int group_size, int slots, const ActGroup& act, const WeightToken& tok) {
  // Sign(w_i) x a_i once per lane; each slot then adds the lanes its mask selects (a_i & m_i[j])
  // and scales the sum by 2^s_j. The array model runs this for every PE every cycle.
  int32_t signed_act[kMaxGroupSize];
  for (int i = 0; i < group_size; ++i) {
    const int32_t a = act.value(i);
    signed_act[i] = (tok.sign >> i & 1u) ? -a : a;
  }
  int64_t total = 0;
  for (int j = 0; j < slots; ++j) {
    int32_t inner = 0;
    for (uint32_t m = tok.slot[j].mask & ((1u << group_size) - 1); m != 0; m &= m - 1) {
      inner += signed_act[__builtin_ctz(m)];
    }
    total += int64_t{inner} * (int64_t{1} << tok.slot[j].shift);
  }
  return total;
}

int64_t fxp_contribution(int group_size, const ActGroup& act, const WeightToken& tok) {
  int64_t total = 0;
  for (int i = 0; i < group_size; ++i) total += int64_t{tok.weight[i]} * act.value(i);
  return total;
}

PeModel::PeModel(const PeParams& params) : params_(params) {
  params_.validate();
  acc_max_ = (int64_t{1} << (params_.acc_width - 1)) - 1;
  acc_min_ = -acc_max_ - 1;
  reset();
}

void PeModel::reset() { out_ = PeOutputs{}; }

void PeModel::clock(const ActGroup& act, const WeightToken& tok) {
  if (tok.valid) {
    const int64_t contrib =
        params_.kind == PeKind::kSwis
            ? swis_contribution(params_.group_size, params_.shifts_per_cycle, act, tok)
            : fxp_contribution(params_.group_size, act, tok);
    const int64_t next = (tok.first ? 0 : out_.acc) + contrib;
    if (next < acc_min_ || next > acc_max_) {
      throw AccumulatorOverflow("accumulator overflow: " + std::to_string(next) + " does not fit " +
                                std::to_string(params_.acc_width) +
                                " bits (reduction longer than " +
                                std::to_string(max_reduction(params_.acc_width)) + " weights)");
    }
    out_.acc = next;
    if (tok.last) out_.res = next;
  }
  out_.res_valid = tok.valid && tok.last;
  out_.act = act;
  out_.tok = tok;
}

}  // namespace swis
