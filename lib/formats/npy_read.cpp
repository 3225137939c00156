// Reading a .npy file: the preamble, header and data checks, shared by parse() (bytes in memory)
// and read() (a path, read in stages so that no more is read than the header accounts for).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "lib/formats/file_descriptor.h"
#include "lib/formats/npy.h"
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

namespace {

constexpr size_t kLongestPreamble = kMagicLen + 4;  // version 2.0 and 3.0 have a 4-byte length
// numpy refuses headers above 10 000 bytes unless told otherwise; a header is read whole before
// it can be checked, so read() puts a generous bound on what a file may make it hold.
constexpr uint64_t kMaxHeaderLen = uint64_t{1} << 20;
// A pipe's claimed data size is only a claim until the bytes arrive, so at most this much is
// reserved for it up front.
constexpr uint64_t kMaxReserve = uint64_t{64} << 20;
// After the data, read() looks this far for trailing bytes (a pipe need not end at all).
constexpr size_t kTrailingProbe = size_t{1} << 16;
constexpr size_t kReadChunk = size_t{1} << 20;

// What the bytes before the data say.
struct Layout {
  Header header;
  size_t data_offset = 0;
  uint64_t data_bytes = 0;
};

// Checks magic, version and the header length field in the first `n` bytes of a file, and returns
// the preamble's length. `n` may be the whole file or only its start: a short preamble is
// reported with `n` as the file's size, so callers pass fewer bytes only at the end of the file.
size_t check_preamble(const uint8_t* p, size_t n, const Failer& fail, uint64_t* header_len) {
  if (n == 0) fail("file is empty, not a .npy file");
  const size_t magic_seen = std::min(n, sizeof kMagic);
  if (!std::equal(p, p + magic_seen, kMagic)) {
    const std::string_view start(reinterpret_cast<const char*>(p), magic_seen);
    fail("not a .npy file (bad magic: expected '\\x93NUMPY', found " + quoted(start) + ")");
  }
  if (n < kMagicLen) {
    fail("truncated preamble: " + std::to_string(n) +
         " bytes, fewer than the 8 of magic and version");
  }
  const int major = p[6];
  const int minor = p[7];
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
  *header_len = load_le(p + kMagicLen, static_cast<int>(len_bytes));
  return prefix;
}

// Checks the header that follows a `prefix`-byte preamble. `p` holds the file's first `n` bytes,
// which reach the header's end unless the file ends first.
Layout check_header(const uint8_t* p, size_t n, size_t prefix, uint64_t header_len,
                    const Failer& fail) {
  if (header_len > n - prefix) {
    fail("truncated header: the preamble declares " + std::to_string(header_len) +
         " header bytes but only " + std::to_string(n - prefix) + " follow it");
  }
  // Version 3.0 headers are UTF-8 and 1.0/2.0 latin-1; the syntax is ASCII either way, and
  // non-ASCII bytes can only sit inside strings, which are then unknown keys or dtypes.
  const std::string_view header_text(reinterpret_cast<const char*>(p + prefix),
                                     static_cast<size_t>(header_len));
  Layout l;
  l.header = decode_header(header_text, fail);
  int64_t count = 0;
  int64_t nbytes = 0;
  const std::string problem =
      checked_count(l.header.shape, itemsize(l.header.dtype), &count, &nbytes);
  if (!problem.empty()) fail(problem);
  l.data_offset = prefix + static_cast<size_t>(header_len);
  l.data_bytes = static_cast<uint64_t>(nbytes);
  return l;
}

// Everything before the data, from the first `n` bytes of a file (all of it, for parse()).
Layout check_prefix(const uint8_t* p, size_t n, const Failer& fail) {
  uint64_t header_len = 0;
  const size_t prefix = check_preamble(p, n, fail, &header_len);
  return check_header(p, n, prefix, header_len, fail);
}

// `found` data bytes follow the header; with `at_least` there may be more than that (read()
// stopped looking).
void check_data_size(const Layout& l, uint64_t found, bool at_least, const Failer& fail) {
  const uint64_t expected = l.data_bytes;
  if (found == expected) return;
  const std::string what = "shape " + shape_for_message(l.header.shape) + " of " +
                           dtype_descr(l.header.dtype) + " needs " + std::to_string(expected) +
                           " data bytes";
  if (found < expected) fail("truncated data: " + what + ", found " + std::to_string(found));
  const std::string bound = at_least ? "at least " : "";
  fail(bound + std::to_string(found - expected) + " trailing bytes after the array data (" + what +
       ", found " + bound + std::to_string(found) + ")");
}

// Appends to `out` until it holds `want` bytes or the file ends. The buffer grows only as bytes
// arrive, so a size claimed by the file costs memory only once the file backs it.
void read_until(int fd, std::vector<uint8_t>* out, uint64_t want, const Failer& fail) {
  while (out->size() < want) {
    const size_t old = out->size();
    const size_t step = static_cast<size_t>(std::min<uint64_t>(want - old, kReadChunk));
    out->resize(old + step);
    const ssize_t r = ::read(fd, out->data() + old, step);
    const int err = errno;
    out->resize(old + static_cast<size_t>(std::max<ssize_t>(r, 0)));
    if (r < 0) {
      if (err == EINTR) continue;
      fail("cannot read: " + errno_text(err));
    }
    if (r == 0) return;
  }
}

Array array_of(Layout l, std::vector<uint8_t> data) {
  Array a;
  a.dtype = l.header.dtype;
  a.shape = std::move(l.header.shape);
  a.data = std::move(data);
  return a;
}

}  // namespace

Array parse(const std::vector<uint8_t>& bytes, const std::string& name_for_errors) {
  const Failer fail(name_for_errors);
  Layout l = check_prefix(bytes.data(), bytes.size(), fail);
  check_data_size(l, bytes.size() - l.data_offset, false, fail);
  const auto data_start = bytes.begin() + static_cast<std::ptrdiff_t>(l.data_offset);
  return array_of(std::move(l), {data_start, bytes.end()});
}

Array read(const std::string& path) {
  const Failer fail(path);
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("cannot stat: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) fail("is a directory, not a .npy file");

  // Each stage reads no further than the stage before it has vouched for; whatever a stage finds
  // wrong goes through the same checks parse() makes, so the messages are the same.
  std::vector<uint8_t> bytes;
  read_until(fd.get(), &bytes, kLongestPreamble, fail);
  uint64_t header_len = 0;
  const size_t prefix = check_preamble(bytes.data(), bytes.size(), fail, &header_len);
  if (header_len > kMaxHeaderLen) {
    fail("header length " + std::to_string(header_len) + " is above the " +
         std::to_string(kMaxHeaderLen) + " bytes (1 MiB) this reader accepts");
  }
  read_until(fd.get(), &bytes, prefix + header_len, fail);
  Layout l = check_header(bytes.data(), bytes.size(), prefix, header_len, fail);

  // A version 1.0 preamble is shorter than what was read for it, so data may have come along.
  std::vector<uint8_t> data(bytes.begin() + static_cast<std::ptrdiff_t>(l.data_offset),
                            bytes.end());
  // A regular file's size is known before its data is read. procfs and the like report sizes
  // their content does not have; a size below what was already read is taken as one of those.
  const bool sized = S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) >= bytes.size();
  if (sized) {
    check_data_size(l, static_cast<uint64_t>(st.st_size) - l.data_offset, false, fail);
    // st_size is what the filesystem holds, not a claim of the file's content.
    data.reserve(static_cast<size_t>(l.data_bytes));
  } else {
    data.reserve(static_cast<size_t>(std::min(l.data_bytes, kMaxReserve)));
  }
  read_until(fd.get(), &data, l.data_bytes, fail);
  uint64_t found = data.size();
  bool at_least = false;
  // The file may have grown since fstat, and a pipe says nothing of its length but its end.
  if (found >= l.data_bytes) {
    std::vector<uint8_t> probe;
    read_until(fd.get(), &probe, kTrailingProbe, fail);
    found += probe.size();
    at_least = probe.size() == kTrailingProbe;
  }
  check_data_size(l, found, at_least, fail);

  return array_of(std::move(l), std::move(data));
}

}  // namespace swis::npy
