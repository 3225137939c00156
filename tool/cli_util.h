// Small pieces the sub-commands share: CLI11 option helpers (validators for values that look
// like options, non-finite numbers and file paths), input files read and checked with their
// names in every message, JSON reports (nlohmann-json) and number formatting. Outputs are
// written with the library's OutputFiles (lib/formats/output_files.h).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/common/layer_shape.h"
#include "lib/formats/npy.h"
#include "lib/formats/output_files.h"

namespace swis::cli {

// A usage error found after parsing (options that need each other): one line, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An input file whose content a command cannot use. The message names the file and the problem:
// "<file>: <problem>".
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a weights file and checks it as the quantizer will (check_weights,
// lib/compiler/weight_flow.h), so that a problem is reported against the file rather than found
// later without its name. Throws npy::NpyError or InputError.
npy::Array read_weights(const std::string& path);

// Reads an activations file and checks it (check_acts, lib/mapping/activations.h). Whether its
// shape fits the weights is the command's check. Throws npy::NpyError or InputError.
npy::Array read_acts(const std::string& path);

// A file-name option or argument: refuses an empty value and one that looks like an option
// ("--out" after "--json" is a forgotten value, not a file name); "-" is allowed where the
// command documents it. `dash` says whether "-" (standard output) is accepted.
CLI::Option* add_path(CLI::App* app, const std::string& name, std::string& into,
                      const std::string& help, bool dash = false);
// A finite number within [lo, hi] (CLI11's Range lets NaN through).
CLI::Validator finite_range(double lo, double hi);

// A --target: a decimal the scheduler can take exactly (parse_target, lib/compiler/schedule.h).
CLI::Validator decimal_target();

// --progress: show progress on stderr even when it is not a terminal.
CLI::Option* add_progress_flag(CLI::App* app, bool& into);

// Reports are JSON objects with their keys in the order they are added (nlohmann-json;
// non-finite numbers are written as null). to_text() is what a report file holds.
using Json = nlohmann::ordered_json;
std::string to_text(const Json& j);

// Formats a double for people: up to `digits` significant digits.
std::string fmt(double v, int digits = 4);

}  // namespace swis::cli
