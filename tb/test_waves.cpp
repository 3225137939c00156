// Waveforms: a traced run writes an FST that GTKWave's own fst2vcd reads, holding every
// signal the generated save file names for every PE; the window option bounds the dump.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "lib/flow/synthetic.h"
#include "tb/array_harness.h"

namespace swis::tb {
namespace {

namespace fs = std::filesystem;

struct Vcd {
  std::set<std::string> signals;  // full hierarchical names with their ranges
  uint64_t first_time = UINT64_MAX, last_time = 0;
};

// Reads an FST through fst2vcd: every $var with its scope path, and the time stamps.
Vcd read_fst(const fs::path& fst) {
  const fs::path vcd = fst.string() + ".vcd";
  const std::string cmd = "fst2vcd " + fst.string() + " > " + vcd.string() + " 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Vcd v;
  std::ifstream in(vcd);
  std::vector<std::string> scope;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string tok;
    ls >> tok;
    if (tok == "$scope") {
      std::string kind, name;
      ls >> kind >> name;
      scope.push_back(name);
    } else if (tok == "$upscope") {
      scope.pop_back();
    } else if (tok == "$var") {
      std::string kind, width, id, name, range;
      ls >> kind >> width >> id >> name >> range;
      std::string full;
      for (const auto& s : scope) full += s + ".";
      v.signals.insert(full + name + (range.rfind('[', 0) == 0 ? range : ""));
    } else if (!tok.empty() && tok[0] == '#') {
      const uint64_t t = std::stoull(tok.substr(1));
      v.first_time = std::min(v.first_time, t);
      v.last_time = std::max(v.last_time, t);
    }
  }
  return v;
}

class Waves : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("swis_waves_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ArrayRunResult run(const std::string& config, const ArrayRunOptions& opt) {
    const ArrayDutEntry& e = array_dut(config);
    const GemmOperands ops = random_gemm(5, 13, 4, 4, e.params.cols, {3}, true, 2);
    const ArrayProgram prog = program_gemm(e.params, ops);
    auto dut = e.make();
    return run_program(*dut, prog, ops.rows, ops.filters, opt);
  }
  fs::path dir_;
};

TEST_F(Waves, TracedRunHoldsEverySignalOfTheSaveFileForEveryPe) {
  const fs::path fst = dir_ / "run.fst";
  ArrayRunOptions opt;
  opt.waves = fst.string();
  ASSERT_TRUE(run("arr_ds_2x3", opt).ok());
  const Vcd v = read_fst(fst);
  const ArrayParams& p = array_dut("arr_ds_2x3").params;
  // Every signal the save file displays must exist (GTKWave drops a misspelt one silently).
  std::istringstream gtkw(gtkw_for_array(p, fst.string()));
  std::string line;
  int shown = 0;
  while (std::getline(gtkw, line)) {
    if (line.empty() || line[0] == '[' || line[0] == '@' || line[0] == '-' || line[0] == '*')
      continue;
    EXPECT_TRUE(v.signals.count(line))
        << "the save file names " << line << ", the FST has no such signal";
    ++shown;
  }
  EXPECT_EQ(shown, 1 + 8 + 5 + 8 * p.rows * p.cols + 3 + 3);
  for (int r = 0; r < p.rows; ++r) {
    for (int c = 0; c < p.cols; ++c) {
      const std::string pe = "TOP.swis_array.gen_row[" + std::to_string(r) + "].gen_col[" +
                             std::to_string(c) + "].gen_pe.u_pe.";
      EXPECT_TRUE(v.signals.count(pe + "acc_q[31:0]")) << pe;
      EXPECT_TRUE(v.signals.count(pe + "act_q[31:0]")) << pe;
      EXPECT_TRUE(v.signals.count(pe + "tok_mask_q[7:0]")) << pe;
    }
  }
  EXPECT_EQ(v.first_time, 0u);
  EXPECT_GT(v.last_time, 100u);
}

TEST_F(Waves, WindowBoundsTheDump) {
  const fs::path all = dir_ / "all.fst", part = dir_ / "part.fst";
  ArrayRunOptions opt;
  opt.waves = all.string();
  ASSERT_TRUE(run("arr_ds_4x4", opt).ok());
  opt.waves = part.string();
  opt.wave_from = 20;
  opt.wave_to = 30;
  ASSERT_TRUE(run("arr_ds_4x4", opt).ok());
  const Vcd v = read_fst(part);
  EXPECT_GE(v.first_time, 200u);  // 10 time units per cycle
  EXPECT_LT(v.last_time, 300u);
  EXPECT_LT(fs::file_size(part), fs::file_size(all));
}

}  // namespace
}  // namespace swis::tb
