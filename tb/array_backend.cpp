#include "tb/array_backend.h"

namespace swis::tb {

VerilatedArrayBackend::VerilatedArrayBackend(const ArrayDutEntry& entry, ArrayRunOptions opt)
    : entry_(entry), opt_(std::move(opt)) {}

ArrayRun VerilatedArrayBackend::run(const ArrayProgram& prog, int64_t rows, int64_t filters) {
  auto dut = entry_.make();
  ArrayRunOptions opt = opt_;
  apply_wave_environment(entry_.name, opt);
  return to_array_run(run_program(*dut, prog, rows, filters, opt), entry_.name);
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
