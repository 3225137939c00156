// swis_sc: the built-in layer of `make sim` through swis_array verilated with --sc, under a
// SystemC driver, monitor and scoreboard (sim/sc_env.h) with random bubbles and backpressure.
// The configuration (SWIS_SC_CONFIG) and the Verilated class (SWIS_SC_DUT) come from CMake,
// which takes the array's parameters from the same line of config/configs.txt.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "model/array_program.h"
#include "model/conv.h"
#include "model/packed.h"
#include "model/weight_flow.h"
#include "sim/cli_util.h"
#include "sim/sc_env.h"
#include "tb/array_harness.h"
#include "tb/layer_run.h"
#include "verilated.h"
#include SWIS_SC_DUT_HEADER

namespace swis::tb {

// tb/layer_run.cpp is linked for default_weights() and default_acts(); its run_layer() looks up
// the C++ Verilated arrays, which live in swis_rtl, built without VM_SC. Linking those next to
// this SystemC model would put two Verilator runtimes in one binary, so this one has none.
const std::vector<ArrayDutEntry>& array_duts() {
  static const std::vector<ArrayDutEntry> none;
  return none;
}

}  // namespace swis::tb

namespace swis::sc {
namespace {

using Dut = SWIS_SC_DUT;

struct RunOptions {
  double bubble = 0.2;
  double backpressure = 0.3;
  uint64_t seed = 1;
};

// The layer of `make sim` (tb::run_layer with swis sim's request): M = 4, scheduled to an
// average of 3 shifts with mse++, double-shift tiles as wide as the array, stride 1, pad 1.
struct Layer {
  ConvShape conv;
  GemmOperands ops;
  ArrayProgram prog;
};

Layer default_layer(const ArrayParams& p) {
  WeightRequest wr;
  wr.group_size = p.group_size;
  wr.target = "3";
  wr.double_shift = p.shifts_per_cycle == 2;
  wr.metric = Metric::kMsePlusPlus;
  wr.array_cols = p.cols;
  wr.threads = 2;
  const npy::Array w = tb::default_weights();
  const npy::Array a = tb::default_acts();
  if (a.dtype != npy::DType::kUint8 || a.shape.size() != 4 || w.shape.size() != 4) {
    throw std::invalid_argument("the built-in layer is expected to be a uint8 convolution");
  }
  Layer l;
  l.conv = ConvShape{a.shape[1], a.shape[2], a.shape[3], w.shape[0], w.shape[2], w.shape[3], 1, 1};
  l.conv.validate();
  const WeightResult wres = quantize_weights(w, wr);
  // The weight tokens come from the packed bytes, as in run_layer.
  l.ops = GemmOperands::from_packed(unpack(pack(wres.packed)));
  std::vector<uint8_t> codes(static_cast<size_t>(a.size()));
  for (int64_t i = 0; i < a.size(); ++i) codes[static_cast<size_t>(i)] = a.as_int(i);
  l.ops.act_signed = false;
  l.ops.act = im2col(l.conv, p.group_size, codes);
  l.ops.rows = l.conv.gemm(p.group_size).rows;
  l.prog = program_gemm(p, l.ops);
  return l;
}

// Clock, reset, the Verilated array and the verification components, wired together.
class Testbench : public sc_core::sc_module {
 public:
  static constexpr double kPeriodNs = 10.0;

  sc_core::sc_clock clk{"clk", kPeriodNs, sc_core::SC_NS};
  ArrayBus<Dut> bus;
  Dut dut{"dut"};
  sc_core::sc_fifo<ObservedBeat> beats{"beats", 64};
  Driver<ArrayBus<Dut>> driver;
  Monitor<ArrayBus<Dut>> monitor;
  Scoreboard scoreboard;

  SC_HAS_PROCESS(Testbench);
  Testbench(sc_core::sc_module_name name, const ArrayParams& p, const Layer& l, const RunOptions& o)
      : sc_core::sc_module(name),
        driver("driver", bus, p, l.prog, o.bubble, o.seed),
        monitor("monitor", bus, p, o.backpressure, o.seed),
        // Any result still inside the array when the last expected one leaves would be out
        // within the output FIFO's depth plus a drain, even at 0.95 backpressure.
        scoreboard("scoreboard", p, l.prog, l.ops, period() * (40.0 * (p.out_depth() + p.rows))) {
    bus.check_widths(p);
    bus.bind(dut, clk);
    driver.clk(clk);
    monitor.clk(clk);
    monitor.out(beats);
    scoreboard.in(beats);
    SC_THREAD(reset);
  }

  static sc_core::sc_time period() { return sc_core::sc_time(kPeriodNs, sc_core::SC_NS); }

 private:
  // Asynchronous reset for three clock edges, released on a falling edge. rst_n starts high so
  // that its fall is an edge whatever the model's random initial state.
  void reset() {
    bus.rst_n.write(true);
    wait(clk.negedge_event());
    bus.rst_n.write(false);
    for (int i = 0; i < 3; ++i) wait(clk.posedge_event());
    wait(clk.negedge_event());
    bus.rst_n.write(true);
  }
};

RunOptions parse(int argc, char** argv) {
  cli::Options o("swis_sc", std::vector<std::string>(argv + 1, argv + argc));
  RunOptions r;
  r.bubble = o.take_double("bubble", 0.0, 0.9).value_or(r.bubble);
  r.backpressure = o.take_double("backpressure", 0.0, 0.9).value_or(r.backpressure);
  r.seed = static_cast<uint64_t>(o.take_int("seed", 0, INT64_MAX).value_or(1));
  o.finish();
  if (!o.positional().empty()) {
    throw cli::UsageError("swis_sc: unexpected argument '" + o.positional()[0] + "'");
  }
  return r;
}

int run(const RunOptions& o) {
  const ArrayParams p = ArrayParams::from_config(hw_config(SWIS_SC_CONFIG));
  const Layer l = default_layer(p);
  const uint64_t closed_form = closed_form_cycles(p, l.prog.tile_steps());
  std::printf("swis_sc: the built-in layer (make sim) on %s (%s), verilated with --sc\n",
              SWIS_SC_CONFIG, p.describe().c_str());
  std::printf(
      "layer: P=%lld x G=%lld groups x F=%lld, %zu tiles; bubble %g, backpressure %g, "
      "seed %llu\n",
      static_cast<long long>(l.ops.rows), static_cast<long long>(l.ops.groups),
      static_cast<long long>(l.ops.filters), l.prog.tiles.size(), o.bubble, o.backpressure,
      static_cast<unsigned long long>(o.seed));

  // Random initial values in every register and memory (the model is verilated with
  // --x-initial unique), drawn from --seed: the result must not depend on them.
  Verilated::randReset(2);
  Verilated::randSeed(static_cast<int>(o.seed));
  Testbench tb("tb", p, l, o);
  // As run_program bounds a run: four times the closed form, stretched by the chance that a
  // cycle moves nothing.
  const double slow =
      1.0 / std::max(0.05, (1.0 - o.bubble) * (1.0 - o.bubble) * (1.0 - o.backpressure));
  const double bound = 4.0 * slow * static_cast<double>(closed_form) + 1000.0;
  sc_core::sc_start(Testbench::period() * bound);
  tb.dut.final();

  const Scoreboard& sb = tb.scoreboard;
  std::printf("stream beats: cfg %zu, act %zu, tok %zu driven; %lld of %lld result beats taken\n",
              tb.driver.cfg_beats(), tb.driver.act_beats(), tb.driver.tok_beats(),
              static_cast<long long>(sb.beats()), static_cast<long long>(sb.expected_beats()));
  std::printf("results: %lld of %lld (row, filter) outputs%s\n",
              static_cast<long long>(sb.results()), static_cast<long long>(sb.expected_results()),
              sb.passed() ? ", each once, each equal to reference_gemm" : "");
  std::printf(
      "cycles: %llu (closed form without bubbles or backpressure: %llu); DUT busy %u, "
      "stall %u\n",
      static_cast<unsigned long long>(sb.cycles()), static_cast<unsigned long long>(closed_form),
      static_cast<unsigned>(tb.bus.cnt_busy.read()),
      static_cast<unsigned>(tb.bus.cnt_stall.read()));
  bool pass = sb.passed();
  if (!sb.failed() && !sb.passed()) {
    std::printf("timeout: %lld of %lld result beats after %.0f cycles\n",
                static_cast<long long>(sb.beats()), static_cast<long long>(sb.expected_beats()),
                bound);
  }
  if (pass && o.bubble == 0 && o.backpressure == 0 && sb.cycles() != closed_form) {
    std::printf("cycles differ from the closed form in a run without bubbles or backpressure\n");
    pass = false;
  }
  std::printf("%s\n", pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}

}  // namespace
}  // namespace swis::sc

int sc_main(int argc, char** argv) {
  // The kernel's infos ("Simulation stopped by user."), not its warnings or errors.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  try {
    return swis::sc::run(swis::sc::parse(argc, argv));
  } catch (const swis::cli::UsageError& e) {
    std::fprintf(stderr, "%s\nusage: swis_sc [--bubble P] [--backpressure P] [--seed S]\n",
                 e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "swis_sc: %s\n", e.what());
    return 2;
  }
}
