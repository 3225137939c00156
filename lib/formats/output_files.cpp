#include "lib/formats/output_files.h"

#include "lib/formats/file_descriptor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace swis {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw OutputFileError(path + ": " + problem);
}

// Writes `bytes` to a new temporary file `tmp` for `path` and fsyncs it. Without the fsync a
// crash soon after the rename can leave `path` empty on some filesystems.
void write_temporary(const std::string& path, const std::string& tmp,
                     const std::vector<uint8_t>& bytes) {
  // O_TRUNC rather than O_EXCL: a temporary left by a killed run of an earlier process with the
  // same pid (common in containers) must not block every later write.
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (fd.get() < 0) fail(path, "cannot create temporary file " + tmp + ": " + errno_text(errno));
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t w = ::write(fd.get(), p, std::min<size_t>(left, size_t{1} << 30));
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot write: " + errno_text(errno));
    }
    if (w == 0) fail(path, "cannot write: the device accepted no bytes");
    p += w;
    left -= static_cast<size_t>(w);
  }
  if (::fsync(fd.get()) != 0) fail(path, "cannot write: fsync failed: " + errno_text(errno));
  if (fd.close() != 0) fail(path, "cannot write: close failed: " + errno_text(errno));
}

}  // namespace

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
  const auto cleanup = [&temps] {
    for (const auto& t : temps) ::unlink(t.c_str());
  };
  try {
    for (const auto& [path, bytes] : files_) {
      temps.push_back(path + ".tmp." + std::to_string(::getpid()));
      write_temporary(path, temps.back(), bytes);
    }
  } catch (...) {
    cleanup();
    throw;
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    if (::rename(temps[i].c_str(), files_[i].first.c_str()) != 0) {
      const std::string err = errno_text(errno);
      // Take back what already landed, so that no partial set of outputs is left.
      for (size_t j = 0; j < i; ++j) ::unlink(files_[j].first.c_str());
      cleanup();
      fail(files_[i].first, "cannot write: rename from temporary file failed: " + err);
    }
  }
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  OutputFiles f;
  f.add(path, bytes);
  f.commit();
}

}  // namespace swis
