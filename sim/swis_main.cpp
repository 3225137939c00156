// swis: the command-line front end. Sub-commands live in sim/*.cpp.
#include <iostream>
#include <string>
#include <vector>

#include "sim/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: swis <command> [options]\n"
    "commands:\n"
    "  pe-regress   random lock-step regression of every PE configuration against the model\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "pe-regress") return swis::cli::pe_regress(args);
  std::cerr << "swis: unknown command '" << cmd << "' (swis --help lists them)\n";
  return 2;
}
