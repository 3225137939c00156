// swis pe-regress: every PE configuration, int8 and uint8, random traffic in lock-step with
// the golden model; prints one line per run and a summary.
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "tool/cli_util.h"
#include "tool/commands.h"
#include "tb/pe_harness.h"
#include "tb/pe_stimulus.h"

namespace swis::cli {

int pe_regress(const std::vector<std::string>& args) {
  Options o("swis pe-regress", args);
  const auto cycles =
      static_cast<uint64_t>(o.take_int("cycles", 1, int64_t{1} << 40).value_or(100000));
  const auto seed = static_cast<uint64_t>(o.take_int("seed", 0, INT64_MAX).value_or(1));
  o.finish();
  if (!o.positional().empty()) {
    throw UsageError("swis pe-regress: unexpected argument '" + o.positional()[0] + "'");
  }
  std::printf(
      "PE regression: %llu random cycles per run, seed %llu, every output compared with the "
      "golden model every cycle\n\n",
      static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(seed));
  std::printf("%-12s %-24s %-6s %10s %9s %10s  %s\n", "config", "PE", "acts", "cycles", "outputs",
              "Mcycles/s", "result");
  int runs = 0, failed = 0;
  uint64_t total_cycles = 0;
  for (const auto& e : tb::pe_duts()) {
    for (bool is_signed : {true, false}) {
      const auto t0 = std::chrono::steady_clock::now();
      const tb::PeRunResult r =
          tb::run_lockstep(e, tb::random_sequence(e.params, is_signed, cycles, seed + runs));
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++runs;
      total_cycles += r.cycles;
      std::printf("%-12s %-24s %-6s %10llu %9llu %10.2f  %s\n", e.name.c_str(),
                  e.params.describe().c_str(), is_signed ? "int8" : "uint8",
                  static_cast<unsigned long long>(r.cycles),
                  static_cast<unsigned long long>(r.results), r.cycles / s / 1e6,
                  r.mismatch ? "FAIL" : "pass");
      if (r.mismatch) {
        ++failed;
        std::printf("  %s\n", r.mismatch->describe(e.name).c_str());
      }
    }
  }
  std::printf("\n%d runs, %llu cycles: %d passed, %d failed\n%s\n", runs,
              static_cast<unsigned long long>(total_cycles), runs - failed, failed,
              failed ? "FAIL" : "PASS");
  return failed ? 1 : 0;
}

}  // namespace swis::cli
