// Functional coverage: counts of the stimulus and situations that matter to SWIS, sampled by
// the PE and array harnesses while they run. Off (nothing sampled) unless SWIS_FCOV_DIR is set;
// then every process writes its counts to $SWIS_FCOV_DIR/fcov_<pid>.txt when it exits, one
// "bin count" line per bin, every bin listed (zeros too), for coverage/report.py to merge.
//
// Bins (kind = ss, ds or fxp for PEs; ss or ds for arrays):
//   pe.<kind>.slot<j>.shift=<0..7>   a valid token with that shift in slot j (SWIS PEs)
//   pe.ds.slot1.empty                a double-shift token whose second slot is empty (mask 0)
//   pe.<kind>.mask=none|all          slot 0's mask with no lane or every lane set
//   pe.<kind>.sign=all_neg|all_pos|mixed, pe.fxp.weight=-128|127
//   pe.<kind>.act=-128|127|255|0     an activation lane at an extreme (int8 min/max, uint8 max)
//   pe.<kind>.int8|uint8, .first|last|first_and_last|bubble
//   array.<kind>.tile.N=<1..8>       a tile configured with N shifts (not for kind fxp)
//   array.<kind>.tile.N_changes      a tile whose N differs from the previous tile's (not fxp)
//   array.<kind>.tile.int8|uint8, array.<kind>.tile.G=1|G>1
//   array.<kind>.drain_stall         a ready step held back for the drain
//   array.<kind>.output_backpressure a result beat offered while res_ready is low
//   array.<kind>.input_bubble        a cycle in which the driver held back a beat it had
#pragma once

#include <cstdint>

#include "lib/golden/array_model.h"
#include "tb/pe_harness.h"

namespace swis::tb::fcov {

bool enabled();

// One PE cycle's inputs.
void sample_pe(const PeParams& p, const PeStimulus& in);

// One array run: call cycle() after every DUT step with that cycle's inputs and outputs.
class ArraySampler {
 public:
  explicit ArraySampler(const ArrayParams& p);
  // `bubble`: the driver held back a beat it had this cycle.
  void cycle(const ArrayInputs& in, const ArrayOutputs& seen, bool bubble);

 private:
  const char* kind_;  // ss, ds or fxp
  bool fixed_point_;
  bool on_;
  int last_shifts_ = -1;
  uint64_t last_stall_ = 0;
};

}  // namespace swis::tb::fcov
