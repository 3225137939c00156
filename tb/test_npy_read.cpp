// NumPy .npy reader: the header dialects other writers produce, every bad-input rule, and
// robustness against truncated and corrupted files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lib/formats/npy.h"
#include "tb/npy_test_util.h"

namespace swis::npy {
namespace {

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

}  // namespace
}  // namespace swis::npy
