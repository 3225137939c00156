// swis perf: SCALE-Sim topologies read as SCALE-Sim reads them (and refused with a file and line
// when malformed), the shipped networks against their published sizes, --target tile splits
// that meet the average exactly, a table equal to layer_cycles, and the smallest layers
// checked on the RTL.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/formats/topology.h"
#include "lib/mapping/conv.h"
#include "lib/mapping/cycles.h"
#include "lib/mapping/network.h"
#include "tb/cli_test_util.h"

namespace swis {
namespace {

namespace fs = std::filesystem;

// The shipped topologies, found from this file's place in the source tree.
const fs::path kTopologies = fs::path(__FILE__).parent_path().parent_path() / "topologies";

const char* kConvHeader =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
    "Strides,";

std::string refusal(const std::string& text) {
  try {
    parse_topology(text, "net.csv");
  } catch (const TopologyError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "accepted";
}

TEST(PerfTopology, ConvLayoutParsesWithTrailingCommasCrlfBlankLinesAndComments) {
  const std::string text = std::string("\xEF\xBB\xBF") + kConvHeader +
                           "\r\n\r\n"
                           "  conv1 ,229, 229,7,7,3,64,2,,\r\n"
                           "\tres, 58 , 58, 3, 3, 64, 64, 1,#a comment, as SCALE-Sim writes\r\n"
                           "   \r\n"
                           "fc, 1, 1, 1, 1, 512, 1000, 1";  // no trailing comma nor newline
  const Topology t = parse_topology(text, "net.csv");
  ASSERT_FALSE(t.gemm_layout);
  ASSERT_EQ(t.layers.size(), 3u);
  EXPECT_EQ(t.layers[0].name, "conv1");
  EXPECT_EQ(t.layers[0].line, 3);
  const GemmShape c1 = gemm_shape(t.layers[0], 4);
  EXPECT_EQ(c1.rows, 112 * 112);  // (229 - 7) / 2 + 1 = 112
  EXPECT_EQ(c1.groups, 49);       // 7 x 7 positions x ceil(3 / 4)
  EXPECT_EQ(c1.filters, 64);
  EXPECT_EQ(t.layers[0].macs(), int64_t{112} * 112 * 64 * 3 * 49);
  EXPECT_EQ(t.layers[1].name, "res");
  EXPECT_EQ(t.layers[1].line, 4);
  EXPECT_EQ(gemm_shape(t.layers[1], 4).rows, 56 * 56);
  EXPECT_EQ(gemm_shape(t.layers[1], 4).groups, 9 * 16);
  EXPECT_EQ(t.layers[2].line, 6);
  EXPECT_EQ(gemm_shape(t.layers[2], 4).rows, 1);
  EXPECT_EQ(gemm_shape(t.layers[2], 4).groups, 128);
}

TEST(PerfTopology, StrideFloorsAsIfmapSizesIncludePadding) {
  // 58 wide, 3x3, stride 2: (58 - 3) / 2 + 1 = 28 (a padded 56 input), not SCALE-Sim's 29.
  const Topology t =
      parse_topology(std::string(kConvHeader) + "\nl, 58, 58, 3, 3, 8, 8, 2,\n", "net.csv");
  EXPECT_EQ(gemm_shape(t.layers[0], 4).rows, 28 * 28);
}

TEST(PerfTopology, GemmLayoutIsScaleSimMnkWithMRowsKReductionNFilters) {
  const Topology t =
      parse_topology("Layer, M, N, K,\r\nfc, 49, 1000, 510,\r\nqkv,128,3,4\n", "net.csv");
  ASSERT_TRUE(t.gemm_layout);
  ASSERT_EQ(t.layers.size(), 2u);
  const GemmShape g = gemm_shape(t.layers[0], 4);
  EXPECT_EQ(g.rows, 49);
  EXPECT_EQ(g.groups, 128);  // ceil(510 / 4)
  EXPECT_EQ(g.filters, 1000);
  EXPECT_EQ(g.macs, 49 * 1000 * 510);
  EXPECT_EQ(t.layers[0].weights_per_filter(), 510);
  EXPECT_EQ(gemm_shape(t.layers[1], 4).filters, 3);
  EXPECT_EQ(gemm_shape(t.layers[1], 4).groups, 1);
}

TEST(PerfTopology, DepthwiseRowsNamedDpAreOneSingleChannelConvolutionPerChannel) {
  const Topology t =
      parse_topology(std::string(kConvHeader) +
                         "\nb1_DP, 114, 114, 3, 3, 32, 1, 1,\nb1_dw, 114, 114, 3, 3, 1, 1, 1,\n",
                     "net.csv");
  const TopologyLayer& dp = t.layers[0];
  EXPECT_TRUE(dp.depthwise);
  EXPECT_EQ(dp.instances, 32);
  EXPECT_EQ(gemm_shape(dp, 4).rows, 112 * 112);
  EXPECT_EQ(gemm_shape(dp, 4).groups, 9);  // one real weight per group: groups run along channels
  EXPECT_EQ(gemm_shape(dp, 4).filters, 1);
  EXPECT_EQ(dp.macs(), int64_t{112} * 112 * 9 * 32);
  // Without "DP" (SCALE-Sim's own mobilenet files) the row is one channel, as written.
  EXPECT_FALSE(t.layers[1].depthwise);
  EXPECT_EQ(t.layers[1].macs(), int64_t{112} * 112 * 9);
}

TEST(PerfTopology, MalformedFilesAreRefusedWithFileAndLine) {
  const std::string h = std::string(kConvHeader) + "\n";
  const struct {
    std::string text, where, what;
  } cases[] = {
      {"", "net.csv: empty", ""},
      {"\n  \n", "net.csv: empty", ""},
      {h, "net.csv: no layers", ""},
      {"a, b, c, d, e, f, g, h,\n", "net.csv:1:", "header is neither"},
      {"Layer, M, N,\nx, 1, 2,\n", "net.csv:1:", "header is neither"},
      {h + "\nc, 5, 5, 3, 3, 4, 4,\n", "net.csv:3:", "expected 8 fields"},
      {h + "c, 5, 5, 3, 3, 4, 4, 1, 1,\n", "net.csv:2:", "expected 8 fields"},
      {h + "c, 5, 5, 3, x3, 4, 4, 1,\n", "net.csv:2:", "Filter Width is 'x3'"},
      {h + "c, 5, 5, 3, 3, 0, 4, 1,\n", "net.csv:2:", "Channels is 0"},
      {h + "c, 5, 5, 3, 3, -4, 4, 1,\n", "net.csv:2:", "Channels is '-4'"},
      {h + "c, 5, 5, 3, 3, 4.5, 4, 1,\n", "net.csv:2:", "not a positive whole number"},
      {h + "c, 5, 5, 3, 3, 4, 4, 0,\n", "net.csv:2:", "Strides is 0"},
      {h + "c, 5, 5, 3, 3, 4, 2000000, 1,\n", "net.csv:2:", "above the limit"},
      {h + "c, 5, 5, 7, 7, 4, 4, 1,\n", "net.csv:2:", "larger than the IFMAP 5x5"},
      {h + "ok, 5, 5, 3, 3, 4, 4, 1,\n, 5, 5, 3, 3, 4, 4, 1,\n", "net.csv:3:", "field 1 is empty"},
      {h + "c, 5, , 3, 3, 4, 4, 1,\n", "net.csv:2:", "field 3 is empty"},
      {"Layer, M, N, K,\r\ng, 4, 4, 4, 4,\r\n", "net.csv:2:", "expected 4 fields"},
  };
  for (const auto& c : cases) {
    const std::string msg = refusal(c.text);
    EXPECT_EQ(msg.rfind(c.where, 0), 0u) << "wanted '" << c.where << "' first in: " << msg;
    EXPECT_NE(msg.find(c.what), std::string::npos) << "wanted '" << c.what << "' in: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(PerfTopology, ResNet18IsItsTwentyConvolutionsAndThePublished1Point8Gmacs) {
  const Topology t = read_topology((kTopologies / "resnet18.csv").string());
  ASSERT_EQ(t.layers.size(), 20u);  // conv1, 16 3x3, 3 1x1 downsample; no FC
  // 1 813 561 344 multiply-accumulates: He et al.'s 1.8 GFLOPs (FC's 0.5 M left out).
  EXPECT_EQ(t.macs(), 1813561344);
  std::map<int64_t, int> by_kernel;
  for (const auto& l : t.layers) ++by_kernel[l.conv.kh];
  EXPECT_EQ(by_kernel[7], 1);
  EXPECT_EQ(by_kernel[3], 16);
  EXPECT_EQ(by_kernel[1], 3);
  EXPECT_EQ(gemm_shape(t.layers.front(), 4).rows, 112 * 112);
  EXPECT_EQ(gemm_shape(t.layers.back(), 4).rows, 7 * 7);
  EXPECT_EQ(gemm_shape(t.layers.back(), 4).filters, 512);
}

TEST(PerfTopology, MobileNetV2IsItsFiftyTwoConvolutionsAndThePublished300Mmacs) {
  const Topology t = read_topology((kTopologies / "mobilenet_v2.csv").string());
  ASSERT_EQ(t.layers.size(), 52u);  // stem, 17 bottlenecks (the first without expansion), head
  int depthwise = 0;
  for (const auto& l : t.layers) depthwise += l.depthwise ? 1 : 0;
  EXPECT_EQ(depthwise, 17);
  // Sandler et al.: 300 M multiply-adds. The convolutions here are 299 494 272; with the
  // classifier's 1 280 000 that is the 300.77 M usually quoted for torchvision's model.
  EXPECT_EQ(t.macs(), 299494272);
}

// The split's average, checked against an independent search over how many full and partial
// tiles run high.
TEST(PerfTarget, TileSplitsMeetTheAverageExactlyWithTheTwoNearestLevels) {
  const std::vector<std::string> ss_targets = {"1", "1.5",   "2.25", "2.5",
                                               "3", "4.125", "7.75", "8"};
  const std::vector<std::string> ds_targets = {"2", "2.5", "3", "3.5", "4.25", "5", "7", "8"};
  int met = 0, refused = 0;
  for (bool ds : {false, true}) {
    for (const auto& text : ds ? ds_targets : ss_targets) {
      const TargetRatio t = parse_target(text);
      for (int cols : {1, 3, 8}) {
        for (int64_t f = 1; f <= 40; ++f) {
          for (int64_t inst : {1, 3}) {
            const int64_t ft = (f + cols - 1) / cols, last = f - (ft - 1) * cols;
            const int lowest = ds ? 2 : 1, step = ds ? 2 : 1;
            const int lo =
                lowest + static_cast<int>(step * ((t.num - lowest * t.den) / (step * t.den)));
            const int hi = t.num == lo * t.den ? lo : lo + step;
            bool exists = false;
            const int64_t full = inst * (last == cols ? ft : ft - 1),
                          part = last == cols ? 0 : inst;
            for (int64_t a = 0; a <= full && !exists; ++a) {
              for (int64_t b = 0; b <= part && !exists; ++b) {
                const int64_t high = a * cols + b * last, total = f * inst;
                exists = (lo * (total - high) + hi * high) * t.den == t.num * total;
              }
            }
            const std::string what = text + (ds ? " ds" : " ss") + " cols " + std::to_string(cols) +
                                     " F " + std::to_string(f) + " x" + std::to_string(inst);
            std::vector<int> s;
            try {
              s = target_tile_shifts(f, inst, cols, t, ds);
            } catch (const ScheduleError& e) {
              EXPECT_FALSE(exists) << what << " refused although a split exists: " << e.what();
              ++refused;
              continue;
            }
            ASSERT_TRUE(exists) << what;
            ASSERT_EQ(static_cast<int64_t>(s.size()), inst * ft) << what;
            int64_t sum = 0;
            for (size_t i = 0; i < s.size(); ++i) {
              EXPECT_TRUE(s[i] == lo || s[i] == hi) << what << " tile " << i << " N " << s[i];
              const int64_t in_tile = static_cast<int64_t>(i) % ft == ft - 1 ? last : cols;
              sum += s[i] * in_tile;
            }
            EXPECT_EQ(sum * t.den, t.num * f * inst) << what;
            ++met;
          }
        }
      }
    }
  }
  EXPECT_GT(met, 500);
  EXPECT_GT(refused, 100);
}

TEST(PerfTarget, ImpossibleTargetsAreRefusedInOneLine) {
  const auto msg = [](int64_t f, int cols, const char* t, bool ds) {
    try {
      target_tile_shifts(f, 1, cols, parse_target(t), ds);
    } catch (const ScheduleError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(msg(24, 8, "3", true).find("needs 12 of 24 filters at N = 4"), std::string::npos)
      << msg(24, 8, "3", true);
  EXPECT_NE(msg(3, 8, "2.5", false).find("not a whole number"), std::string::npos);
  EXPECT_NE(msg(64, 8, "1.5", true).find("below 2"), std::string::npos);
  EXPECT_NE(msg(64, 8, "8.5", false).find("above 8"), std::string::npos);
  // DS, T = 3 on 64 filters: 4 of 8 tiles at 2, the last 4 at 4.
  EXPECT_EQ(target_tile_shifts(64, 1, 8, parse_target("3"), true),
            (std::vector<int>{2, 2, 2, 2, 4, 4, 4, 4}));
  // SS on 20 filters in tiles of 8, 8, 4: T = 2.5 needs 10 filters at N = 3, which no set of
  // tiles holds; T = 2.4 needs 8, one full tile (the last full one).
  EXPECT_NE(msg(20, 8, "2.5", false).find("cannot make 10"), std::string::npos);
  EXPECT_EQ(target_tile_shifts(20, 1, 8, parse_target("2.4"), false), (std::vector<int>{2, 3, 2}));
}

TEST(PerfCycles, ScaleSimIsWhatV2ReportsFoldsTimesTPlusRPlusCMinus2LessOne) {
  // SCALE-Sim v2 (OS, 8 x 8, K = groups x steps) reported exactly folds x (T + R + C - 2) - 1
  // cycles for every ResNet-18 layer (../shared/TOOLCHAIN.md). Three of those layers here, with
  // N = 2 on double-shift PEs (one step a group) and N = 8 (four steps), and a 4 x 16 array.
  for (const auto& [rows, cols] : {std::pair<int, int>{8, 8}, {4, 16}}) {
    ArrayParams p;
    p.rows = rows;
    p.cols = cols;
    for (const GemmShape g :
         {GemmShape{12544, 37, 64, 0}, GemmShape{3136, 144, 64, 0}, GemmShape{49, 1152, 512, 0}}) {
      for (int n : {2, 8}) {
        const int64_t ft = (g.filters + cols - 1) / cols;
        const LayerCycles c = layer_cycles(p, g, std::vector<int>(static_cast<size_t>(ft), n));
        const uint64_t folds = static_cast<uint64_t>(((g.rows + rows - 1) / rows) * ft);
        const uint64_t t = static_cast<uint64_t>(g.groups * p.steps_per_group(n));
        EXPECT_EQ(c.scalesim_os_cycles, folds * (t + rows + cols - 2) - 1)
            << rows << "x" << cols << " P=" << g.rows << " N=" << n;
      }
    }
  }
}

TEST(PerfCycles, LaneUtilizationCountsTheLanesThatCarryPadding) {
  // ResNet-18's conv1: C = 3 channels in groups of M = 4, so a quarter of every group's lanes
  // are padding. Shift slots are all busy; lanes are not.
  const Topology t = read_topology((kTopologies / "resnet18.csv").string());
  ArrayParams p;
  const TopologyLayer& conv1 = t.layers[0];
  ASSERT_EQ(conv1.conv.channels, 3);
  const GemmShape g = gemm_shape(conv1, p.group_size);
  const LayerCycles c = layer_cycles(p, g, std::vector<int>(8, 2));
  EXPECT_NEAR(c.lane_utilization, 0.75 * c.utilization, 1e-12);
  // A layer whose channels fill whole groups loses nothing to padding.
  const LayerCycles full = layer_cycles(p, gemm_shape(t.layers[1], 4), std::vector<int>(8, 2));
  EXPECT_NEAR(full.lane_utilization, full.utilization, 1e-12);
}

TEST(PerfTarget, LayerPerfIsLayerCyclesSummedOverDepthwiseChannels) {
  ArrayParams p;
  const Topology t = parse_topology(
      std::string(kConvHeader) + "\nb_DP, 16, 16, 3, 3, 6, 1, 1,\nc, 16, 16, 3, 3, 20, 12, 1,\n",
      "net.csv");
  const std::vector<int> dp_shifts = target_tile_shifts(1, 6, 8, parse_target("3"), true);
  EXPECT_EQ(dp_shifts, (std::vector<int>{2, 2, 2, 4, 4, 4}));
  const LayerPerf dp = layer_perf(p, t.layers[0], dp_shifts);
  const GemmShape g = gemm_shape(t.layers[0], 4);
  const LayerCycles two = layer_cycles(p, g, {2}), four = layer_cycles(p, g, {4});
  EXPECT_EQ(dp.total.cycles, 3 * two.cycles + 3 * four.cycles);
  EXPECT_EQ(dp.total.ideal_cycles, 3 * two.ideal_cycles + 3 * four.ideal_cycles);
  EXPECT_EQ(dp.total.bitserial8_cycles, 6 * two.bitserial8_cycles);
  EXPECT_EQ(dp.total.tiles, 6 * two.tiles);
  EXPECT_EQ(dp.first.cycles, two.cycles);
  EXPECT_EQ(dp.filter_tiles_at[2], 3);
  EXPECT_EQ(dp.filter_tiles_at[4], 3);
  const LayerPerf c = layer_perf(p, t.layers[1], {5, 7});
  const LayerCycles direct = layer_cycles(p, gemm_shape(t.layers[1], 4), {5, 7});
  EXPECT_EQ(c.total.cycles, direct.cycles);
  EXPECT_DOUBLE_EQ(c.total.utilization, direct.utilization);
  EXPECT_EQ(c.filters_at[5], 8);
  EXPECT_EQ(c.filters_at[7], 4);
}

using tb::slurp;

class PerfCli : public tb::SwisCliTest {
 protected:
  // Exit code 2, one line on stderr naming `cause`, and no CSV left behind.
  void expect_refused(const std::string& args, const std::string& cause) {
    const RunResult r = run(args + " --csv " + path("out.csv"));
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(cause), std::string::npos) << "wanted '" << cause << "' in: " << r.err;
    EXPECT_FALSE(fs::exists(path("out.csv")));
  }

  static std::string topology(const std::string& name) { return (kTopologies / name).string(); }
};

std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    if (!line.empty() && line.back() == ',') f.push_back("");
    rows.push_back(f);
  }
  return rows;
}

// Every row of --csv against layer_cycles computed here from the same topology and tile N.
void expect_table_is_layer_cycles(const std::string& csv, const Topology& topo,
                                  const ArrayParams& p, const std::string& target, int shifts) {
  const auto rows = read_csv(csv);
  ASSERT_EQ(rows.size(), topo.layers.size() + 2);
  const std::vector<std::string> header = rows[0];
  ASSERT_EQ(header.size(), 18u);
  EXPECT_EQ(header[9], "cycles");
  EXPECT_EQ(header[16], "lane_utilization");
  EXPECT_EQ(header[17], "verified");
  uint64_t cycles = 0, bs8 = 0;
  for (size_t i = 0; i < topo.layers.size(); ++i) {
    const TopologyLayer& l = topo.layers[i];
    const auto& r = rows[i + 1];
    ASSERT_EQ(r.size(), 18u) << i;
    const GemmShape g = gemm_shape(l, p.group_size);
    const int64_t ft = (g.filters + p.cols - 1) / p.cols;
    const std::vector<int> all =
        target.empty() ? std::vector<int>(static_cast<size_t>(l.instances * ft), shifts)
                       : target_tile_shifts(g.filters, l.instances, p.cols, parse_target(target),
                                            p.shifts_per_cycle == 2);
    LayerCycles want;
    double useful = 0, lanes = 0;
    for (int64_t k = 0; k < l.instances; ++k) {
      const LayerCycles c =
          layer_cycles(p, g, std::vector<int>(all.begin() + k * ft, all.begin() + (k + 1) * ft));
      want.tiles += c.tiles;
      want.cycles += c.cycles;
      want.ideal_cycles += c.ideal_cycles;
      want.stall_cycles += c.stall_cycles;
      want.scalesim_os_cycles += c.scalesim_os_cycles;
      want.bitserial8_cycles += c.bitserial8_cycles;
      useful += c.useful_slots;
      lanes += c.useful_lanes;
    }
    const double util = useful / (p.rows * p.cols * p.shifts_per_cycle * double(want.cycles));
    const double lane_util =
        lanes / (p.rows * p.cols * p.shifts_per_cycle * p.group_size * double(want.cycles));
    EXPECT_EQ(r[0], l.name);
    EXPECT_EQ(std::stoll(r[2]), g.rows) << l.name;
    EXPECT_EQ(std::stoll(r[3]), g.groups) << l.name;
    EXPECT_EQ(std::stoll(r[4]), g.filters) << l.name;
    EXPECT_EQ(std::stoll(r[5]), l.instances) << l.name;
    EXPECT_EQ(std::stoll(r[6]), l.macs()) << l.name;
    EXPECT_EQ(std::stoull(r[7]), want.tiles) << l.name;
    EXPECT_EQ(std::stoull(r[9]), want.cycles) << l.name;
    EXPECT_EQ(std::stoull(r[10]), want.ideal_cycles) << l.name;
    EXPECT_EQ(std::stoull(r[11]), want.stall_cycles) << l.name;
    EXPECT_NEAR(std::stod(r[12]), util, 1e-7) << l.name;
    EXPECT_EQ(std::stoull(r[13]), want.scalesim_os_cycles) << l.name;
    EXPECT_EQ(std::stoull(r[14]), want.bitserial8_cycles) << l.name;
    EXPECT_NEAR(std::stod(r[15]), double(want.bitserial8_cycles) / double(want.cycles), 1e-6);
    EXPECT_NEAR(std::stod(r[16]), lane_util, 1e-7) << l.name;
    EXPECT_EQ(r[17], "") << l.name << ": not verified, so neither yes nor no";
    cycles += want.cycles;
    bs8 += want.bitserial8_cycles;
  }
  const auto& total = rows.back();
  EXPECT_EQ(total[0], "total");
  EXPECT_EQ(std::stoll(total[6]), topo.macs());
  EXPECT_EQ(std::stoull(total[9]), cycles);
  EXPECT_EQ(std::stoull(total[14]), bs8);
  if (!target.empty()) EXPECT_EQ(std::stod(total[8]), std::stod(target));  // effective N
}

TEST_F(PerfCli, TableEqualsLayerCyclesForResNet18AtTarget3) {
  const RunResult r =
      run("perf --topology " + topology("resnet18.csv") + " --target 3 --csv " + path("t.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ArrayParams p;  // the defaults: 8x8, M = 4, double-shift
  expect_table_is_layer_cycles(slurp(path("t.csv")), read_topology(topology("resnet18.csv")), p,
                               "3", 0);
  EXPECT_NE(r.out.find("speed-up over 8-bit bit-serial"), std::string::npos) << r.out;
}

TEST_F(PerfCli, TableEqualsLayerCyclesForMobileNetV2OnASingleShift16x4Array) {
  const RunResult r = run("perf --topology " + topology("mobilenet_v2.csv") +
                          " --rows 16 --cols 4 --pe ss --shifts 5 --csv " + path("t.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ArrayParams p;
  p.rows = 16;
  p.cols = 4;
  p.shifts_per_cycle = 1;
  expect_table_is_layer_cycles(slurp(path("t.csv")), read_topology(topology("mobilenet_v2.csv")), p,
                               "", 5);
}

TEST_F(PerfCli, VerifiesTheTwoSmallestResNet18LayersOnTheRtl) {
  const RunResult r = run("perf --topology " + topology("resnet18.csv") + " --shifts 3 --verify 2");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verify: 2 of 2 layers agree"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("MISMATCH"), std::string::npos) << r.out;
}

TEST_F(PerfCli, ATargetNoTileSplitMeetsIsOneLineNamingFileAndLayer) {
  // MobileNet-v2's 24-filter projections: T = 3 on DS needs 12 filters at N = 4.
  expect_refused("perf --topology " + topology("mobilenet_v2.csv") + " --target 3",
                 "mobilenet_v2.csv:7: layer b2_project: target 3 cannot be met exactly");
}

TEST_F(PerfCli, BadInputIsOneLineAndExitCodeTwo) {
  std::ofstream(path("bad.csv")) << kConvHeader << "\nok, 5, 5, 3, 3, 4, 4, 1,\nbad, 5, 5\n";
  expect_refused("perf --topology " + path("bad.csv"), "bad.csv:3: expected 8 fields");
  expect_refused("perf --topology " + path("missing.csv"), "cannot read");
  expect_refused("perf", "--topology is required");
  expect_refused("perf --topology " + topology("resnet18.csv") + " --shifts 3 --target 3",
                 "--shifts excludes --target");
  expect_refused("perf --topology " + topology("resnet18.csv") + " --target 2.5x", "--target");
  expect_refused("perf --topology " + topology("resnet18.csv") + " --rows 3 --cols 5 --verify 1",
                 "--verify: no Verilated array of 3x5");
  std::ofstream(path("big.csv")) << "Layer, M, N, K,\nhuge, 8, 8, 40000,\n";
  expect_refused("perf --topology " + path("big.csv"), "big.csv:2: layer huge: G = 10000");
}

}  // namespace
}  // namespace swis
