// swis: the command-line front end. Sub-commands live in tool/*_cmd.cpp.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "tool/cli_util.h"
#include "tool/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: swis <command> [options]\n"
    "commands:\n"
    "  quantize W.npy --method swis|swis-c|trunc --group M (--shifts N | --target T --array-cols "
    "C\n"
    "           --pe ss|ds) [--metric mse|mse++] [--alpha A] [--out Q.npy] [--packed P.bin]\n"
    "           [--json R.json]        SWIS quantization and filter scheduling of a layer\n"
    "  run --weights W.npy --acts A.npy [quantizer options] [--rows R --cols C --pe ss|ds]\n"
    "      [--stride S --pad P] [--out Y.npy] [--json R.json]\n"
    "           a layer through quantization, packing and the Verilated array in lock-step\n"
    "  sim [--dir D]   the built-in default layer (make sim)\n"
    "  pe-regress [--cycles N] [--seed S]   lock-step regression of every PE configuration\n"
    "  perf --topology NET.csv [--rows R --cols C --group M --pe ss|ds] [--shifts N | --target "
    "T]\n"
    "       [--csv OUT.csv] [--verify N]  per-layer cycles of a network (SCALE-Sim CSV)\n";

int dispatch(const std::string& cmd, const std::vector<std::string>& args) {
  if (cmd == "quantize") return swis::cli::quantize(args);
  if (cmd == "run") return swis::cli::run(args);
  if (cmd == "sim") return swis::cli::sim(args);
  if (cmd == "pe-regress") return swis::cli::pe_regress(args);
  if (cmd == "perf") return swis::cli::perf(args);
  throw swis::cli::UsageError("unknown command '" + cmd + "' (swis --help lists them)");
}

// Messages carry file names and file content; a control character in either must not break the
// one-line contract, so each is shown as \xNN.
std::string one_line(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  try {
    return dispatch(argv[1], std::vector<std::string>(argv + 2, argv + argc));
  } catch (const std::exception& e) {
    // Bad usage or input: one line, exit code 2, no output file (outputs commit last).
    std::cerr << "swis: " << one_line(e.what()) << "\n";
    return 2;
  }
}
