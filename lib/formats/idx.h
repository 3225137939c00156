// The idx format of MNIST and Fashion-MNIST (images and labels), gzip'd or not: a 4-byte magic
// (two zero bytes, the element type, the rank), one big-endian uint32 per dimension, the values.
// Only unsigned bytes (type 0x08), rank 1 to 4, are read; that is every file of the datasets.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace swis::idx {

// A malformed or unreadable file: the message is one line naming the path and the problem.
class IdxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Array {
  std::vector<int64_t> shape;  // as the file declares it, dimension 0 cut to what was read
  std::vector<uint8_t> data;   // C order
};

// Reads `path` (zlib reads gzip'd and plain files alike). `first` > 0 reads only the first
// `first` items along dimension 0 (all of them if the file holds fewer); otherwise the whole file,
// which must then end right after its data. Refuses a bad magic, a type other than unsigned
// bytes, a rank outside 1..4, a zero dimension, more than 2^31 values, a file shorter than its
// header says, trailing bytes and gzip errors.
Array read(const std::string& path, int64_t first = 0);

// Images as the networks take them: every value / 255, as float, in the array's order.
std::vector<float> pixels(const Array& a);

// Whether the file starts like an idx file (its first two bytes zero, after gunzip).
bool looks_like_idx(const std::string& path);

}  // namespace swis::idx
