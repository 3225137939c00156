// Small pieces the sub-commands share: option parsing with one-line errors, input files read and
// checked with their names in every message, and JSON reports. Outputs are written with
// the library's OutputFiles (lib/formats/output_files.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/common/layer_shape.h"
#include "lib/formats/npy.h"
#include "lib/formats/output_files.h"

namespace swis::cli {

// A usage error: reported as one line, exit code 2.
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

// `--name value` options and positional arguments. Each option is taken once by the command;
// finish() refuses any that no one took.
class Options {
 public:
  Options(std::string command, const std::vector<std::string>& args,
          const std::vector<std::string>& switches = {});

  std::optional<std::string> take(const std::string& name);
  bool take_switch(const std::string& name);
  std::string take_choice(const std::string& name, const std::vector<std::string>& choices,
                          const std::string& fallback);
  std::optional<int64_t> take_int(const std::string& name, int64_t lo, int64_t hi);
  std::optional<double> take_double(const std::string& name, double lo, double hi);
  const std::vector<std::string>& positional() const { return positional_; }
  void finish() const;

 private:
  std::string command_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> switches_;
  std::vector<std::string> positional_;
};

// Reports are JSON objects with their keys in the order they are added (nlohmann-json;
// non-finite numbers are written as null). to_text() is what a report file holds.
using Json = nlohmann::ordered_json;
std::string to_text(const Json& j);

std::vector<uint8_t> read_file(const std::string& path);

// Formats a double for people: up to `digits` significant digits.
std::string fmt(double v, int digits = 4);

}  // namespace swis::cli
