// The Verilated arrays as the library's ArrayBackend (lib/flow/array_backend.h): every run goes
// through run_program, so every PE is checked against the golden model every cycle, and a
// divergence comes back described.
#pragma once

#include <memory>
#include <string>

#include "lib/flow/array_backend.h"
#include "tb/array_harness.h"

namespace swis::tb {

// One DUT for all runs: reset before the first, and after a run that failed; every other run
// goes on from the state the last one left, as the layers of a network run on one array.
class VerilatedArrayBackend : public ArrayBackend {
 public:
  // SWIS_WAVES in the environment adds waves to `opt` (apply_wave_environment) on each run.
  VerilatedArrayBackend(const ArrayDutEntry& entry, ArrayRunOptions opt);
  // Runs since the last reset, for tests.
  int runs_since_reset() const { return runs_; }

  const std::string& name() const override { return entry_.name; }
  const ArrayParams& params() const override { return entry_.params; }
  bool clean() const override { return opt_.bubble == 0 && opt_.backpressure == 0; }
  ArrayRun run(const ArrayProgram& prog, int64_t rows, int64_t filters) override;

 private:
  const ArrayDutEntry& entry_;
  ArrayRunOptions opt_;
  std::unique_ptr<ArrayDut> dut_;
  int64_t tiles_ = 0;  // since the DUT's reset
  int runs_ = 0;
};

// A harness run as the library reports it.
ArrayRun to_array_run(const ArrayRunResult& r, const std::string& dut_name);

}  // namespace swis::tb
