// The one way this project writes files: outputs that cannot hurt an input, all-or-nothing and
// durable.
//
// Outputs are declared before the work that makes them (output()), so that a bad destination is
// refused at once, not after a long run: an output that is the same file as an input of the run
// or as another output (same device and inode, so hard and symbolic links count; for files that
// do not exist yet, the same folder and name) is refused, as is a directory, a FIFO, a socket or
// a block device, and a destination whose folder does not exist. commit() then writes:
//   - a regular file, or a new one: to a temporary `.swis-XXXXXX` in the destination's folder
//     (a short name, so that any legal destination name works), fsynced, then renamed over the
//     destination; every file of the set is written before any is renamed, so a failure leaves
//     none of them behind, and a crash never leaves an empty or half-written destination. A
//     replaced file keeps its permission bits;
//   - a symbolic link: the file it points to, as above (the link stays a link; a dangling link's
//     target is created);
//   - a character device (/dev/null, /dev/stdout, a terminal): written directly, no rename;
//   - "-": standard output.
// SIGINT, SIGTERM and SIGHUP during commit() remove the temporaries before the process ends.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace swis {

// A file that could not be written or a destination refused; the message is one line.
class OutputFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputFiles {
 public:
  // An input of the run, e.g. ("the weights", "W.npy"): no output may be the same file.
  void input(const std::string& label, const std::string& path);
  // Declares an output, e.g. ("--out", "Y.npy"). Throws OutputFileError naming both sides when
  // it is the same file as a declared input or output, or when the destination cannot be one.
  void output(const std::string& label, const std::string& path);
  // The content of an output (declared here if it was not).
  void add(const std::string& path, std::vector<uint8_t> bytes);
  void add(const std::string& path, const std::string& text);
  // Writes every added output. Throws OutputFileError if any cannot be written; then no regular
  // destination has changed (a rename that fails after others went through takes those back).
  void commit();
  // The paths added, in order.
  std::vector<std::string> paths() const;

  struct Destination;  // what a path resolves to (output_files.cpp)

 private:
  struct Named {
    std::string label, path;
    std::string identity;  // device:inode of an existing file, or folder:name of a new one
  };
  struct Pending {
    std::string path;
    std::vector<uint8_t> bytes;
  };
  std::vector<Named> inputs_, outputs_;
  std::vector<Pending> files_;
};

// One file, the same way.
void write_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace swis
