#include "tb/array_harness.h"

#include <random>
#include <sstream>
#include <stdexcept>

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

ArrayRunResult run_program(ArrayDut& dut, const ArrayProgram& prog, int64_t rows, int64_t filters,
                           const ArrayRunOptions& opt) {
  const ArrayParams& p = dut.model().params();
  dut.reset();
  dut.set_checking(opt.check);
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

    res.mismatch = dut.step(in, seen);
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
  return res;
}

}  // namespace swis::tb
