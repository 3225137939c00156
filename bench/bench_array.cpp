// Simulated cycles per second of the 8 x 8 double-shift array (M = 4): Verilated with
// lock-step checking of every PE every cycle, Verilated alone, and Icarus Verilog running
// the same RTL under a plain Verilog testbench (bench/iverilog/array_tb.v).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>

#include "bench/bench_summary.h"
#include "lib/flow/synthetic.h"
#include "tb/array_harness.h"

namespace swis::bench {
namespace {

// A ResNet-like GEMM: 64 output rows, K = 576 (3 x 3 x 64), 64 filters, N = 3 (DS: 2 steps).
struct Workload {
  GemmOperands ops;
  ArrayProgram prog;
};

const Workload& workload(const ArrayParams& p) {
  static const Workload w = [&p] {
    Workload x;
    x.ops = random_gemm(64, 576, 64, p.group_size, p.cols, {3}, true, 7);
    x.prog = program_gemm(p, x.ops);
    return x;
  }();
  return w;
}

void run_array(benchmark::State& state, bool check) {
  const tb::ArrayDutEntry& e = tb::array_dut("arr_ds_8x8");
  const Workload& w = workload(e.params);
  auto dut = e.make();
  uint64_t cycles = 0;
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const tb::ArrayRunResult r =
        tb::run_program(*dut, w.prog, w.ops.rows, w.ops.filters, {0, 0, 1, check});
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.ok()) state.SkipWithError("array run failed");
    cycles += r.cycles;
  }
  state.counters["cycles_per_s"] =
      benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
  // The best of the repetitions: the least disturbed by whatever else the machine does.
  const std::string key =
      std::string("array_ds_8x8_") + (check ? "checked" : "unchecked") + "_cycles_per_s";
  record(key, std::max(figures()[key], static_cast<double>(cycles) / seconds));
}

void BM_ArrayDs8x8Checked(benchmark::State& state) { run_array(state, true); }
void BM_ArrayDs8x8Unchecked(benchmark::State& state) { run_array(state, false); }

// Icarus: the same RTL under bench/iverilog/array_tb.v. The run is timed as a whole process;
// its start-up (elaboration) is measured with a zero-cycle run and taken off.
double run_vvp(int cycles) {
  const std::string cmd = std::string("vvp -n ") + SWIS_ICARUS_VVP +
                          " +cycles=" + std::to_string(cycles) + " > /dev/null";
  const auto t0 = std::chrono::steady_clock::now();
  if (std::system(cmd.c_str()) != 0) return -1;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_ArrayDs8x8Icarus(benchmark::State& state) {
  const int cycles = static_cast<int>(state.range(0));
  double seconds = 0;
  for (auto _ : state) {
    const double base = run_vvp(0);
    const double full = run_vvp(cycles);
    if (base < 0 || full < 0) state.SkipWithError("vvp failed");
    seconds = full - base;
    state.SetIterationTime(seconds);
  }
  state.counters["cycles_per_s"] = benchmark::Counter(cycles / seconds);
  record("array_ds_8x8_icarus_cycles_per_s", cycles / seconds);
}

BENCHMARK(BM_ArrayDs8x8Checked)->Unit(benchmark::kMillisecond)->MinTime(2.0)->Repetitions(3);
BENCHMARK(BM_ArrayDs8x8Unchecked)->Unit(benchmark::kMillisecond)->MinTime(2.0)->Repetitions(3);
BENCHMARK(BM_ArrayDs8x8Icarus)->Arg(400)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace swis::bench
