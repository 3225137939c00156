// NumPy .npy reader and writer: round trips, numpy's exact bytes, the header dialects other
// writers produce, every bad-input rule, and atomic replacement of the destination.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "lib/formats/npy.h"

namespace swis::npy {
namespace {

namespace fs = std::filesystem;

void append(std::vector<uint8_t>* out, const std::string& s) {
  out->insert(out->end(), s.begin(), s.end());
}
void append(std::vector<uint8_t>* out, const std::vector<uint8_t>& b) {
  out->insert(out->end(), b.begin(), b.end());
}

// A file assembled by hand: magic, version, little-endian header length, header text, data.
std::vector<uint8_t> npy_file(int major, const std::string& header,
                              const std::vector<uint8_t>& data = {}, int minor = 0) {
  std::vector<uint8_t> out = {
      0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), static_cast<uint8_t>(minor)};
  const int len_bytes = major == 1 ? 2 : 4;
  for (int k = 0; k < len_bytes; ++k) out.push_back(static_cast<uint8_t>(header.size() >> (8 * k)));
  append(&out, header);
  append(&out, data);
  return out;
}

// A header dict padded with spaces and '\n' so the preamble is a multiple of `align`. Used only
// to build reader inputs; the writer is checked against literal bytes.
std::string padded(const std::string& dict, int major = 1, size_t align = 64) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string h = dict;
  while ((prefix + h.size() + 1) % align != 0) h += ' ';
  return h + '\n';
}

// A version 1.0 file with header dict `dict` and `data`.
std::vector<uint8_t> with_header(const std::string& dict, const std::vector<uint8_t>& data = {}) {
  return npy_file(1, padded(dict), data);
}

std::string dict_of(const std::string& descr, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
}

// parse()'s message for input that must be rejected; fails the test if it is accepted, if the
// message spans lines, or if it does not start with the file name.
std::string rejection(const std::vector<uint8_t>& bytes) {
  try {
    const Array a = parse(bytes, "in.npy");
    ADD_FAILURE() << "parse accepted the input as a " << dtype_name(a.dtype) << " array with "
                  << a.shape.size() << " dimensions";
  } catch (const NpyError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << "message spans lines: " << m;
    EXPECT_EQ(m.rfind("in.npy: ", 0), 0u) << "message does not name the file: " << m;
    return m;
  }
  return "";
}

::testing::AssertionResult mentions(const std::string& message, const std::string& needle) {
  if (message.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "message \"" << message << "\" does not mention \"" << needle << "\"";
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "could not write " << path;
}

// A fresh directory per test, removed afterwards.
class NpyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "swis_npy_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string temp_for(const std::string& name) const {
    return path(name) + ".tmp." + std::to_string(::getpid());
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

// ---------------------------------------------------------------------------------------------
// Element access and construction

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

// ---------------------------------------------------------------------------------------------
// Round trips

template <typename T>
std::vector<T> sample_values(int64_t n) {
  std::vector<T> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      v[i] = static_cast<T>(i) * static_cast<T>(0.75) - static_cast<T>(3);
    } else {
      v[i] = static_cast<T>(static_cast<int64_t>(i) * 37 - 50);
    }
  }
  // The first elements are the values most likely to expose a byte-order or sign slip.
  std::vector<T> edges;
  if constexpr (std::is_floating_point_v<T>) {
    using L = std::numeric_limits<T>;
    edges = {static_cast<T>(-0.0), L::infinity(), -L::infinity(), L::quiet_NaN(),
             L::denorm_min(),      L::max(),      L::lowest()};
  } else {
    using L = std::numeric_limits<T>;
    edges = {L::min(), L::max(), static_cast<T>(-1), 0, 1};
  }
  for (size_t i = 0; i < edges.size() && i < v.size(); ++i) v[i] = edges[i];
  return v;
}

template <typename T>
void expect_elements(const Array& a, const std::vector<T>& want, const std::string& where) {
  ASSERT_EQ(a.size(), static_cast<int64_t>(want.size())) << where;
  for (size_t i = 0; i < want.size(); ++i) {
    const auto idx = static_cast<int64_t>(i);
    if constexpr (std::is_floating_point_v<T>) {
      const double got = a.as_double(idx);
      const double w = want[i];
      if (std::isnan(w)) {
        EXPECT_TRUE(std::isnan(got)) << where << " element " << i << ": got " << got;
      } else {
        EXPECT_EQ(got, w) << where << " element " << i;
        EXPECT_EQ(std::signbit(got), std::signbit(w)) << where << " element " << i;
      }
    } else {
      EXPECT_EQ(a.as_int(idx), static_cast<int64_t>(want[i])) << where << " element " << i;
    }
  }
}

template <typename T>
void check_round_trips(Array (*make)(std::vector<int64_t>, const std::vector<T>&), DType dtype,
                       const std::string& file) {
  const std::vector<std::vector<int64_t>> shapes = {{}, {0}, {7}, {3, 4}, {2, 3, 4, 5}};
  for (const auto& shape : shapes) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    const std::vector<T> values = sample_values<T>(n);
    const Array a = make(shape, values);
    const std::string where = std::string(dtype_name(dtype)) + " shape of rank " +
                              std::to_string(shape.size()) + " with " + std::to_string(n) +
                              " elements";
    ASSERT_EQ(a.dtype, dtype) << where;
    ASSERT_EQ(a.data.size(), values.size() * sizeof(T)) << where;

    const Array from_memory = parse(serialize(a), "memory");
    EXPECT_EQ(from_memory.dtype, dtype) << where;
    EXPECT_EQ(from_memory.shape, shape) << where;
    EXPECT_EQ(from_memory.data, a.data) << where;

    write(file, a);
    const Array from_file = read(file);
    EXPECT_EQ(from_file.dtype, dtype) << where;
    EXPECT_EQ(from_file.shape, shape) << where;
    expect_elements(from_file, values, where);
  }
}

TEST_F(NpyFiles, RoundTripPreservesEveryDtypeAndShape) {
  const std::string f = path("rt.npy");
  check_round_trips<float>(make_float32, DType::kFloat32, f);
  check_round_trips<double>(make_float64, DType::kFloat64, f);
  check_round_trips<int8_t>(make_int8, DType::kInt8, f);
  check_round_trips<uint8_t>(make_uint8, DType::kUint8, f);
  check_round_trips<int16_t>(make_int16, DType::kInt16, f);
  check_round_trips<int32_t>(make_int32, DType::kInt32, f);
  check_round_trips<int64_t>(make_int64, DType::kInt64, f);
  EXPECT_EQ(entries(), std::vector<std::string>{"rt.npy"});
}

// ---------------------------------------------------------------------------------------------
// numpy's exact bytes. Each expected file is spelled out: preamble, dict, the spaces numpy adds
// (21 minus the digits of shape[0] to let the first axis grow in place, numpy >= 1.24, then
// alignment so that the preamble is a multiple of 64), '\n', data.

TEST_F(NpyFiles, WritesNumpyBytesForInt16Arange2x3) {
  // np.save(f, np.arange(6, dtype=np.int16).reshape(2, 3)):
  // 59-byte dict + 20 growth + 38 alignment spaces + '\n' = 118 (0x76) header bytes; 10 + 118 =
  // 128.
  std::vector<uint8_t> expected = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x76, 0x00};
  append(&expected, "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }");
  append(&expected, std::string(58, ' ') + "\n");
  append(&expected, std::vector<uint8_t>{0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0});
  ASSERT_EQ(expected.size(), 140u);

  const Array a = make_int16({2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(serialize(a), expected);
  write(path("a.npy"), a);
  EXPECT_EQ(file_bytes(path("a.npy")), expected);

  const Array back = parse(expected, "numpy");
  EXPECT_EQ(back.dtype, DType::kInt16);
  EXPECT_EQ(back.shape, (std::vector<int64_t>{2, 3}));
  expect_elements(back, std::vector<int16_t>{0, 1, 2, 3, 4, 5}, "arange");
}

TEST(Npy, WritesNumpyBytesForFloat32Scalar) {
  // np.save(f, np.float32(1.5)): no growth spaces for a scalar; 55 + 62 + 1 = 118.
  std::vector<uint8_t> expected = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x76, 0x00};
  append(&expected, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }");
  append(&expected, std::string(62, ' ') + "\n");
  append(&expected, std::vector<uint8_t>{0x00, 0x00, 0xc0, 0x3f});
  ASSERT_EQ(expected.size(), 132u);
  EXPECT_EQ(serialize(make_float32({}, {1.5f})), expected);
  EXPECT_EQ(parse(expected, "numpy").as_double(0), 1.5);
}

TEST(Npy, WritesNumpyBytesForUint8Vector) {
  // np.save(f, np.arange(5, dtype=np.uint8)): 57 + 20 + 40 + 1 = 118.
  std::vector<uint8_t> expected = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x76, 0x00};
  append(&expected, "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }");
  append(&expected, std::string(60, ' ') + "\n");
  append(&expected, std::vector<uint8_t>{0, 1, 2, 3, 4});
  ASSERT_EQ(expected.size(), 133u);
  EXPECT_EQ(serialize(make_uint8({5}, {0, 1, 2, 3, 4})), expected);
}

TEST(Npy, PadsAFull64BytesWhenTheHeaderIsAlreadyAligned) {
  // np.save(f, np.zeros((3, 100) + (1,) * 12, dtype=np.int8)): 97-byte dict + 20 growth spaces
  // + '\n' make 10 + 118 = 128, already aligned, and numpy still adds 64 spaces: 182 (0xb6).
  const std::vector<int64_t> shape = {3, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::vector<uint8_t> expected = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xb6, 0x00};
  append(&expected,
         "{'descr': '|i1', 'fortran_order': False, 'shape': (3, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
         "1, 1, 1), }");
  append(&expected, std::string(84, ' ') + "\n");
  append(&expected, std::vector<uint8_t>(300, 0));
  ASSERT_EQ(expected.size(), 492u);
  EXPECT_EQ(serialize(make_int8(shape, std::vector<int8_t>(300, 0))), expected);
}

TEST(Npy, WritesVersion2WhenTheHeaderOutgrows64KiB) {
  // 30000 unit dimensions make a ~90000-byte shape, too long for version 1.0's 16-bit length.
  const std::vector<int64_t> shape(30000, 1);
  const Array a = make_uint8(shape, {42});
  const std::vector<uint8_t> bytes = serialize(a);
  ASSERT_GT(bytes.size(), 12u);
  EXPECT_EQ(bytes[6], 2);
  EXPECT_EQ(bytes[7], 0);
  const uint64_t header_len =
      bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (static_cast<uint64_t>(bytes[11]) << 24);
  EXPECT_GT(header_len, 0xffffu);
  EXPECT_EQ((12 + header_len) % 64, 0u);
  ASSERT_EQ(bytes.size(), 12 + header_len + 1);
  EXPECT_EQ(bytes[12 + header_len - 1], '\n');
  const Array back = parse(bytes, "v2");
  EXPECT_EQ(back.shape, shape);
  EXPECT_EQ(back.as_int(0), 42);
}

TEST(Npy, SmallHeadersStayVersion1) {
  // 62-byte dict + 17 growth spaces + 38 alignment spaces + '\n' = 118.
  const std::vector<uint8_t> bytes = serialize(make_int32({1000, 3}, std::vector<int32_t>(3000)));
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[8] | (bytes[9] << 8), 118);
}

// ---------------------------------------------------------------------------------------------
// Header dialects the reader accepts

TEST(Npy, ParsesVersion2And3Headers) {
  const std::vector<uint8_t> data = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
  for (int major : {2, 3}) {
    const std::vector<uint8_t> file = npy_file(major, padded(dict_of("<i4", "(2,)"), major), data);
    const Array a = parse(file, "v" + std::to_string(major));
    EXPECT_EQ(a.dtype, DType::kInt32) << "version " << major;
    EXPECT_EQ(a.shape, std::vector<int64_t>{2}) << "version " << major;
    EXPECT_EQ(a.as_int(0), 1) << "version " << major;
    EXPECT_EQ(a.as_int(1), -1) << "version " << major;
  }
}

TEST(Npy, AcceptsKeysInAnyOrderWithEitherQuoteAndLooseWhitespace) {
  const std::vector<std::string> dicts = {
      "{'shape': (2, 2), 'fortran_order': False, 'descr': '<i2'}",
      "{\"descr\": \"<i2\", \"fortran_order\": False, \"shape\": (2, 2)}",
      "{ 'fortran_order' :False,'shape':(2,2,) ,\n\t'descr':'<i2' , }",
      "{'descr': '<i2',\n 'fortran_order': False,\n 'shape': ( 2 , 2 ),\n}",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 2L), }",  // numpy under Python 2
  };
  const std::vector<uint8_t> data = {1, 0, 2, 0, 3, 0, 4, 0};
  for (const auto& d : dicts) {
    const Array a = parse(with_header(d, data), "dialect");
    EXPECT_EQ(a.dtype, DType::kInt16) << d;
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2})) << d;
    EXPECT_EQ(a.as_int(3), 4) << d;
  }
}

TEST(Npy, AcceptsEveryShapeSpelling) {
  struct Case {
    std::string text;
    std::vector<int64_t> shape;
  };
  const std::vector<Case> cases = {
      {"()", {}},           {"( )", {}},         {"(5,)", {5}},       {"(5 , )", {5}},
      {"(0,)", {0}},        {"(2,3)", {2, 3}},   {"(2, 3,)", {2, 3}}, {"(1, 0, 7)", {1, 0, 7}},
      {"((2), 3)", {2, 3}}, {"(00, 1)", {0, 1}}, {"(-0, 1)", {0, 1}},
  };
  for (const auto& c : cases) {
    int64_t n = 1;
    for (int64_t d : c.shape) n *= d;
    const Array a = parse(with_header(dict_of("|u1", c.text), std::vector<uint8_t>(n, 9)), "shape");
    EXPECT_EQ(a.shape, c.shape) << c.text;
  }
}

TEST(Npy, AcceptsOneByteDescrsWithAnyByteOrderMark) {
  for (const std::string order : {"", "<", "=", "|", ">"}) {
    const Array i = parse(with_header(dict_of(order + "i1", "(1,)"), {0x80}), "i1");
    EXPECT_EQ(i.dtype, DType::kInt8) << order;
    EXPECT_EQ(i.as_int(0), -128) << order;
    const Array u = parse(with_header(dict_of(order + "u1", "(1,)"), {0x80}), "u1");
    EXPECT_EQ(u.dtype, DType::kUint8) << order;
    EXPECT_EQ(u.as_int(0), 128) << order;
  }
}

TEST(Npy, Accepts16ByteAlignedPreamble) {
  // numpy before 1.14 and many C writers align to 16.
  const std::string header = padded(dict_of("<f8", "(1,)"), 1, 16);
  ASSERT_EQ((10 + header.size()) % 16, 0u);
  ASSERT_NE((10 + header.size()) % 64, 0u);
  const Array a = parse(npy_file(1, header, {0, 0, 0, 0, 0, 0, 0x04, 0xc0}), "aligned16");
  EXPECT_EQ(a.as_double(0), -2.5);
}

TEST(Npy, AcceptsNonFiniteValues) {
  const Array a =
      parse(with_header(dict_of("<f4", "(2,)"), {0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0xff}), "nonfinite");
  EXPECT_TRUE(std::isnan(a.as_double(0)));
  EXPECT_EQ(a.as_double(1), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(has_non_finite(a));
}

// ---------------------------------------------------------------------------------------------
// The bad-input rules, one test each

TEST(NpyRejects, BadMagic) {
  EXPECT_TRUE(mentions(rejection({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}), "not a .npy file"));
  std::vector<uint8_t> almost = with_header(dict_of("|u1", "()"), {0});
  almost[5] = 'Z';  // \x93NUMPZ
  EXPECT_TRUE(mentions(rejection(almost), "bad magic"));
  EXPECT_TRUE(mentions(rejection({}), "empty"));
}

TEST(NpyRejects, UnsupportedVersion) {
  const std::string header = padded(dict_of("|u1", "()"));
  EXPECT_TRUE(mentions(rejection(npy_file(4, header, {0})), "unsupported .npy format version 4.0"));
  EXPECT_TRUE(mentions(rejection(npy_file(1, header, {0}, 1)), "version 1.1"));
  EXPECT_TRUE(mentions(rejection(npy_file(0, header, {0})), "version 0.0"));
}

TEST(NpyRejects, TruncatedPreamble) {
  const std::vector<uint8_t> v1 = with_header(dict_of("|u1", "()"), {0});
  for (size_t n : {3, 6, 7, 9}) {
    EXPECT_TRUE(mentions(rejection({v1.begin(), v1.begin() + n}), "truncated preamble"))
        << n << " bytes";
  }
  const std::vector<uint8_t> v2 = npy_file(2, padded(dict_of("|u1", "()"), 2), {0});
  EXPECT_TRUE(mentions(rejection({v2.begin(), v2.begin() + 11}), "truncated preamble"));
}

TEST(NpyRejects, TruncatedHeader) {
  const std::vector<uint8_t> full = with_header(dict_of("|u1", "()"), {0});
  const std::vector<uint8_t> cut(full.begin(), full.begin() + 40);
  const std::string m = rejection(cut);
  EXPECT_TRUE(mentions(m, "truncated header"));
  EXPECT_TRUE(mentions(m, "118 header bytes but only 30"));
}

TEST(NpyRejects, HeaderThatIsNotADict) {
  EXPECT_TRUE(mentions(rejection(with_header("[('descr', '<f4')]")), "not a Python dict"));
  EXPECT_TRUE(mentions(rejection(with_header("'descr'")), "not a Python dict"));
  EXPECT_TRUE(mentions(rejection(npy_file(1, "")), "not a Python dict"));
  EXPECT_TRUE(mentions(rejection(npy_file(1, "    \n")), "not a Python dict"));
}

TEST(NpyRejects, MalformedHeaderDict) {
  const std::vector<std::string> bad = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",   // no closing brace
      "{'descr' '<f4', 'fortran_order': False, 'shape': (1,)}",   // no colon
      "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}",   // quote mismatch
      "{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}",  // not Python's False
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (010,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1x,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + std::string(5000, '(') + "}",
      std::string("{'descr': '<f4'\0, 'fortran_order': False, 'shape': ()}", 55),
  };
  for (const auto& d : bad) {
    EXPECT_TRUE(mentions(rejection(with_header(d, {0, 0, 0, 0})), "malformed header"))
        << d.substr(0, 80);
  }
}

TEST(NpyRejects, HeaderLackingAKey) {
  EXPECT_TRUE(mentions(rejection(with_header("{'fortran_order': False, 'shape': (1,)}", {0})),
                       "header lacks key 'descr'"));
  EXPECT_TRUE(mentions(rejection(with_header("{'descr': '|u1', 'shape': (1,)}", {0})),
                       "header lacks key 'fortran_order'"));
  EXPECT_TRUE(mentions(rejection(with_header("{'descr': '|u1', 'fortran_order': False}", {0})),
                       "header lacks key 'shape'"));
  EXPECT_TRUE(mentions(rejection(with_header("{}")), "header lacks key"));
}

TEST(NpyRejects, UnexpectedOrRepeatedKeys) {
  EXPECT_TRUE(
      mentions(rejection(with_header(
                   "{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'order': 'C'}", {0})),
               "unexpected key 'order'"));
  EXPECT_TRUE(mentions(
      rejection(with_header(
          "{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'shape': (2,)}", {0, 0})),
      "repeats key 'shape'"));
  EXPECT_TRUE(mentions(
      rejection(with_header("{'descr': '|u1', 'fortran_order': False, 'shape': (), 3: 4}", {0})),
      "not a string"));
}

TEST(NpyRejects, FortranOrder) {
  const std::string m = rejection(with_header(
      "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", std::vector<uint8_t>(16, 0)));
  EXPECT_TRUE(
      mentions(m, "Fortran-order arrays are not supported; save with numpy.ascontiguousarray"));
  EXPECT_TRUE(mentions(
      rejection(with_header("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}", {0, 0, 0, 0})),
      "'fortran_order' is an integer, not True or False"));
}

TEST(NpyRejects, BigEndianDtypeByName) {
  for (const std::string d : {">f4", ">f8", ">i2", ">i4", ">i8"}) {
    const std::string m = rejection(with_header(dict_of(d, "(1,)"), std::vector<uint8_t>(8, 0)));
    EXPECT_TRUE(mentions(m, "big-endian")) << d;
    EXPECT_TRUE(mentions(m, "'" + d + "'")) << d;
  }
}

TEST(NpyRejects, UnsupportedDtypeByName) {
  for (const std::string d : {"<c8", "<u2", "|b1", "<f2", "<U5", "|S3", "|f4", "float32", ""}) {
    const std::string m = rejection(with_header(dict_of(d, "(1,)"), std::vector<uint8_t>(8, 0)));
    EXPECT_TRUE(mentions(m, "unsupported dtype '" + d + "'")) << d;
  }
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("=f4", "(1,)"), {0, 0, 0, 0})),
                       "dtype '=f4' does not state its byte order"));
  EXPECT_TRUE(
      mentions(rejection(with_header(
                   "{'descr': [('a', '<i4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,)}",
                   std::vector<uint8_t>(8, 0))),
               "structured"));
  // Version 3.0 headers are UTF-8; a non-ASCII descr is named with its bytes escaped.
  const std::string m = rejection(npy_file(3, padded(dict_of("<\xc3\xa9", "()"), 3), {0}));
  EXPECT_TRUE(mentions(m, "unsupported dtype '<\\xc3\\xa9'"));
}

TEST(NpyRejects, NegativeDimension) {
  const std::string m = rejection(with_header(dict_of("|u1", "(2, -1)")));
  EXPECT_TRUE(mentions(m, "dimension 1 of 'shape' is negative"));
  EXPECT_TRUE(mentions(m, "-1"));
}

TEST(NpyRejects, NonIntegerDimension) {
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "(2.5,)"))),
                       "dimension 0 of 'shape' is not an integer: it is a float '2.5'"));
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "(2, 1e3)"))),
                       "dimension 1 of 'shape' is not an integer"));
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "('3',)"))), "is not an integer"));
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "(True,)"))), "is not an integer"));
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "(None,)"))), "is not an integer"));
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "(3)"), {0, 0, 0})),
                       "'shape' is an integer, not a tuple"));
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "[3]"), {0, 0, 0})),
                       "'shape' is a list, not a tuple"));
}

TEST(NpyRejects, ShapeWhoseSizeOverflowsInt64) {
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "(4294967296, 4294967296)"))),
                       "element count of shape (4294967296, 4294967296) overflows int64"));
  // Numpy refuses such a shape even with a zero-length axis, and so do we.
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "(0, 4294967296, 4294967296)"))),
                       "overflows int64"));
  EXPECT_TRUE(mentions(rejection(with_header(dict_of("|u1", "(99999999999999999999,)"))),
                       "'99999999999999999999' overflows int64"));
  // 2^61 float64 elements are 2^64 bytes.
  EXPECT_TRUE(
      mentions(rejection(with_header(dict_of("<f8", "(2305843009213693952,)"))), "byte size"));
}

TEST(NpyRejects, DataShorterThanTheShapeNeeds) {
  const std::string m = rejection(with_header(dict_of("<f4", "(2, 3)"), std::vector<uint8_t>(20)));
  EXPECT_TRUE(mentions(m, "truncated data"));
  EXPECT_TRUE(mentions(m, "needs 24 data bytes, found 20"));
}

TEST(NpyRejects, HugeClaimedShapeWithoutAllocatingForIt) {
  // 2^59 float64 elements claim 4 EiB; under ASan an allocation of that size would abort.
  const std::string m =
      rejection(with_header(dict_of("<f8", "(576460752303423488,)"), std::vector<uint8_t>(8)));
  EXPECT_TRUE(mentions(m, "needs 4611686018427387904 data bytes, found 8"));
}

TEST(NpyRejects, TrailingBytesAfterTheData) {
  const std::string m = rejection(with_header(dict_of("<i2", "(2,)"), {1, 0, 2, 0, 3}));
  EXPECT_TRUE(mentions(m, "1 trailing bytes"));
  EXPECT_TRUE(mentions(m, "needs 4 data bytes"));
}

TEST_F(NpyFiles, ReadNamesTheFileItCannotRead) {
  const std::string missing = path("missing.npy");
  try {
    read(missing);
    ADD_FAILURE() << "read of a missing file succeeded";
  } catch (const NpyError& e) {
    EXPECT_TRUE(mentions(e.what(), missing + ": cannot open"));
  }
  try {
    read(dir_.string());
    ADD_FAILURE() << "read of a directory succeeded";
  } catch (const NpyError& e) {
    EXPECT_TRUE(mentions(e.what(), "is a directory"));
  }
  put_file(path("bad.npy"), {'h', 'e', 'l', 'l', 'o', '!', '!', '!'});
  try {
    read(path("bad.npy"));
    ADD_FAILURE() << "read of a text file succeeded";
  } catch (const NpyError& e) {
    EXPECT_TRUE(mentions(e.what(), path("bad.npy") + ": not a .npy file"));
  }
}

// ---------------------------------------------------------------------------------------------
// Robustness: whatever the bytes, parse either returns a consistent array or throws NpyError.

void expect_clean_outcome(const std::vector<uint8_t>& bytes, const std::string& what) {
  try {
    const Array a = parse(bytes, "fuzz");
    EXPECT_EQ(static_cast<int64_t>(a.data.size()), a.size() * itemsize(a.dtype)) << what;
  } catch (const NpyError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << what << ": " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": threw something other than NpyError: " << e.what();
  }
}

TEST(NpyRobustness, EveryTruncationOfAValidFileIsRejected) {
  const std::vector<uint8_t> full = serialize(make_int32({2, 2}, {1, -2, 3, -4}));
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(rejection({full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)}).empty())
        << "prefix of " << n << " bytes";
  }
}

TEST(NpyRobustness, CorruptedFilesEndInAnArrayOrNpyError) {
  std::mt19937 rng(20240611);
  const std::vector<std::vector<uint8_t>> seeds = {
      serialize(make_int16({2, 3}, {0, 1, 2, 3, 4, 5})),
      serialize(make_float64({}, {2.0})),
      npy_file(2, padded(dict_of("<i8", "(1, 1)"), 2), std::vector<uint8_t>(8, 7)),
  };
  const std::string alphabet = "{}()[],:'\"-+.0123456789eLTrueFalsNn<>|=fiu \n\\#";
  for (int iter = 0; iter < 4000; ++iter) {
    std::vector<uint8_t> b = seeds[iter % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !b.empty(); ++e) {
      const size_t at = rng() % b.size();
      switch (rng() % 4) {
        case 0:
          b[at] = static_cast<uint8_t>(rng());
          break;
        case 1:
          b[at] = static_cast<uint8_t>(alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          b.erase(b.begin() + static_cast<std::ptrdiff_t>(at));
          break;
        default:
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(at),
                   static_cast<uint8_t>(alphabet[rng() % alphabet.size()]));
          break;
      }
    }
    expect_clean_outcome(b, "iteration " + std::to_string(iter));
  }
}

// ---------------------------------------------------------------------------------------------
// Atomic replacement

TEST_F(NpyFiles, WriteReplacesAnExistingFileAndLeavesNoTemporary) {
  write(path("w.npy"), make_uint8({3}, {1, 2, 3}));
  write(path("w.npy"), make_int16({1}, {-7}));
  const Array back = read(path("w.npy"));
  EXPECT_EQ(back.dtype, DType::kInt16);
  EXPECT_EQ(back.as_int(0), -7);
  EXPECT_EQ(entries(), std::vector<std::string>{"w.npy"});
}

TEST_F(NpyFiles, WriteIntoMissingDirectoryThrowsAndCreatesNothing) {
  const std::string target = path("no_such_dir/out.npy");
  try {
    write(target, make_uint8({1}, {1}));
    ADD_FAILURE() << "write into a missing directory succeeded";
  } catch (const NpyError& e) {
    EXPECT_TRUE(mentions(e.what(), target + ": cannot create temporary file"));
    EXPECT_TRUE(mentions(e.what(), "No such file or directory"));
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(entries().empty());
}

TEST_F(NpyFiles, FailedWriteKeepsTheExistingFileWhenTheTemporaryCannotBeCreated) {
  const Array old_array = make_uint8({2}, {5, 6});
  write(path("keep.npy"), old_array);
  const std::vector<uint8_t> old_bytes = file_bytes(path("keep.npy"));
  // A directory where the temporary file would go makes creating it fail.
  fs::create_directory(temp_for("keep.npy"));
  EXPECT_THROW(write(path("keep.npy"), make_uint8({1}, {9})), NpyError);
  EXPECT_EQ(file_bytes(path("keep.npy")), old_bytes);
  EXPECT_TRUE(fs::is_directory(temp_for("keep.npy")));  // not ours to remove
}

TEST_F(NpyFiles, FailedWriteKeepsTheExistingFileWhenTheDiskFillsMidWrite) {
  write(path("keep.npy"), make_uint8({2}, {5, 6}));
  const std::vector<uint8_t> old_bytes = file_bytes(path("keep.npy"));

  // RLIMIT_FSIZE makes write() fail with EFBIG part way through, as a full disk would.
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct sigaction ignore {};
  struct sigaction old_action {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &old_action), 0);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    write(path("keep.npy"), make_float32({10000}, std::vector<float>(10000, 1.0f)));
  } catch (const NpyError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::sigaction(SIGXFSZ, &old_action, nullptr);

  EXPECT_TRUE(mentions(message, path("keep.npy") + ": cannot write"));
  EXPECT_EQ(file_bytes(path("keep.npy")), old_bytes);
  EXPECT_EQ(entries(), std::vector<std::string>{"keep.npy"});  // the temporary is gone
}

TEST_F(NpyFiles, FailedRenameRemovesTheTemporary) {
  // A non-empty directory at the destination cannot be replaced by a file.
  fs::create_directory(path("occupied"));
  put_file(path("occupied/inside"), {1});
  try {
    write(path("occupied"), make_uint8({1}, {1}));
    ADD_FAILURE() << "write over a directory succeeded";
  } catch (const NpyError& e) {
    EXPECT_TRUE(mentions(e.what(), "rename"));
  }
  EXPECT_EQ(entries(), std::vector<std::string>{"occupied"});
  EXPECT_EQ(file_bytes(path("occupied/inside")), std::vector<uint8_t>{1});
}

TEST_F(NpyFiles, InconsistentArrayIsRefusedBeforeTouchingTheDisk) {
  write(path("keep.npy"), make_uint8({2}, {5, 6}));
  const std::vector<uint8_t> old_bytes = file_bytes(path("keep.npy"));
  Array bad = make_int32({2}, {1, 2});
  bad.data.pop_back();
  try {
    write(path("keep.npy"), bad);
    ADD_FAILURE() << "write of an array with too few data bytes succeeded";
  } catch (const NpyError& e) {
    EXPECT_TRUE(mentions(e.what(), "needs 8 data bytes but the array has 7"));
  }
  EXPECT_EQ(file_bytes(path("keep.npy")), old_bytes);
  EXPECT_EQ(entries(), std::vector<std::string>{"keep.npy"});
}

}  // namespace
}  // namespace swis::npy
