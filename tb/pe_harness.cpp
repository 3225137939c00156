#include "tb/pe_harness.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tb/functional_coverage.h"

namespace swis::tb {

std::string PeMismatch::describe(const std::string& dut_name) const {
  std::ostringstream os;
  os << dut_name << ": cycle " << cycle << ": " << signal << " expected " << expected << " actual "
     << actual << "; inputs that cycle: " << inputs;
  return os.str();
}

std::string format_stimulus(const PeParams& p, const PeStimulus& in) {
  std::ostringstream os;
  os << "act[" << (in.act.is_signed ? "int8" : "uint8") << "]={";
  for (int i = 0; i < p.group_size; ++i) os << (i ? "," : "") << in.act.value(i);
  os << "} tok{valid=" << in.tok.valid << " first=" << in.tok.first << " last=" << in.tok.last;
  if (p.kind == PeKind::kSwis) {
    os << std::hex << " sign=0x" << in.tok.sign;
    for (int s = 0; s < p.shifts_per_cycle; ++s) {
      os << " slot" << s << "=(shift " << std::dec << in.tok.slot[s].shift << ", mask 0x"
         << std::hex << in.tok.slot[s].mask << ")";
    }
    os << std::dec;
  } else {
    os << " weight={";
    for (int i = 0; i < p.group_size; ++i) os << (i ? "," : "") << int{in.tok.weight[i]};
    os << "}";
  }
  os << "}";
  return os.str();
}

PeRunResult run_lockstep(const PeDutEntry& entry,
                         const std::function<bool(uint64_t cycle, PeStimulus& in)>& next) {
  PeRunResult result;
  auto dut = entry.make();
  // SWIS_WAVES=DIR (and SWIS_WAVES_WINDOW=A:B) trace every PE run of the process.
  static int runs = 0;
  if (const char* dir = std::getenv("SWIS_WAVES"); dir && *dir) {
    unsigned long long a = 0, b = UINT64_MAX;
    if (const char* w = std::getenv("SWIS_WAVES_WINDOW")) std::sscanf(w, "%llu:%llu", &a, &b);
    dut->trace(std::string(dir) + "/" + entry.name + "_" + std::to_string(runs++) + ".fst", a, b);
  }
  PeStimulus in;
  while (next(result.cycles, in)) {
    fcov::sample_pe(entry.params, in);
    result.mismatch = dut->step(in);
    ++result.cycles;
    if (dut->model().out().res_valid) ++result.results;
    if (result.mismatch) break;
  }
  return result;
}

}  // namespace swis::tb
