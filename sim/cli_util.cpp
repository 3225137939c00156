#include "sim/cli_util.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

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

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

JsonObject& JsonObject::add(const std::string& k, const std::string& v) {
  return add_raw(k, quote(v));
}
JsonObject& JsonObject::add(const std::string& k, const char* v) { return add_raw(k, quote(v)); }
JsonObject& JsonObject::add(const std::string& k, double v) { return add_raw(k, number(v)); }
JsonObject& JsonObject::add(const std::string& k, int64_t v) {
  return add_raw(k, std::to_string(v));
}
JsonObject& JsonObject::add(const std::string& k, bool v) {
  return add_raw(k, v ? "true" : "false");
}

JsonObject& JsonObject::add(const std::string& k, const std::vector<int>& v) {
  return add(k, std::vector<int64_t>(v.begin(), v.end()));
}

JsonObject& JsonObject::add(const std::string& k, const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return add_raw(k, s + "]");
}

JsonObject& JsonObject::add_raw(const std::string& k, const std::string& json) {
  fields_.emplace_back(k, json);
  return *this;
}

std::string JsonObject::str() const {
  std::string s = "{\n";
  for (size_t i = 0; i < fields_.size(); ++i) {
    s += "  " + quote(fields_[i].first) + ": " + fields_[i].second +
         (i + 1 < fields_.size() ? ",\n" : "\n");
  }
  return s + "}\n";
}

void OutputFiles::add(const std::string& path, std::vector<uint8_t> bytes) {
  files_.emplace_back(path, std::move(bytes));
}

void OutputFiles::add(const std::string& path, const std::string& text) {
  files_.emplace_back(path, std::vector<uint8_t>(text.begin(), text.end()));
}

std::vector<std::string> OutputFiles::paths() const {
  std::vector<std::string> p;
  for (const auto& f : files_) p.push_back(f.first);
  return p;
}

void OutputFiles::commit() {
  std::vector<std::string> temps;
  auto cleanup = [&temps] {
    for (const auto& t : temps) std::remove(t.c_str());
  };
  for (const auto& [path, bytes] : files_) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    std::FILE* fp = std::fopen(tmp.c_str(), "wb");
    if (!fp) {
      cleanup();
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
    temps.push_back(tmp);
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), fp) == bytes.size();
    if (std::fclose(fp) != 0 || !ok) {
      cleanup();
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    if (std::rename(temps[i].c_str(), files_[i].first.c_str()) != 0) {
      const std::string err = std::strerror(errno);
      // Take back what already landed, so that no partial set of outputs is left.
      for (size_t j = 0; j < i; ++j) std::remove(files_[j].first.c_str());
      cleanup();
      throw std::runtime_error("cannot write " + files_[i].first + ": " + err);
    }
  }
}

namespace {

// The first NaN or infinity of a float array as "NaN at flat index i", or "" if there is none.
std::string first_non_finite(const npy::Array& a) {
  if (a.dtype != npy::DType::kFloat32 && a.dtype != npy::DType::kFloat64) return "";
  const int64_t n = a.size();
  for (int64_t i = 0; i < n; ++i) {
    const double v = a.as_double(i);
    if (!std::isfinite(v)) {
      const char* what = std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
      return what + std::string(" at flat index ") + std::to_string(i);
    }
  }
  return "";
}

bool has_empty_dimension(const npy::Array& a) {
  for (int64_t d : a.shape) {
    if (d < 1) return true;
  }
  return false;
}

template <size_t N>
bool one_of(npy::DType t, const npy::DType (&allowed)[N]) {
  for (npy::DType a : allowed) {
    if (t == a) return true;
  }
  return false;
}

}  // namespace

std::string shape_repr(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

npy::Array read_weights(const std::string& path) {
  npy::Array w = npy::read(path);
  const auto fail = [&path](const std::string& problem) {
    throw InputError(path + ": " + problem);
  };
  using npy::DType;
  if (!one_of(w.dtype, {DType::kFloat32, DType::kFloat64, DType::kInt8, DType::kInt16})) {
    fail(std::string("weights of dtype ") + npy::dtype_name(w.dtype) +
         " are not supported (float32, float64, int8 or int16)");
  }
  if (w.shape.size() != 2 && w.shape.size() != 4) {
    fail("weights must be 2-D (F, K) or 4-D (F, C, kh, kw), got " + std::to_string(w.shape.size()) +
         "-D shape " + shape_repr(w.shape));
  }
  if (has_empty_dimension(w)) fail("weights have an empty dimension: shape " + shape_repr(w.shape));
  const std::string non_finite = first_non_finite(w);
  if (!non_finite.empty()) fail("weights contain " + non_finite);
  if (w.dtype == DType::kInt16) {
    const int64_t n = w.size();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = w.as_int(i);
      if (v < -255 || v > 255) {
        fail("integer weight " + std::to_string(v) + " at flat index " + std::to_string(i) +
             " exceeds 8 magnitude bits (|w| <= 255)");
      }
    }
  }
  return w;
}

npy::Array read_acts(const std::string& path) {
  npy::Array a = npy::read(path);
  const auto fail = [&path](const std::string& problem) {
    throw InputError(path + ": " + problem);
  };
  using npy::DType;
  if (!one_of(a.dtype, {DType::kInt8, DType::kUint8, DType::kFloat32, DType::kFloat64})) {
    fail(std::string("activations of dtype ") + npy::dtype_name(a.dtype) +
         " are not supported (int8, uint8, float32 or float64)");
  }
  if (has_empty_dimension(a)) {
    fail("activations have an empty dimension: shape " + shape_repr(a.shape));
  }
  const std::string non_finite = first_non_finite(a);
  if (!non_finite.empty()) fail("activations contain " + non_finite);
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
