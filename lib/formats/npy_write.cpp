// Writing a .npy file: serialize() reproduces numpy's bytes, write() replaces the destination
// atomically through a temporary file.

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "lib/formats/npy.h"
#include "lib/formats/npy_internal.h"
#include "lib/formats/output_files.h"

namespace swis::npy {

using detail::checked_count;
using detail::Failer;
using detail::kMagic;
using detail::kMagicLen;
using detail::shape_for_message;
using detail::store_le;

namespace {

constexpr uint64_t kArrayAlign = 64;
// numpy >= 1.24 leaves room after the header dict for the first axis to grow to this many digits,
// so that appending rows can rewrite the header in place. Writing the same spaces keeps our files
// byte-identical to numpy's.
constexpr size_t kGrowthAxisMaxDigits = 21;

}  // namespace

std::vector<uint8_t> serialize(const Array& a) {
  const char* descr = dtype_descr(a.dtype);
  const int64_t item = itemsize(a.dtype);
  int64_t count = 0;
  int64_t nbytes = 0;
  const std::string problem = checked_count(a.shape, item, &count, &nbytes);
  if (!problem.empty()) throw NpyError("cannot serialize: " + problem);
  if (static_cast<uint64_t>(nbytes) != a.data.size()) {
    throw NpyError("cannot serialize: shape " + shape_for_message(a.shape) + " of " + descr +
                   " needs " + std::to_string(nbytes) + " data bytes but the array has " +
                   std::to_string(a.data.size()));
  }

  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape_repr(a.shape) + ", }";
  if (!a.shape.empty()) {
    header.append(kGrowthAxisMaxDigits - std::to_string(a.shape[0]).size(), ' ');
  }
  // numpy's _wrap_header: spaces and a final '\n' bring magic + length field + header to a
  // multiple of 64. It pads a full 64 when the sum is already aligned, so we do too.
  const uint64_t hlen = header.size() + 1;
  uint64_t len_bytes = 2;
  uint64_t pad = kArrayAlign - (kMagicLen + len_bytes + hlen) % kArrayAlign;
  if (hlen + pad > 0xffff) {
    len_bytes = 4;
    pad = kArrayAlign - (kMagicLen + len_bytes + hlen) % kArrayAlign;
    if (hlen + pad > 0xffffffffu) {
      throw NpyError("cannot serialize: a header of " + std::to_string(hlen) +
                     " bytes does not fit even format 2.0");
    }
  }
  const uint64_t total_header = hlen + pad;

  // Built from the magic rather than inserted into an empty vector: GCC 12 at -O3 warns
  // (-Wstringop-overflow, a false positive) on the insert form.
  std::vector<uint8_t> out(std::begin(kMagic), std::end(kMagic));
  out.reserve(kMagicLen + len_bytes + total_header + a.data.size());
  out.push_back(len_bytes == 2 ? 1 : 2);
  out.push_back(0);
  uint8_t len_field[4];
  store_le(total_header, static_cast<int>(len_bytes), len_field);
  out.insert(out.end(), len_field, len_field + len_bytes);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), pad, ' ');
  out.push_back('\n');
  out.insert(out.end(), a.data.begin(), a.data.end());
  return out;
}

void write(const std::string& path, const Array& a) {
  const Failer fail(path);
  std::vector<uint8_t> bytes;
  try {
    bytes = serialize(a);
  } catch (const NpyError& e) {
    fail(std::string("cannot write: ") + e.what());
  }
  try {
    write_file(path, bytes);
  } catch (const OutputFileError& e) {
    throw NpyError(e.what());
  }
}

}  // namespace swis::npy
