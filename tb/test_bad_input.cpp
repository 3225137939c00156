// Malformed input files against every swis command that reads one (quantize and run; no command
// reads a packed file, whose reader tb/test_packed.cpp covers). Each file is refused with exit
// code 2 and exactly one stderr line that names the file and the problem, nothing on stdout, and
// no output file or temporary left where the outputs would have gone.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "lib/formats/npy.h"
#include "tb/cli_test_util.h"

namespace swis {
namespace {

namespace fs = std::filesystem;

// A .npy file assembled by hand: magic, version, header length, the header dict padded as numpy
// pads it, then `data`.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string h = dict;
  while ((prefix + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string f = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  for (size_t k = 0; k < prefix - 8; ++k) f += static_cast<char>(h.size() >> (8 * k));
  return f + h + data;
}

std::string dict(const std::string& descr, const std::string& shape,
                 const std::string& fortran = "False") {
  return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

std::string zeros(size_t n) { return std::string(n, '\0'); }

std::string bytes_of(const npy::Array& a) {
  const std::vector<uint8_t> b = npy::serialize(a);
  return std::string(b.begin(), b.end());
}

// A float32 array of `shape` holding 0.25 everywhere except `special` at flat index `at`.
npy::Array f32_with(std::vector<int64_t> shape, int64_t at, float special) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v(static_cast<size_t>(n), 0.25f);
  if (at >= 0) v[static_cast<size_t>(at)] = special;
  return npy::make_float32(std::move(shape), v);
}

// Single quotes for sh, so that any file name reaches swis as one argument.
std::string sh(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// One malformed input. A problem that is empty means the file is fine in that role.
struct BadFile {
  enum class Make { kFile, kNothing, kDirectory };
  std::string name;
  std::string bytes;
  std::string as_weights;  // what `quantize F` and `run --weights F` must say
  std::string as_acts;     // what `run --acts F` must say
  bool conv = false;       // as activations, paired with the 4-D weights instead of the 2-D ones
  Make make = Make::kFile;
};

class BadInput : public tb::SwisCliTest {
 protected:
  void SetUp() override {
    SwisCliTest::SetUp();
    fs::create_directories(dir_ / "out");
    // Good inputs for the other role: (F, K) = (4, 8) weights with (P, K) = (3, 8) activations,
    // and a 2 x 8 x 3 x 3 kernel with one 8 x 5 x 5 image.
    npy::write(path("W.npy"), f32_with({4, 8}, 0, -0.5f));
    npy::write(path("A.npy"), f32_with({3, 8}, 1, 2.0f));
    npy::write(path("Wconv.npy"), f32_with({2, 8, 3, 3}, 7, -1.0f));
    npy::write(path("Aconv.npy"), f32_with({1, 8, 5, 5}, 3, 3.0f));
  }

  std::string out(const std::string& name) const { return sh((dir_ / "out" / name).string()); }
  std::string quantize_cmd(const std::string& weights) const {
    return "quantize " + sh(weights) + " --group 4 --shifts 3 --out " + out("Q.npy") +
           " --packed " + out("P.bin") + " --json " + out("R.json");
  }
  std::string run_cmd(const std::string& weights, const std::string& acts) const {
    return "run --weights " + sh(weights) + " --acts " + sh(acts) + " --group 4 --shifts 3 --out " +
           out("Y.npy") + " --json " + out("R.json");
  }

  // The refusal contract for one command line whose input `file` has `problem`.
  void expect_refused(const std::string& args, const std::string& file,
                      const std::string& problem) {
    SCOPED_TRACE("swis " + args);
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr:\n" << r.err;
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << r.err;
    EXPECT_EQ(r.err.rfind("swis: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << "does not name " << file << ": " << r.err;
    EXPECT_NE(r.err.find(problem), std::string::npos) << "wanted '" << problem << "' in " << r.err;
    EXPECT_EQ(r.out, "") << "stdout of a refused command";
    for (const auto& e : fs::directory_iterator(dir_ / "out")) {
      ADD_FAILURE() << "left " << e.path().filename() << " in the output directory";
      fs::remove(e.path());
    }
  }

  // Every command that reads the file in a role where it is bad refuses it.
  void expect_refused_everywhere(const BadFile& f, const std::string& shown_name = "") {
    SCOPED_TRACE("bad input " + f.name);
    const std::string p = path(f.name);
    if (f.make == BadFile::Make::kFile) {
      std::ofstream(p, std::ios::binary) << f.bytes;
    } else if (f.make == BadFile::Make::kDirectory) {
      fs::create_directories(p);
    }
    const std::string named = shown_name.empty() ? p : path(shown_name);
    if (!f.as_weights.empty()) {
      expect_refused(quantize_cmd(p), named, f.as_weights);
      expect_refused(run_cmd(p, path("A.npy")), named, f.as_weights);
    }
    if (!f.as_acts.empty()) {
      expect_refused(run_cmd(path(f.conv ? "Wconv.npy" : "W.npy"), p), named, f.as_acts);
    }
  }

  void expect_refused_everywhere(const std::vector<BadFile>& files) {
    for (const BadFile& f : files) expect_refused_everywhere(f);
  }
};

// The good inputs pass, so that each refusal below is the bad file's doing.
TEST_F(BadInput, GoodInputsAreAcceptedAndWriteTheirOutputs) {
  RunResult r = run(quantize_cmd(path("W.npy")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run(run_cmd(path("W.npy"), path("A.npy")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run(run_cmd(path("Wconv.npy"), path("Aconv.npy")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"Q.npy", "P.bin", "R.json", "Y.npy"}) {
    EXPECT_TRUE(fs::exists(dir_ / "out" / f)) << f;
  }
}

TEST_F(BadInput, TruncatedEmptyOrNotNpyFiles) {
  const std::string good = bytes_of(f32_with({4, 8}, -1, 0));
  expect_refused_everywhere({
      {"empty.npy", "", "file is empty", "file is empty"},
      {"preamble.npy", good.substr(0, 7), "truncated preamble", "truncated preamble"},
      {"header_cut.npy", good.substr(0, 40), "truncated header", "truncated header"},
      {"data_cut.npy", good.substr(0, good.size() - 5), "truncated data", "truncated data"},
      {"trailing.npy", good + "xx", "2 trailing bytes", "2 trailing bytes"},
      {"zip.npy", std::string("PK\x03\x04\x14\x00\x00\x00", 8) + zeros(64), "bad magic",
       "bad magic"},
      {"text.npy", "w0,w1,w2\n0.5,0.25,1\n", "bad magic", "bad magic"},
      {"version.npy", npy_file(dict("'<f4'", "(4, 8)"), zeros(128), 4), "format version 4.0",
       "format version 4.0"},
  });
}

TEST_F(BadInput, MalformedHeaders) {
  expect_refused_everywhere({
      {"unterminated.npy",
       npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 8), ", zeros(128)),
       "malformed header", "malformed header"},
      {"no_shape.npy", npy_file("{'descr': '<f4', 'fortran_order': False, }", zeros(4)),
       "lacks key 'shape'", "lacks key 'shape'"},
      {"no_descr.npy", npy_file("{'fortran_order': False, 'shape': (4, 8), }", zeros(128)),
       "lacks key 'descr'", "lacks key 'descr'"},
      {"no_fortran.npy", npy_file("{'descr': '<f4', 'shape': (4, 8), }", zeros(128)),
       "lacks key 'fortran_order'", "lacks key 'fortran_order'"},
      {"garbage.npy", npy_file("\x01\xff garbage", zeros(128)), "not a Python dict literal",
       "not a Python dict literal"},
      {"extra_key.npy",
       npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 8), 'order': 'C'}",
                zeros(128)),
       "unexpected key 'order'", "unexpected key 'order'"},
      {"float_dim.npy", npy_file(dict("'<f4'", "(4.0, 8)"), zeros(128)), "not an integer",
       "not an integer"},
  });
}

// Claimed sizes far beyond the file are refused from the header alone, before any allocation.
TEST_F(BadInput, HugeOrImpossibleShapes) {
  expect_refused_everywhere({
      {"bytes_2e62.npy", npy_file(dict("'<f4'", "(4611686018427387904,)"), zeros(4)),
       "byte size of shape (4611686018427387904,) with 4-byte elements overflows int64",
       "byte size of shape (4611686018427387904,)"},
      {"elems_2e62.npy", npy_file(dict("'|i1'", "(4611686018427387904, 1)"), zeros(4)),
       "needs 4611686018427387904 data bytes, found 4",
       "needs 4611686018427387904 data bytes, found 4"},
      {"count_overflow.npy", npy_file(dict("'<f4'", "(4294967296, 4294967296)"), zeros(16)),
       "element count of shape (4294967296, 4294967296) overflows int64", "element count of shape"},
      {"dim_2e64.npy", npy_file(dict("'<f4'", "(18446744073709551616, 1)"), zeros(4)),
       "overflows int64", "overflows int64"},
      {"negative.npy", npy_file(dict("'<f4'", "(-1, 8)"), zeros(32)), "negative", "negative"},
  });
}

TEST_F(BadInput, UnsupportedDtypesAndFortranOrder) {
  expect_refused_everywhere({
      {"c16.npy", npy_file(dict("'<c16'", "(4, 8)"), zeros(512)), "unsupported dtype '<c16'",
       "unsupported dtype '<c16'"},
      {"object.npy", npy_file(dict("'|O'", "(4, 8)"), zeros(256)), "unsupported dtype '|O'",
       "unsupported dtype '|O'"},
      {"big_endian.npy", npy_file(dict("'>f8'", "(4, 8)"), zeros(256)), "big-endian dtype '>f8'",
       "big-endian dtype '>f8'"},
      {"unicode.npy", npy_file(dict("'<U4'", "(4, 8)"), zeros(512)), "unsupported dtype '<U4'",
       "unsupported dtype '<U4'"},
      {"record.npy", npy_file(dict("[('a', '<f4')]", "(4, 8)"), zeros(128)),
       "structured (record) arrays", "structured (record) arrays"},
      {"fortran.npy", npy_file(dict("'<f4'", "(4, 8)", "True"), zeros(128)),
       "Fortran-order arrays are not supported", "Fortran-order arrays are not supported"},
      // Valid .npy files of a dtype the command does not take.
      {"int32.npy", bytes_of(npy::make_int32({4, 8}, std::vector<int32_t>(32, 1))),
       "weights of dtype int32 are not supported", "activations of dtype int32 are not supported"},
      {"int64.npy", bytes_of(npy::make_int64({4, 8}, std::vector<int64_t>(32, 1))),
       "weights of dtype int64", "activations of dtype int64"},
      {"uint8.npy", bytes_of(npy::make_uint8({4, 8}, std::vector<uint8_t>(32, 1))),
       "weights of dtype uint8 are not supported", ""},
      {"int16.npy", bytes_of(npy::make_int16({4, 8}, std::vector<int16_t>(32, 1))), "",
       "activations of dtype int16 are not supported"},
      {"int16_300.npy", bytes_of(npy::make_int16({4, 8}, std::vector<int16_t>(32, 300))),
       "integer weight 300 at flat index 0 exceeds 8 magnitude bits", "dtype int16"},
  });
}

TEST_F(BadInput, NanAndInfinityInFloatValues) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  expect_refused_everywhere({
      {"nan.npy", bytes_of(f32_with({4, 8}, 5, std::nanf(""))),
       "weights contain NaN at flat index 5", "activations contain NaN at flat index 5"},
      {"pinf.npy", bytes_of(f32_with({4, 8}, 31, kInf)), "weights contain +Inf at flat index 31",
       "activations contain +Inf at flat index 31"},
      {"ninf64.npy",
       bytes_of(npy::make_float64(
           {4, 8}, std::vector<double>(32, -std::numeric_limits<double>::infinity()))),
       "weights contain -Inf at flat index 0", "activations contain -Inf at flat index 0"},
  });
}

TEST_F(BadInput, ShapesTheCommandCannotUse) {
  expect_refused_everywhere({
      {"rank3.npy", bytes_of(f32_with({4, 8, 1}, -1, 0)), "got 3-D shape (4, 8, 1)",
       "activations must be (P, K) with K = 8"},
      {"rank1.npy", bytes_of(f32_with({8}, -1, 0)), "weights must be 2-D (F, K) or 4-D",
       "activations must be (P, K) with K = 8"},
      {"scalar.npy", bytes_of(f32_with({}, -1, 0)), "got 0-D shape ()", "got ()"},
      {"rank5.npy", bytes_of(f32_with({1, 1, 1, 1, 8}, -1, 0)), "got 5-D shape (1, 1, 1, 1, 8)",
       "activations must be (P, K)"},
      {"empty_rows.npy", bytes_of(f32_with({0, 8}, -1, 0)),
       "weights have an empty dimension: shape (0, 8)",
       "activations have an empty dimension: shape (0, 8)"},
      {"empty_k.npy", bytes_of(f32_with({4, 0}, -1, 0)), "weights have an empty dimension",
       "activations have an empty dimension"},
      {"k7.npy", bytes_of(f32_with({3, 7}, -1, 0)), "", "with K = 8 for the weights"},
      // Activations for the 2 x 8 x 3 x 3 kernel.
      {"batch2.npy", bytes_of(f32_with({2, 8, 5, 5}, -1, 0)), "",
       "a convolution needs one NCHW input (1, C, H, W)", true},
      {"rows_for_conv.npy", bytes_of(f32_with({9, 72}, -1, 0)), "",
       "a convolution needs one NCHW input", true},
      {"channels5.npy", bytes_of(f32_with({1, 5, 5, 5}, -1, 0)), "",
       "input has 5 channels but the weights", true},
      {"small2x2.npy", bytes_of(f32_with({1, 8, 2, 2}, -1, 0)), "",
       "input padded to 2x2 is smaller than the 3x3 kernel", true},
  });
}

TEST_F(BadInput, FilesThatCannotBeRead) {
  BadFile missing{"missing.npy", "", "cannot open: No such file", "cannot open: No such file"};
  missing.make = BadFile::Make::kNothing;
  BadFile directory{"dir.npy", "", "is a directory", "is a directory"};
  directory.make = BadFile::Make::kDirectory;
  expect_refused_everywhere({missing, directory});
}

// Unbounded sources are refused at their first bytes, not read whole: /dev/zero behind a
// link, and the device itself.
TEST_F(BadInput, UnboundedInputsAreRefusedAtOnce) {
  fs::create_symlink("/dev/zero", dir_ / "zero.npy");
  BadFile zero{"zero.npy", "", "bad magic", "bad magic"};
  zero.make = BadFile::Make::kNothing;
  expect_refused_everywhere(zero);
  expect_refused(quantize_cmd("/dev/zero"), "/dev/zero", "bad magic");
}

// A file name is part of the message, so a newline in it is escaped rather than printed.
TEST_F(BadInput, ControlCharactersInAFileNameStayOnOneLine) {
  expect_refused_everywhere({"bad\nname.npy", "not numpy", "bad magic", "bad magic"},
                            "bad\\x0aname.npy");
  expect_refused_everywhere({"nan\nname.npy", bytes_of(f32_with({4, 8}, 0, std::nanf(""))),
                             "weights contain NaN", "activations contain NaN"},
                            "nan\\x0aname.npy");
}

}  // namespace
}  // namespace swis
