#include "lib/formats/output_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lib/formats/file_descriptor.h"

namespace swis {

enum class Kind { kStdout, kFile, kDevice };

struct OutputFiles::Destination {
  Kind kind = Kind::kFile;
  std::string path;      // where the bytes go: a symbolic link's target, not the link
  std::string identity;  // device:inode of an existing file, folder:name of a new one
  bool exists = false;
  mode_t mode = 0;  // permission bits of the file it replaces
};

namespace {

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw OutputFileError(path + ": " + problem);
}

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string identity_of(const struct stat& st) {
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

OutputFiles::Destination resolve(const std::string& path) {
  OutputFiles::Destination d;
  if (path == "-") {
    d.kind = Kind::kStdout;
    d.path = "-";
    return d;
  }
  if (path.empty()) throw OutputFileError("an output path is empty");
  std::string p = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno != ENOENT) fail(path, "cannot stat: " + errno_text(errno));
      const std::string folder = folder_of(p);
      struct stat fs {};
      if (::stat(folder.c_str(), &fs) != 0 || !S_ISDIR(fs.st_mode)) {
        fail(path, "cannot create temporary file: its folder " + folder + " does not exist (" +
                       errno_text(ENOENT) + ")");
      }
      char real[PATH_MAX];
      if (!::realpath(folder.c_str(), real)) fail(path, "cannot resolve " + folder);
      d.path = p;
      d.identity = std::string("new:") + real + "/" + name_of(p);
      return d;
    }
    if (S_ISLNK(st.st_mode)) {
      if (hops >= 40) fail(path, "too many levels of symbolic links");
      std::array<char, PATH_MAX> buf{};
      const ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size() - 1);
      if (n < 0) fail(path, "cannot read the symbolic link: " + errno_text(errno));
      std::string target(buf.data(), static_cast<size_t>(n));
      p = target.front() == '/' ? target : folder_of(p) + "/" + target;
      continue;
    }
    d.path = p;
    if (S_ISREG(st.st_mode)) {
      d.exists = true;
      d.identity = identity_of(st);
      d.mode = st.st_mode & 07777;
      return d;
    }
    if (S_ISCHR(st.st_mode)) {
      d.kind = Kind::kDevice;
      return d;
    }
    if (S_ISDIR(st.st_mode)) fail(path, "is a directory");
    fail(path, std::string("is a ") +
                   (S_ISFIFO(st.st_mode)   ? "FIFO"
                    : S_ISSOCK(st.st_mode) ? "socket"
                                           : "block device") +
                   ", not a file or character device this tool writes");
  }
}

// Temporaries of the commit in progress, for the signal handler: fixed storage, no allocation.
constexpr int kMaxTemps = 64;
char g_temps[kMaxTemps][PATH_MAX];
volatile sig_atomic_t g_temp_count = 0;
constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_temps_and_die(int sig) {
  for (sig_atomic_t i = 0; i < g_temp_count; ++i) ::unlink(g_temps[i]);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Installs the handler for the life of a commit and restores what was there before.
class SignalGuard {
 public:
  SignalGuard() {
    struct sigaction sa {};
    sa.sa_handler = remove_temps_and_die;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~SignalGuard() {
    g_temp_count = 0;
    for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  std::array<struct sigaction, 3> old_{};
};

void write_all(int fd, const std::string& path, const std::vector<uint8_t>& bytes) {
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, std::min<size_t>(left, size_t{1} << 30));
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot write: " + errno_text(errno));
    }
    if (w == 0) fail(path, "cannot write: the device accepted no bytes");
    p += w;
    left -= static_cast<size_t>(w);
  }
}

mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// Writes `bytes` to a new temporary in the folder of `d.path` and fsyncs it; `tmp` holds its name
// from the moment it exists, so that the caller can remove it whatever fails. Without the fsync a
// crash soon after the rename can leave the destination empty on some filesystems.
void write_temporary(const OutputFiles::Destination& d, const std::string& shown,
                     const std::vector<uint8_t>& bytes, std::string& tmp) {
  std::string name = folder_of(d.path) + "/.swis-XXXXXX";
  if (name.size() >= PATH_MAX) fail(shown, "cannot create temporary file: path too long");
  // The signal handler must know the temporary from the moment it exists: no signal between
  // creating it and recording its name.
  sigset_t block, old;
  sigemptyset(&block);
  for (int s : kSignals) sigaddset(&block, s);
  ::sigprocmask(SIG_BLOCK, &block, &old);
  FileDescriptor fd(::mkostemp(name.data(), O_CLOEXEC));
  const int err = errno;
  if (fd.get() >= 0) {
    tmp = name;
    if (g_temp_count < kMaxTemps) {
      std::memcpy(g_temps[g_temp_count], name.c_str(), name.size() + 1);
      g_temp_count = g_temp_count + 1;
    }
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (fd.get() < 0) fail(shown, "cannot create temporary file " + name + ": " + errno_text(err));
  write_all(fd.get(), shown, bytes);
  if (::fchmod(fd.get(), d.exists ? d.mode : new_file_mode()) != 0) {
    fail(shown, "cannot set the permissions of the temporary file: " + errno_text(errno));
  }
  if (::fsync(fd.get()) != 0) fail(shown, "cannot write: fsync failed: " + errno_text(errno));
  if (fd.close() != 0) fail(shown, "cannot write: close failed: " + errno_text(errno));
}

// The rename itself is durable only once its folder is.
void sync_folder(const std::string& path) {
  FileDescriptor fd(::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

}  // namespace

void OutputFiles::input(const std::string& label, const std::string& path) {
  struct stat st {};
  // An input that cannot be found is its reader's to report.
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  inputs_.push_back({label, path, identity_of(st)});
}

void OutputFiles::output(const std::string& label, const std::string& path) {
  const Destination d = resolve(path);
  if (d.kind == Kind::kFile) {
    for (const Named& in : inputs_) {
      if (in.identity == d.identity) {
        throw OutputFileError(label + " " + path + " is the same file as " + in.label + " " +
                              in.path + ": an output never replaces an input");
      }
    }
    for (const Named& out : outputs_) {
      if (out.identity == d.identity) {
        throw OutputFileError(label + " " + path + " and " + out.label + " " + out.path +
                              " are the same file: give each output its own");
      }
    }
  }
  for (const Named& out : outputs_) {
    if (out.path == path) return;  // the same declaration again (a device or stdout)
  }
  outputs_.push_back({label, path, d.identity});
}

void OutputFiles::add(const std::string& path, std::vector<uint8_t> bytes) {
  if (std::none_of(outputs_.begin(), outputs_.end(),
                   [&path](const Named& o) { return o.path == path; })) {
    output("output", path);
  }
  files_.push_back({path, std::move(bytes)});
}

void OutputFiles::add(const std::string& path, const std::string& text) {
  add(path, std::vector<uint8_t>(text.begin(), text.end()));
}

std::vector<std::string> OutputFiles::paths() const {
  std::vector<std::string> p;
  for (const auto& f : files_) p.push_back(f.path);
  return p;
}

void OutputFiles::commit() {
  std::vector<Destination> dest;
  for (const auto& f : files_) dest.push_back(resolve(f.path));
  SignalGuard guard;
  std::vector<std::string> temps(files_.size());
  const auto cleanup = [&temps] {
    for (const auto& t : temps) {
      if (!t.empty()) ::unlink(t.c_str());
    }
  };
  try {
    for (size_t i = 0; i < files_.size(); ++i) {
      if (dest[i].kind == Kind::kFile)
        write_temporary(dest[i], files_[i].path, files_[i].bytes, temps[i]);
    }
  } catch (...) {
    cleanup();
    throw;
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    if (temps[i].empty()) continue;
    if (::rename(temps[i].c_str(), dest[i].path.c_str()) != 0) {
      const std::string err = errno_text(errno);
      // Take back what already landed, so that no partial set of outputs is left.
      for (size_t j = 0; j < i; ++j) {
        if (!temps[j].empty()) ::unlink(dest[j].path.c_str());
      }
      cleanup();
      fail(files_[i].path, "cannot write: rename from temporary file failed: " + err);
    }
    temps[i].clear();
    sync_folder(dest[i].path);
  }
  // Devices and standard output take their bytes as they come: there is nothing to rename.
  for (size_t i = 0; i < files_.size(); ++i) {
    if (dest[i].kind == Kind::kStdout) {
      std::fflush(stdout);
      write_all(STDOUT_FILENO, "standard output", files_[i].bytes);
    } else if (dest[i].kind == Kind::kDevice) {
      FileDescriptor fd(::open(dest[i].path.c_str(), O_WRONLY | O_CLOEXEC));
      if (fd.get() < 0) fail(files_[i].path, "cannot open: " + errno_text(errno));
      write_all(fd.get(), files_[i].path, files_[i].bytes);
      if (fd.close() != 0) fail(files_[i].path, "cannot write: close failed: " + errno_text(errno));
    }
  }
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  OutputFiles f;
  f.add(path, bytes);
  f.commit();
}

}  // namespace swis
