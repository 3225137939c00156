// Tests of the ONNX reader (lib/formats/onnx_model.h) on the models
// scripts/make_onnx_test_models.py writes at test time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "lib/formats/onnx_model.h"

namespace swis::onnx {
namespace {

namespace fs = std::filesystem;

// Debian's own Python: python3-onnx is a Debian package, and a venv's python3 on PATH may lack it.
constexpr const char* kPython = "/usr/bin/python3";
const fs::path kScript =
    fs::path(__FILE__).parent_path().parent_path() / "scripts" / "make_onnx_test_models.py";

// The OnnxError message `f` throws; a test failure if it throws nothing or something else.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const OnnxError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an OnnxError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error";
  return "";
}

std::string read_error(const std::string& path) {
  return error_of([&] { read_onnx(path); });
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path fresh_dir(const std::string& stem) {
  std::string tmpl = (fs::path(testing::TempDir()) / (stem + "_XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

// The models are made once for the suite (the script takes a fifth of a second).
class OnnxModel : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string probe = std::string(kPython) + " -c 'import onnx' >/dev/null 2>&1";
    if (std::system(probe.c_str()) != 0) {
      skip_ = std::string(kPython) + " cannot import onnx (Debian: apt-get install python3-onnx)";
      return;
    }
    dir_ = fresh_dir("swis_onnx");
    if (dir_.empty()) {
      error_ = "cannot make a temporary folder";
      return;
    }
    const fs::path log = dir_ / "make_models.log";
    const std::string cmd = std::string(kPython) + " " + kScript.string() + " " +
                            (dir_ / "models").string() + " >" + log.string() + " 2>&1";
    if (std::system(cmd.c_str()) != 0) error_ = cmd + " failed:\n" + slurp(log);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(error_.empty()) << error_;
  }
  static std::string path(const std::string& name) { return (dir_ / "models" / name).string(); }
  static const Node& node(const Model& m, const std::string& name) {
    for (const Node& n : m.nodes) {
      if (n.name == name) return n;
    }
    throw std::runtime_error("no node " + name);
  }

  static inline fs::path dir_;
  static inline std::string skip_, error_;
};

TEST_F(OnnxModel, TinyNetworkGraph) {
  const Model m = read_onnx(path("tiny.onnx"));
  EXPECT_EQ(m.opset, 13);
  EXPECT_EQ(m.producer, "swis-test 1.0");
  ASSERT_EQ(m.inputs.size(), 1u);  // the initializers are not graph inputs
  EXPECT_EQ(m.inputs[0].name, "x");
  EXPECT_EQ(m.inputs[0].elem_type, 1);                                // FLOAT
  EXPECT_EQ(m.inputs[0].shape, (std::vector<int64_t>{-1, 3, 8, 8}));  // "N" is symbolic
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].name, "y");
  EXPECT_EQ(m.outputs[0].elem_type, 1);
  EXPECT_EQ(m.outputs[0].shape, (std::vector<int64_t>{-1, 4}));

  struct Expected {
    const char* name;
    const char* op;
    std::vector<std::string> inputs, outputs;
  };
  const std::vector<Expected> expected = {
      {"conv0", "Conv", {"x", "conv.w", "conv.b"}, {"c"}},
      {"relu0", "Relu", {"c"}, {"r"}},
      {"reshape0", "Reshape", {"r", "shape"}, {"f"}},
      {"const0", "Constant", {}, {"gemm.c"}},
      {"const1", "Constant", {}, {"cf"}},
      {"gemm0", "Gemm", {"f", "gemm.w", "gemm.c"}, {"g"}},
      {"clip0", "Clip", {"g", "", "clip.max"}, {"y"}},  // min omitted: kept as ""
  };
  ASSERT_EQ(m.nodes.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    SCOPED_TRACE(expected[k].name);
    EXPECT_EQ(m.nodes[k].name, expected[k].name);
    EXPECT_EQ(m.nodes[k].op_type, expected[k].op);
    EXPECT_EQ(m.nodes[k].domain, "");
    EXPECT_EQ(m.nodes[k].inputs, expected[k].inputs);
    EXPECT_EQ(m.nodes[k].outputs, expected[k].outputs);
  }
  EXPECT_TRUE(m.nodes[1].attrs.empty());
  EXPECT_EQ(describe(m.nodes[0]), "node 'conv0' (Conv)");
}

TEST_F(OnnxModel, TinyNetworkAttributes) {
  const Model m = read_onnx(path("tiny.onnx"));
  using K = Attribute::Kind;
  const auto& conv = node(m, "conv0").attrs;
  ASSERT_EQ(conv.size(), 6u);
  for (const char* name : {"kernel_shape", "strides", "dilations"}) {
    EXPECT_EQ(conv.at(name).kind, K::kInts) << name;
  }
  EXPECT_EQ(conv.at("kernel_shape").ints, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(conv.at("strides").ints, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(conv.at("dilations").ints, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(conv.at("pads").kind, K::kInts);
  EXPECT_EQ(conv.at("pads").ints, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(conv.at("group").kind, K::kInt);
  EXPECT_EQ(conv.at("group").i, 1);
  EXPECT_EQ(conv.at("auto_pad").kind, K::kString);
  EXPECT_EQ(conv.at("auto_pad").s, "NOTSET");

  const auto& gemm = node(m, "gemm0").attrs;
  ASSERT_EQ(gemm.size(), 3u);
  EXPECT_EQ(gemm.at("alpha").kind, K::kFloat);
  EXPECT_EQ(gemm.at("alpha").f, 1.0f);
  EXPECT_EQ(gemm.at("beta").kind, K::kFloat);
  EXPECT_EQ(gemm.at("beta").f, 0.5f);
  EXPECT_EQ(gemm.at("transB").kind, K::kInt);
  EXPECT_EQ(gemm.at("transB").i, 1);

  const auto& value = node(m, "const0").attrs;
  ASSERT_EQ(value.size(), 1u);
  const Attribute& a = value.at("value");
  EXPECT_EQ(a.kind, K::kTensor);
  EXPECT_EQ(a.t.type, Tensor::Type::kFloat);
  EXPECT_EQ(a.t.shape, (std::vector<int64_t>{4}));
  EXPECT_EQ(a.t.f, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_TRUE(a.t.i.empty());
  const Attribute& floats = node(m, "const1").attrs.at("value_floats");
  EXPECT_EQ(floats.kind, K::kFloats);
  EXPECT_EQ(floats.floats, (std::vector<float>{0.25f, -0.5f}));
}

TEST_F(OnnxModel, TinyNetworkInitializers) {
  const Model m = read_onnx(path("tiny.onnx"));
  std::set<std::string> names;
  for (const auto& [name, t] : m.initializers) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"clip.max", "conv.b", "conv.w", "gemm.w", "shape"}));

  const Tensor& w = m.initializers.at("conv.w");  // raw_data
  EXPECT_EQ(w.type, Tensor::Type::kFloat);
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2, 3, 3, 3}));
  EXPECT_EQ(w.size(), 54);
  ASSERT_EQ(w.f.size(), 54u);
  for (size_t k = 0; k < w.f.size(); ++k) EXPECT_EQ(w.f[k], k * 0.125f - 3.0f) << k;
  EXPECT_TRUE(w.i.empty());

  const Tensor& b = m.initializers.at("conv.b");  // float_data
  EXPECT_EQ(b.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(b.f, (std::vector<float>{0.5f, -1.5f}));

  const Tensor& shape = m.initializers.at("shape");  // int64_data
  EXPECT_EQ(shape.type, Tensor::Type::kInt64);
  EXPECT_EQ(shape.i, (std::vector<int64_t>{-1, 32}));
  EXPECT_TRUE(shape.f.empty());

  const Tensor& g = m.initializers.at("gemm.w");
  EXPECT_EQ(g.shape, (std::vector<int64_t>{4, 32}));
  ASSERT_EQ(g.f.size(), 128u);
  for (size_t k = 0; k < g.f.size(); ++k) EXPECT_EQ(g.f[k], float(int(k % 7) - 3)) << k;

  const Tensor& max = m.initializers.at("clip.max");  // a scalar
  EXPECT_TRUE(max.shape.empty());
  EXPECT_EQ(max.size(), 1);
  EXPECT_EQ(max.f, (std::vector<float>{6.0f}));
}

TEST_F(OnnxModel, ElementTypesConvertExactly) {
  const Model m = read_onnx(path("types.onnx"));
  EXPECT_EQ(m.opset, 17);
  const auto floats = [&](const char* name) {
    const Tensor& t = m.initializers.at(name);
    EXPECT_EQ(t.type, Tensor::Type::kFloat) << name;
    EXPECT_TRUE(t.i.empty()) << name;
    return t.f;
  };
  const auto ints = [&](const char* name) {
    const Tensor& t = m.initializers.at(name);
    EXPECT_EQ(t.type, Tensor::Type::kInt64) << name;
    EXPECT_TRUE(t.f.empty()) << name;
    return t.i;
  };
  // 1, -2.5, the largest half and the smallest subnormal half.
  EXPECT_EQ(floats("f16_raw"), (std::vector<float>{1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24)}));
  const std::vector<float> f16 = floats("f16_typed");  // the bits in int32_data
  ASSERT_EQ(f16.size(), 2u);
  EXPECT_EQ(f16[0], 0.5f);
  EXPECT_TRUE(std::isinf(f16[1]) && f16[1] < 0);
  EXPECT_EQ(floats("bf16_raw"), (std::vector<float>{1.0f, -3.0f}));
  EXPECT_EQ(floats("f64_typed"), (std::vector<float>{0.1f, -1e10f}));  // rounded to float
  EXPECT_EQ(floats("f64_raw"), (std::vector<float>{2.5f}));
  EXPECT_EQ(ints("u8_raw"), (std::vector<int64_t>{0, 200, 255}));
  EXPECT_EQ(ints("i8_typed"), (std::vector<int64_t>{-128, 127}));
  EXPECT_EQ(ints("bool_typed"), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(ints("i32_raw"), (std::vector<int64_t>{-7, 2147483647}));
  EXPECT_EQ(ints("i64_raw"), (std::vector<int64_t>{-(int64_t{1} << 40), int64_t{1} << 62}));
  EXPECT_EQ(ints("u32_raw"), (std::vector<int64_t>{4294967295}));
  EXPECT_EQ(ints("u64_typed"), (std::vector<int64_t>{INT64_MAX}));
  const Tensor& empty = m.initializers.at("empty");
  EXPECT_EQ(empty.shape, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(empty.size(), 0);
  EXPECT_TRUE(empty.f.empty());
}

TEST_F(OnnxModel, ParseFromMemoryMatchesRead) {
  const std::string bytes = slurp(path("tiny.onnx"));
  const Model m = parse_onnx({bytes.begin(), bytes.end()}, "memory");
  const Model r = read_onnx(path("tiny.onnx"));
  ASSERT_EQ(m.nodes.size(), r.nodes.size());
  for (size_t k = 0; k < m.nodes.size(); ++k) EXPECT_EQ(m.nodes[k].name, r.nodes[k].name);
  EXPECT_EQ(m.initializers.at("conv.w").f, r.initializers.at("conv.w").f);
  const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + bytes.size() / 2);
  EXPECT_EQ(error_of([&] { parse_onnx(cut, "memory"); }),
            "memory: not an ONNX model (protobuf parse failed)");
}

TEST_F(OnnxModel, EachBadModelIsOneLineNamingPathAndProblem) {
  struct Bad {
    const char* file;
    std::vector<std::string> says;  // after "<path>: "
  };
  const std::vector<Bad> bad = {
      {"opset10.onnx", {"opset 10 is not supported (11 to 17)"}},
      {"opset18.onnx", {"opset 18 is not supported (11 to 17)"}},
      {"ms_domain.onnx", {"node 'gelu0' (Gelu) is in domain 'com.microsoft'"}},
      {"odd_name.onnx", {"node 'two\\x0alines' (Gelu) is in domain 'x'"}},
      // make_node sorts attributes by name: else_branch comes first.
      {"if_subgraph.onnx", {"node 'if0' (If) attribute 'else_branch' is a subgraph (GRAPH)"}},
      {"sparse.onnx", {"sparse initializer 'sp_values' is not supported (sparse tensors)"}},
      {"external.onnx", {"initializer 'ext': ", "(external data), not supported"}},
      {"string.onnx", {"initializer 'names': element type STRING is not supported"}},
      {"raw_size.onnx",
       {"initializer 'w': raw_data holds 8 bytes, shape (3,) of FLOAT needs 3 x 4"}},
      {"typed_count.onnx", {"initializer 'w': holds 2 values, shape (3,) of FLOAT needs 3"}},
      {"u64_big.onnx",
       {"initializer 'big': value 9223372036854775808 at index 0 is not a UINT64 that fits int64"}},
      {"f64_range.onnx", {"initializer 'huge': value 1", "at index 0 is beyond float's range"}},
      {"truncated.onnx", {"not an ONNX model (protobuf parse failed)"}},
      {"garbage.onnx", {"not an ONNX model (protobuf parse failed)"}},
      {"empty.onnx", {"not an ONNX model (no graph)"}},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.file);
    const std::string p = path(b.file);
    const std::string msg = read_error(p);
    EXPECT_EQ(msg.rfind(p + ": " + b.says[0], 0), 0u) << msg;
    for (const std::string& s : b.says) EXPECT_NE(msg.find(s), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(OnnxRead, RefusesWhatIsNotAFile) {
  const fs::path dir = fresh_dir("swis_onnx_dir");
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(read_error(dir.string()), dir.string() + ": is a directory, not an ONNX model");
  EXPECT_EQ(read_error("/dev/zero"),
            "/dev/zero: not a regular file (a device, pipe or socket), not an ONNX model");
  const std::string missing = (dir / "missing.onnx").string();
  EXPECT_EQ(read_error(missing), missing + ": cannot open: No such file or directory");
  fs::remove_all(dir);
}

TEST(OnnxRead, RefusesOver2GiBBeforeReading) {
  const fs::path dir = fresh_dir("swis_onnx_big");
  ASSERT_FALSE(dir.empty());
  const std::string big = (dir / "big.onnx").string();
  // A sparse file: 3 GiB of size and no blocks, where the filesystem allows it.
  const int fd = ::open(big.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const bool sized = ::ftruncate(fd, off_t{3} << 30) == 0;
  ::close(fd);
  if (sized) {
    EXPECT_EQ(read_error(big), big +
                                   ": 3221225472 bytes, over the 2 GiB a protobuf message holds " +
                                   "(external data, which a larger model needs, is not supported)");
  }
  fs::remove_all(dir);
  if (!sized) GTEST_SKIP() << "the temporary folder's filesystem holds no 3 GiB sparse file";
}

TEST(OnnxRead, DescribeAndSize) {
  Node n;
  n.op_type = "Relu";
  EXPECT_EQ(describe(n), "unnamed node (Relu)");
  n.outputs = {"y"};
  EXPECT_EQ(describe(n), "node with output 'y' (Relu)");
  n.name = "relu0";
  EXPECT_EQ(describe(n), "node 'relu0' (Relu)");
  Tensor t;
  EXPECT_EQ(t.size(), 1);  // a scalar
  t.shape = {2, 0, 3};
  EXPECT_EQ(t.size(), 0);
}

}  // namespace
}  // namespace swis::onnx
