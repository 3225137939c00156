#include "tb/functional_coverage.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace swis::tb::fcov {
namespace {

class Bins {
 public:
  Bins() {
    const char* dir = std::getenv("SWIS_FCOV_DIR");
    if (dir == nullptr || *dir == '\0') return;
    dir_ = dir;
    // Every bin, so that the merged report shows the ones never hit.
    for (const char* k : {"ss", "ds", "fxp"}) {
      const std::string pe = std::string("pe.") + k + ".";
      if (std::string(k) != "fxp") {
        for (int j = 0; j < (std::string(k) == "ds" ? 2 : 1); ++j) {
          for (int s = 0; s < 8; ++s)
            declare(pe + "slot" + std::to_string(j) + ".shift=" + std::to_string(s));
        }
        for (const char* b :
             {"mask=none", "mask=all", "sign=all_neg", "sign=all_pos", "sign=mixed"}) {
          declare(pe + b);
        }
      } else {
        declare(pe + "weight=-128");
        declare(pe + "weight=127");
      }
      for (const char* b : {"act=-128", "act=127", "act=255", "act=0", "int8", "uint8", "first",
                            "last", "first_and_last", "bubble"}) {
        declare(pe + b);
      }
    }
    declare("pe.ds.slot1.empty");
    for (const char* k : {"ss", "ds", "fxp"}) {
      const std::string a = std::string("array.") + k + ".";
      // A fixed-point tile has no N: one step per group.
      if (std::string(k) != "fxp") {
        for (int n = 1; n <= 8; ++n) declare(a + "tile.N=" + std::to_string(n));
        declare(a + "tile.N_changes");
      }
      for (const char* b : {"tile.int8", "tile.uint8", "tile.G=1", "tile.G>1", "drain_stall",
                            "output_backpressure", "input_bubble"}) {
        declare(a + b);
      }
    }
  }

  ~Bins() {
    if (dir_.empty()) return;
    const std::string path = dir_ + "/fcov_" + std::to_string(getpid()) + ".txt";
    if (FILE* f = std::fopen(path.c_str(), "w")) {
      for (const auto& [bin, n] : count_)
        std::fprintf(f, "%s %llu\n", bin.c_str(), static_cast<unsigned long long>(n));
      std::fclose(f);
    }
  }

  bool on() const { return !dir_.empty(); }

  void hit(const std::string& bin) {
    const std::lock_guard<std::mutex> lock(mutex_);
    auto it = count_.find(bin);
    if (it == count_.end()) {
      std::fprintf(stderr, "functional coverage: undeclared bin %s\n", bin.c_str());
      std::abort();
    }
    ++it->second;
  }

 private:
  void declare(const std::string& bin) { count_.emplace(bin, 0); }

  std::string dir_;
  std::map<std::string, uint64_t> count_;
  std::mutex mutex_;
};

Bins& bins() {
  static Bins b;
  return b;
}

const char* pe_kind(const PeParams& p) {
  if (p.kind == PeKind::kFixedPoint) return "fxp";
  return p.shifts_per_cycle == 2 ? "ds" : "ss";
}

}  // namespace

bool enabled() { return bins().on(); }

void sample_pe(const PeParams& p, const PeStimulus& in) {
  Bins& b = bins();
  if (!b.on()) return;
  const std::string k = std::string("pe.") + pe_kind(p) + ".";
  if (!in.tok.valid) {
    b.hit(k + "bubble");
    return;
  }
  b.hit(k + (in.act.is_signed ? "int8" : "uint8"));
  if (in.tok.first) b.hit(k + "first");
  if (in.tok.last) b.hit(k + "last");
  if (in.tok.first && in.tok.last) b.hit(k + "first_and_last");
  for (int i = 0; i < p.group_size; ++i) {
    const int v = in.act.value(i);
    if (v == -128) b.hit(k + "act=-128");
    if (v == 127) b.hit(k + "act=127");
    if (v == 255) b.hit(k + "act=255");
    if (v == 0) b.hit(k + "act=0");
  }
  if (p.kind == PeKind::kFixedPoint) {
    for (int i = 0; i < p.group_size; ++i) {
      if (in.tok.weight[i] == -128) b.hit(k + "weight=-128");
      if (in.tok.weight[i] == 127) b.hit(k + "weight=127");
    }
    return;
  }
  const uint32_t all = p.group_size >= 32 ? ~0u : (1u << p.group_size) - 1;
  for (int j = 0; j < p.shifts_per_cycle; ++j) {
    if (j == 1 && in.tok.slot[1].mask == 0) {
      b.hit(k + "slot1.empty");
      continue;
    }
    b.hit(k + "slot" + std::to_string(j) + ".shift=" + std::to_string(in.tok.slot[j].shift));
  }
  const uint32_t mask = in.tok.slot[0].mask & all;
  if (mask == 0) b.hit(k + "mask=none");
  if (mask == all) b.hit(k + "mask=all");
  const uint32_t sign = in.tok.sign & all;
  b.hit(k + (sign == all ? "sign=all_neg" : sign == 0 ? "sign=all_pos" : "sign=mixed"));
}

ArraySampler::ArraySampler(const ArrayParams& p)
    : kind_(p.fixed_point             ? "fxp"
            : p.shifts_per_cycle == 2 ? "ds"
                                      : "ss"),
      fixed_point_(p.fixed_point),
      on_(enabled()) {}

void ArraySampler::cycle(const ArrayInputs& in, const ArrayOutputs& seen, bool bubble) {
  if (!on_) return;
  Bins& b = bins();
  const std::string k = std::string("array.") + kind_ + ".";
  if (in.cfg_valid && seen.cfg_ready) {
    if (!fixed_point_) {
      if (in.cfg_shifts >= 1 && in.cfg_shifts <= 8)
        b.hit(k + "tile.N=" + std::to_string(in.cfg_shifts));
      if (last_shifts_ >= 0 && in.cfg_shifts != last_shifts_) b.hit(k + "tile.N_changes");
    }
    b.hit(k + (in.cfg_act_signed ? "tile.int8" : "tile.uint8"));
    b.hit(k + (in.cfg_groups == 1 ? "tile.G=1" : "tile.G>1"));
    last_shifts_ = in.cfg_shifts;
  }
  if (seen.stall != last_stall_) b.hit(k + "drain_stall");
  last_stall_ = seen.stall;
  if (seen.res_valid && !in.res_ready) b.hit(k + "output_backpressure");
  if (bubble) b.hit(k + "input_bubble");
}

}  // namespace swis::tb::fcov
