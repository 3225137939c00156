// swis net as a user runs it: outputs and the report of a small model, the same codes from both
// engines, and a model or input it cannot take refused in one line with no output.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "lib/formats/npy.h"
#include "tb/cli_test_util.h"

namespace swis {
namespace {

namespace fs = std::filesystem;

class NetCli : public tb::SwisCliTest {
 protected:
  static std::string model(const std::string& name, const std::string& suffix) {
    return std::string(SWIS_NET_MODELS) + "/" + name + suffix;
  }
  std::string net(const std::string& name, const std::string& more) const {
    return "net --model " + model(name, ".onnx") + " --input " + model(name, "_x.npy") +
           " --group 4 " + more;
  }
};

TEST_F(NetCli, ASmallModelWritesItsOutputsAndReport) {
  const RunResult r = run(net("small", "--shifts 4 --layer first:8 --out " + path("y.npy") +
                                           " --codes " + path("q.npy") + " --json " +
                                           path("r.json") + " --csv " + path("r.csv")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  const nlohmann::json j = nlohmann::json::parse(tb::slurp(dir_ / "r.json"));
  EXPECT_EQ(j.at("layers").size(), 5u);
  EXPECT_EQ(j.at("layers").at(0).at("effective_shifts"), 8.0);
  EXPECT_EQ(j.at("layers").at(1).at("effective_shifts"), 4.0);
  EXPECT_TRUE(j.at("pass").get<bool>());
  const npy::Array y = npy::read(path("y.npy")), q = npy::read(path("q.npy"));
  EXPECT_EQ(y.shape, (std::vector<int64_t>{2, 10}));
  EXPECT_EQ(q.shape, y.shape);
  EXPECT_EQ(q.dtype, npy::DType::kInt8);
  const double scale = j.at("output").at("scale");
  for (int64_t i = 0; i < y.size(); ++i) EXPECT_FLOAT_EQ(y.as_double(i), q.as_int(i) * scale);
  const std::string csv = tb::slurp(dir_ / "r.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 6);
}

TEST_F(NetCli, ACalibrationBatchAndThePercentileSetTheScales) {
  // The calibration batch may differ from the input in N; its ranges set the scales.
  std::vector<float> big(2 * 3 * 16 * 16);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(((i * 7919) % 200) - 100);
  npy::write(path("calib.npy"), npy::make_float32({2, 3, 16, 16}, big));
  const auto scale_of = [this](const std::string& more) {
    const RunResult r = run(net("small_op11", "--shifts 8 --json " + path("r.json") + " " + more));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(tb::slurp(dir_ / "r.json")).at("output").at("scale").get<double>();
  };
  const double own = scale_of(""), calibrated = scale_of("--calib " + path("calib.npy"));
  const double pct = scale_of("--calibration percentile --percentile 50");
  EXPECT_NE(own, calibrated);
  EXPECT_LT(pct, own) << "the median of |y| is below its maximum";
  EXPECT_EQ(run(net("small_op11", "--shifts 8 --calibration percentile --percentile 40")).exit_code,
            2);
}

TEST_F(NetCli, BothEnginesGiveTheSameCodes) {
  ASSERT_EQ(run(net("geometry", "--shifts 3 --engine rtl --codes " + path("rtl.npy"))).exit_code,
            0);
  ASSERT_EQ(
      run(net("geometry", "--shifts 3 --engine model --codes " + path("model.npy"))).exit_code, 0);
  EXPECT_EQ(npy::read(path("rtl.npy")), npy::read(path("model.npy")));
}

TEST_F(NetCli, WhatItCannotTakeIsOneLineAndNoOutput) {
  const std::string outs = " --out " + path("y.npy") + " --json " + path("r.json");
  for (const auto& [args, cause] : std::vector<std::pair<std::string, std::string>>{
           {"net --model " + model("bad_sigmoid", ".onnx") + " --input " +
                model("bad_sigmoid", "_x.npy") + " --shifts 4",
            "(Sigmoid): operator Sigmoid is not supported"},
           {"net --model " + model("small", ".onnx") + " --input " + model("geometry", "_x.npy") +
                " --shifts 4",
            "the input given is (3, 4, 11, 11)"},
           {"net --model " + model("small", "_x.npy") + " --input " + model("small", "_x.npy") +
                " --shifts 4",
            "not an ONNX model"},
           {net("small", "--shifts 4 --layer nolayer"), "a layer override is NAME:N"},
           {net("small", "--target 3 --pe ds"), "layer /pw/Conv"},
       }) {
    SCOPED_TRACE(args);
    const RunResult r = run(args + outs);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(cause), std::string::npos) << "wanted '" << cause << "' in " << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "y.npy"));
    EXPECT_FALSE(fs::exists(dir_ / "r.json"));
  }
}

}  // namespace
}  // namespace swis
