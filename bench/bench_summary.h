// Figures the benchmarks record for the closing summary of make bench.
#pragma once

#include <cstdio>
#include <map>
#include <string>

namespace swis::bench {

inline std::map<std::string, double>& figures() {
  static std::map<std::string, double> f;
  return f;
}

inline void record(const std::string& name, double value) { figures()[name] = value; }

inline void print_summary() {
  const auto& f = figures();
  auto get = [&](const char* k) {
    auto it = f.find(k);
    return it == f.end() ? 0.0 : it->second;
  };
  std::printf("\nsummary\n");
  for (const auto& [k, v] : f) std::printf("  %-40s %14.4g\n", k.c_str(), v);
  const double checked = get("array_ds_8x8_checked_cycles_per_s");
  const double unchecked = get("array_ds_8x8_unchecked_cycles_per_s");
  const double icarus = get("array_ds_8x8_icarus_cycles_per_s");
  if (checked > 0 && unchecked > 0) {
    std::printf("  lock-step checking costs %.1f%% over the unchecked run (limit 30%%)\n",
                100.0 * (unchecked / checked - 1.0));
  }
  if (unchecked > 0 && icarus > 0) {
    std::printf("  Verilator (unchecked) / Icarus Verilog: %.0fx\n", unchecked / icarus);
  }
}

}  // namespace swis::bench
