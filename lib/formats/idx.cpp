#include "lib/formats/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace swis::idx {
namespace {

constexpr int64_t kMaxValues = int64_t{1} << 31;

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using Gz = std::unique_ptr<gzFile_s, GzCloser>;

Gz open(const std::string& path) {
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw IdxError(path + ": cannot read" +
                   (errno ? std::string(": ") + std::strerror(errno) : ""));
  }
  return Gz(f);
}

// Reads up to n bytes; returns how many arrived (fewer only at the end of the file).
size_t read_bytes(gzFile f, const std::string& path, uint8_t* p, size_t n) {
  size_t got = 0;
  while (got < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, size_t{1} << 30));
    const int r = gzread(f, p + got, chunk);
    if (r < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      throw IdxError(path + ": " + (code == Z_ERRNO ? std::strerror(errno) : msg));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

}  // namespace

Array read(const std::string& path, int64_t first) {
  Gz f = open(path);
  uint8_t magic[4];
  const size_t m = read_bytes(f.get(), path, magic, 4);
  if (m < 4) throw IdxError(path + ": truncated: " + std::to_string(m) + " bytes, not an idx file");
  if (magic[0] != 0 || magic[1] != 0) throw IdxError(path + ": not an idx file (bad magic)");
  if (magic[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", magic[2]);
    throw IdxError(path + ": idx element type " + type + " is not unsigned bytes (0x08)");
  }
  const int rank = magic[3];
  if (rank < 1 || rank > 4) {
    throw IdxError(path + ": idx rank " + std::to_string(rank) + " outside 1..4");
  }
  Array a;
  int64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    uint8_t b[4];
    if (read_bytes(f.get(), path, b, 4) < 4) throw IdxError(path + ": truncated idx header");
    const int64_t d = (int64_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    if (d == 0) throw IdxError(path + ": dimension " + std::to_string(i) + " is 0");
    count *= d;
    if (count > kMaxValues) throw IdxError(path + ": more than 2^31 values");
    a.shape.push_back(d);
  }
  const int64_t items = a.shape[0];
  const int64_t want = first > 0 ? std::min(first, items) : items;
  const int64_t per = count / items;
  a.shape[0] = want;
  a.data.resize(static_cast<size_t>(want * per));
  const size_t got = read_bytes(f.get(), path, a.data.data(), a.data.size());
  if (got < a.data.size()) {
    throw IdxError(path + ": truncated: " + std::to_string(got) + " of " +
                   std::to_string(a.data.size()) + " data bytes");
  }
  if (want == items) {
    uint8_t extra;
    if (read_bytes(f.get(), path, &extra, 1) != 0) {
      throw IdxError(path + ": trailing bytes after the " + std::to_string(count) + " values");
    }
  }
  return a;
}

std::vector<float> pixels(const Array& a) {
  std::vector<float> v(a.data.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(a.data[i] / 255.0);
  return v;
}

bool looks_like_idx(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  uint8_t b[2] = {1, 1};
  const int r = gzread(f, b, 2);
  gzclose(f);
  return r == 2 && b[0] == 0 && b[1] == 0;
}

}  // namespace swis::idx
