#include "tool/cli_util.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "lib/compiler/weight_flow.h"
#include "lib/mapping/activations.h"

namespace swis::cli {

Options::Options(std::string command, const std::vector<std::string>& args,
                 const std::vector<std::string>& switches)
    : command_(std::move(command)) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      positional_.push_back(a);
      continue;
    }
    const std::string name = a.substr(2);
    bool is_switch = false;
    for (const auto& s : switches) is_switch |= s == name;
    if (is_switch) {
      switches_[name] = false;
      continue;
    }
    if (i + 1 >= args.size()) throw UsageError(command_ + ": option --" + name + " needs a value");
    if (values_.count(name)) throw UsageError(command_ + ": option --" + name + " is given twice");
    values_[name] = args[++i];
  }
}

std::optional<std::string> Options::take(const std::string& name) {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  std::string v = it->second;
  values_.erase(it);
  return v;
}

bool Options::take_switch(const std::string& name) {
  auto it = switches_.find(name);
  if (it == switches_.end()) return false;
  switches_.erase(it);
  return true;
}

std::string Options::take_choice(const std::string& name, const std::vector<std::string>& choices,
                                 const std::string& fallback) {
  const auto v = take(name);
  if (!v) return fallback;
  for (const auto& c : choices) {
    if (*v == c) return c;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  throw UsageError(command_ + ": --" + name + " must be one of " + list + ", got '" + *v + "'");
}

std::optional<int64_t> Options::take_int(const std::string& name, int64_t lo, int64_t hi) {
  const auto v = take(name);
  if (!v) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno == ERANGE) {
    throw UsageError(command_ + ": --" + name + " needs an integer, got '" + *v + "'");
  }
  if (x < lo || x > hi) {
    throw UsageError(command_ + ": --" + name + " must be in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got " + *v);
  }
  return x;
}

std::optional<double> Options::take_double(const std::string& name, double lo, double hi) {
  const auto v = take(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !std::isfinite(x)) {
    throw UsageError(command_ + ": --" + name + " needs a finite number, got '" + *v + "'");
  }
  if (x < lo || x > hi) {
    throw UsageError(command_ + ": --" + name + " must be in [" + fmt(lo) + ", " + fmt(hi) +
                     "], got " + *v);
  }
  return x;
}

void Options::finish() const {
  if (!values_.empty()) {
    throw UsageError(command_ + ": unknown option --" + values_.begin()->first);
  }
  if (!switches_.empty()) {
    throw UsageError(command_ + ": option --" + switches_.begin()->first + " is not used here");
  }
}

std::string to_text(const Json& j) { return j.dump(2) + "\n"; }

namespace {

// Runs a library check and names `path` in its message.
template <class Check>
void check_file(const std::string& path, Check check) {
  try {
    check();
  } catch (const std::exception& e) {
    throw InputError(path + ": " + e.what());
  }
}

}  // namespace

npy::Array read_weights(const std::string& path) {
  npy::Array w = npy::read(path);
  check_file(path, [&w] { check_weights(w); });
  return w;
}

npy::Array read_acts(const std::string& path) {
  npy::Array a = npy::read(path);
  check_file(path, [&a] { check_acts(a); });
  return a;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

std::string fmt(double v, int digits) {
  std::ostringstream os;
  os.precision(digits);
  os << v;
  return os.str();
}

}  // namespace swis::cli
