// SystemC verification environment of swis_array, split as Ibex's dv benches are: a driver that
// feeds an ArrayProgram's cfg, act and tok streams with random bubbles, a monitor that samples
// every result handshake under random backpressure, and a scoreboard that checks each result
// beat against the golden model (the tile order of lib/mapping/array_program.h, reference_gemm).
//
// Timing. Inputs change on the falling clock edge, half a cycle away from the active rising
// edge. Handshakes are sampled on the rising edge: a process woken by it reads every signal as
// it was before the edge, because SystemC updates signals only after all the processes of a
// delta cycle have run (the Verilated model's own clocked process included).
#pragma once

#include <cstdint>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <systemc>
#include <type_traits>
#include <vector>

#include "lib/mapping/array_program.h"
#include "systemc/sc_bits.h"
#include "tb/port_bits.h"

namespace swis::sc {

// The signals between the testbench and a Verilated array, each typed after the port it binds.
template <class Dut>
struct ArrayBus {
  template <class Port>
  using Signal = sc_core::sc_signal<typename std::remove_reference_t<Port>::data_type>;

  Signal<decltype(Dut::rst_ni)> rst_n{"rst_n"};
  Signal<decltype(Dut::cfg_valid_i)> cfg_valid{"cfg_valid"};
  Signal<decltype(Dut::cfg_ready_o)> cfg_ready{"cfg_ready"};
  Signal<decltype(Dut::cfg_shifts_i)> cfg_shifts{"cfg_shifts"};
  Signal<decltype(Dut::cfg_groups_i)> cfg_groups{"cfg_groups"};
  Signal<decltype(Dut::cfg_act_signed_i)> cfg_act_signed{"cfg_act_signed"};
  Signal<decltype(Dut::act_valid_i)> act_valid{"act_valid"};
  Signal<decltype(Dut::act_ready_o)> act_ready{"act_ready"};
  Signal<decltype(Dut::act_i)> act{"act"};
  Signal<decltype(Dut::tok_valid_i)> tok_valid{"tok_valid"};
  Signal<decltype(Dut::tok_ready_o)> tok_ready{"tok_ready"};
  Signal<decltype(Dut::tok_sign_i)> tok_sign{"tok_sign"};
  Signal<decltype(Dut::tok_shift_i)> tok_shift{"tok_shift"};
  Signal<decltype(Dut::tok_mask_i)> tok_mask{"tok_mask"};
  // The fixed-point weights: this bench runs a SWIS array, they stay zero.
  Signal<decltype(Dut::tok_weight_i)> tok_weight{"tok_weight"};
  Signal<decltype(Dut::res_valid_o)> res_valid{"res_valid"};
  Signal<decltype(Dut::res_ready_i)> res_ready{"res_ready"};
  Signal<decltype(Dut::res_tile_o)> res_tile{"res_tile"};
  Signal<decltype(Dut::res_col_o)> res_col{"res_col"};
  Signal<decltype(Dut::res_data_o)> res_data{"res_data"};
  Signal<decltype(Dut::cnt_busy_o)> cnt_busy{"cnt_busy"};
  Signal<decltype(Dut::cnt_stall_o)> cnt_stall{"cnt_stall"};
  Signal<decltype(Dut::cnt_idle_o)> cnt_idle{"cnt_idle"};
  Signal<decltype(Dut::dbg_acc_o)> dbg_acc{"dbg_acc"};

  void bind(Dut& dut, sc_core::sc_signal_in_if<bool>& clk) {
    dut.clk_i(clk);
    dut.rst_ni(rst_n);
    dut.cfg_valid_i(cfg_valid);
    dut.cfg_ready_o(cfg_ready);
    dut.cfg_shifts_i(cfg_shifts);
    dut.cfg_groups_i(cfg_groups);
    dut.cfg_act_signed_i(cfg_act_signed);
    dut.act_valid_i(act_valid);
    dut.act_ready_o(act_ready);
    dut.act_i(act);
    dut.tok_valid_i(tok_valid);
    dut.tok_ready_o(tok_ready);
    dut.tok_sign_i(tok_sign);
    dut.tok_shift_i(tok_shift);
    dut.tok_mask_i(tok_mask);
    dut.tok_weight_i(tok_weight);
    dut.res_valid_o(res_valid);
    dut.res_ready_i(res_ready);
    dut.res_tile_o(res_tile);
    dut.res_col_o(res_col);
    dut.res_data_o(res_data);
    dut.cnt_busy_o(cnt_busy);
    dut.cnt_stall_o(cnt_stall);
    dut.cnt_idle_o(cnt_idle);
    dut.dbg_acc_o(dbg_acc);
  }

  // Throws std::invalid_argument if a bus is narrower than the parameters need: the Verilated
  // model and ArrayParams must come from the same line of config/configs.txt.
  void check_widths(const ArrayParams& p) const {
    auto need = [](const char* port, int have, int bits) {
      if (have < bits) {
        throw std::invalid_argument(std::string("Verilated port ") + port + " has " +
                                    std::to_string(have) + " bits, the parameters need " +
                                    std::to_string(bits));
      }
    };
    const int M = p.group_size, S = p.shifts_per_cycle;
    need("act_i", width(act), p.rows * M * 8);
    need("tok_sign_i", width(tok_sign), p.cols * M);
    need("tok_shift_i", width(tok_shift), p.cols * S * 3);
    need("tok_mask_i", width(tok_mask), p.cols * S * M);
    need("cfg_groups_i", width(cfg_groups), p.groups_width);
    need("res_data_o", width(res_data), p.rows * p.acc_width);
  }

 private:
  template <class T>
  static constexpr int width(const sc_core::sc_signal<T>&) {
    return port_width<T>();
  }
};

// One result handshake as the monitor saw it.
struct ObservedBeat {
  uint64_t cycle = 0;  // clock cycles since reset, from 0
  sc_core::sc_time time;
  ResultBeat beat;
};

// sc_fifo prints its contents with operator<<.
inline std::ostream& operator<<(std::ostream& os, const ObservedBeat& o) {
  return os << "cycle " << o.cycle << " tile " << o.beat.tile << " column " << o.beat.col;
}

// Independent random streams per process, so that the order in which SystemC runs processes
// within a delta cannot change what any of them draws.
class Chance {
 public:
  Chance(uint64_t seed, uint64_t stream) : rng_(seed * 0x9e3779b97f4a7c15ull + stream) {}
  bool operator()(double p) { return p > 0 && u_(rng_) < p; }
  uint64_t bits() { return rng_(); }

 private:
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> u_{0.0, 1.0};
};

// Feeds the program's three streams. Each stream with a beat to give drops valid with
// probability `bubble` in a cycle; while valid is low its data lines carry random bits, which
// the array must ignore.
template <class Bus>
class Driver : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk{"clk"};

  SC_HAS_PROCESS(Driver);
  Driver(sc_core::sc_module_name name, Bus& bus, const ArrayParams& p, const ArrayProgram& prog,
         double bubble, uint64_t seed)
      : sc_core::sc_module(name), bus_(bus), p_(p), prog_(prog), bubble_(bubble), chance_(seed, 1) {
    SC_THREAD(run);
  }

  size_t cfg_beats() const { return cfg_i_; }
  size_t act_beats() const { return act_i_; }
  size_t tok_beats() const { return tok_i_; }

 private:
  void run() {
    wait(bus_.rst_n.negedge_event());  // reset asserted,
    wait(bus_.rst_n.posedge_event());  // then released on a falling clock edge
    for (;;) {
      drive();
      wait(clk.posedge_event());
      cfg_i_ += bus_.cfg_valid.read() && bus_.cfg_ready.read();
      act_i_ += bus_.act_valid.read() && bus_.act_ready.read();
      tok_i_ += bus_.tok_valid.read() && bus_.tok_ready.read();
      wait(clk.negedge_event());
    }
  }

  void drive() {
    const int M = p_.group_size, S = p_.shifts_per_cycle;

    const bool cfg_valid = cfg_i_ < prog_.cfg.size() && !chance_(bubble_);
    bus_.cfg_valid.write(cfg_valid);
    if (cfg_valid) {
      const CfgBeat& c = prog_.cfg[cfg_i_];
      write(bus_.cfg_shifts, static_cast<uint64_t>(c.shifts));
      write(bus_.cfg_groups, static_cast<uint64_t>(c.groups));
      write(bus_.cfg_act_signed, c.act_signed);
    } else {
      write(bus_.cfg_shifts, noise(4));
      write(bus_.cfg_groups, noise(p_.groups_width));
      write(bus_.cfg_act_signed, noise(1));
    }

    const bool act_valid = act_i_ < prog_.act.size() && !chance_(bubble_);
    bus_.act_valid.write(act_valid);
    auto act = bus_.act.read();
    for (int r = 0; r < p_.rows; ++r) {
      for (int i = 0; i < M; ++i) {
        put_bits(act, (r * M + i) * 8, 8, act_valid ? prog_.act[act_i_][r].lane[i] : noise(8));
      }
    }
    bus_.act.write(act);

    const bool tok_valid = tok_i_ < prog_.tok.size() && !chance_(bubble_);
    bus_.tok_valid.write(tok_valid);
    auto sign = bus_.tok_sign.read();
    auto shift = bus_.tok_shift.read();
    auto mask = bus_.tok_mask.read();
    for (int c = 0; c < p_.cols; ++c) {
      const WeightToken* t = tok_valid ? &prog_.tok[tok_i_][c] : nullptr;
      put_bits(sign, c * M, M, t ? t->sign : noise(M));
      for (int s = 0; s < S; ++s) {
        put_bits(shift, (c * S + s) * 3, 3, t ? static_cast<uint64_t>(t->slot[s].shift) : noise(3));
        put_bits(mask, (c * S + s) * M, M, t ? t->slot[s].mask : noise(M));
      }
    }
    bus_.tok_sign.write(sign);
    bus_.tok_shift.write(shift);
    bus_.tok_mask.write(mask);
  }

  template <class Signal>
  static void write(Signal& s, uint64_t value) {
    auto v = s.read();
    put_bits(v, 0, port_width<std::decay_t<decltype(v)>>(), value);
    s.write(v);
  }

  uint64_t noise(int width) { return chance_.bits() & ((uint64_t{1} << width) - 1); }

  Bus& bus_;
  const ArrayParams& p_;
  const ArrayProgram& prog_;
  double bubble_;
  Chance chance_;
  size_t cfg_i_ = 0, act_i_ = 0, tok_i_ = 0;
};

// Holds res_ready low with probability `backpressure` in a cycle and passes every result
// handshake on to the scoreboard.
template <class Bus>
class Monitor : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk{"clk"};
  sc_core::sc_fifo_out<ObservedBeat> out{"out"};

  SC_HAS_PROCESS(Monitor);
  Monitor(sc_core::sc_module_name name, Bus& bus, const ArrayParams& p, double backpressure,
          uint64_t seed)
      : sc_core::sc_module(name), bus_(bus), p_(p), backpressure_(backpressure), chance_(seed, 2) {
    SC_THREAD(run);
  }

 private:
  void run() {
    wait(bus_.rst_n.negedge_event());
    wait(bus_.rst_n.posedge_event());
    for (uint64_t cycle = 0;; ++cycle) {
      bus_.res_ready.write(!chance_(backpressure_));
      wait(clk.posedge_event());
      if (bus_.res_valid.read() && bus_.res_ready.read()) out.write(capture(cycle));
      wait(clk.negedge_event());
    }
  }

  ObservedBeat capture(uint64_t cycle) const {
    ObservedBeat o;
    o.cycle = cycle;
    o.time = sc_core::sc_time_stamp();
    o.beat.tile = static_cast<int>(bus_.res_tile.read());
    o.beat.col = static_cast<int>(bus_.res_col.read());
    const auto& data = bus_.res_data.read();
    for (int r = 0; r < p_.rows; ++r) {
      o.beat.data.push_back(
          tb::sign_extend(get_bits(data, r * p_.acc_width, p_.acc_width), p_.acc_width));
    }
    return o;
  }

  Bus& bus_;
  const ArrayParams& p_;
  double backpressure_;
  Chance chance_;
};

// Checks every result beat as it arrives: its tile and column against the program's order, every
// value against reference_gemm (padding rows and columns must read 0), and through
// ResultCollector that no (row, filter) arrives twice. After the last expected beat it waits
// `grace` for a beat that should not come, then stops the simulation.
class Scoreboard : public sc_core::sc_module {
 public:
  sc_core::sc_fifo_in<ObservedBeat> in{"in"};

  SC_HAS_PROCESS(Scoreboard);
  // `reference` is the P x F result every beat must carry (reference_gemm of the operands).
  Scoreboard(sc_core::sc_module_name name, const ArrayParams& p, const ArrayProgram& prog,
             std::vector<int64_t> reference, int64_t rows, int64_t filters, sc_core::sc_time grace)
      : sc_core::sc_module(name),
        p_(p),
        prog_(prog),
        filters_(filters),
        reference_(std::move(reference)),
        collector_(p, prog, rows, filters),
        grace_(grace) {
    SC_THREAD(run);
  }

  int64_t expected_beats() const { return static_cast<int64_t>(prog_.tiles.size()) * p_.cols; }
  int64_t expected_results() const { return static_cast<int64_t>(reference_.size()); }
  int64_t beats() const { return beats_; }
  int64_t results() const { return collector_.received(); }
  uint64_t cycles() const { return cycles_; }  // through the last beat's cycle
  bool failed() const { return failed_; }
  // Every beat arrived, in order, each value right, each (row, filter) once, nothing after.
  bool passed() const { return done_ && !failed_; }
  // The results taken so far, P x F.
  const std::vector<int64_t>& result() const { return collector_.result(); }
  const std::string& failure() const { return failure_; }

 private:
  void run() {
    while (beats_ < expected_beats()) {
      const ObservedBeat o = in.read();
      cycles_ = o.cycle + 1;
      if (!check(o)) return stop();
    }
    if (!collector_.complete() || collector_.result() != reference_) {
      fail(sc_core::sc_time_stamp(), cycles_,
           "all beats arrived but " + std::to_string(collector_.received()) + " of " +
               std::to_string(expected_results()) + " results were taken");
      return stop();
    }
    wait(grace_, in.data_written_event());
    ObservedBeat extra;
    if (in.nb_read(extra)) {
      fail(extra.time, extra.cycle,
           "result beat tile " + std::to_string(extra.beat.tile) + " column " +
               std::to_string(extra.beat.col) + " after the last expected beat");
      return stop();
    }
    done_ = true;
    stop();
  }

  bool check(const ObservedBeat& o) {
    const ResultBeat& b = o.beat;
    const int64_t n = beats_++;
    const int64_t tile = n / p_.cols;
    const int want_col = static_cast<int>(n % p_.cols);
    const int want_tag = static_cast<int>(tile % (int64_t{1} << p_.tile_width));
    if (b.tile != want_tag || b.col != want_col) {
      return fail(o.time, o.cycle,
                  "result beat " + std::to_string(n) + " is tile " + std::to_string(b.tile) +
                      " column " + std::to_string(b.col) + ", expected tile " +
                      std::to_string(want_tag) + " column " + std::to_string(want_col));
    }
    const ArrayTile& t = prog_.tiles[static_cast<size_t>(tile)];
    const int64_t f = t.filters[static_cast<size_t>(b.col)];
    for (int r = 0; r < p_.rows; ++r) {
      const bool real = r < t.rows_used && f >= 0;
      const int64_t prow = t.row0 + r;
      const int64_t want = real ? reference_[static_cast<size_t>(prow * filters_ + f)] : 0;
      if (b.data[static_cast<size_t>(r)] != want) {
        const std::string what =
            real ? "output row " + std::to_string(prow) + ", filter " + std::to_string(f)
                 : std::string("padding");
        return fail(o.time, o.cycle,
                    "tile " + std::to_string(tile) + " column " + std::to_string(b.col) + " row " +
                        std::to_string(r) + " (" + what + "): expected " + std::to_string(want) +
                        ", actual " + std::to_string(b.data[static_cast<size_t>(r)]));
      }
    }
    try {
      collector_.take(b);
    } catch (const std::runtime_error& e) {
      return fail(o.time, o.cycle, e.what());
    }
    return true;
  }

  bool fail(const sc_core::sc_time& at, uint64_t cycle, const std::string& what) {
    failed_ = true;
    failure_ = "MISMATCH at " + at.to_string() + " (cycle " + std::to_string(cycle) + "): " + what;
    std::cerr << "swis_sc: " << failure_ << std::endl;
    return false;
  }

  void stop() { sc_core::sc_stop(); }

  const ArrayParams& p_;
  const ArrayProgram& prog_;
  int64_t filters_;
  std::vector<int64_t> reference_;
  ResultCollector collector_;
  sc_core::sc_time grace_;
  int64_t beats_ = 0;
  uint64_t cycles_ = 0;
  bool failed_ = false, done_ = false;
  std::string failure_;
};

}  // namespace swis::sc
