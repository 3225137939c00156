// swis traffic: the memory traffic of a network (SCALE-Sim topology) on the accelerator, per
// layer and by operand, from the traffic model the RTL's AXI traffic is tested against
// (lib/mapping/accel.h); the weight-to-activation access ratio of the paper's Figure 1.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/compiler/schedule.h"

#include "lib/golden/hw_config.h"
#include "lib/mapping/accel.h"
#include "lib/mapping/network.h"
#include "tool/cli_util.h"
#include "tool/commands.h"

namespace swis::cli {
namespace {

struct TrafficArgs {
  std::string topology, accel = "acc_ds_8x8", method = "swis", target, csv, json;
  int shifts = 8;
  CLI::Option* shifts_opt = nullptr;
  CLI::Option* target_opt = nullptr;
};

double ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; }

int traffic(const TrafficArgs& a) {
  const HwConfig* cfg = nullptr;
  std::string have;
  for (const auto& c : hw_configs()) {
    if (c.top != "swis_accel") continue;
    have += (have.empty() ? "" : ", ") + c.name;
    if (c.name == a.accel) cfg = &c;
  }
  if (cfg == nullptr) {
    throw UsageError("swis traffic: --accel " + a.accel + " is not an accelerator of " +
                     "config/configs.txt (" + have + ")");
  }
  const AccelParams p = AccelParams::from_config(*cfg);
  if (p.array.fixed_point && (a.shifts_opt->count() || a.target_opt->count())) {
    throw UsageError("swis traffic: " + a.accel + " takes 8-bit weights: --shifts and --target " +
                     "do not apply");
  }
  const Method method = parse_method(a.method);
  std::optional<TargetRatio> target;
  if (a.target_opt->count()) target = parse_target(a.target);
  OutputFiles files;
  files.input("the topology", a.topology);
  if (!a.csv.empty()) files.output("--csv", a.csv);
  if (!a.json.empty()) files.output("--json", a.json);
  std::FILE* out = a.csv == "-" || a.json == "-" ? stderr : stdout;
  const Topology topo = read_topology(a.topology);

  struct Row {
    const TopologyLayer* layer;
    GemmShape g;
    LayerTraffic t;
  };
  std::vector<Row> rows;
  LayerTraffic total;
  for (const auto& l : topo.layers) {
    Row r{&l, gemm_shape(l, p.array.group_size), {}};
    const int64_t tiles = (r.g.filters + p.array.cols - 1) / p.array.cols;
    const std::string where = topo.path + ":" + std::to_string(l.line) + ": layer " + l.name + ": ";
    try {
      const std::vector<int> shifts =
          target ? target_tile_shifts(r.g.filters, l.instances, p.array.cols, *target,
                                      p.array.shifts_per_cycle == 2)
                 : std::vector<int>(static_cast<size_t>(l.instances * tiles), a.shifts);
      r.t = layer_traffic(p, l, method, shifts);
    } catch (const std::exception& e) {
      throw std::runtime_error(where + e.what());
    }
    total.bus += r.t.bus;
    total.input_fmap += r.t.input_fmap;
    total.passes += r.t.passes;
    rows.push_back(r);
  }

  std::fprintf(out, "swis traffic %s on %s (%s)", topo.path.c_str(), a.accel.c_str(),
               p.array.describe().c_str());
  if (p.array.fixed_point) {
    std::fprintf(out, ": 8-bit weights\n");
  } else if (target) {
    std::fprintf(out, ": %s, target %s\n", a.method.c_str(), a.target.c_str());
  } else {
    std::fprintf(out, ": %s, N = %d\n", a.method.c_str(), a.shifts);
  }
  std::fprintf(out,
               "bytes on the bus (the model the RTL's AXI traffic equals); W/A = weights read / "
               "(activations read + results written);\nfmap: the input feature map once (what an "
               "on-chip im2col would read instead of the host's rows)\n\n");
  size_t wn = 5;
  for (const auto& r : rows) wn = std::max(wn, r.layer->name.size());
  const int w = static_cast<int>(wn);
  std::fprintf(out, "%-*s %7s %6s %11s %11s %11s %11s %8s %8s\n", w, "layer", "passes", "F",
               "weights", "acts", "results", "fmap", "W/A", "W/fmap+R");
  auto line = [&](const std::string& name, const LayerTraffic& t, const std::string& f) {
    std::fprintf(out, "%-*s %7lld %6s %11llu %11llu %11llu %11llu %8.3f %8.3f\n", w, name.c_str(),
                 static_cast<long long>(t.passes), f.c_str(),
                 static_cast<unsigned long long>(t.bus.weight_read),
                 static_cast<unsigned long long>(t.bus.act_read),
                 static_cast<unsigned long long>(t.bus.out_write),
                 static_cast<unsigned long long>(t.input_fmap),
                 ratio(t.bus.weight_read, t.bus.act_read + t.bus.out_write),
                 ratio(t.bus.weight_read, t.input_fmap + t.bus.out_write));
  };
  for (const auto& r : rows) {
    std::string f = std::to_string(r.g.filters);
    if (r.layer->instances > 1) f = std::to_string(r.layer->instances) + "x" + f;
    line(r.layer->name, r.t, f);
  }
  line("total", total, "");
  std::fprintf(out, "\ntotal: %llu bytes on the bus (%llu read, %llu written)\n",
               static_cast<unsigned long long>(total.bus.total()),
               static_cast<unsigned long long>(total.bus.read()),
               static_cast<unsigned long long>(total.bus.out_write));

  const auto figures = [](const LayerTraffic& t) {
    return Json{{"passes", t.passes},
                {"weights_read", t.bus.weight_read},
                {"activations_read", t.bus.act_read},
                {"results_written", t.bus.out_write},
                {"input_fmap", t.input_fmap},
                {"read_bursts", t.bus.read_bursts},
                {"write_bursts", t.bus.write_bursts},
                {"weight_to_activation", ratio(t.bus.weight_read, t.bus.act_read + t.bus.out_write)},
                {"weight_to_fmap", ratio(t.bus.weight_read, t.input_fmap + t.bus.out_write)}};
  };
  if (!a.csv.empty()) {
    std::string csv =
        "layer,line,P,G,F,instances,passes,weights_read,activations_read,results_written,"
        "input_fmap,weight_to_activation,weight_to_fmap\n";
    auto row = [&](const std::string& head, const LayerTraffic& t) {
      csv += head + "," + std::to_string(t.passes) + "," + std::to_string(t.bus.weight_read) + "," +
             std::to_string(t.bus.act_read) + "," + std::to_string(t.bus.out_write) + "," +
             std::to_string(t.input_fmap) + "," +
             fmt(ratio(t.bus.weight_read, t.bus.act_read + t.bus.out_write), 8) + "," +
             fmt(ratio(t.bus.weight_read, t.input_fmap + t.bus.out_write), 8) + "\n";
    };
    for (const auto& r : rows) {
      row(r.layer->name + "," + std::to_string(r.layer->line) + "," + std::to_string(r.g.rows) +
              "," + std::to_string(r.g.groups) + "," + std::to_string(r.g.filters) + "," +
              std::to_string(r.layer->instances),
          r.t);
    }
    row("total,,,,,", total);
    files.add(a.csv, csv);
  }
  if (!a.json.empty()) {
    Json j;
    j["topology"] = topo.path;
    j["accel"] = a.accel;
    j["method"] = p.array.fixed_point ? "fxp" : a.method;
    if (target) {
      j["target"] = static_cast<double>(target->num) / static_cast<double>(target->den);
    } else if (!p.array.fixed_point) {
      j["shifts"] = a.shifts;
    }
    j["layers"] = Json::array();
    for (const auto& r : rows) {
      Json l = figures(r.t);
      l["layer"] = r.layer->name;
      l["F"] = r.g.filters;
      l["instances"] = r.layer->instances;
      j["layers"].push_back(l);
    }
    j["total"] = figures(total);
    files.add(a.json, to_text(j));
  }
  files.commit();
  for (const auto& f : files.paths()) std::fprintf(out, "wrote %s\n", f.c_str());
  return 0;
}

}  // namespace

void add_traffic(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<TrafficArgs>();
  CLI::App* sub = app.add_subcommand(
      "traffic", "memory traffic of a network (SCALE-Sim topology) on the accelerator, by operand");
  add_path(sub, "--topology", a->topology, "NET.csv: SCALE-Sim's layout")->required();
  sub->add_option("--accel", a->accel, "an accelerator of config/configs.txt (top swis_accel)");
  sub->add_option("--method", a->method, "swis, swis-c or trunc: the packed weights' format")
      ->check(CLI::IsMember({"swis", "swis-c", "trunc"}));
  a->shifts_opt = sub->add_option("--shifts", a->shifts, "N on every tile")
                      ->check(CLI::Range(1, kMaxScheduleShifts))
                      ->group("Shifts");
  a->target_opt = sub->add_option("--target", a->target, "average N: tiles at the N around it")
                      ->check(decimal_target())
                      ->excludes(a->shifts_opt)
                      ->group("Shifts");
  a->shifts_opt->excludes(a->target_opt);
  add_path(sub, "--csv", a->csv, "OUT.csv: the table", true)->group("Outputs");
  add_path(sub, "--json", a->json, "R.json: the table and totals", true)->group("Outputs");
  sub->callback([a, &exit_code] { exit_code = traffic(*a); });
}

}  // namespace swis::cli
