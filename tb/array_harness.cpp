#include "tb/array_harness.h"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "tb/functional_coverage.h"

namespace swis::tb {

std::string ArrayMismatch::describe(const std::string& dut_name) const {
  std::ostringstream os;
  os << dut_name << ": cycle " << cycle << ": ";
  if (row >= 0) {
    os << "PE (" << row << ", " << col << ") accumulator";
  } else {
    os << signal;
  }
  os << " expected " << expected << " actual " << actual;
  if (!context.empty()) os << "; " << context;
  return os.str();
}

std::string format_token(const WeightToken& t, int group_size, int slots) {
  std::ostringstream os;
  os << "{valid=" << t.valid << " first=" << t.first << " last=" << t.last << std::hex << " sign=0x"
     << t.sign;
  for (int s = 0; s < slots; ++s) {
    os << " slot" << s << "=(shift " << std::dec << t.slot[s].shift << ", mask 0x" << std::hex
       << t.slot[s].mask << ")";
  }
  os << std::dec << "}";
  (void)group_size;
  return os.str();
}

const ArrayDutEntry& array_dut(const std::string& name) {
  for (const auto& e : array_duts()) {
    if (e.name == name) return e;
  }
  throw std::invalid_argument("no array configuration named " + name);
}

const ArrayDutEntry& find_array_dut(const ArrayParams& wanted) {
  std::string have;
  for (const auto& e : array_duts()) {
    const ArrayParams& p = e.params;
    if (p.rows == wanted.rows && p.cols == wanted.cols && p.group_size == wanted.group_size &&
        p.shifts_per_cycle == wanted.shifts_per_cycle) {
      return e;
    }
    have += (have.empty() ? "" : ", ") + e.name;
  }
  throw std::invalid_argument("no Verilated array of " + wanted.describe() + " (configurations: " +
                              have + "; add one to config/configs.txt)");
}

void apply_wave_environment(const std::string& dut_name, ArrayRunOptions& opt) {
  static int runs = 0;
  const char* dir = std::getenv("SWIS_WAVES");
  if (!dir || !*dir || !opt.waves.empty()) return;
  opt.waves = std::string(dir) + "/" + dut_name + "_" + std::to_string(runs++) + ".fst";
  if (const char* w = std::getenv("SWIS_WAVES_WINDOW")) {
    unsigned long long a = 0, b = 0;
    if (std::sscanf(w, "%llu:%llu", &a, &b) == 2 && a < b) {
      opt.wave_from = a;
      opt.wave_to = b;
    }
  }
}

namespace {
ArrayRunResult run_once(ArrayDut& dut, const ArrayProgram& prog, int64_t rows, int64_t filters,
                        const ArrayRunOptions& opt);
}  // namespace

ArrayRunResult run_program(ArrayDut& dut, const ArrayProgram& prog, int64_t rows, int64_t filters,
                           const ArrayRunOptions& opt) {
  ArrayRunResult res = run_once(dut, prog, rows, filters, opt);
  if (res.mismatch && !opt.mismatch_waves.empty()) {
    // The run is deterministic: run it again with waves around the first divergence.
    ArrayRunOptions again = opt;
    again.waves = opt.mismatch_waves;
    again.wave_from = res.mismatch->cycle > opt.mismatch_window ? res.mismatch->cycle - opt.mismatch_window : 0;
    again.wave_to = res.mismatch->cycle + 8;
    run_once(dut, prog, rows, filters, again);
  }
  return res;
}

namespace {

ArrayRunResult run_once(ArrayDut& dut, const ArrayProgram& prog, int64_t rows, int64_t filters,
                        const ArrayRunOptions& opt) {
  const ArrayParams& p = dut.model().params();
  dut.reset();
  dut.set_checking(opt.check);
  dut.trace(opt.waves, opt.wave_from, opt.wave_to);
  ArrayRunResult res;
  ResultCollector collector(p, prog, rows, filters);
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto held = [&](double chance) { return chance > 0 && u(rng) < chance; };

  uint64_t bound = opt.max_cycles;
  if (bound == 0) {
    const double slow =
        1.0 / std::max(0.05, (1.0 - opt.bubble) * (1.0 - opt.bubble) * (1.0 - opt.backpressure));
    bound = static_cast<uint64_t>(4.0 * slow *
                                  static_cast<double>(closed_form_cycles(p, prog.tile_steps()))) +
            1000;
  }
  size_t cfg_i = 0, act_i = 0, tok_i = 0;
  ArrayInputs in;
  in.act.assign(static_cast<size_t>(p.rows), ActGroup{});
  in.tok.assign(static_cast<size_t>(p.cols), WeightToken{});
  const std::vector<ActGroup> no_act(static_cast<size_t>(p.rows));
  const std::vector<WeightToken> no_tok(static_cast<size_t>(p.cols));
  ArrayOutputs seen;
  fcov::ArraySampler sampler(p);
  for (uint64_t cycle = 0;; ++cycle) {
    if (cycle >= bound) {
      res.error = "timeout: no complete result after " + std::to_string(cycle) + " cycles (" +
                  std::to_string(collector.received()) + " results received)";
      break;
    }
    in.cfg_valid = cfg_i < prog.cfg.size() && !held(opt.bubble);
    if (cfg_i < prog.cfg.size()) {
      in.cfg_shifts = prog.cfg[cfg_i].shifts;
      in.cfg_groups = prog.cfg[cfg_i].groups;
      in.cfg_act_signed = prog.cfg[cfg_i].act_signed;
    }
    in.act_valid = act_i < prog.act.size() && !held(opt.bubble);
    in.act = act_i < prog.act.size() ? prog.act[act_i] : no_act;
    in.tok_valid = tok_i < prog.tok.size() && !held(opt.bubble);
    in.tok = tok_i < prog.tok.size() ? prog.tok[tok_i] : no_tok;
    in.res_ready = !held(opt.backpressure);

    if (opt.progress && (cycle & 0x3fff) == 0 && cycle > 0) opt.progress(cycle);
    res.mismatch = dut.step(in, seen);
    sampler.cycle(in, seen,
                  (cfg_i < prog.cfg.size() && !in.cfg_valid) || (act_i < prog.act.size() && !in.act_valid) ||
                      (tok_i < prog.tok.size() && !in.tok_valid));
    if (res.mismatch) {
      res.cycles = cycle + 1;
      break;
    }
    cfg_i += in.cfg_valid && seen.cfg_ready;
    act_i += in.act_valid && seen.act_ready;
    tok_i += in.tok_valid && seen.tok_ready;
    if (seen.res_valid && in.res_ready) {
      try {
        collector.take(seen.res);
      } catch (const std::runtime_error& e) {
        res.error = "cycle " + std::to_string(cycle) + ": " + e.what();
        res.cycles = cycle + 1;
        break;
      }
      if (collector.complete() &&
          collector.beats() == static_cast<int64_t>(prog.tiles.size()) * p.rows) {
        res.cycles = cycle + 1;
        res.complete = true;
        break;
      }
    }
  }
  res.y = collector.result();
  res.busy = seen.busy;
  res.stall = seen.stall;
  res.idle = seen.idle;
  dut.trace("", 0, 0);
  return res;
}

}  // namespace

}  // namespace swis::tb

namespace swis::tb {

std::string gtkw_for_array(const ArrayParams& p, const std::string& fst_path) {
  // Verilator names the scopes TOP.swis_array.<generate block>[i]...; a misspelt signal is
  // dropped silently by GTKWave, so tb/test_waves.cpp checks every one of these against the
  // FST.
  std::ostringstream g;
  const std::string top = "TOP.swis_array.";
  g << "[dumpfile] \"" << fst_path << "\"\n";
  g << "[timestart] 0\n[size] 1600 1350\n[pos] -1 -1\n*-4.0 0 -1\n[sst_width] 260\n[signals_width] 320\n";
  g << "[sst_expanded] 1\n[sst_vpaned_height] 300\n";
  // Trace flags (hex bit masks): 22 hex, 28 binary, 424 signed decimal; colours by [color] N.
  auto sig = [&g](const std::string& name, const char* flag, int colour) {
    g << "@" << flag << "\n[color] " << colour << "\n" << name << "\n";
  };
  auto begin_group = [&g](const std::string& name) { g << "@800200\n-" << name << "\n"; };
  auto end_group = [&g](const std::string& name) { g << "@1000200\n-" << name << "\n"; };
  begin_group("edge streams");
  sig(top + "clk_i", "28", 0);
  for (const char* s : {"cfg_valid_i", "cfg_ready_o", "act_valid_i", "act_ready_o", "tok_valid_i", "tok_ready_o",
                        "res_valid_o", "res_ready_i"}) {
    sig(top + s, "28", 3);
  }
  sig(top + "cfg_shifts_i[3:0]", "24", 3);
  sig(top + "group_q[" + std::to_string(p.groups_width - 1) + ":0]", "24", 2);
  sig(top + "step_q[2:0]", "24", 2);
  sig(top + "res_tile_o[15:0]", "424", 5);
  sig(top + "res_row_o[" + std::to_string(p.rows > 1 ? std::max(1, 31 - __builtin_clz(p.rows - 1) + 1) - 1 : 0) +
          ":0]",
      "424", 5);
  end_group("edge streams");
  const int act_bits = p.group_size * 8, mask_bits = p.group_size * p.shifts_per_cycle;
  for (int r = 0; r < p.rows; ++r) {
    begin_group("PE row " + std::to_string(r));
    for (int c = 0; c < p.cols; ++c) {
      const std::string pe = top + "gen_row[" + std::to_string(r) + "].gen_col[" + std::to_string(c) + "].u_pe.";
      sig(pe + "tok_valid_q", "28", 2);
      sig(pe + "tok_first_q", "28", 2);
      sig(pe + "tok_last_q", "28", 2);
      sig(pe + "tok_shift_q[" + std::to_string(3 * p.shifts_per_cycle - 1) + ":0]", "22", 4);
      sig(pe + "tok_mask_q[" + std::to_string(mask_bits - 1) + ":0]", "22", 4);
      sig(pe + "tok_sign_q[" + std::to_string(p.group_size - 1) + ":0]", "22", 4);
      sig(pe + "act_q[" + std::to_string(act_bits - 1) + ":0]", "22", 6);
      sig(pe + "acc_q[" + std::to_string(p.acc_width - 1) + ":0]", "424", 1);
    }
    end_group("PE row " + std::to_string(r));
  }
  begin_group("drain and counters");
  for (int c = 0; c < p.cols; ++c) {
    sig(top + "gen_drain[" + std::to_string(c) + "].gen_stage[" + std::to_string(p.rows - 1) + "].q[" +
            std::to_string(p.acc_width) + ":0]",
        "424", 5);
  }
  for (const char* s : {"busy_q[31:0]", "stall_q[31:0]", "idle_q[31:0]"}) sig(top + s, "24", 7);
  end_group("drain and counters");
  return g.str();
}

}  // namespace swis::tb
