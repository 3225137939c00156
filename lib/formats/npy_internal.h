// Private to the lib/formats/npy*.cpp files; not part of the library's API (use npy.h).
#pragma once


#include <cstdio>
#include <cstring>
#include <string_view>

#include "lib/common/layer_shape.h"
#include "lib/formats/npy.h"

namespace swis::npy::detail {

inline constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
inline constexpr size_t kMagicLen = 8;    // magic plus the two version bytes
inline constexpr size_t kMaxQuoted = 48;  // longest piece of file content quoted in a message

inline std::string errno_text(int err) { return std::strerror(err); }

// File content and paths go into one-line messages, so control characters (and, for header
// content, anything outside ASCII) are escaped rather than printed.
inline std::string printable(std::string_view s, size_t max_len, bool ascii_only) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == max_len) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || (ascii_only && c >= 0x80)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

inline std::string quoted(std::string_view s) { return "'" + printable(s, kMaxQuoted, true) + "'"; }

// Throws NpyError for one named file; every message leaves here as "<name>: <problem>".
class Failer {
 public:
  explicit Failer(std::string name) : name_(printable(name, 4096, false)) {}
  [[noreturn]] void operator()(const std::string& problem) const {
    throw NpyError(name_ + ": " + problem);
  }

 private:
  std::string name_;
};

// A shape for a message: a shape with thousands of dimensions would swamp the line.
inline std::string shape_for_message(const std::vector<int64_t>& shape) {
  constexpr size_t kShown = 8;
  if (shape.size() <= kShown) return shape_repr(shape);
  std::vector<int64_t> head(shape.begin(), shape.begin() + kShown);
  std::string s = shape_repr(head);
  s.pop_back();
  return s + ", ... (" + std::to_string(shape.size()) + " dimensions))";
}

// Element count, following numpy: zero-length axes are skipped for the overflow check, so a shape
// numpy cannot create is rejected even when it holds no elements. Returns an empty string on
// success, otherwise the problem.
std::string checked_count(const std::vector<int64_t>& shape, int64_t item, int64_t* count,
                          int64_t* nbytes);

inline uint64_t load_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}

inline void store_le(uint64_t v, int n, uint8_t* p) {
  for (int k = 0; k < n; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
}

struct Header {
  DType dtype;
  std::vector<int64_t> shape;
};

// Parses and checks the header dict; every problem is reported through `fail`.
Header decode_header(std::string_view text, const Failer& fail);

}  // namespace swis::npy::detail
