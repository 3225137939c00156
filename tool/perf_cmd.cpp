// swis perf: a network topology (SCALE-Sim CSV) -> per-layer and total cycles of the array (the
// closed form), ideal cycles, utilization, SCALE-Sim's OS estimate and the speed-up over 8-bit
// bit-serial; optionally a CSV of the table, and a check of the smallest layers on the RTL.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
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
#include "tool/progress.h"

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
bool verify_layer(std::FILE* out, const tb::ArrayDutEntry& e, const ArrayParams& p, const Row& row,
                  int index, Progress& progress) {
  const TopologyLayer& l = *row.layer;
  // K = G x M for convolutions (channels padded to whole groups at each kernel position, as
  // im2col lays them out), so the random GEMM has the layer's G.
  const int64_t P = row.gemm.rows, F = row.gemm.filters;
  const int64_t K = l.is_gemm ? l.k : row.gemm.groups * p.group_size;
  const bool act_signed = index % 2 == 0;
  // The line is printed whole after the run, so that a progress line never splits it.
  char head[512];
  std::snprintf(
      head, sizeof head,
      "  %s (line %d%s): P=%lld K=%lld F=%lld, tile N %s, %s activations: ", l.name.c_str(), l.line,
      l.instances > 1 ? (", channel 1 of " + std::to_string(l.instances)).c_str() : "",
      static_cast<long long>(P), static_cast<long long>(K), static_cast<long long>(F),
      shifts_text(row.perf.first_shifts).c_str(), act_signed ? "int8" : "uint8");
  const auto t0 = std::chrono::steady_clock::now();
  const GemmOperands ops = random_gemm(p, P, K, F, row.perf.first_shifts, act_signed,
                                       1000 + static_cast<uint64_t>(index));
  const ArrayProgram prog = program_gemm(p, ops);
  auto dut = e.make();
  tb::ArrayRunOptions opt;
  opt.check = false;  // the RTL alone: its cycles and results are what is checked here
  progress.restart("swis perf --verify " + l.name, row.perf.first.cycles);
  opt.progress = [&progress](uint64_t cycles) { progress.update(cycles); };
  const tb::ArrayRunResult r = tb::run_program(*dut, prog, P, F, opt);
  progress.update(r.cycles);
  progress.finish();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok()) {
    std::fprintf(out, "%sFAILED: %s\n", head, r.error.empty() ? "incomplete run" : r.error.c_str());
    return false;
  }
  const uint64_t expected = row.perf.first.cycles;
  const bool cycles_ok = r.cycles == expected;
  const bool y_ok = r.y == reference_gemm(ops);
  std::fprintf(
      out, "%sRTL %llu cycles, closed form %llu: %s; %lld outputs %s reference_gemm: %s (%.1f s)\n",
      head, static_cast<unsigned long long>(r.cycles), static_cast<unsigned long long>(expected),
      cycles_ok ? "ok" : "MISMATCH", static_cast<long long>(P * F), y_ok ? "equal" : "differ from",
      y_ok ? "ok" : "MISMATCH", s);
  return cycles_ok && y_ok;
}

struct PerfArgs {
  std::string topology, csv, json, pe = "ds", target;
  int rows = 8, cols = 8, group = 4, shifts = 8, verify = 0;
  bool progress = false;
  CLI::Option* shifts_opt = nullptr;
  CLI::Option* target_opt = nullptr;
};

std::string verified_text(const std::optional<bool>& v) { return !v ? "" : *v ? "yes" : "no"; }

int perf(const PerfArgs& a) {
  ArrayParams p;
  p.rows = a.rows;
  p.cols = a.cols;
  p.group_size = a.group;
  p.shifts_per_cycle = a.pe == "ds" ? 2 : 1;
  p.fixed_point = a.pe == "fxp";
  p.validate();
  if (p.fixed_point && (a.shifts_opt->count() || a.target_opt->count())) {
    throw UsageError(
        "swis perf: --pe fxp takes 8-bit weights, one step per group: --shifts and "
        "--target do not apply");
  }
  std::optional<TargetRatio> target;
  if (a.target_opt->count()) target = parse_target(a.target);
  const bool fixed = a.shifts_opt->count() > 0;
  // A fixed-point tile is one step per group; N = 1 keeps its utilization in steps.
  const int n_all = p.fixed_point ? 1 : a.shifts;
  const tb::ArrayDutEntry* dut = nullptr;
  if (a.verify > 0) {
    try {
      dut = &tb::find_array_dut(p);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("swis perf: --verify: ") + e.what());
    }
  }
  OutputFiles files;
  files.input("the topology", a.topology);
  if (!a.csv.empty()) files.output("--csv", a.csv);
  if (!a.json.empty()) files.output("--json", a.json);
  std::FILE* out = a.csv == "-" || a.json == "-" ? stderr : stdout;

  const Topology topo = read_topology(a.topology);
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

  // The table for people, first; the files after the verification, which they report too.
  LayerCycles total;
  int64_t weighted_n = 0, weights = 0;
  size_t name_width = 5;
  for (const auto& r : rows) name_width = std::max(name_width, r.layer->name.size());
  std::fprintf(out, "swis perf %s: %zu layers (%s layout), %lld MACs\n", topo.path.c_str(),
               topo.layers.size(), topo.gemm_layout ? "GEMM" : "convolution",
               static_cast<long long>(topo.macs()));
  std::fprintf(out, "array %s; ", p.describe().c_str());
  if (p.fixed_point) {
    std::fprintf(out, "8-bit fixed point: one step per group on every tile\n");
  } else if (target) {
    std::fprintf(out,
                 "target %s: per layer, filter tiles at the allowed N just below and above it\n",
                 a.target.c_str());
  } else {
    std::fprintf(out, "N = %d on every tile%s\n", n_all,
                 fixed ? "" : " (the default: 8-bit weights)");
  }
  std::fprintf(out,
               "baseline: the same array of single-shift PEs with N = 8 on every tile (8-bit "
               "bit-serial)\n\n");
  const int w = static_cast<int>(name_width);
  std::fprintf(out, "%-*s %5s %7s %5s %5s %8s %-12s %11s %11s %6s %6s %11s %11s %8s\n", w, "layer",
               "line", "P", "G", "F", "tiles", "N", "cycles", "ideal", "util", "lanes",
               "scalesim_os", "bitserial8", "speed-up");
  for (const auto& r : rows) {
    const TopologyLayer& l = *r.layer;
    const LayerCycles& c = r.perf.total;
    std::string f = std::to_string(r.gemm.filters);
    if (l.instances > 1) f = std::to_string(l.instances) + "x" + f;
    std::fprintf(
        out,
        "%-*s %5d %7lld %5lld %5s %8llu %-12s %11llu %11llu %5.1f%% %5.1f%% %11llu %11llu "
        "%7.2fx\n",
        w, l.name.c_str(), l.line, static_cast<long long>(r.gemm.rows),
        static_cast<long long>(r.gemm.groups), f.c_str(), static_cast<unsigned long long>(c.tiles),
        shifts_text(r.perf.filter_tiles_at).c_str(), static_cast<unsigned long long>(c.cycles),
        static_cast<unsigned long long>(c.ideal_cycles), 100 * c.utilization,
        100 * c.lane_utilization, static_cast<unsigned long long>(c.scalesim_os_cycles),
        static_cast<unsigned long long>(c.bitserial8_cycles), speedup(c));
    total += c;
    for (int k = 1; k <= kMaxScheduleShifts; ++k) {
      weighted_n += k * r.perf.filters_at[k] * l.weights_per_filter();
      weights += r.perf.filters_at[k] * l.weights_per_filter();
    }
  }
  total.set_utilization(p);
  const double effective_n = static_cast<double>(weighted_n) / static_cast<double>(weights);
  std::fprintf(out,
               "%-*s %5s %7s %5s %5s %8llu %-12s %11llu %11llu %5.1f%% %5.1f%% %11llu %11llu "
               "%7.2fx\n",
               w, "total", "", "", "", "", static_cast<unsigned long long>(total.tiles),
               fmt(effective_n, 6).c_str(), static_cast<unsigned long long>(total.cycles),
               static_cast<unsigned long long>(total.ideal_cycles), 100 * total.utilization,
               100 * total.lane_utilization,
               static_cast<unsigned long long>(total.scalesim_os_cycles),
               static_cast<unsigned long long>(total.bitserial8_cycles), speedup(total));
  std::fprintf(out,
               "\ntotal: %llu cycles (closed form), ideal %llu (%.1f%% of the cycles), utilization "
               "%.1f%% of the shift slots (%.1f%% of the lanes), effective N %s "
               "(weight-weighted)\n",
               static_cast<unsigned long long>(total.cycles),
               static_cast<unsigned long long>(total.ideal_cycles),
               100.0 * static_cast<double>(total.ideal_cycles) / static_cast<double>(total.cycles),
               100 * total.utilization, 100 * total.lane_utilization, fmt(effective_n, 6).c_str());
  std::fprintf(out, "speed-up over 8-bit bit-serial: %.3fx (%llu / %llu cycles)\n", speedup(total),
               static_cast<unsigned long long>(total.bitserial8_cycles),
               static_cast<unsigned long long>(total.cycles));

  // --verify: the smallest layers on the RTL.
  std::vector<std::optional<bool>> verified(rows.size());
  size_t agreed = 0, count = 0;
  if (dut) {
    std::vector<size_t> order(rows.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&rows](size_t x, size_t y) {
      return rows[x].perf.total.cycles < rows[y].perf.total.cycles;
    });
    count = std::min(order.size(), static_cast<size_t>(a.verify));
    std::fprintf(out,
                 "\nverify: the %zu layer%s with the fewest cycles on the RTL (%s, no bubbles)\n",
                 count, count == 1 ? "" : "s", dut->name.c_str());
    Progress progress("swis perf --verify", "cycles", 0, a.progress);
    for (size_t i = 0; i < count; ++i) {
      const bool ok = verify_layer(out, *dut, p, rows[order[i]], static_cast<int>(i), progress);
      verified[order[i]] = ok;
      agreed += ok ? 1 : 0;
    }
    std::fprintf(out, "verify: %zu of %zu layers agree with the closed form and reference_gemm\n",
                 agreed, count);
  }

  if (!a.csv.empty()) {
    std::string csv =
        "layer,line,P,G,F,instances,macs,tiles,N,cycles,ideal_cycles,stall_cycles,utilization,"
        "scalesim_os_cycles,bitserial8_cycles,speedup,lane_utilization,verified\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      const TopologyLayer& l = *r.layer;
      const LayerCycles& c = r.perf.total;
      csv += l.name + "," + std::to_string(l.line) + "," + std::to_string(r.gemm.rows) + "," +
             std::to_string(r.gemm.groups) + "," + std::to_string(r.gemm.filters) + "," +
             std::to_string(l.instances) + "," + std::to_string(l.macs()) + "," + u64(c.tiles) +
             "," + shifts_text(r.perf.filter_tiles_at) + "," + u64(c.cycles) + "," +
             u64(c.ideal_cycles) + "," + u64(c.stall_cycles) + "," + fmt(c.utilization, 8) + "," +
             u64(c.scalesim_os_cycles) + "," + u64(c.bitserial8_cycles) + "," + fmt(speedup(c), 8) +
             "," + fmt(c.lane_utilization, 8) + "," + verified_text(verified[i]) + "\n";
    }
    csv += "total,,,,,," + std::to_string(topo.macs()) + "," + u64(total.tiles) + "," +
           fmt(effective_n, 8) + "," + u64(total.cycles) + "," + u64(total.ideal_cycles) + "," +
           u64(total.stall_cycles) + "," + fmt(total.utilization, 8) + "," +
           u64(total.scalesim_os_cycles) + "," + u64(total.bitserial8_cycles) + "," +
           fmt(speedup(total), 8) + "," + fmt(total.lane_utilization, 8) + ",\n";
    files.add(a.csv, csv);
  }
  if (!a.json.empty()) {
    const auto figures = [](const LayerCycles& c) {
      Json j;
      j["tiles"] = c.tiles;
      j["cycles"] = c.cycles;
      j["ideal_cycles"] = c.ideal_cycles;
      j["stall_cycles"] = c.stall_cycles;
      j["utilization"] = c.utilization;
      j["lane_utilization"] = c.lane_utilization;
      j["scalesim_os_cycles"] = c.scalesim_os_cycles;
      j["bitserial8_cycles"] = c.bitserial8_cycles;
      j["speedup"] = speedup(c);
      return j;
    };
    Json j;
    j["topology"] = topo.path;
    j["array"] = {{"rows", p.rows}, {"cols", p.cols}, {"group", p.group_size}, {"pe", a.pe}};
    if (target) {
      j["target"] = static_cast<double>(target->num) / static_cast<double>(target->den);
    } else {
      j["shifts"] = n_all;
    }
    j["layers"] = Json::array();
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      Json l = {{"layer", r.layer->name},  {"line", r.layer->line},
                {"P", r.gemm.rows},        {"G", r.gemm.groups},
                {"F", r.gemm.filters},     {"instances", r.layer->instances},
                {"macs", r.layer->macs()}, {"N", shifts_text(r.perf.filter_tiles_at)}};
      l.update(figures(r.perf.total));
      l["verified"] = verified[i] ? Json(*verified[i]) : Json(nullptr);
      j["layers"].push_back(l);
    }
    Json t = figures(total);
    t["macs"] = topo.macs();
    t["effective_shifts"] = effective_n;
    j["total"] = t;
    if (dut) j["verify"] = {{"array", dut->name}, {"layers", count}, {"agreed", agreed}};
    files.add(a.json, to_text(j));
  }
  files.commit();
  for (const auto& f : files.paths()) std::fprintf(out, "wrote %s\n", f.c_str());
  return agreed == count ? 0 : 1;
}

}  // namespace

void add_perf(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<PerfArgs>();
  CLI::App* sub = app.add_subcommand(
      "perf", "cycles of a network (SCALE-Sim topology) on the array, per layer");
  add_path(sub, "--topology", a->topology, "NET.csv: SCALE-Sim's layout")->required();
  sub->add_option("--rows", a->rows, "array rows")->check(CLI::Range(1, 64))->group("Array");
  sub->add_option("--cols", a->cols, "array columns")->check(CLI::Range(1, 64))->group("Array");
  sub->add_option("--group", a->group, "M: weights per group")
      ->check(CLI::Range(1, 16))
      ->group("Array");
  sub->add_option("--pe", a->pe, "PE kind: SWIS single- or double-shift, or 8-bit fixed point")
      ->check(CLI::IsMember({"ss", "ds", "fxp"}))
      ->group("Array");
  a->shifts_opt = sub->add_option("--shifts", a->shifts, "N on every tile")
                      ->check(CLI::Range(1, kMaxScheduleShifts))
                      ->group("Shifts");
  a->target_opt = sub->add_option("--target", a->target, "average N: tiles at the N around it")
                      ->check(decimal_target())
                      ->excludes(a->shifts_opt)
                      ->group("Shifts");
  a->shifts_opt->excludes(a->target_opt);
  sub->add_option("--verify", a->verify, "check the N smallest layers on the Verilated array")
      ->check(CLI::Range(0, 1000));
  add_progress_flag(sub, a->progress);
  add_path(sub, "--csv", a->csv, "OUT.csv: the table", true)->group("Outputs");
  add_path(sub, "--json", a->json, "R.json: the table and totals", true)->group("Outputs");
  sub->callback([a, &exit_code] { exit_code = perf(*a); });
}

}  // namespace swis::cli
