// swis pe-regress: every PE configuration, int8 and uint8, random traffic in lock-step with
// the golden model; prints one line per run and a summary.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "sim/commands.h"
#include "tb/pe_harness.h"
#include "tb/pe_stimulus.h"

namespace swis::cli {
namespace {

struct Options {
  uint64_t cycles = 100000;
  uint64_t seed = 1;
};

uint64_t parse_count(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(text, &used);
    if (used == text.size() && text[0] != '-') return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + " needs a non-negative integer, got '" + text + "'");
}

Options parse(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--cycles" || a == "--seed") && i + 1 < args.size()) {
      (a == "--cycles" ? o.cycles : o.seed) = parse_count(a, args[++i]);
    } else {
      throw std::invalid_argument("pe-regress: unknown or incomplete option '" + a +
                                  "' (options: --cycles N --seed S)");
    }
  }
  if (o.cycles == 0) throw std::invalid_argument("--cycles must be at least 1");
  return o;
}

}  // namespace

int pe_regress(const std::vector<std::string>& args) {
  Options opt;
  try {
    opt = parse(args);
  } catch (const std::invalid_argument& e) {
    std::cerr << "swis: " << e.what() << "\n";
    return 2;
  }
  std::printf(
      "PE regression: %llu random cycles per run, seed %llu, every output compared "
      "with the golden model every cycle\n\n",
      static_cast<unsigned long long>(opt.cycles), static_cast<unsigned long long>(opt.seed));
  std::printf("%-12s %-24s %-6s %10s %9s %10s  %s\n", "config", "PE", "acts", "cycles", "outputs",
              "Mcycles/s", "result");
  int runs = 0, failed = 0;
  uint64_t total_cycles = 0;
  for (const auto& e : tb::pe_duts()) {
    for (bool is_signed : {true, false}) {
      const auto t0 = std::chrono::steady_clock::now();
      const tb::PeRunResult r = tb::run_lockstep(
          e, tb::random_sequence(e.params, is_signed, opt.cycles, opt.seed + runs));
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
