// Stimulus sequences for the PE regressions. Each returns a generator for run_lockstep:
// called once per cycle, it fills that cycle's inputs and returns false when it is done.
#pragma once

#include <cstdint>
#include <functional>

#include "tb/pe_harness.h"

namespace swis::tb {

using PeSequence = std::function<bool(uint64_t cycle, PeStimulus& in)>;

// Random traffic: random activations and tokens, token bubbles, random `first` restarts
// (forced often enough to stay inside the accumulator bound), random `last`, and on
// double-shift PEs random empty second slots.
PeSequence random_sequence(const PeParams& p, bool is_signed, uint64_t cycles, uint64_t seed);

// Every activation code of one lane in both formats, times sign, mask bit(s) and shift(s)
// of that lane; the other lanes carry random activations with their mask bits clear (they
// must add nothing). One token per output (first and last set). Fixed point: every
// activation times every weight of the lane.
PeSequence exhaustive_lane_sequence(const PeParams& p, int lane, uint64_t seed);

// Number of cycles exhaustive_lane_sequence runs for.
uint64_t exhaustive_lane_cycles(const PeParams& p);

// The extremes: activation -128 (int8) and 255 (uint8), every mask bit set with shift 7 in
// every slot, every sign, single-token outputs.
PeSequence extreme_sequence(const PeParams& p, uint64_t seed);

// The longest reduction the accumulator bound allows (max_reduction weights), every weight
// at magnitude 255 with activation 255, all signs `negative`: one output at the bound.
// With `extra_weights` > 0, that many weights more (the model must refuse them).
PeSequence bound_sequence(const PeParams& p, bool negative, int64_t extra_weights = 0);

}  // namespace swis::tb
