#include "model/topology.h"

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

GemmShape TopologyLayer::gemm(int M) const {
  if (!is_gemm) return conv.gemm(M);
  GemmShape g;
  g.rows = m;
  g.groups = (k + M - 1) / M;
  g.filters = n;
  g.macs = m * n * k;
  return g;
}

int64_t TopologyLayer::weights_per_filter() const {
  return is_gemm ? k : conv.channels * conv.kh * conv.kw;
}

int64_t TopologyLayer::macs() const { return instances * gemm(1).macs; }

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

namespace {

std::string ratio_text(const TargetRatio& t) {
  if (t.den == 1) return std::to_string(t.num);
  std::ostringstream os;
  os.precision(12);
  os << static_cast<double>(t.num) / static_cast<double>(t.den);
  return os.str();
}

}  // namespace

std::vector<int> target_tile_shifts(int64_t filters, int64_t instances, int cols,
                                    const TargetRatio& t, bool double_shift) {
  if (filters < 1 || instances < 1 || cols < 1 || t.den < 1) {
    throw std::invalid_argument("target_tile_shifts: empty layer or array");
  }
  const std::string T = ratio_text(t);
  const int lowest = double_shift ? 2 : 1, step = double_shift ? 2 : 1;
  if (t.num > kMaxScheduleShifts * t.den) {
    throw ScheduleError("target " + T + " is above 8, the most a tile can take");
  }
  if (t.num < lowest * t.den) {
    throw ScheduleError("target " + T + " is below " + std::to_string(lowest) + ", the least a " +
                        (double_shift ? "double-shift " : "") + "tile can take");
  }
  const int64_t filter_tiles = (filters + cols - 1) / cols;
  const int64_t last = filters - (filter_tiles - 1) * cols;  // filters of the last tile
  const int lo = lowest + static_cast<int>(step * ((t.num - lowest * t.den) / (step * t.den)));
  std::vector<int> shifts(static_cast<size_t>(instances * filter_tiles), lo);
  if (t.num == lo * t.den) return shifts;
  const int hi = lo + step;
  // lo * F + (hi - lo) * H = T * F, so H = F * (T - lo) / step, kept in int64_t by cancelling
  // the gcd of F and the denominator first.
  const int64_t total = filters * instances;
  const int64_t excess = t.num - lo * t.den;  // (T - lo) * den, in (0, step * den)
  const int64_t den = t.den * step;
  const int64_t g = std::gcd(total, den);
  const std::string cannot = "target " + T + " cannot be met exactly: ";
  const std::string split =
      " at N = " + std::to_string(hi) + " (the rest at N = " + std::to_string(lo) + ")";
  if (excess % (den / g) != 0) {
    throw ScheduleError(cannot + std::to_string(total) + " filters x (" + T + " - " +
                        std::to_string(lo) + ") / " + std::to_string(step) +
                        " is not a whole number of filters" + split);
  }
  const int64_t high = (total / g) * (excess / (den / g));
  const bool partial = last != cols;
  const int64_t full_tiles = instances * (filter_tiles - (partial ? 1 : 0));
  const int64_t partial_tiles = partial ? instances : 0;
  // Fewest high tiles: as few partial ones as possible.
  int64_t a = -1, b = 0;
  for (; b <= partial_tiles; ++b) {
    const int64_t rest = high - b * last;
    if (rest < 0) break;
    if (rest % cols == 0 && rest / cols <= full_tiles) {
      a = rest / cols;
      break;
    }
  }
  if (a < 0) {
    throw ScheduleError(cannot + "it needs " + std::to_string(high) + " of " +
                        std::to_string(total) + " filters" + split + ", and tiles of " +
                        std::to_string(cols) + " filters" +
                        (partial ? " (" + std::to_string(last) + " in the last)" : "") +
                        " cannot make " + std::to_string(high));
  }
  // The last a full tiles and the last b partial tiles (instance-major order) go high.
  for (int64_t i = instances * filter_tiles - 1; i >= 0 && (a > 0 || b > 0); --i) {
    const bool is_partial = partial && i % filter_tiles == filter_tiles - 1;
    int64_t& left = is_partial ? b : a;
    if (left > 0) {
      shifts[static_cast<size_t>(i)] = hi;
      --left;
    }
  }
  return shifts;
}

LayerPerf layer_perf(const ArrayParams& p, const TopologyLayer& layer,
                     const std::vector<int>& tile_shifts) {
  const GemmShape g = layer.gemm(p.group_size);
  const int64_t filter_tiles = (g.filters + p.cols - 1) / p.cols;
  const int64_t row_blocks = (g.rows + p.rows - 1) / p.rows;
  const std::string where = "layer " + layer.name;
  if (g.groups > p.max_groups()) {
    throw std::invalid_argument(where + ": G = " + std::to_string(g.groups) +
                                " groups per output, more than one tile holds (" +
                                std::to_string(p.max_groups()) + ")");
  }
  if (row_blocks * filter_tiles > kMaxPerfTiles / layer.instances) {
    throw std::invalid_argument(where + ": more than " + std::to_string(kMaxPerfTiles) +
                                " tiles, beyond what swis perf models");
  }
  if (static_cast<int64_t>(tile_shifts.size()) != layer.instances * filter_tiles) {
    throw std::invalid_argument(where + ": " + std::to_string(layer.instances * filter_tiles) +
                                " tile N needed, got " + std::to_string(tile_shifts.size()));
  }
  for (int n : tile_shifts) {
    if (n < 1 || n > kMaxScheduleShifts) {
      throw std::invalid_argument(where + ": N = " + std::to_string(n) + " is not in 1..8");
    }
  }
  LayerPerf lp;
  lp.filter_tiles_at.assign(kMaxScheduleShifts + 1, 0);
  lp.filters_at.assign(kMaxScheduleShifts + 1, 0);
  // Depthwise layers repeat one shape many times, mostly with the same tile N: compute each
  // distinct list once.
  std::map<std::vector<int>, LayerCycles> seen;
  for (int64_t i = 0; i < layer.instances; ++i) {
    const std::vector<int> mine(tile_shifts.begin() + i * filter_tiles,
                                tile_shifts.begin() + (i + 1) * filter_tiles);
    auto it = seen.find(mine);
    if (it == seen.end()) it = seen.emplace(mine, layer_cycles(p, g, mine)).first;
    const LayerCycles& c = it->second;
    if (i == 0) {
      lp.first = c;
      lp.first_shifts = mine;
    }
    lp.total.tiles += c.tiles;
    lp.total.cycles += c.cycles;
    lp.total.ideal_cycles += c.ideal_cycles;
    lp.total.stall_cycles += c.stall_cycles;
    lp.total.useful_slots += c.useful_slots;
    lp.total.scalesim_os_cycles += c.scalesim_os_cycles;
    lp.total.bitserial8_cycles += c.bitserial8_cycles;
    for (int64_t t = 0; t < filter_tiles; ++t) {
      const int n = mine[static_cast<size_t>(t)];
      ++lp.filter_tiles_at[n];
      lp.filters_at[n] += std::min<int64_t>(p.cols, g.filters - t * p.cols);
    }
  }
  lp.total.utilization =
      lp.total.useful_slots /
      (static_cast<double>(p.rows * p.cols * p.shifts_per_cycle) * lp.total.cycles);
  return lp;
}

}  // namespace swis
