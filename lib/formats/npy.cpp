// The dtype table and the in-memory Array: element access, comparison and the typed makers.
#include "lib/formats/npy.h"

#include <cmath>
#include <cstring>
#include <type_traits>

#include "lib/formats/npy_internal.h"

namespace swis::npy {

using detail::checked_count;
using detail::load_le;
using detail::shape_for_message;
using detail::store_le;

namespace {

bool is_float(DType t) { return t == DType::kFloat32 || t == DType::kFloat64; }

// Element i's bits, after checking that the array really holds element i.
uint64_t element_bits(const Array& a, int64_t i) {
  const int64_t item = itemsize(a.dtype);
  const int64_t n = a.size();
  if (i < 0 || i >= n) {
    throw NpyError("element index " + std::to_string(i) + " is out of range for shape " +
                   shape_for_message(a.shape));
  }
  if (static_cast<uint64_t>(n) * static_cast<uint64_t>(item) > a.data.size()) {
    throw NpyError("array of shape " + shape_for_message(a.shape) + " and dtype " +
                   dtype_name(a.dtype) + " has only " + std::to_string(a.data.size()) +
                   " data bytes");
  }
  return load_le(a.data.data() + i * item, static_cast<int>(item));
}

template <typename T>
uint64_t to_bits(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t> bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits;
  } else {
    return static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v));
  }
}

template <typename T>
Array make_array(DType dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
  static_assert(std::is_arithmetic_v<T>);
  Array a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  const int64_t n = a.size();
  if (static_cast<uint64_t>(n) != values.size()) {
    throw NpyError(std::string("make_") + dtype_name(dtype) + ": shape " +
                   shape_for_message(a.shape) + " holds " + std::to_string(n) + " elements but " +
                   std::to_string(values.size()) + " values were given");
  }
  a.data.resize(values.size() * sizeof(T));
  for (size_t i = 0; i < values.size(); ++i) {
    store_le(to_bits(values[i]), sizeof(T), a.data.data() + i * sizeof(T));
  }
  return a;
}

}  // namespace

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
    case DType::kInt8:
      return "int8";
    case DType::kUint8:
      return "uint8";
    case DType::kInt16:
      return "int16";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
  }
  return "invalid";
}

const char* dtype_descr(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "<f4";
    case DType::kFloat64:
      return "<f8";
    case DType::kInt8:
      return "|i1";
    case DType::kUint8:
      return "|u1";
    case DType::kInt16:
      return "<i2";
    case DType::kInt32:
      return "<i4";
    case DType::kInt64:
      return "<i8";
  }
  return "invalid";
}

int64_t itemsize(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
    case DType::kUint8:
      return 1;
    case DType::kInt16:
      return 2;
    case DType::kFloat32:
    case DType::kInt32:
      return 4;
    case DType::kFloat64:
    case DType::kInt64:
      return 8;
  }
  throw NpyError("invalid dtype value " + std::to_string(static_cast<int>(dtype)));
}

int64_t Array::size() const {
  int64_t count = 0;
  int64_t nbytes = 0;
  const std::string problem = checked_count(shape, 1, &count, &nbytes);
  if (!problem.empty()) throw NpyError(problem);
  return count;
}

double Array::as_double(int64_t i) const {
  const uint64_t bits = element_bits(*this, i);
  switch (dtype) {
    case DType::kFloat32: {
      const auto b32 = static_cast<uint32_t>(bits);
      float f;
      std::memcpy(&f, &b32, sizeof f);
      return f;
    }
    case DType::kFloat64: {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    default:
      return static_cast<double>(as_int(i));
  }
}

int64_t Array::as_int(int64_t i) const {
  if (is_float(dtype)) {
    throw NpyError(std::string("as_int called on a ") + dtype_name(dtype) + " array");
  }
  const uint64_t bits = element_bits(*this, i);
  switch (dtype) {
    case DType::kInt8:
      return static_cast<int8_t>(static_cast<uint8_t>(bits));
    case DType::kUint8:
      return static_cast<uint8_t>(bits);
    case DType::kInt16:
      return static_cast<int16_t>(static_cast<uint16_t>(bits));
    case DType::kInt32:
      return static_cast<int32_t>(static_cast<uint32_t>(bits));
    default:
      return static_cast<int64_t>(bits);
  }
}

bool operator==(const Array& a, const Array& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
}

bool has_non_finite(const Array& a) {
  if (!is_float(a.dtype)) return false;
  const int64_t n = a.size();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(a.as_double(i))) return true;
  }
  return false;
}

Array make_int8(std::vector<int64_t> shape, const std::vector<int8_t>& values) {
  return make_array(DType::kInt8, std::move(shape), values);
}
Array make_uint8(std::vector<int64_t> shape, const std::vector<uint8_t>& values) {
  return make_array(DType::kUint8, std::move(shape), values);
}
Array make_int16(std::vector<int64_t> shape, const std::vector<int16_t>& values) {
  return make_array(DType::kInt16, std::move(shape), values);
}
Array make_int32(std::vector<int64_t> shape, const std::vector<int32_t>& values) {
  return make_array(DType::kInt32, std::move(shape), values);
}
Array make_int64(std::vector<int64_t> shape, const std::vector<int64_t>& values) {
  return make_array(DType::kInt64, std::move(shape), values);
}
Array make_float32(std::vector<int64_t> shape, const std::vector<float>& values) {
  return make_array(DType::kFloat32, std::move(shape), values);
}
Array make_float64(std::vector<int64_t> shape, const std::vector<double>& values) {
  return make_array(DType::kFloat64, std::move(shape), values);
}

}  // namespace swis::npy
