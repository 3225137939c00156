// swis pe-regress: every PE configuration, int8 and uint8, random traffic in lock-step with
// the golden model; prints one line per run and a summary.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>

#include "tb/pe_harness.h"
#include "tb/pe_stimulus.h"
#include "tool/cli_util.h"
#include "tool/commands.h"
#include "tool/progress.h"

namespace swis::cli {

namespace {

int pe_regress(uint64_t cycles, uint64_t seed, bool show_progress) {
  const size_t total_runs = 2 * tb::pe_duts().size();
  Progress progress("swis pe-regress", "runs", total_runs, show_progress);
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
      progress.update(static_cast<uint64_t>(runs), true);
      const auto t0 = std::chrono::steady_clock::now();
      const tb::PeRunResult r =
          tb::run_lockstep(e, tb::random_sequence(e.params, is_signed, cycles, seed + runs));
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++runs;
      total_cycles += r.cycles;
      progress.clear();
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
  progress.finish();
  std::printf("\n%d runs, %llu cycles: %d passed, %d failed\n%s\n", runs,
              static_cast<unsigned long long>(total_cycles), runs - failed, failed,
              failed ? "FAIL" : "PASS");
  return failed ? 1 : 0;
}

}  // namespace

void add_pe_regress(CLI::App& app, int& exit_code) {
  struct Args {
    uint64_t cycles = 100000, seed = 1;
    bool progress = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub =
      app.add_subcommand("pe-regress", "every PE configuration in lock-step on random traffic");
  sub->add_option("--cycles", a->cycles, "random cycles per run")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  sub->add_option("--seed", a->seed, "seed of the random traffic");
  add_progress_flag(sub, a->progress);
  sub->callback([a, &exit_code] { exit_code = pe_regress(a->cycles, a->seed, a->progress); });
}

}  // namespace swis::cli
