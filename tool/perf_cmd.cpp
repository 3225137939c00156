// swis perf: a network topology (SCALE-Sim CSV) -> per-layer and total cycles of the array (the
// closed form), ideal cycles, utilization, SCALE-Sim's OS estimate and the speed-up over 8-bit
// bit-serial; optionally a CSV of the table, and a check of the smallest layers on the RTL.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"
#include "lib/flow/synthetic.h"
#include "lib/formats/topology.h"
#include "lib/mapping/array_program.h"
#include "lib/mapping/network.h"
#include "tb/array_harness.h"
#include "tool/cli_util.h"
#include "tool/commands.h"

namespace swis::cli {

namespace {

struct Row {
  const TopologyLayer* layer = nullptr;
  GemmShape gemm;  // one instance
  std::vector<int> tile_shifts;
  LayerPerf perf;
};

// "3" when every filter tile runs at one N, else "4@2+4@4" (filter tiles @ N).
std::string shifts_text(const std::vector<int64_t>& tiles_at) {
  std::string s;
  int levels = 0, only = 0;
  for (size_t n = 1; n < tiles_at.size(); ++n) {
    if (tiles_at[n] == 0) continue;
    ++levels;
    only = static_cast<int>(n);
    s += (s.empty() ? "" : "+") + std::to_string(tiles_at[n]) + "@" + std::to_string(n);
  }
  return levels == 1 ? std::to_string(only) : s;
}

std::string shifts_text(const std::vector<int>& tile_shifts) {
  std::vector<int64_t> at(kMaxScheduleShifts + 1, 0);
  for (int n : tile_shifts) ++at[static_cast<size_t>(n)];
  return shifts_text(at);
}

double speedup(const LayerCycles& c) {
  return static_cast<double>(c.bitserial8_cycles) / static_cast<double>(c.cycles);
}

std::string u64(uint64_t v) { return std::to_string(v); }

// Runs instance 0 of a layer on the RTL: cycles against the closed form, results against
// reference_gemm. Prints one line; returns whether both agree.
bool verify_layer(const tb::ArrayDutEntry& e, const ArrayParams& p, const Row& row, int index) {
  const TopologyLayer& l = *row.layer;
  // K = G x M for convolutions (channels padded to whole groups at each kernel position, as
  // im2col lays them out), so the random GEMM has the layer's G.
  const int64_t P = row.gemm.rows, F = row.gemm.filters;
  const int64_t K = l.is_gemm ? l.k : row.gemm.groups * p.group_size;
  const bool act_signed = index % 2 == 0;
  std::printf("  %s (line %d%s): P=%lld K=%lld F=%lld, tile N %s, %s activations: ", l.name.c_str(),
              l.line,
              l.instances > 1 ? (", channel 1 of " + std::to_string(l.instances)).c_str() : "",
              static_cast<long long>(P), static_cast<long long>(K), static_cast<long long>(F),
              shifts_text(row.perf.first_shifts).c_str(), act_signed ? "int8" : "uint8");
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  const GemmOperands ops = random_gemm(P, K, F, p.group_size, p.cols, row.perf.first_shifts,
                                       act_signed, 1000 + static_cast<uint64_t>(index));
  const ArrayProgram prog = program_gemm(p, ops);
  auto dut = e.make();
  tb::ArrayRunOptions opt;
  opt.check = false;  // the RTL alone: its cycles and results are what is checked here
  const tb::ArrayRunResult r = tb::run_program(*dut, prog, P, F, opt);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok()) {
    std::printf("FAILED: %s\n", r.error.empty() ? "incomplete run" : r.error.c_str());
    return false;
  }
  const uint64_t expected = row.perf.first.cycles;
  const bool cycles_ok = r.cycles == expected;
  const bool y_ok = r.y == reference_gemm(ops);
  std::printf(
      "RTL %llu cycles, closed form %llu: %s; %lld outputs %s reference_gemm: %s (%.1f s)\n",
      static_cast<unsigned long long>(r.cycles), static_cast<unsigned long long>(expected),
      cycles_ok ? "ok" : "MISMATCH", static_cast<long long>(P * F), y_ok ? "equal" : "differ from",
      y_ok ? "ok" : "MISMATCH", s);
  return cycles_ok && y_ok;
}

}  // namespace

int perf(const std::vector<std::string>& args) {
  Options o("swis perf", args);
  const auto topology = o.take("topology");
  ArrayParams p;
  p.rows = static_cast<int>(o.take_int("rows", 1, 64).value_or(8));
  p.cols = static_cast<int>(o.take_int("cols", 1, 64).value_or(8));
  p.group_size = static_cast<int>(o.take_int("group", 1, 16).value_or(4));
  p.shifts_per_cycle = o.take_choice("pe", {"ss", "ds"}, "ds") == "ds" ? 2 : 1;
  const auto shifts = o.take_int("shifts", 1, kMaxScheduleShifts);
  const auto target_text = o.take("target");
  const auto csv = o.take("csv");
  const auto verify = static_cast<int>(o.take_int("verify", 0, 1000).value_or(0));
  o.finish();
  if (!o.positional().empty()) {
    throw UsageError("swis perf: unexpected argument '" + o.positional()[0] + "'");
  }
  if (!topology) throw UsageError("swis perf: give --topology NET.csv");
  if (shifts && target_text) throw UsageError("swis perf: give --shifts or --target, not both");
  p.validate();
  std::optional<TargetRatio> target;
  if (target_text) {
    try {
      target = parse_target(*target_text);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("swis perf: --target: ") + e.what());
    }
  }
  const int n_all = static_cast<int>(shifts.value_or(8));
  const tb::ArrayDutEntry* dut = nullptr;
  if (verify > 0) {
    try {
      dut = &tb::find_array_dut(p);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("swis perf: --verify: ") + e.what());
    }
  }

  const Topology topo = read_topology(*topology);
  std::vector<Row> rows;
  for (const auto& l : topo.layers) {
    Row r;
    r.layer = &l;
    r.gemm = gemm_shape(l, p.group_size);
    const int64_t filter_tiles = (r.gemm.filters + p.cols - 1) / p.cols;
    const std::string where = topo.path + ":" + std::to_string(l.line) + ": ";
    try {
      r.tile_shifts =
          target ? target_tile_shifts(r.gemm.filters, l.instances, p.cols, *target,
                                      p.shifts_per_cycle == 2)
                 : std::vector<int>(static_cast<size_t>(l.instances * filter_tiles), n_all);
    } catch (const std::exception& e) {
      throw std::runtime_error(where + "layer " + l.name + ": " + e.what());
    }
    try {
      r.perf = layer_perf(p, l, r.tile_shifts);
    } catch (const std::exception& e) {
      throw std::runtime_error(where + e.what());
    }
    rows.push_back(std::move(r));
  }

  // The table, for people and (the same numbers) as CSV.
  LayerCycles total;
  int64_t weighted_n = 0, weights = 0;
  size_t name_width = 5;
  for (const auto& r : rows) name_width = std::max(name_width, r.layer->name.size());
  std::string table_csv =
      "layer,line,P,G,F,instances,macs,tiles,N,cycles,ideal_cycles,stall_cycles,utilization,"
      "scalesim_os_cycles,bitserial8_cycles,speedup\n";
  std::printf("swis perf %s: %zu layers (%s layout), %lld MACs\n", topo.path.c_str(),
              topo.layers.size(), topo.gemm_layout ? "GEMM" : "convolution",
              static_cast<long long>(topo.macs()));
  std::printf("array %s; ", p.describe().c_str());
  if (target) {
    std::printf("target %s: per layer, filter tiles at the allowed N just below and above it\n",
                target_text->c_str());
  } else {
    std::printf("N = %d on every tile%s\n", n_all, shifts ? "" : " (the default: 8-bit weights)");
  }
  std::printf(
      "baseline: the same array of single-shift PEs with N = 8 on every tile (8-bit "
      "bit-serial)\n\n");
  const int w = static_cast<int>(name_width);
  std::printf("%-*s %5s %7s %5s %5s %8s %-12s %11s %11s %6s %11s %11s %8s\n", w, "layer", "line",
              "P", "G", "F", "tiles", "N", "cycles", "ideal", "util", "scalesim_os", "bitserial8",
              "speed-up");
  for (const auto& r : rows) {
    const TopologyLayer& l = *r.layer;
    const LayerCycles& c = r.perf.total;
    const std::string n = shifts_text(r.perf.filter_tiles_at);
    std::string f = std::to_string(r.gemm.filters);
    if (l.instances > 1) f = std::to_string(l.instances) + "x" + f;
    std::printf("%-*s %5d %7lld %5lld %5s %8llu %-12s %11llu %11llu %5.1f%% %11llu %11llu %7.2fx\n",
                w, l.name.c_str(), l.line, static_cast<long long>(r.gemm.rows),
                static_cast<long long>(r.gemm.groups), f.c_str(),
                static_cast<unsigned long long>(c.tiles), n.c_str(),
                static_cast<unsigned long long>(c.cycles),
                static_cast<unsigned long long>(c.ideal_cycles), 100 * c.utilization,
                static_cast<unsigned long long>(c.scalesim_os_cycles),
                static_cast<unsigned long long>(c.bitserial8_cycles), speedup(c));
    table_csv += l.name + "," + std::to_string(l.line) + "," + std::to_string(r.gemm.rows) + "," +
                 std::to_string(r.gemm.groups) + "," + std::to_string(r.gemm.filters) + "," +
                 std::to_string(l.instances) + "," + std::to_string(l.macs()) + "," + u64(c.tiles) +
                 "," + n + "," + u64(c.cycles) + "," + u64(c.ideal_cycles) + "," +
                 u64(c.stall_cycles) + "," + fmt(c.utilization, 8) + "," +
                 u64(c.scalesim_os_cycles) + "," + u64(c.bitserial8_cycles) + "," +
                 fmt(speedup(c), 8) + "\n";
    total += c;
    for (int k = 1; k <= kMaxScheduleShifts; ++k) {
      weighted_n += k * r.perf.filters_at[k] * l.weights_per_filter();
      weights += r.perf.filters_at[k] * l.weights_per_filter();
    }
  }
  total.set_utilization(p);
  const double effective_n = static_cast<double>(weighted_n) / static_cast<double>(weights);
  std::printf("%-*s %5s %7s %5s %5s %8llu %-12s %11llu %11llu %5.1f%% %11llu %11llu %7.2fx\n", w,
              "total", "", "", "", "", static_cast<unsigned long long>(total.tiles),
              fmt(effective_n, 6).c_str(), static_cast<unsigned long long>(total.cycles),
              static_cast<unsigned long long>(total.ideal_cycles), 100 * total.utilization,
              static_cast<unsigned long long>(total.scalesim_os_cycles),
              static_cast<unsigned long long>(total.bitserial8_cycles), speedup(total));
  table_csv += "total,,,,,," + std::to_string(topo.macs()) + "," + u64(total.tiles) + "," +
               fmt(effective_n, 8) + "," + u64(total.cycles) + "," + u64(total.ideal_cycles) + "," +
               u64(total.stall_cycles) + "," + fmt(total.utilization, 8) + "," +
               u64(total.scalesim_os_cycles) + "," + u64(total.bitserial8_cycles) + "," +
               fmt(speedup(total), 8) + "\n";
  std::printf(
      "\ntotal: %llu cycles (closed form), ideal %llu (%.1f%% of the cycles), utilization "
      "%.1f%%, effective N %s (weight-weighted)\n",
      static_cast<unsigned long long>(total.cycles),
      static_cast<unsigned long long>(total.ideal_cycles),
      100.0 * static_cast<double>(total.ideal_cycles) / static_cast<double>(total.cycles),
      100 * total.utilization, fmt(effective_n, 6).c_str());
  std::printf("speed-up over 8-bit bit-serial: %.3fx (%llu / %llu cycles)\n", speedup(total),
              static_cast<unsigned long long>(total.bitserial8_cycles),
              static_cast<unsigned long long>(total.cycles));

  if (csv) {
    OutputFiles files;
    files.add(*csv, table_csv);
    files.commit();
    std::printf("wrote %s\n", csv->c_str());
  }

  if (!dut) return 0;
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&rows](size_t a, size_t b) {
    return rows[a].perf.total.cycles < rows[b].perf.total.cycles;
  });
  const size_t count = std::min(order.size(), static_cast<size_t>(verify));
  std::printf("\nverify: the %zu layer%s with the fewest cycles on the RTL (%s, no bubbles)\n",
              count, count == 1 ? "" : "s", dut->name.c_str());
  size_t agreed = 0;
  for (size_t i = 0; i < count; ++i) {
    agreed += verify_layer(*dut, p, rows[order[i]], static_cast<int>(i)) ? 1 : 0;
  }
  std::printf("verify: %zu of %zu layers agree with the closed form and reference_gemm\n", agreed,
              count);
  return agreed == count ? 0 : 1;
}

}  // namespace swis::cli
