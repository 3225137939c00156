// Sub-commands of the `swis` tool. Each returns the process exit code (0 success, 1 a check
// failed) or throws: UsageError and input errors become one line on stderr and exit code 2.
#pragma once

#include <string>
#include <vector>

#include "lib/compiler/weight_flow.h"
#include "tool/cli_util.h"

namespace swis::cli {

class Options;

int pe_regress(const std::vector<std::string>& args);
int perf(const std::vector<std::string>& args);
int quantize(const std::vector<std::string>& args);
int run(const std::vector<std::string>& args);
int sim(const std::vector<std::string>& args);

// The quantizer options shared by quantize and run: --method --group --metric --alpha
// --threads and --shifts N | --target T --array-cols C --pe ss|ds.
WeightRequest take_weight_request(Options& o);
void add_weight_report(Json& j, const WeightRequest& req, const WeightResult& w);
void print_weight_summary(const WeightRequest& req, const WeightResult& w);

}  // namespace swis::cli
