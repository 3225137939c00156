#include "lib/formats/topology.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <numeric>
#include <sstream>

#include "lib/formats/file_descriptor.h"

namespace swis {

namespace {

constexpr int64_t kMaxField = 1000000;  // keeps every product of a row well inside int64_t
// Real topologies are a few kilobytes; the bound keeps a wrong path (a device, a pipe that never
// ends, a multi-gigabyte file) from being read into memory whole.
constexpr size_t kMaxTopologyBytes = size_t{16} << 20;

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
  const auto cannot_read = [&path](int err) {
    throw TopologyError("cannot read " + path + ": " + std::strerror(err));
  };
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) cannot_read(errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) cannot_read(errno);
  if (S_ISDIR(st.st_mode)) throw TopologyError(path + ": is a directory, not a topology CSV");
  const std::string too_big = "more than the 16 MiB a topology may have";
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > kMaxTopologyBytes) {
    throw TopologyError(path + ": " + std::to_string(st.st_size) + " bytes, " + too_big);
  }
  // A regular file's size can change after fstat and a pipe's is unknown, so the bound is also
  // kept while reading: one byte past it is enough to know the file is too big.
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<size_t>(st.st_size));
  char chunk[1 << 16];
  while (text.size() <= kMaxTopologyBytes) {
    const size_t want = std::min(sizeof chunk, kMaxTopologyBytes + 1 - text.size());
    const ssize_t r = ::read(fd.get(), chunk, want);
    if (r < 0) {
      if (errno == EINTR) continue;
      cannot_read(errno);
    }
    if (r == 0) break;
    text.append(chunk, static_cast<size_t>(r));
  }
  if (text.size() > kMaxTopologyBytes) throw TopologyError(path + ": " + too_big);
  return parse_topology(text, path);
}

}  // namespace swis
