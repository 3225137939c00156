#include "tb/array_harness.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
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
        p.shifts_per_cycle == wanted.shifts_per_cycle && p.fixed_point == wanted.fixed_point) {
      return e;
    }
    have += (have.empty() ? "" : ", ") + e.name;
  }
  throw std::invalid_argument("no Verilated array of " + wanted.describe() +
                              " (configurations: " + have + "; add one to config/configs.txt)");
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

std::vector<ArrayRunResult> run_once(ArrayDut& dut, const std::vector<ArrayStreamItem>& progs,
                                     const ArrayRunOptions& opt);

}  // namespace

ArrayRunResult run_program(ArrayDut& dut, const ArrayProgram& prog, int64_t rows, int64_t filters,
                           const ArrayRunOptions& opt) {
  return run_programs(dut, {ArrayStreamItem{&prog, rows, filters}}, opt).front();
}

std::vector<ArrayRunResult> run_programs(ArrayDut& dut, const std::vector<ArrayStreamItem>& progs,
                                         const ArrayRunOptions& opt) {
  for (size_t k = 0; k < progs.size(); ++k) {
    if (!progs[k].prog || progs[k].prog->tiles.empty()) {
      throw std::invalid_argument("program " + std::to_string(k) + " of the stream has no tiles");
    }
  }
  if (progs.empty()) return {};
  std::vector<ArrayRunResult> res = run_once(dut, progs, opt);
  const auto failed = std::find_if(res.begin(), res.end(),
                                   [](const ArrayRunResult& r) { return r.mismatch.has_value(); });
  // A run that went on from an earlier one cannot be repeated: its waves are the run's own.
  if (failed != res.end() && !opt.mismatch_waves.empty() && opt.reset) {
    // The run is deterministic: run it again with waves around the first divergence.
    const uint64_t at = failed->mismatch->cycle;
    ArrayRunOptions again = opt;
    again.waves = opt.mismatch_waves;
    again.wave_from = at > opt.mismatch_window ? at - opt.mismatch_window : 0;
    again.wave_to = at + 8;
    run_once(dut, progs, again);
  }
  return res;
}

namespace {

// Random values for a stream's data inputs while its valid is low: every bit of each port
// field (cfg_shifts 4 bits, cfg_groups GroupsWidth bits, act lanes any byte, token sign, shift
// and mask fields any bits of their widths). They come from an engine of their own, seeded
// from the run's seed, so that the bubble and backpressure draws of a seed stay what they were
// before the idle data was random.
class IdleData {
 public:
  IdleData(const ArrayParams& p, uint64_t seed) : p_(p), rng_(seed ^ 0x9e3779b97f4a7c15ull) {}

  void cfg(ArrayInputs& in) {
    const uint64_t v = rng_();
    in.cfg_shifts = static_cast<int>(v & 0xf);
    in.cfg_groups = static_cast<int>(v >> 4 & ((uint64_t{1} << p_.groups_width) - 1));
    in.cfg_act_signed = (v >> 63) != 0;
  }

  void act(std::vector<ActGroup>& act) {
    uint64_t v = 0;
    int left = 0;
    for (int r = 0; r < p_.rows; ++r) {
      for (int i = 0; i < p_.group_size; ++i) {
        if (left == 0) {
          v = rng_();
          left = 8;
        }
        act[r].lane[i] = static_cast<uint8_t>(v);
        v >>= 8;
        --left;
      }
    }
  }

  void tok(std::vector<WeightToken>& tok) {
    const int M = p_.group_size;
    const uint64_t lanes = (uint64_t{1} << M) - 1;
    for (int c = 0; c < p_.cols; ++c) {
      // M + S (3 + M) <= 54 bits: one draw per column.
      uint64_t v = rng_();
      WeightToken& t = tok[c];
      t.sign = static_cast<uint32_t>(v & lanes);
      v >>= M;
      for (int s = 0; s < p_.shifts_per_cycle; ++s) {
        t.slot[s].shift = static_cast<int>(v & 7);
        t.slot[s].mask = static_cast<uint32_t>(v >> 3 & lanes);
        v >>= 3 + M;
      }
    }
  }

 private:
  const ArrayParams& p_;
  std::mt19937_64 rng_;
};

// One stream's beats over all the programs of a run, in order, with the program of each.
template <class Beat>
struct Stream {
  std::vector<const Beat*> beat;
  std::vector<size_t> prog;
  size_t next = 0;  // the beat on offer
  bool left() const { return next < beat.size(); }
  void add(const std::vector<Beat>& beats, size_t k) {
    for (const Beat& b : beats) {
      beat.push_back(&b);
      prog.push_back(k);
    }
  }
  // A program's act or tok stream: beat i is the run of elements from beats[i] on.
  void add(const BeatStream<Beat>& beats, size_t k) {
    for (size_t i = 0; i < beats.size(); ++i) {
      beat.push_back(beats[i]);
      prog.push_back(k);
    }
  }
};

std::vector<ArrayRunResult> run_once(ArrayDut& dut, const std::vector<ArrayStreamItem>& progs,
                                     const ArrayRunOptions& opt) {
  const ArrayParams& p = dut.model().params();
  const size_t n = progs.size();
  if (opt.reset) dut.reset();
  dut.set_checking(opt.check);
  dut.trace(opt.waves, opt.wave_from, opt.wave_to);
  std::vector<ArrayRunResult> res(n);
  std::vector<ResultCollector> collectors;
  collectors.reserve(n);
  Stream<CfgBeat> cfg;
  Stream<ActGroup> act;     // each beat Rows groups
  Stream<WeightToken> tok;  // each beat Cols tokens
  std::vector<uint64_t> all_steps;
  std::vector<int64_t> first_tile(n);  // the stream's tile number of each program's first tile
  int64_t tiles = opt.reset ? 0 : opt.tiles_before;
  for (size_t k = 0; k < n; ++k) {
    const ArrayProgram& prog = *progs[k].prog;
    collectors.emplace_back(p, prog, progs[k].rows, progs[k].filters);
    cfg.add(prog.cfg, k);
    act.add(prog.act, k);
    tok.add(prog.tok, k);
    const std::vector<uint64_t> steps = prog.tile_steps();
    all_steps.insert(all_steps.end(), steps.begin(), steps.end());
    first_tile[k] = tiles;
    res[k].first_tile = tiles;
    tiles += static_cast<int64_t>(prog.tiles.size());
  }
  std::vector<bool> started(n, false);
  started[0] = true;  // from the first cycle after reset
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto held = [&](double chance) { return chance > 0 && u(rng) < chance; };
  IdleData idle(p, opt.seed);

  uint64_t bound = opt.max_cycles;
  if (bound == 0) {
    const double slow =
        1.0 / std::max(0.05, (1.0 - opt.bubble) * (1.0 - opt.bubble) * (1.0 - opt.backpressure));
    bound =
        static_cast<uint64_t>(4.0 * slow * static_cast<double>(closed_form_cycles(p, all_steps))) +
        1000;
  }
  ArrayInputs in;
  in.act.assign(static_cast<size_t>(p.rows), ActGroup{});
  in.tok.assign(static_cast<size_t>(p.cols), WeightToken{});
  ArrayOutputs seen;
  fcov::ArraySampler sampler(p);
  const int64_t tile_mod = int64_t{1} << p.tile_width;
  ResultBeat beat;
  size_t out = 0;               // the program whose results come next
  uint64_t cycle = 0, ran = 0;  // ran: cycles stepped
  std::optional<ArrayMismatch> mismatch;
  std::string error;
  for (;; ++cycle) {
    if (cycle >= bound) {
      error = "timeout: no complete result after " + std::to_string(cycle) + " cycles (" +
              std::to_string(collectors[out].received()) + " results received)";
      break;
    }
    in.cfg_valid = cfg.left() && !held(opt.bubble);
    if (in.cfg_valid) {
      const CfgBeat& b = *cfg.beat[cfg.next];
      in.cfg_shifts = b.shifts;
      in.cfg_groups = b.groups;
      in.cfg_act_signed = b.act_signed;
    } else {
      idle.cfg(in);
    }
    in.act_valid = act.left() && !held(opt.bubble);
    if (in.act_valid) {
      in.act.assign(act.beat[act.next], act.beat[act.next] + p.rows);
    } else {
      idle.act(in.act);
    }
    in.tok_valid = tok.left() && !held(opt.bubble);
    if (in.tok_valid) {
      in.tok.assign(tok.beat[tok.next], tok.beat[tok.next] + p.cols);
    } else {
      idle.tok(in.tok);
    }
    in.res_ready = !held(opt.backpressure);

    if (opt.progress && (cycle & 0x3fff) == 0 && cycle > 0) opt.progress(cycle);
    mismatch = dut.step(in, seen);
    ran = cycle + 1;
    sampler.cycle(in, seen,
                  (cfg.left() && !in.cfg_valid) || (act.left() && !in.act_valid) ||
                      (tok.left() && !in.tok_valid));
    if (mismatch) break;
    if (in.cfg_valid && seen.cfg_ready) {
      const size_t k = cfg.prog[cfg.next];
      if (!started[k]) {
        started[k] = true;
        res[k].first_cycle = cycle;
        res[k].busy = seen.busy;  // subtracted when the program completes
        res[k].stall = seen.stall;
        res[k].idle = seen.idle;
      }
      ++cfg.next;
    }
    act.next += in.act_valid && seen.act_ready;
    tok.next += in.tok_valid && seen.tok_ready;
    if (seen.res_valid && in.res_ready) {
      // The collector numbers tiles from 0: give it the beat's number relative to the
      // program's first tile.
      beat = seen.res;
      beat.tile =
          static_cast<int>(((beat.tile - first_tile[out]) % tile_mod + tile_mod) % tile_mod);
      try {
        collectors[out].take(beat);
      } catch (const std::runtime_error& e) {
        error = "cycle " + std::to_string(cycle) + ": ";
        if (n > 1) {
          error += "program " + std::to_string(out) + " (its tile 0 is tile " +
                   std::to_string(first_tile[out] % tile_mod) + " of the stream): ";
        }
        error += e.what();
        break;
      }
      const ArrayProgram& prog = *progs[out].prog;
      if (collectors[out].complete() &&
          collectors[out].beats() == static_cast<int64_t>(prog.tiles.size()) * p.beats_per_tile()) {
        ArrayRunResult& r = res[out];
        r.cycles = cycle + 1 - r.first_cycle;
        r.complete = true;
        r.busy = seen.busy - r.busy;
        r.stall = seen.stall - r.stall;
        r.idle = seen.idle - r.idle;
        if (++out == n) break;
      }
    }
  }
  for (size_t k = 0; k < n; ++k) {
    ArrayRunResult& r = res[k];
    r.y = collectors[k].result();
    if (r.complete) continue;
    r.cycles = started[k] ? ran - r.first_cycle : 0;
    r.busy = started[k] ? seen.busy - r.busy : 0;
    r.stall = started[k] ? seen.stall - r.stall : 0;
    r.idle = started[k] ? seen.idle - r.idle : 0;
    if (k == out || (started[k] && mismatch)) {
      // A divergence may lie in any tile in flight: every started program carries it.
      r.mismatch = mismatch;
      r.error = error;
    } else {
      r.error = "the stream stopped after " + std::to_string(ran) + " cycles, in program " +
                std::to_string(out) +
                "'s results: " + (mismatch ? mismatch->signal + " mismatch" : error);
    }
  }
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
  g << "[timestart] 0\n[size] 1600 1350\n[pos] -1 -1\n*-4.0 0 -1\n"
       "[sst_width] 260\n[signals_width] 320\n";
  g << "[sst_expanded] 1\n[sst_vpaned_height] 300\n";
  // Trace flags (hex bit masks): 22 hex, 28 binary, 424 signed decimal; colours by [color] N.
  auto sig = [&g](const std::string& name, const char* flag, int colour) {
    g << "@" << flag << "\n[color] " << colour << "\n" << name << "\n";
  };
  auto begin_group = [&g](const std::string& name) { g << "@800200\n-" << name << "\n"; };
  auto end_group = [&g](const std::string& name) { g << "@1000200\n-" << name << "\n"; };
  begin_group("edge streams");
  sig(top + "clk_i", "28", 0);
  for (const char* s : {"cfg_valid_i", "cfg_ready_o", "act_valid_i", "act_ready_o", "tok_valid_i",
                        "tok_ready_o", "res_valid_o", "res_ready_i"}) {
    sig(top + s, "28", 3);
  }
  sig(top + "cfg_shifts_i[3:0]", "24", 3);
  sig(top + "group_q[" + std::to_string(p.groups_width - 1) + ":0]", "24", 2);
  sig(top + "step_q[2:0]", "24", 2);
  sig(top + "res_tile_o[15:0]", "424", 5);
  sig(top + "res_col_o[" +
          std::to_string(p.cols > 1 ? std::max(1, 31 - __builtin_clz(p.cols - 1) + 1) - 1 : 0) +
          ":0]",
      "424", 5);
  end_group("edge streams");
  const int act_bits = p.group_size * 8, mask_bits = p.group_size * p.shifts_per_cycle;
  for (int r = 0; r < p.rows; ++r) {
    begin_group("PE row " + std::to_string(r));
    for (int c = 0; c < p.cols; ++c) {
      const std::string pe = top + "gen_row[" + std::to_string(r) + "].gen_col[" +
                             std::to_string(c) + "].gen_pe.u_pe.";
      sig(pe + "tok_valid_q", "28", 2);
      sig(pe + "tok_first_q", "28", 2);
      sig(pe + "tok_last_q", "28", 2);
      if (p.fixed_point) {
        sig(pe + "tok_weight_q[" + std::to_string(act_bits - 1) + ":0]", "22", 4);
      } else {
        sig(pe + "tok_shift_q[" + std::to_string(3 * p.shifts_per_cycle - 1) + ":0]", "22", 4);
        sig(pe + "tok_mask_q[" + std::to_string(mask_bits - 1) + ":0]", "22", 4);
        sig(pe + "tok_sign_q[" + std::to_string(p.group_size - 1) + ":0]", "22", 4);
      }
      sig(pe + "act_q[" + std::to_string(act_bits - 1) + ":0]", "22", 6);
      sig(pe + "acc_q[" + std::to_string(p.acc_width - 1) + ":0]", "424", 1);
    }
    end_group("PE row " + std::to_string(r));
  }
  begin_group("drain and counters");
  // The drain reads the PEs' result registers a column at a time: which columns hold a tile
  // not yet read, which one is presented, and whether a tile's last step must wait.
  sig(top + "loaded_q[" + std::to_string(p.cols - 1) + ":0]", "22", 5);
  sig(top + "out_col_q[" +
          std::to_string(p.cols > 1 ? std::max(1, 31 - __builtin_clz(p.cols - 1) + 1) - 1 : 0) +
          ":0]",
      "24", 5);
  sig(top + "drain_q", "28", 2);
  for (const char* s : {"busy_q[31:0]", "stall_q[31:0]", "idle_q[31:0]"}) sig(top + s, "24", 7);
  end_group("drain and counters");
  return g.str();
}

}  // namespace swis::tb
