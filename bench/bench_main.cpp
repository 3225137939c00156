// make bench: Google Benchmark runs of the quantizer and the array simulations, then a summary
// of the derived figures (lock-step overhead, Verilator / Icarus ratio).
#include <benchmark/benchmark.h>

#include <cstdio>

#include "bench/bench_summary.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  swis::bench::print_summary();
  return 0;
}
