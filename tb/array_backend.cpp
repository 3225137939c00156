#include "tb/array_backend.h"

namespace swis::tb {

VerilatedArrayBackend::VerilatedArrayBackend(const ArrayDutEntry& entry, ArrayRunOptions opt)
    : entry_(entry), opt_(std::move(opt)) {}

ArrayRun VerilatedArrayBackend::run(const ArrayProgram& prog, int64_t rows, int64_t filters) {
  if (!dut_) dut_ = entry_.make();
  ArrayRunOptions opt = opt_;
  opt.reset = runs_ == 0;
  opt.tiles_before = tiles_;
  apply_wave_environment(entry_.name, opt);
  const ArrayRunResult r = run_program(*dut_, prog, rows, filters, opt);
  if (r.ok()) {
    tiles_ += static_cast<int64_t>(prog.tiles.size());
    ++runs_;
  } else {
    tiles_ = 0;
    runs_ = 0;  // the next run starts from a reset
  }
  return to_array_run(r, entry_.name);
}

ArrayRun to_array_run(const ArrayRunResult& r, const std::string& dut_name) {
  ArrayRun a;
  a.cycles = r.cycles;
  a.y = r.y;
  a.complete = r.complete;
  if (r.mismatch) a.divergence = r.mismatch->describe(dut_name);
  a.error = r.error;
  a.busy = r.busy;
  a.stall = r.stall;
  a.idle = r.idle;
  return a;
}

}  // namespace swis::tb
