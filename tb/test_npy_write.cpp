// NumPy .npy writer: round trips, numpy's exact bytes, and atomic replacement of the
// destination.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "lib/formats/npy.h"
#include "tb/npy_test_util.h"

namespace swis::npy {
namespace {

namespace fs = std::filesystem;

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
  fs::create_directory(path("sub"));
  write(path("sub/keep.npy"), old_array);
  const std::vector<uint8_t> old_bytes = file_bytes(path("sub/keep.npy"));
  // An immutable folder takes no new file, so the temporary cannot be created (permission bits
  // would not stop the tests, which may run as root).
  if (!set_immutable(path("sub"), true)) GTEST_SKIP() << "no immutable attribute here";
  std::string message;
  try {
    write(path("sub/keep.npy"), make_uint8({1}, {9}));
  } catch (const NpyError& e) {
    message = e.what();
  }
  set_immutable(path("sub"), false);
  EXPECT_TRUE(mentions(message, path("sub/keep.npy") + ": cannot create temporary file"))
      << message;
  EXPECT_EQ(file_bytes(path("sub/keep.npy")), old_bytes);
  EXPECT_EQ(fs::directory_iterator(path("sub"))->path().filename(), "keep.npy");
  EXPECT_EQ(std::distance(fs::directory_iterator(path("sub")), fs::directory_iterator()), 1);
}

TEST_F(NpyFiles, FailedRenameRemovesTheTemporaryAndKeepsTheExistingFile) {
  write(path("keep.npy"), make_uint8({2}, {5, 6}));
  const std::vector<uint8_t> old_bytes = file_bytes(path("keep.npy"));
  // An immutable file cannot be renamed over: the temporary is written, the rename fails.
  if (!set_immutable(path("keep.npy"), true)) GTEST_SKIP() << "no immutable attribute here";
  std::string message;
  try {
    write(path("keep.npy"), make_uint8({1}, {9}));
  } catch (const NpyError& e) {
    message = e.what();
  }
  set_immutable(path("keep.npy"), false);
  EXPECT_TRUE(mentions(message, path("keep.npy") + ": cannot write: rename")) << message;
  EXPECT_EQ(file_bytes(path("keep.npy")), old_bytes);
  EXPECT_EQ(entries(), std::vector<std::string>{"keep.npy"});  // the temporary is gone
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

TEST_F(NpyFiles, WriteOverADirectoryIsRefusedAndLeavesItAsItWas) {
  fs::create_directory(path("occupied"));
  put_file(path("occupied/inside"), {1});
  try {
    write(path("occupied"), make_uint8({1}, {1}));
    ADD_FAILURE() << "write over a directory succeeded";
  } catch (const NpyError& e) {
    EXPECT_TRUE(mentions(e.what(), path("occupied") + ": is a directory")) << e.what();
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
