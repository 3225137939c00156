// NumPy .npy reader and writer: how tensors cross between the Python reference flow and the golden
// model. Plain little-endian, C-order numeric arrays only, format versions 1.0, 2.0 and 3.0.
//
// The reader is written for hostile input (it is fuzzed): it checks every length against the bytes
// actually present before using it, allocates nothing from a claimed size, and reports each problem
// as one NpyError line that names the file. The writer reproduces numpy's own bytes (numpy >= 1.24,
// including 2.x) and replaces the destination atomically.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace swis::npy {

enum class DType { kFloat32, kFloat64, kInt8, kUint8, kInt16, kInt32, kInt64 };

// numpy's name for the dtype ("float32", "int8", ...); "invalid" for a value outside the enum.
const char* dtype_name(DType dtype);
// The descr string the writer puts in the header ("<f4", "|i1", ...).
const char* dtype_descr(DType dtype);
// Bytes per element; throws NpyError for a value outside the enum.
int64_t itemsize(DType dtype);

class NpyError : public std::runtime_error {
  using runtime_error::runtime_error;
};

struct Array {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;  // C order; empty for a scalar
  std::vector<uint8_t> data;   // raw little-endian element bytes, C order

  // Number of elements (1 for a scalar). Throws NpyError for a negative dimension or a count
  // that overflows int64.
  int64_t size() const;
  // Element i converted to double (int64 values beyond 2^53 round). Throws NpyError when i is
  // out of range or `data` is shorter than the shape says.
  double as_double(int64_t i) const;
  // Element i of an integer dtype; throws NpyError for float dtypes and bad indices.
  int64_t as_int(int64_t i) const;
};

bool operator==(const Array& a, const Array& b);
inline bool operator!=(const Array& a, const Array& b) { return !(a == b); }

// Reads and validates a whole file. Throws NpyError with one line naming the file and the problem.
Array read(const std::string& path);
// The same from memory; `name_for_errors` stands in for the file name in messages.
Array parse(const std::vector<uint8_t>& bytes, const std::string& name_for_errors);

// The exact bytes numpy.save writes for `a` (version 1.0, or 2.0 when the header needs it).
// Throws NpyError if `data` does not match the shape and dtype.
std::vector<uint8_t> serialize(const Array& a);
// Writes `path` + ".tmp.<pid>", fsyncs it and renames it over `path`, so `path` is either the old
// file or the complete new one. On failure removes the temporary file and throws NpyError.
void write(const std::string& path, const Array& a);

// True if a float array holds a NaN or an infinity; always false for integer dtypes. The reader
// accepts non-finite values because whether they are an error depends on the caller.
bool has_non_finite(const Array& a);

// Arrays built from typed values; throw NpyError if the shape's element count differs from
// values.size() or the shape has a negative dimension.
Array make_int8(std::vector<int64_t> shape, const std::vector<int8_t>& values);
Array make_uint8(std::vector<int64_t> shape, const std::vector<uint8_t>& values);
Array make_int16(std::vector<int64_t> shape, const std::vector<int16_t>& values);
Array make_int32(std::vector<int64_t> shape, const std::vector<int32_t>& values);
Array make_int64(std::vector<int64_t> shape, const std::vector<int64_t>& values);
Array make_float32(std::vector<int64_t> shape, const std::vector<float>& values);
Array make_float64(std::vector<int64_t> shape, const std::vector<double>& values);

}  // namespace swis::npy
