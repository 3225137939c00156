// The swis command line as a user meets it: outputs that agree with the library, and bad
// input answered by one line on stderr, exit code 2 and no output file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "lib/compiler/packed.h"
#include "lib/compiler/weight_flow.h"
#include "lib/formats/npy.h"
#include "tb/cli_test_util.h"

namespace swis {
namespace {

namespace fs = std::filesystem;

using tb::slurp;

class Cli : public tb::SwisCliTest {
 protected:
  void write_bytes(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }

  // Expects the one-line refusal and that none of the outputs exist.
  void expect_refused(const std::string& args, const std::string& cause) {
    const RunResult r = run(args + " --out " + path("Q.npy") + " --packed " + path("P.bin") +
                            " --json " + path("R.json"));
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(cause), std::string::npos) << "wanted '" << cause << "' in: " << r.err;
    for (const char* f : {"Q.npy", "P.bin", "R.json"}) EXPECT_FALSE(fs::exists(dir_ / f)) << f;
    for (const auto& e : fs::directory_iterator(dir_)) {
      EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << "left " << e.path();
    }
  }
};

npy::Array small_conv() {
  std::mt19937_64 rng(4);
  std::normal_distribution<float> d(0, 0.1f);
  std::vector<float> v(6 * 5 * 3 * 3);
  for (auto& x : v) x = d(rng);
  return npy::make_float32({6, 5, 3, 3}, v);
}

TEST_F(Cli, QuantizeWritesWhatTheLibraryComputes) {
  npy::write(path("W.npy"), small_conv());
  const RunResult r = run(
      "quantize " + path("W.npy") + " --method swis --group 4 --shifts 3 --metric mse++ --out " +
      path("Q.npy") + " --packed " + path("P.bin") + " --json " + path("R.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  WeightRequest req;
  req.shifts = 3;
  req.metric = Metric::kMsePlusPlus;
  const WeightResult w = quantize_weights(small_conv(), req);
  EXPECT_EQ(npy::read(path("Q.npy")), quantized_array(w.layer, w.qz));
  std::ifstream pin(path("P.bin"), std::ios::binary);
  const std::vector<uint8_t> packed((std::istreambuf_iterator<char>(pin)),
                                    std::istreambuf_iterator<char>());
  EXPECT_EQ(unpack(packed).q, w.qz.q);
  const std::string json = slurp(path("R.json"));
  for (const char* key : {"\"method\": \"swis\"", "\"group\": 4", "\"shifts\": 3",
                          "\"metric\": \"mse++\"", "\"alpha\"", "\"weights\": 270", "\"groups\"",
                          "\"scale\"", "\"rmse\"", "\"rmse_int\"", "\"exact_fraction\"",
                          "\"compression_ratio\"", "\"effective_shifts\": 3", "\"weight_scale\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in\n" << json;
  }
  EXPECT_NE(r.out.find("compression"), std::string::npos);
}

TEST_F(Cli, QuantizeWritesEitherPackedVersion) {
  npy::write(path("W.npy"), small_conv());
  std::vector<uint8_t> bytes[2];
  for (int v : {1, 2}) {
    const std::string out = path("P" + std::to_string(v) + ".bin");
    const RunResult r = run("quantize " + path("W.npy") + " --target 3 --pe ss --array-cols 4 --packed " + out +
                            " --packed-version " + std::to_string(v));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string b = slurp(out);
    bytes[v - 1].assign(b.begin(), b.end());
    EXPECT_EQ(unpack(bytes[v - 1]).version, v);
  }
  EXPECT_NE(bytes[0], bytes[1]);
  EXPECT_EQ(unpack(bytes[0]).q, unpack(bytes[1]).q);
  expect_refused("quantize " + path("W.npy") + " --packed-version 3", "--packed-version");
}

TEST_F(Cli, ScheduledQuantizeReportsTilesErrorAndBound) {
  npy::write(path("W.npy"), small_conv());
  const RunResult r = run("quantize " + path("W.npy") +
                          " --group 4 --target 3 --array-cols 3 --pe ds --json " + path("R.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string json = slurp(path("R.json"));
  for (const char* key : {"\"target\": 3", "\"tile_shifts\": [", "\"total_error\"",
                          "\"lower_bound\"", "\"effective_shifts\": 3"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in\n" << json;
  }
}

TEST_F(Cli, BadInputIsOneLineExitTwoAndNoOutput) {
  npy::write(path("W.npy"), small_conv());
  const std::string good = npy::read(path("W.npy")).data.empty() ? "" : slurp(dir_ / "W.npy");
  const std::string w = path("W.npy");
  const std::string q = " --group 4 --shifts 3";

  expect_refused("quantize " + path("missing.npy") + q, "missing.npy");
  write_bytes("text.npy", "this is not numpy");
  expect_refused("quantize " + path("text.npy") + q, "magic");
  write_bytes("trunc.npy", good.substr(0, good.size() - 7));
  expect_refused("quantize " + path("trunc.npy") + q, "trunc");
  write_bytes("header.npy", good.substr(0, 12));
  expect_refused("quantize " + path("header.npy") + q, "header");

  auto with_header = [&](const std::string& name, const std::string& dict, size_t data_bytes) {
    std::string h = dict;
    while ((10 + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string f = std::string("\x93NUMPY\x01\x00", 8);
    f += static_cast<char>(h.size() & 0xff);
    f += static_cast<char>(h.size() >> 8);
    write_bytes(name, f + h + std::string(data_bytes, '\0'));
  };
  with_header("huge.npy",
              "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", 16);
  expect_refused("quantize " + path("huge.npy") + q, "huge.npy");
  with_header("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16);
  expect_refused("quantize " + path("fortran.npy") + q, "ortran");
  with_header("complex.npy", "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", 32);
  expect_refused("quantize " + path("complex.npy") + q, "c8");
  npy::write(path("u8.npy"), npy::make_uint8({2, 2}, {1, 2, 3, 4}));
  expect_refused("quantize " + path("u8.npy") + q, "uint8");
  npy::write(path("nan.npy"), npy::make_float32({2, 2}, {1, NAN, 3, 4}));
  expect_refused("quantize " + path("nan.npy") + q, "NaN");
  npy::write(path("inf.npy"), npy::make_float64({2, 2}, {1, 2, -INFINITY, 4}));
  expect_refused("quantize " + path("inf.npy") + q, "Inf");
  npy::write(path("big.npy"), npy::make_int16({2, 2}, {1, 2, 300, 4}));
  expect_refused("quantize " + path("big.npy") + q, "255");
  npy::write(path("rank3.npy"), npy::make_float32({2, 2, 1}, {1, 2, 3, 4}));
  expect_refused("quantize " + path("rank3.npy") + q, "3-D");

  expect_refused("quantize " + w + " --group 17 --shifts 3", "--group");
  expect_refused("quantize " + w + " --group 0 --shifts 3", "--group");
  expect_refused("quantize " + w + " --group 4 --shifts 9", "--shifts");
  expect_refused("quantize " + w + " --group 4 --shifts x", "--shifts");
  expect_refused("quantize " + w + " --group 4", "--shifts");
  expect_refused("quantize " + w + " --group 4 --shifts 3 --target 3",
                 "--shifts excludes --target");
  expect_refused("quantize " + w + " --group 4 --shifts 3 --method swiss", "--method");
  expect_refused("quantize " + w + " --group 4 --shifts 3 --bogus 1", "--bogus");
  expect_refused("quantize " + w + " --group 4 --target 2.3 --array-cols 4 --pe ss", "2.3");
  expect_refused("quantize " + w + " --group 4 --target 2.5 --array-cols 4 --pe ds", "2.5");
  expect_refused("quantize " + w + " --group 4 --target 9 --array-cols 2", "9");
  expect_refused("quantize " + w + " --method trunc --group 4 --target 3 --array-cols 2", "trunc");
  // An output directory that does not exist: still nothing written.
  const RunResult r =
      run("quantize " + w + q + " --out " + path("Q.npy") + " --json " + path("nodir/R.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "Q.npy"));
}

}  // namespace
}  // namespace swis
