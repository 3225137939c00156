// NumPy .npy arrays in memory: dtype names and sizes, little-endian element access, element
// counts, the make_* constructors and has_non_finite.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "lib/formats/npy.h"
#include "tb/npy_test_util.h"

namespace swis::npy {
namespace {

TEST(Npy, DtypeNamesDescrsAndSizesMatchNumpy) {
  EXPECT_STREQ(dtype_name(DType::kFloat32), "float32");
  EXPECT_STREQ(dtype_name(DType::kFloat64), "float64");
  EXPECT_STREQ(dtype_name(DType::kInt8), "int8");
  EXPECT_STREQ(dtype_name(DType::kUint8), "uint8");
  EXPECT_STREQ(dtype_name(DType::kInt16), "int16");
  EXPECT_STREQ(dtype_name(DType::kInt32), "int32");
  EXPECT_STREQ(dtype_name(DType::kInt64), "int64");
  EXPECT_STREQ(dtype_descr(DType::kFloat32), "<f4");
  EXPECT_STREQ(dtype_descr(DType::kInt8), "|i1");
  EXPECT_STREQ(dtype_descr(DType::kUint8), "|u1");
  EXPECT_STREQ(dtype_descr(DType::kInt64), "<i8");
  EXPECT_EQ(itemsize(DType::kInt16), 2);
  EXPECT_EQ(itemsize(DType::kFloat64), 8);
}

TEST(Npy, ElementsDecodeAsLittleEndian) {
  Array a;
  a.dtype = DType::kInt16;
  a.shape = {2};
  a.data = {0x34, 0x12, 0xfe, 0xff};
  EXPECT_EQ(a.as_int(0), 0x1234);
  EXPECT_EQ(a.as_int(1), -2);
  EXPECT_EQ(a.as_double(1), -2.0);

  a.dtype = DType::kInt8;
  a.shape = {4};
  EXPECT_EQ(a.as_int(2), -2);
  a.dtype = DType::kUint8;
  EXPECT_EQ(a.as_int(2), 254);

  a.dtype = DType::kInt32;
  a.shape = {1};
  EXPECT_EQ(a.as_int(0), static_cast<int32_t>(0xfffe1234u));

  a.dtype = DType::kFloat32;
  a.data = {0x00, 0x00, 0xc0, 0xbf};  // -1.5f
  EXPECT_EQ(a.as_double(0), -1.5);

  a.dtype = DType::kInt64;
  a.data = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  EXPECT_EQ(a.as_int(0), std::numeric_limits<int64_t>::max());
  a.dtype = DType::kFloat64;
  a.data = {0, 0, 0, 0, 0, 0, 0xf8, 0x3f};  // 1.5
  EXPECT_EQ(a.as_double(0), 1.5);
}

TEST(Npy, AsIntRejectsFloatDtypesAndBadIndices) {
  const Array f = make_float32({2}, {1.0f, 2.0f});
  EXPECT_THROW(f.as_int(0), NpyError);
  const Array i = make_int32({2}, {7, 8});
  EXPECT_EQ(i.as_int(1), 8);
  EXPECT_THROW(i.as_int(2), NpyError);
  EXPECT_THROW(i.as_int(-1), NpyError);
  EXPECT_THROW(i.as_double(2), NpyError);
  Array short_data = i;
  short_data.data.pop_back();  // the shape now promises more than the data holds
  EXPECT_THROW(short_data.as_int(0), NpyError);
}

TEST(Npy, SizeCountsElementsOfScalarsEmptyAndNdArrays) {
  Array a;
  EXPECT_EQ(a.size(), 1);  // shape () is a scalar
  a.shape = {0};
  EXPECT_EQ(a.size(), 0);
  a.shape = {2, 3, 4, 5};
  EXPECT_EQ(a.size(), 120);
  a.shape = {3, -1};
  EXPECT_THROW(a.size(), NpyError);
  a.shape = {int64_t{1} << 32, int64_t{1} << 32};
  EXPECT_THROW(a.size(), NpyError);
}

TEST(Npy, MakeRejectsValueCountThatDiffersFromShape) {
  try {
    make_int16({2, 3}, {1, 2, 3, 4, 5});
    ADD_FAILURE() << "make_int16 accepted 5 values for 6 elements";
  } catch (const NpyError& e) {
    EXPECT_TRUE(mentions(e.what(), "6 elements but 5 values"));
  }
  EXPECT_THROW(make_uint8({-1}, {}), NpyError);
}

TEST(Npy, HasNonFiniteFindsNanAndInfinityOnlyInFloatArrays) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(has_non_finite(make_float32({3}, {0.0f, -1e30f, 3.0f})));
  EXPECT_TRUE(has_non_finite(make_float32({3}, {0.0f, inf, 3.0f})));
  EXPECT_TRUE(has_non_finite(make_float32({2}, {-inf, 0.0f})));
  EXPECT_TRUE(has_non_finite(make_float64({2}, {1.0, std::nan("")})));
  EXPECT_FALSE(has_non_finite(make_float64({0}, {})));
  EXPECT_FALSE(has_non_finite(make_int8({2}, {-128, 127})));
}

}  // namespace
}  // namespace swis::npy
