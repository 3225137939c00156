// Sub-commands of the `swis` tool. Each add_* registers one with CLI11; its callback runs it and
// sets the process exit code (0 success, 1 a check failed). Bad usage or input throws: one line
// on stderr and exit code 2 (tool/swis_main.cpp).
#pragma once

#include <cstdio>
#include <string>

#include "lib/compiler/weight_flow.h"
#include "tool/cli_util.h"

namespace swis::cli {

void add_quantize(CLI::App& app, int& exit_code);
void add_run(CLI::App& app, int& exit_code);
void add_sim(CLI::App& app, int& exit_code);
void add_perf(CLI::App& app, int& exit_code);
void add_traffic(CLI::App& app, int& exit_code);
void add_pe_regress(CLI::App& app, int& exit_code);
void add_net(CLI::App& app, int& exit_code);

// The quantizer options shared by quantize and run: --method --group --shifts | --target
// --array-cols (quantize only: run's tiles are the array's width) --pe --metric --alpha --threads.
struct WeightArgs {
  std::string method = "swis";
  int group = 4;
  int shifts = 0;
  std::string target;
  int array_cols = 8;
  std::string pe = "ds";
  std::string metric = "mse";
  double alpha = 1.0;
  int threads = 2;
  CLI::Option* shifts_opt = nullptr;
  CLI::Option* target_opt = nullptr;

  // The request; throws UsageError when neither --shifts nor --target was given.
  WeightRequest request() const;
};
void add_weight_options(CLI::App* sub, WeightArgs& a, bool tile_width);

void add_weight_report(Json& j, const WeightRequest& req, const WeightResult& w);
void print_weight_summary(std::FILE* out, const WeightRequest& req, const WeightResult& w);

// Where the human-readable report goes: stdout, or stderr when an output is standard output.
std::FILE* report_stream(const OutputFiles& files);

}  // namespace swis::cli
