// Sub-commands of the `swis` tool. Each returns the process exit code:
// 0 success, 1 a check failed, 2 bad usage or input.
#pragma once

#include <string>
#include <vector>

namespace swis::cli {

int pe_regress(const std::vector<std::string>& args);

}  // namespace swis::cli
