// The one way this project writes files: all-or-nothing, durable. Files are staged in memory;
// commit() writes each under a temporary name in its destination's folder, fsyncs it, and only
// when every one is written renames them into place, so a failure leaves none of them behind
// and a crash never leaves an empty or half-written file under a destination's name.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace swis {

// A file that could not be written; the message is one line, "<path>: cannot ...".
class OutputFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputFiles {
 public:
  void add(const std::string& path, std::vector<uint8_t> bytes);
  void add(const std::string& path, const std::string& text);
  // Throws OutputFileError if any file cannot be written; then no destination has changed
  // (a rename that fails after others went through takes those back).
  void commit();
  std::vector<std::string> paths() const;

 private:
  std::vector<std::pair<std::string, std::vector<uint8_t>>> files_;
};

// One file, the same way.
void write_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace swis
