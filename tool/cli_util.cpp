#include "tool/cli_util.h"

#include <cmath>
#include <sstream>

#include "lib/compiler/schedule.h"
#include "lib/compiler/weight_flow.h"
#include "lib/mapping/activations.h"

namespace swis::cli {
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

CLI::Option* add_path(CLI::App* app, const std::string& name, std::string& into,
                      const std::string& help, bool dash) {
  CLI::Option* o = app->add_option(name, into, help);
  o->check(CLI::Validator(
      [dash](std::string& v) -> std::string {
        if (v.empty()) return "needs a file name, got ''";
        if (v == "-") return dash ? "" : "'-' (standard output) is not accepted here";
        if (v[0] == '-') {
          return "needs a file name, got '" + v +
                 "', which looks like an option (a file whose name starts with '-' can be "
                 "given as ./" +
                 v + ")";
        }
        return "";
      },
      "FILE"));
  return o;
}

CLI::Validator finite_range(double lo, double hi) {
  std::ostringstream desc;
  desc << "FLOAT in [" << lo << ", " << hi << "]";
  return CLI::Validator(
      [lo, hi](std::string& v) -> std::string {
        double x = 0;
        if (!CLI::detail::lexical_cast(v, x) || !std::isfinite(x)) {
          return "needs a finite number, got '" + v + "'";
        }
        if (x < lo || x > hi) return "must be in [" + fmt(lo) + ", " + fmt(hi) + "], got " + v;
        return "";
      },
      desc.str());
}

CLI::Validator decimal_target() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        try {
          parse_target(v);
        } catch (const std::exception& e) {
          return e.what();
        }
        return "";
      },
      "DECIMAL");
}

CLI::Option* add_progress_flag(CLI::App* app, bool& into) {
  return app->add_flag("--progress", into, "progress on stderr even if not a terminal");
}

std::string to_text(const Json& j) { return j.dump(2) + "\n"; }

std::string fmt(double v, int digits) {
  std::ostringstream os;
  os.precision(digits);
  os << v;
  return os.str();
}

}  // namespace swis::cli
