// swis_sc: the built-in layer of `make sim` through swis_array verilated with --sc, under a
// SystemC driver, monitor and scoreboard (systemc/sc_env.h) with random bubbles and
// backpressure. The layer is prepared and judged by the library's flow (lib/flow/layer_run.h);
// this bench is its ArrayBackend.
// The configuration (SWIS_SC_CONFIG) and the Verilated class (SWIS_SC_DUT) come from CMake,
// which takes the array's parameters from the same line of config/configs.txt.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "lib/flow/array_backend.h"
#include "lib/flow/builtin_layer.h"
#include "lib/flow/layer_run.h"
#include "systemc/sc_env.h"
#include "verilated.h"
#include SWIS_SC_DUT_HEADER

namespace swis::sc {
namespace {

using Dut = SWIS_SC_DUT;

struct RunOptions {
  double bubble = 0.2;
  double backpressure = 0.3;
  uint64_t seed = 1;
};

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
  Testbench(sc_core::sc_module_name name, const ArrayParams& p, const ArrayProgram& prog,
            std::vector<int64_t> reference, int64_t rows, int64_t filters, const RunOptions& o)
      : sc_core::sc_module(name),
        driver("driver", bus, p, prog, o.bubble, o.seed),
        monitor("monitor", bus, p, o.backpressure, o.seed),
        // Any result still inside the array when the last expected one leaves would be out
        // within a drain (its results reach the bottom row and leave, a beat per pop), even
        // at 0.95 backpressure.
        scoreboard("scoreboard", p, prog, std::move(reference), rows, filters,
                   period() * (40.0 * (p.drain_cycles() + p.rows))) {
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

// The Verilated SystemC array as the library's ArrayBackend: the layer flow of lib/flow runs
// through this testbench exactly as it runs through the C++ harness. SystemC elaborates once per
// process, so one backend runs one program.
class ScArrayBackend : public ArrayBackend {
 public:
  // `reference` is what the scoreboard checks every beat against (reference_gemm).
  ScArrayBackend(const ArrayParams& p, std::vector<int64_t> reference, const RunOptions& o)
      : name_(SWIS_SC_CONFIG), p_(p), reference_(std::move(reference)), o_(o) {}

  const std::string& name() const override { return name_; }
  const ArrayParams& params() const override { return p_; }
  bool clean() const override { return o_.bubble == 0 && o_.backpressure == 0; }

  ArrayRun run(const ArrayProgram& prog, int64_t rows, int64_t filters) override {
    if (ran_) throw std::logic_error("swis_sc: SystemC elaborates once: one run per process");
    ran_ = true;
    // Random initial values in every register and memory (the model is verilated with
    // --x-initial unique), drawn from --seed: the result must not depend on them.
    Verilated::randReset(2);
    Verilated::randSeed(static_cast<int>(o_.seed));
    Testbench tb("tb", p_, prog, reference_, rows, filters, o_);
    // As run_program bounds a run: four times the closed form, stretched by the chance that a
    // cycle moves nothing.
    const double slow =
        1.0 / std::max(0.05, (1.0 - o_.bubble) * (1.0 - o_.bubble) * (1.0 - o_.backpressure));
    bound_ = 4.0 * slow * static_cast<double>(closed_form_cycles(p_, prog.tile_steps())) + 1000.0;
    sc_core::sc_start(Testbench::period() * bound_);
    tb.dut.final();

    const Scoreboard& sb = tb.scoreboard;
    std::printf("stream beats: cfg %zu, act %zu, tok %zu driven; %lld of %lld result beats taken\n",
                tb.driver.cfg_beats(), tb.driver.act_beats(), tb.driver.tok_beats(),
                static_cast<long long>(sb.beats()), static_cast<long long>(sb.expected_beats()));
    std::printf("results: %lld of %lld (row, filter) outputs%s\n",
                static_cast<long long>(sb.results()), static_cast<long long>(sb.expected_results()),
                sb.passed() ? ", each once, each equal to reference_gemm" : "");
    ArrayRun r;
    r.cycles = sb.cycles();
    r.y = sb.result();
    r.complete = sb.passed();
    r.busy = tb.bus.cnt_busy.read();
    r.stall = tb.bus.cnt_stall.read();
    r.idle = tb.bus.cnt_idle.read();
    if (sb.failed()) {
      r.error = sb.failure();
    } else if (!sb.passed()) {
      r.error = "timeout: " + std::to_string(sb.beats()) + " of " +
                std::to_string(sb.expected_beats()) + " result beats after " +
                std::to_string(static_cast<uint64_t>(bound_)) + " cycles";
    }
    return r;
  }

 private:
  std::string name_;
  ArrayParams p_;
  std::vector<int64_t> reference_;
  RunOptions o_;
  bool ran_ = false;
  double bound_ = 0;
};

int run(const RunOptions& o) {
  const ArrayParams p = ArrayParams::from_config(hw_config(SWIS_SC_CONFIG));
  // The layer of `make sim`, prepared by the same flow as swis run.
  PreparedLayer l = prepare_layer(default_weights(), default_acts(), builtin_request(), p);
  const GemmOperands& ops = l.operands.ops;
  std::printf("swis_sc: the built-in layer (make sim) on %s (%s), verilated with --sc\n",
              SWIS_SC_CONFIG, p.describe().c_str());
  std::printf(
      "layer: P=%lld x G=%lld groups x F=%lld, %zu tiles; bubble %g, backpressure %g, "
      "seed %llu\n",
      static_cast<long long>(ops.rows), static_cast<long long>(ops.groups),
      static_cast<long long>(ops.filters), l.prog.tiles.size(), o.bubble, o.backpressure,
      static_cast<unsigned long long>(o.seed));
  ScArrayBackend backend(p, reference_gemm(ops), o);
  const int64_t rows = ops.rows, filters = ops.filters;
  ArrayRun run = backend.run(l.prog, rows, filters);
  const LayerReport rep =
      finish_layer(std::move(l), std::move(run), backend.name(), backend.clean());
  std::printf(
      "cycles: %llu (closed form without bubbles or backpressure: %llu); DUT busy %llu, "
      "stall %llu\n",
      static_cast<unsigned long long>(rep.sim.cycles),
      static_cast<unsigned long long>(rep.layer.expected.cycles),
      static_cast<unsigned long long>(rep.sim.busy),
      static_cast<unsigned long long>(rep.sim.stall));
  if (!rep.sim.error.empty()) std::printf("%s\n", rep.sim.error.c_str());
  if (!rep.cycles_match) {
    std::printf("cycles differ from the closed form in a run without bubbles or backpressure\n");
  }
  std::printf("%s\n", rep.pass() ? "PASS" : "FAIL");
  return rep.pass() ? 0 : 1;
}

}  // namespace
}  // namespace swis::sc

int sc_main(int argc, char** argv) {
  // The kernel's infos ("Simulation stopped by user."), not its warnings or errors.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  swis::sc::RunOptions o;
  CLI::App app{"swis_sc: the built-in layer of make sim through the SystemC testbench", "swis_sc"};
  app.add_option("--bubble", o.bubble, "chance that a stream with a beat ready holds it a cycle")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  app.add_option("--backpressure", o.backpressure, "chance that res_ready is low in a cycle")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the bubbles, backpressure and initial state")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "swis_sc: " << e.what() << " (swis_sc --help)\n";
    return 2;
  }
  try {
    return swis::sc::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "swis_sc: %s\n", e.what());
    return 2;
  }
}
