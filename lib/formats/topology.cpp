#include "lib/formats/topology.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

namespace swis {

namespace {

constexpr int64_t kMaxField = 1000000;  // keeps every product of a row well inside int64_t

const std::vector<std::string> kConvFields = {"Layer name",    "IFMAP Height", "IFMAP Width",
                                              "Filter Height", "Filter Width", "Channels",
                                              "Num Filter",    "Strides",      "Stride Width"};
const std::vector<std::string> kGemmFields = {"Layer", "M", "N", "K"};

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One line cut into trimmed fields, trailing empty ones (trailing commas) dropped.
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> f;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      f.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  f.push_back(trim(cur));
  while (!f.empty() && f.back().empty()) f.pop_back();
  return f;
}

std::string join(const std::vector<std::string>& v, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + v[i];
  return s;
}

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {}

  [[noreturn]] void fail(int line, const std::string& what) const {
    throw TopologyError(path_ + ":" + std::to_string(line) + ": " + what);
  }

  int64_t number(int line, const std::string& field, const std::string& text) const {
    const bool digits =
        !text.empty() && text.size() <= 7 && std::all_of(text.begin(), text.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        });
    if (!digits) fail(line, field + " is '" + text + "', not a positive whole number");
    const int64_t v = std::stoll(text);
    if (v < 1) fail(line, field + " is " + text + ", not a positive whole number");
    if (v > kMaxField) {
      fail(line, field + " is " + text + ", above the limit " + std::to_string(kMaxField));
    }
    return v;
  }

 private:
  std::string path_;
};

}  // namespace

int64_t TopologyLayer::weights_per_filter() const {
  return is_gemm ? k : conv.channels * conv.kh * conv.kw;
}

int64_t TopologyLayer::macs() const {
  if (is_gemm) return instances * m * n * k;
  return instances * conv.out_height() * conv.out_width() * conv.filters * weights_per_filter();
}

int64_t Topology::macs() const {
  int64_t s = 0;
  for (const auto& l : layers) s += l.macs();
  return s;
}

Topology parse_topology(const std::string& text, const std::string& path) {
  const Reader rd(path);
  Topology topo;
  topo.path = path;
  size_t expected = 0;  // fields per row, from the header; 0 until the header is read
  std::istringstream in(text);
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (line == 1 && raw.rfind("\xEF\xBB\xBF", 0) == 0) raw.erase(0, 3);
    const size_t hash = raw.find('#');
    if (hash != std::string::npos) raw.erase(hash);
    if (trim(raw).empty()) continue;
    const std::vector<std::string> f = split_fields(raw);
    for (size_t i = 0; i < f.size(); ++i) {
      if (f[i].empty()) rd.fail(line, "field " + std::to_string(i + 1) + " is empty");
    }
    if (expected == 0) {
      if (f.size() == 4 && lower(f[1]) == "m" && lower(f[2]) == "n" && lower(f[3]) == "k") {
        topo.gemm_layout = true;
      } else if ((f.size() != 8 && f.size() != 9) ||
                 lower(f[1]).find("ifmap") == std::string::npos) {
        rd.fail(line, "the header is neither SCALE-Sim's convolution layout (" +
                          join(kConvFields, 8) + ") nor its GEMM layout (" + join(kGemmFields, 4) +
                          ")");
      }
      expected = f.size();
      continue;
    }
    const std::vector<std::string>& names = topo.gemm_layout ? kGemmFields : kConvFields;
    if (f.size() != expected) {
      rd.fail(line, "expected " + std::to_string(expected) + " fields (" + join(names, expected) +
                        "), got " + std::to_string(f.size()));
    }
    TopologyLayer l;
    l.name = f[0];
    l.line = line;
    std::vector<int64_t> v(expected, 0);
    for (size_t i = 1; i < expected; ++i) v[i] = rd.number(line, names[i], f[i]);
    if (topo.gemm_layout) {
      l.is_gemm = true;
      l.m = v[1];
      l.n = v[2];
      l.k = v[3];
    } else {
      if (expected == 9 && v[7] != v[8]) {
        rd.fail(line, "strides " + f[7] + " and " + f[8] + " differ; one stride is supported");
      }
      if (v[3] > v[1] || v[4] > v[2]) {
        rd.fail(line, "filter " + f[3] + "x" + f[4] + " is larger than the IFMAP " + f[1] + "x" +
                          f[2] + " (IFMAP sizes include the padding)");
      }
      l.depthwise = l.name.find("DP") != std::string::npos;
      l.instances = l.depthwise ? v[5] : 1;
      l.conv.height = v[1];
      l.conv.width = v[2];
      l.conv.kh = v[3];
      l.conv.kw = v[4];
      l.conv.channels = l.depthwise ? 1 : v[5];
      l.conv.filters = v[6];
      l.conv.stride = v[7];
      l.conv.pad = 0;
      l.conv.validate();
    }
    topo.layers.push_back(l);
  }
  if (expected == 0) throw TopologyError(path + ": empty, no header line");
  if (topo.layers.empty()) throw TopologyError(path + ": no layers after the header");
  return topo;
}

Topology read_topology(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TopologyError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream os;
  os << in.rdbuf();
  return parse_topology(os.str(), path);
}

}  // namespace swis
