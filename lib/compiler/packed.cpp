#include "lib/compiler/packed.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace swis {
namespace {

constexpr char kMagic[8] = {'S', 'W', 'I', 'S', 'P', 'A', 'C', 'K'};

class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>& out) : out_(out) {}
  void put(uint32_t value, int bits) {
    for (int b = 0; b < bits; ++b) {
      if (used_ == 0) out_.push_back(0);
      if (value >> b & 1u) out_.back() |= static_cast<uint8_t>(1u << used_);
      used_ = (used_ + 1) % 8;
    }
  }
  // Zero bytes up to a multiple of `bytes` of the whole output.
  void align(size_t bytes) {
    used_ = 0;
    while (out_.size() % bytes != 0) out_.push_back(0);
  }

 private:
  std::vector<uint8_t>& out_;
  int used_ = 0;
};

class BitReader {
 public:
  BitReader(const std::vector<uint8_t>& in, size_t byte_offset) : in_(in), bit_(byte_offset * 8) {}
  uint32_t get(int bits) {
    uint32_t v = 0;
    for (int b = 0; b < bits; ++b, ++bit_) {
      if (bit_ / 8 >= in_.size()) throw PackedError("packed file: group stream is truncated");
      v |= static_cast<uint32_t>(in_[bit_ / 8] >> (bit_ % 8) & 1u) << b;
    }
    return v;
  }
  // `bits` bits from absolute bit position `at`, without moving.
  uint32_t peek(uint64_t at, int bits) const {
    uint32_t v = 0;
    for (int b = 0; b < bits; ++b, ++at) {
      if (at / 8 >= in_.size()) throw PackedError("packed file: group stream is truncated");
      v |= static_cast<uint32_t>(in_[at / 8] >> (at % 8) & 1u) << b;
    }
    return v;
  }

 private:
  const std::vector<uint8_t>& in_;
  size_t bit_;
};

template <class T>
void put_le(std::vector<uint8_t>& out, T value) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &value, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

class ByteReader {
 public:
  explicit ByteReader(const std::vector<uint8_t>& in) : in_(in) {}
  template <class T>
  T get(const char* what) {
    if (in_.size() - pos_ < sizeof(T) || pos_ > in_.size()) {
      throw PackedError(std::string("packed file: truncated in the header (") + what + ")");
    }
    T v;
    std::memcpy(&v, &in_[pos_], sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return in_.size() - pos_; }

 private:
  const std::vector<uint8_t>& in_;
  size_t pos_ = 0;
};

int64_t groups_per_filter_of(const std::vector<int64_t>& shape, int M) {
  if (shape.size() == 2) return (shape[1] + M - 1) / M;
  return shape[2] * shape[3] * ((shape[1] + M - 1) / M);
}

}  // namespace

std::vector<int> PackedLayer::shifts_of_group(int64_t group) const {
  std::vector<int> s;
  for (int b = 0; b < 8; ++b) {
    if (set[group] >> b & 1) s.push_back(b);
  }
  return s;
}

PackedLayer make_packed(const Layer& layer, const Quantized& qz, Method method,
                        std::vector<uint32_t> order, int tile_width) {
  PackedLayer p;
  p.method = method;
  p.group_size = layer.group_size;
  p.shape = layer.shape;
  p.scale = layer.scale;
  p.trunc_offset = method == Method::kTrunc ? std::max(qz.trunc_offset, 0) : 0;
  p.tile_width = tile_width;
  p.order = std::move(order);
  p.filters = layer.filters;
  p.groups_per_filter = layer.groups_per_filter;
  p.filter_shifts = qz.filter_shifts;
  p.set = qz.set;
  p.q = qz.q;
  if (tile_width < 1) throw PackedError("tile width must be at least 1");
  if (static_cast<int64_t>(p.order.size()) != p.filters) {
    throw PackedError("execution order must list every filter once");
  }
  const int64_t tiles = (p.filters + tile_width - 1) / tile_width;
  for (int64_t t = 0; t < tiles; ++t) {
    const uint8_t n = p.filter_shifts[p.order[t * tile_width]];
    for (int64_t k = t * tile_width; k < std::min<int64_t>(p.filters, (t + 1) * tile_width); ++k) {
      if (p.filter_shifts[p.order[k]] != n) {
        throw PackedError("filters of one tile must share one number of shifts");
      }
    }
    p.tile_shifts.push_back(n);
  }
  return p;
}

int64_t record_bits(Method method, int group_size, int columns, int shifts) {
  return columns * group_bits(method, group_size, shifts);
}

namespace {

// One group's fields as both layouts store them.
struct GroupFields {
  uint32_t sign = 0;
  int n = 0;
  int shift[8] = {};  // ascending
  uint32_t mask[8] = {};
};

GroupFields fields_of(const PackedLayer& p, int64_t gi) {
  GroupFields g;
  const int M = p.group_size;
  const int16_t* q = &p.q[gi * M];
  for (int i = 0; i < M; ++i) g.sign |= static_cast<uint32_t>(q[i] < 0) << i;
  for (int s : p.shifts_of_group(gi)) {
    for (int i = 0; i < M; ++i) g.mask[g.n] |= static_cast<uint32_t>(std::abs(q[i]) >> s & 1) << i;
    g.shift[g.n++] = s;
  }
  return g;
}

size_t header_bytes(const PackedLayer& p) {
  return 24 + 8 * p.shape.size() + 4 + p.tile_shifts.size() + 4 * p.order.size();
}

size_t round8(size_t n) { return (n + 7) / 8 * 8; }

}  // namespace

PackedTiles packed_tiles(const PackedLayer& p) {
  PackedTiles t;
  uint64_t at = round8(header_bytes(p));
  for (uint8_t n : p.tile_shifts) {
    const uint64_t bits = static_cast<uint64_t>(p.groups_per_filter) *
                          record_bits(p.method, p.group_size, p.tile_width, n);
    t.offset.push_back(at);
    t.bytes.push_back(round8((bits + 7) / 8));
    at += t.bytes.back();
  }
  return t;
}

std::vector<uint8_t> pack(const PackedLayer& p) {
  if (p.version < 1 || p.version > kPackedVersionMax) {
    throw PackedError("packed version " + std::to_string(p.version) + " does not exist (1, 2)");
  }
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  put_le<uint16_t>(out, static_cast<uint16_t>(p.version));
  out.push_back(static_cast<uint8_t>(p.method));
  out.push_back(static_cast<uint8_t>(p.group_size));
  out.push_back(static_cast<uint8_t>(p.shape.size()));
  out.push_back(static_cast<uint8_t>(p.trunc_offset));
  put_le<uint16_t>(out, static_cast<uint16_t>(p.tile_width));
  put_le<double>(out, p.scale);
  for (int64_t d : p.shape) put_le<int64_t>(out, d);
  put_le<uint32_t>(out, static_cast<uint32_t>(p.tile_shifts.size()));
  out.insert(out.end(), p.tile_shifts.begin(), p.tile_shifts.end());
  for (uint32_t f : p.order) put_le<uint32_t>(out, f);

  const int M = p.group_size;
  BitWriter bw(out);
  if (p.version == 1) {
    for (uint32_t f : p.order) {
      for (int64_t g = 0; g < p.groups_per_filter; ++g) {
        const GroupFields x = fields_of(p, f * p.groups_per_filter + g);
        bw.put(x.sign, M);
        if (p.method == Method::kSwis) {
          for (int k = 0; k < x.n; ++k) bw.put(static_cast<uint32_t>(x.shift[k]), 3);
        } else if (p.method == Method::kSwisC) {
          bw.put(static_cast<uint32_t>(x.n ? x.shift[0] : 0), 3);
        }
        for (int k = 0; k < x.n; ++k) bw.put(x.mask[k], M);
      }
    }
    return out;
  }
  const int C = p.tile_width;
  std::vector<GroupFields> rec(static_cast<size_t>(C));
  for (size_t t = 0; t < p.tile_shifts.size(); ++t) {
    bw.align(8);
    const int n = p.tile_shifts[t];
    for (int64_t g = 0; g < p.groups_per_filter; ++g) {
      for (int c = 0; c < C; ++c) {
        const int64_t pos = static_cast<int64_t>(t) * C + c;
        rec[c] = pos < p.filters ? fields_of(p, p.order[pos] * p.groups_per_filter + g)
                                 : GroupFields{};
      }
      for (int c = 0; c < C; ++c) bw.put(rec[c].sign, M);
      if (p.method == Method::kSwis) {
        for (int k = 0; k < n; ++k) {
          for (int c = 0; c < C; ++c) bw.put(static_cast<uint32_t>(rec[c].shift[k]), 3);
        }
      } else if (p.method == Method::kSwisC) {
        for (int c = 0; c < C; ++c) bw.put(static_cast<uint32_t>(rec[c].shift[0]), 3);
      }
      for (int k = 0; k < n; ++k) {
        for (int c = 0; c < C; ++c) bw.put(rec[c].mask[k], M);
      }
    }
  }
  bw.align(8);
  return out;
}
PackedLayer unpack(const std::vector<uint8_t>& bytes) {
  ByteReader r(bytes);
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    throw PackedError("not a packed SWIS file (bad magic)");
  }
  r.get<uint64_t>("magic");
  const uint16_t version = r.get<uint16_t>("version");
  if (version < 1 || version > kPackedVersionMax) {
    throw PackedError("packed file version " + std::to_string(version) +
                      " is not supported (1, 2)");
  }
  PackedLayer p;
  p.version = version;
  const uint8_t method = r.get<uint8_t>("method");
  if (method > 2) throw PackedError("packed file: unknown method " + std::to_string(method));
  p.method = static_cast<Method>(method);
  p.group_size = r.get<uint8_t>("group size");
  if (p.group_size < 1 || p.group_size > 16) {
    throw PackedError("packed file: group size " + std::to_string(p.group_size) +
                      " outside [1, 16]");
  }
  const uint8_t rank = r.get<uint8_t>("rank");
  if (rank != 2 && rank != 4) throw PackedError("packed file: shape rank must be 2 or 4");
  p.trunc_offset = r.get<uint8_t>("trunc offset");
  if (p.trunc_offset > 7) throw PackedError("packed file: trunc offset outside [0, 7]");
  p.tile_width = r.get<uint16_t>("tile width");
  if (p.tile_width < 1) throw PackedError("packed file: tile width 0");
  p.scale = r.get<double>("scale");
  if (!(p.scale > 0) || p.scale > 1e300)
    throw PackedError("packed file: scale is not a positive number");
  // Bound the claimed size by the bytes present before allocating anything from it.
  int64_t weights = 1;
  for (int d = 0; d < rank; ++d) {
    const int64_t v = r.get<int64_t>("shape");
    if (v < 1 || v > (int64_t{1} << 40) || weights > (int64_t{1} << 40) / v) {
      throw PackedError("packed file: implausible shape dimension " + std::to_string(v));
    }
    weights *= v;
    p.shape.push_back(v);
  }
  p.filters = p.shape[0];
  p.groups_per_filter = groups_per_filter_of(p.shape, p.group_size);
  const int64_t groups = p.filters * p.groups_per_filter;
  const uint32_t tiles = r.get<uint32_t>("tile count");
  if (tiles != static_cast<uint64_t>((p.filters + p.tile_width - 1) / p.tile_width)) {
    throw PackedError("packed file: tile count does not match filters and tile width");
  }
  if (r.left() < tiles + 4ull * static_cast<uint64_t>(p.filters)) {
    throw PackedError("packed file: truncated before the group stream");
  }
  for (uint32_t t = 0; t < tiles; ++t) {
    const uint8_t n = r.get<uint8_t>("tile shifts");
    if (n < 1 || n > 8)
      throw PackedError("packed file: tile " + std::to_string(t) + " has N outside [1, 8]");
    if (p.method == Method::kTrunc ? p.trunc_offset + n > 8 : false) {
      throw PackedError("packed file: trunc window runs past bit 7");
    }
    p.tile_shifts.push_back(n);
  }
  std::vector<uint8_t> seen(static_cast<size_t>(p.filters), 0);
  p.filter_shifts.assign(static_cast<size_t>(p.filters), 0);
  for (int64_t k = 0; k < p.filters; ++k) {
    const uint32_t f = r.get<uint32_t>("order");
    if (f >= p.filters || seen[f])
      throw PackedError("packed file: execution order is not a permutation");
    seen[f] = 1;
    p.order.push_back(f);
    p.filter_shifts[f] = p.tile_shifts[k / p.tile_width];
  }
  const int M = p.group_size;
  const int64_t depth = p.shape[1];
  const int64_t depth_groups = (depth + M - 1) / M;
  p.set.assign(static_cast<size_t>(groups), 0);
  p.q.assign(static_cast<size_t>(groups * M), 0);
  // Checks one group's fields and stores them. The last group along K (2-D) or C (4-D) is short
  // when M does not divide it; its padding slots hold no weight, and a file that sets their sign
  // or mask bits is malformed rather than a layer with weights outside its shape.
  const auto store = [&](int64_t gi, const GroupFields& x) {
    for (int k = 1; k < x.n; ++k) {
      if (x.shift[k] <= x.shift[k - 1]) {
        throw PackedError("packed file: shift positions of group " + std::to_string(gi) +
                          " are not ascending");
      }
    }
    if (x.n > 0 && x.shift[x.n - 1] > 7) {
      throw PackedError("packed file: shift window of group " + std::to_string(gi) +
                        " runs past bit 7");
    }
    const int64_t g = gi % p.groups_per_filter;
    const int live = static_cast<int>(std::min<int64_t>(M, depth - (g % depth_groups) * M));
    const uint32_t padding = ((1u << M) - 1) & ~((1u << live) - 1);
    uint8_t set = 0;
    int mag[16] = {};
    uint32_t used = x.sign;
    for (int k = 0; k < x.n; ++k) {
      set = static_cast<uint8_t>(set | 1u << x.shift[k]);
      used |= x.mask[k];
      for (int i = 0; i < M; ++i) mag[i] |= static_cast<int>(x.mask[k] >> i & 1u) << x.shift[k];
    }
    if (used & padding) {
      throw PackedError("packed file: group " + std::to_string(gi) +
                        " sets sign or mask bits of " + std::to_string(M - live) +
                        " padding slot(s), which must be 0");
    }
    p.set[gi] = set;
    for (int i = 0; i < M; ++i)
      p.q[gi * M + i] = static_cast<int16_t>(x.sign >> i & 1u ? -mag[i] : mag[i]);
  };
  // A shift field: read for swis; the group's offset plus k for swis-c; the window for trunc.
  const auto window = [&](GroupFields& x, int o) {
    for (int k = 0; k < x.n; ++k) x.shift[k] = o + k;
  };

  if (version == 1) {
    // The stream's exact length follows from the header.
    uint64_t bits = 0;
    for (int64_t f = 0; f < p.filters; ++f) {
      bits +=
          static_cast<uint64_t>(p.groups_per_filter) * group_bits(p.method, M, p.filter_shifts[f]);
    }
    const uint64_t stream_bytes = (bits + 7) / 8;
    if (r.left() != stream_bytes) {
      throw PackedError(std::string("packed file: group stream is ") +
                        (r.left() < stream_bytes ? "truncated: " : "followed by extra bytes: ") +
                        std::to_string(r.left()) + " bytes where the header implies " +
                        std::to_string(stream_bytes));
    }
    BitReader br(bytes, r.pos());
    for (uint32_t f : p.order) {
      for (int64_t g = 0; g < p.groups_per_filter; ++g) {
        GroupFields x;
        x.n = p.filter_shifts[f];
        x.sign = br.get(M);
        if (p.method == Method::kSwis) {
          for (int k = 0; k < x.n; ++k) x.shift[k] = static_cast<int>(br.get(3));
        } else {
          window(x, p.method == Method::kSwisC ? static_cast<int>(br.get(3)) : p.trunc_offset);
        }
        for (int k = 0; k < x.n; ++k) x.mask[k] = br.get(M);
        store(f * p.groups_per_filter + g, x);
      }
    }
    if (bits % 8 != 0 && bytes.back() >> (bits % 8) != 0) {
      throw PackedError("packed file: the " + std::to_string(8 - bits % 8) +
                        " padding bits after the group stream must be 0");
    }
    return p;
  }

  const PackedTiles tiles_at = packed_tiles(p);
  const uint64_t end = tiles_at.offset.back() + tiles_at.bytes.back();
  if (bytes.size() != end) {
    throw PackedError(std::string("packed file: tile records are ") +
                      (bytes.size() < end ? "truncated: " : "followed by extra bytes: ") +
                      std::to_string(bytes.size()) + " bytes where the header implies " +
                      std::to_string(end));
  }
  // Every bit the records do not use is 0: the header's padding, each tile's tail.
  const auto zero_between = [&](uint64_t from_bit, uint64_t to_bit, const std::string& where) {
    BitReader z(bytes, 0);
    for (uint64_t b = from_bit; b < to_bit; b += 32) {
      const int w = static_cast<int>(std::min<uint64_t>(32, to_bit - b));
      if (z.peek(b, w) != 0) throw PackedError("packed file: padding " + where + " must be 0");
    }
  };
  zero_between(8 * r.pos(), 8 * tiles_at.offset[0], "after the header");
  const int C = p.tile_width;
  BitReader br(bytes, 0);
  for (uint32_t t = 0; t < tiles; ++t) {
    const int n = p.tile_shifts[t];
    const uint64_t base = 8 * tiles_at.offset[t];
    const int64_t sh_bits = p.method == Method::kSwis ? 3LL * n * C
                            : p.method == Method::kSwisC ? 3LL * C : 0;
    const int64_t rec = record_bits(p.method, M, C, n);
    for (int64_t g = 0; g < p.groups_per_filter; ++g) {
      const uint64_t at = base + static_cast<uint64_t>(g * rec);
      for (int c = 0; c < C; ++c) {
        GroupFields x;
        x.n = n;
        x.sign = br.peek(at + static_cast<uint64_t>(c * M), M);
        const uint64_t sh = at + static_cast<uint64_t>(C * M);
        if (p.method == Method::kSwis) {
          for (int k = 0; k < n; ++k) {
            x.shift[k] = static_cast<int>(br.peek(sh + 3 * static_cast<uint64_t>(k * C + c), 3));
          }
        } else {
          window(x, p.method == Method::kSwisC ? static_cast<int>(br.peek(sh + 3 * c, 3))
                                               : p.trunc_offset);
        }
        const uint64_t mk = sh + static_cast<uint64_t>(sh_bits);
        for (int k = 0; k < n; ++k) {
          x.mask[k] = br.peek(mk + static_cast<uint64_t>(M * (k * C + c)), M);
        }
        const int64_t pos = static_cast<int64_t>(t) * C + c;
        if (pos < p.filters) {
          store(p.order[pos] * p.groups_per_filter + g, x);
          continue;
        }
        uint32_t any = x.sign | (p.method == Method::kSwisC ? static_cast<uint32_t>(x.shift[0]) : 0);
        for (int k = 0; k < n; ++k) {
          any |= x.mask[k] | (p.method == Method::kSwis ? static_cast<uint32_t>(x.shift[k]) : 0);
        }
        if (any != 0) {
          throw PackedError("packed file: padding column " + std::to_string(c) + " of tile " +
                            std::to_string(t) + " must be 0");
        }
      }
    }
    zero_between(base + static_cast<uint64_t>(p.groups_per_filter * rec),
                 base + 8 * tiles_at.bytes[t], "after tile " + std::to_string(t));
  }
  return p;
}

}  // namespace swis
