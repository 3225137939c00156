// Reading a .npy file: the preamble, header and data checks of parse(), and read() from a path.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "lib/formats/npy.h"
#include "lib/formats/file_descriptor.h"
#include "lib/formats/npy_internal.h"

namespace swis::npy {

using detail::checked_count;
using detail::decode_header;
using detail::errno_text;
using detail::Failer;
using detail::Header;
using detail::kMagic;
using detail::kMagicLen;
using detail::load_le;
using detail::quoted;
using detail::shape_for_message;

Array parse(const std::vector<uint8_t>& bytes, const std::string& name_for_errors) {
  const Failer fail(name_for_errors);
  const size_t n = bytes.size();
  if (n == 0) fail("file is empty, not a .npy file");
  const size_t magic_seen = std::min(n, sizeof kMagic);
  if (!std::equal(bytes.begin(), bytes.begin() + magic_seen, kMagic)) {
    const std::string_view start(reinterpret_cast<const char*>(bytes.data()), magic_seen);
    fail("not a .npy file (bad magic: expected '\\x93NUMPY', found " + quoted(start) + ")");
  }
  if (n < kMagicLen) {
    fail("truncated preamble: " + std::to_string(n) +
         " bytes, fewer than the 8 of magic and version");
  }
  const int major = bytes[6];
  const int minor = bytes[7];
  if (minor != 0 || major < 1 || major > 3) {
    fail("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
         " (supported: 1.0, 2.0, 3.0)");
  }
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagicLen + len_bytes;
  if (n < prefix) {
    fail("truncated preamble: version " + std::to_string(major) + ".0 needs " +
         std::to_string(prefix) + " bytes before the header, file has " + std::to_string(n));
  }
  const uint64_t header_len = load_le(bytes.data() + kMagicLen, static_cast<int>(len_bytes));
  if (header_len > n - prefix) {
    fail("truncated header: the preamble declares " + std::to_string(header_len) +
         " header bytes but only " + std::to_string(n - prefix) + " follow it");
  }
  // Version 3.0 headers are UTF-8 and 1.0/2.0 latin-1; the syntax is ASCII either way, and
  // non-ASCII bytes can only sit inside strings, which are then unknown keys or dtypes.
  const std::string_view header_text(reinterpret_cast<const char*>(bytes.data() + prefix),
                                     static_cast<size_t>(header_len));
  Header h = decode_header(header_text, fail);

  int64_t count = 0;
  int64_t nbytes = 0;
  const std::string problem = checked_count(h.shape, itemsize(h.dtype), &count, &nbytes);
  if (!problem.empty()) fail(problem);

  const size_t data_offset = prefix + static_cast<size_t>(header_len);
  const uint64_t found = n - data_offset;
  const auto expected = static_cast<uint64_t>(nbytes);
  const std::string what = "shape " + shape_for_message(h.shape) + " of " + dtype_descr(h.dtype) +
                           " needs " + std::to_string(expected) + " data bytes";
  if (found < expected) fail("truncated data: " + what + ", found " + std::to_string(found));
  if (found > expected) {
    fail(std::to_string(found - expected) + " trailing bytes after the array data (" + what +
         ", found " + std::to_string(found) + ")");
  }

  Array a;
  a.dtype = h.dtype;
  a.shape = std::move(h.shape);
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_offset), bytes.end());
  return a;
}

Array read(const std::string& path) {
  const Failer fail(path);
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("cannot stat: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) fail("is a directory, not a .npy file");

  std::vector<uint8_t> bytes;
  // st_size is what the filesystem holds, not a claim from the file's content, so it is safe to
  // reserve; pipes report 0 and simply grow.
  if (S_ISREG(st.st_mode) && st.st_size > 0) bytes.reserve(static_cast<size_t>(st.st_size));
  uint8_t chunk[1 << 16];
  while (true) {
    const ssize_t r = ::read(fd.get(), chunk, sizeof chunk);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail("cannot read: " + errno_text(errno));
    }
    if (r == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + r);
  }
  return parse(bytes, path);
}

}  // namespace swis::npy
