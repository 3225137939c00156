// swis: the command-line front end. Sub-commands live in tool/*_cmd.cpp and tool/pe_regress.cpp;
// CLI11 parses the options. Bad usage or input is one line on stderr and exit code 2.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "tool/cli_util.h"
#include "tool/commands.h"

namespace {

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
  // A network run allocates and frees tensors of megabytes per layer and batch; glibc's default
  // gives each back to the kernel (mmap, trim), and the page faults of taking them again cost a
  // third of `swis net`'s time. Keeping them in the heap costs nothing but address space.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  CLI::App app{
      "swis: SWIS quantization and filter scheduling, and layers and networks on the Verilated "
      "SWIS array, checked against the golden model.",
      "swis"};
  app.option_defaults()->always_capture_default();
  app.require_subcommand(1);
  app.footer("swis COMMAND --help shows a command's options and their defaults.");
  app.get_formatter()->column_width(34);
  int exit_code = 0;
  swis::cli::add_quantize(app, exit_code);
  swis::cli::add_run(app, exit_code);
  swis::cli::add_sim(app, exit_code);
  swis::cli::add_perf(app, exit_code);
  swis::cli::add_traffic(app, exit_code);
  swis::cli::add_pe_regress(app, exit_code);
  swis::cli::add_net(app, exit_code);
  std::string command;
  try {
    app.parse(argc, argv);
    return exit_code;
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    const auto subs = app.get_subcommands();
    command = subs.empty() ? "" : subs.front()->get_name();
    std::string what = e.what();
    if (command.empty() && e.get_name() == "RequiredError") {
      what = "a command is required: quantize, run, sim, perf, pe-regress or net";
    }
    std::cerr << "swis: " << (command.empty() ? "" : command + ": ") << one_line(what) << " (swis "
              << (command.empty() ? "" : command + " ") << "--help)\n";
    return 2;
  } catch (const std::exception& e) {
    // Bad input: one line, exit code 2, no output file (outputs commit last).
    std::cerr << "swis: " << one_line(e.what()) << "\n";
    return 2;
  }
}
