// A POSIX file descriptor that is closed on every path out, for the readers and the writer of
// this folder.
#pragma once

#include <unistd.h>

namespace swis {

// Closes the descriptor on every path out; close() itself is checked where it matters.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  // Returns close()'s result: on NFS and with delayed allocation a failed write shows up here.
  int close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

}  // namespace swis
