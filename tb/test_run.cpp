// swis run end to end: Y.npy equals a direct integer convolution (or GEMM) of Q.npy from
// swis quantize with the activations; bad input is one line, exit 2 and no output.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "lib/formats/npy.h"
#include "tb/accel_harness.h"

namespace swis {
namespace {

namespace fs = std::filesystem;

class Run : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("swis_run_" + std::to_string(::getpid()) + "_" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }

  int swis(const std::string& args, std::string* err = nullptr) {
    const std::string e = path("stderr.txt");
    const int status =
        std::system((std::string(SWIS_BIN) + " " + args + " >/dev/null 2>" + e).c_str());
    if (err) {
      std::ifstream in(e);
      *err = std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  fs::path dir_;
};

// Direct convolution: no im2col, no grouping.
std::vector<int64_t> direct_conv(const npy::Array& q, const npy::Array& a, int64_t stride,
                                 int64_t pad) {
  const int64_t F = q.shape[0], C = q.shape[1], kh = q.shape[2], kw = q.shape[3];
  const int64_t H = a.shape[2], W = a.shape[3];
  const int64_t Ho = (H + 2 * pad - kh) / stride + 1, Wo = (W + 2 * pad - kw) / stride + 1;
  std::vector<int64_t> y(static_cast<size_t>(F * Ho * Wo), 0);
  for (int64_t f = 0; f < F; ++f)
    for (int64_t oy = 0; oy < Ho; ++oy)
      for (int64_t ox = 0; ox < Wo; ++ox) {
        int64_t s = 0;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t y0 = 0; y0 < kh; ++y0)
            for (int64_t x0 = 0; x0 < kw; ++x0) {
              const int64_t iy = oy * stride - pad + y0, ix = ox * stride - pad + x0;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              s += q.as_int(((f * C + c) * kh + y0) * kw + x0) * a.as_int((c * H + iy) * W + ix);
            }
        y[static_cast<size_t>((f * Ho + oy) * Wo + ox)] = s;
      }
  return y;
}

std::vector<int64_t> values(const npy::Array& y) {
  std::vector<int64_t> v(static_cast<size_t>(y.size()));
  for (int64_t i = 0; i < y.size(); ++i) v[i] = y.as_int(i);
  return v;
}

TEST_F(Run, ConvolutionEqualsDirectConvOfQuantizedWeightsForStridesAndPadding) {
  std::mt19937_64 rng(9);
  std::normal_distribution<float> d(0, 0.1f);
  std::vector<float> w(16 * 6 * 3 * 3);
  for (auto& x : w) x = d(rng);
  npy::write(path("W.npy"), npy::make_float32({16, 6, 3, 3}, w));
  std::vector<int8_t> a(6 * 9 * 7);
  for (auto& x : a) x = static_cast<int8_t>(rng());
  npy::write(path("A.npy"), npy::make_int8({1, 6, 9, 7}, a));
  const std::string q = "--group 4 --method swis --target 3 --pe ds --metric mse++";
  ASSERT_EQ(swis("quantize " + path("W.npy") + " " + q + " --array-cols 8 --out " + path("Q.npy")),
            0);
  const npy::Array Q = npy::read(path("Q.npy"));
  for (auto [stride, pad] : {std::pair<int, int>{1, 0}, {1, 1}, {2, 1}, {2, 0}}) {
    std::string err;
    const std::string y = path("Y" + std::to_string(stride) + std::to_string(pad) + ".npy");
    ASSERT_EQ(swis("run --weights " + path("W.npy") + " --acts " + path("A.npy") + " " + q +
                       " --stride " + std::to_string(stride) + " --pad " + std::to_string(pad) +
                       " --out " + y,
                   &err),
              0)
        << err;
    const npy::Array Y = npy::read(y);
    ASSERT_EQ(Y.dtype, npy::DType::kInt32);
    ASSERT_EQ(Y.shape[0], 1);
    ASSERT_EQ(Y.shape[1], 16);
    EXPECT_EQ(values(Y), direct_conv(Q, npy::read(path("A.npy")), stride, pad))
        << "stride " << stride << " pad " << pad;
  }
}

TEST_F(Run, GemmEqualsIntegerProductOfQuantizedWeights) {
  std::mt19937_64 rng(4);
  std::vector<int16_t> w(11 * 23);
  for (auto& x : w) x = static_cast<int16_t>(static_cast<int>(rng() % 511) - 255);
  npy::write(path("W.npy"), npy::make_int16({11, 23}, w));
  std::vector<uint8_t> a(13 * 23);
  for (auto& x : a) x = static_cast<uint8_t>(rng());
  npy::write(path("A.npy"), npy::make_uint8({13, 23}, a));
  const std::string q = "--group 4 --shifts 3 --pe ss";
  ASSERT_EQ(swis("quantize " + path("W.npy") + " " + q + " --out " + path("Q.npy")), 0);
  std::string err;
  ASSERT_EQ(swis("run --weights " + path("W.npy") + " --acts " + path("A.npy") + " " + q +
                     " --out " + path("Y.npy") + " --json " + path("R.json"),
                 &err),
            0)
      << err;
  const npy::Array Q = npy::read(path("Q.npy")), Y = npy::read(path("Y.npy"));
  ASSERT_EQ(Y.shape, (std::vector<int64_t>{13, 11}));
  for (int64_t p = 0; p < 13; ++p)
    for (int64_t f = 0; f < 11; ++f) {
      int64_t s = 0;
      for (int64_t k = 0; k < 23; ++k)
        s += Q.as_int(f * 23 + k) * a[static_cast<size_t>(p * 23 + k)];
      ASSERT_EQ(Y.as_int(p * 11 + f), s) << "row " << p << " filter " << f;
    }
  std::ifstream in(path("R.json"));
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* k :
       {"\"pass\": true", "\"cycles\"", "\"ideal_cycles\"", "\"utilization\"", "\"stall_cycles\"",
        "\"scalesim_os_cycles\"", "\"macs\": 3289", "\"rmse\"", "\"rmse_int\"",
        "\"compression_ratio\"", "\"effective_shifts\"", "\"tile_shifts\"", "\"output_sqnr_db\"",
        "\"cycles_match_closed_form\": true"}) {
    EXPECT_NE(json.find(k), std::string::npos) << k << " in\n" << json;
  }
}

// --engine accel: the same Y as the direct convolution, through the accelerator's memory; the
// traffic the bus carried equals the model's; an accelerator this build lacks is one line, exit 2.
TEST_F(Run, AcceleratorEngineGivesTheSameResultsAndTheModelsTraffic) {
  bool built = false;
  for (const auto& e : tb::accel_duts()) built = built || e.name == "acc_ss_4x3";
  if (!built) GTEST_SKIP() << "this build does not verilate acc_ss_4x3 (make sanitize's)";
  std::mt19937_64 rng(12);
  std::normal_distribution<float> d(0, 0.1f);
  std::vector<float> w(7 * 5 * 3 * 3);
  for (auto& x : w) x = d(rng);
  npy::write(path("W.npy"), npy::make_float32({7, 5, 3, 3}, w));
  std::vector<int8_t> a(5 * 6 * 5);
  for (auto& x : a) x = static_cast<int8_t>(rng());
  npy::write(path("A.npy"), npy::make_int8({1, 5, 6, 5}, a));
  const std::string q = "--group 4 --method swis-c --shifts 3 --pe ss";
  ASSERT_EQ(swis("quantize " + path("W.npy") + " " + q + " --out " + path("Q.npy")), 0);
  std::string err;
  ASSERT_EQ(swis("run --weights " + path("W.npy") + " --acts " + path("A.npy") + " " + q +
                     " --pad 1 --stride 2 --engine accel --rows 4 --cols 3 --dram-latency 31 --out " +
                     path("Y.npy") + " --json " + path("R.json"),
                 &err),
            0)
      << err;
  EXPECT_EQ(values(npy::read(path("Y.npy"))),
            direct_conv(npy::read(path("Q.npy")), npy::read(path("A.npy")), 2, 1));
  std::ifstream in(path("R.json"));
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["engine"], "accel");
  EXPECT_EQ(j["pass"], true);
  EXPECT_EQ(j["traffic_match"], true);
  EXPECT_EQ(j["traffic_measured"], j["traffic_predicted"]);
  // P = 3 x 3 outputs, F = 7: 63 int32 results.
  EXPECT_EQ(j["traffic_measured"]["results_written"], 7 * 9 * 4);
  EXPECT_GT(j["cycles"].get<int64_t>(), j["array_closed_form_cycles"].get<int64_t>());
  EXPECT_EQ(swis("run --weights " + path("W.npy") + " --acts " + path("A.npy") + " " + q +
                     " --pad 1 --engine accel --out " + path("Y8.npy"),
                 &err),
            2);
  EXPECT_NE(err.find("no Verilated accelerator of 8 x 8"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_FALSE(fs::exists(path("Y8.npy")));
}

TEST_F(Run, BadInputIsOneLineExitTwoAndNoOutput) {
  npy::write(path("W.npy"), npy::make_float32({4, 3, 3, 3}, std::vector<float>(108, 0.5f)));
  npy::write(path("A.npy"), npy::make_int8({1, 3, 5, 5}, std::vector<int8_t>(75, 1)));
  npy::write(path("A4.npy"), npy::make_int8({1, 4, 5, 5}, std::vector<int8_t>(100, 1)));
  npy::write(path("A2.npy"), npy::make_int8({5, 27}, std::vector<int8_t>(135, 1)));
  npy::write(path("Anan.npy"), npy::make_float32({1, 3, 5, 5}, std::vector<float>(75, NAN)));
  npy::write(path("W2.npy"), npy::make_float32({4, 10}, std::vector<float>(40, 0.5f)));
  const std::string base =
      " --group 4 --shifts 2 --out " + path("Y.npy") + " --json " + path("R.json");
  struct Case {
    std::string args, cause;
  } cases[] = {
      {"--weights " + path("W.npy") + " --acts " + path("A4.npy"), "channels"},
      {"--weights " + path("W.npy") + " --acts " + path("A2.npy"), "NCHW"},
      {"--weights " + path("W2.npy") + " --acts " + path("A.npy"), "(P, K)"},
      {"--weights " + path("W.npy") + " --acts " + path("A.npy") + " --stride 0", "--stride"},
      {"--weights " + path("W.npy") + " --acts " + path("Anan.npy"), "NaN"},
      {"--weights " + path("W.npy") + " --acts " + path("A.npy") + " --rows 5", "configurations"},
      {"--weights " + path("missing.npy") + " --acts " + path("A.npy"), "missing.npy"},
  };
  for (const auto& c : cases) {
    std::string err;
    EXPECT_EQ(swis("run " + c.args + base, &err), 2) << c.args;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find(c.cause), std::string::npos) << "wanted '" << c.cause << "' in " << err;
    EXPECT_FALSE(fs::exists(dir_ / "Y.npy"));
    EXPECT_FALSE(fs::exists(dir_ / "R.json"));
  }
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST_F(Run, ReportGivesBothScalesAndYTimesThemApproximatesTheFloatLayer) {
  // Float weights and float activations: both are quantized per tensor, and Y * weight_scale *
  // activation_scale must come close to the float layer, computed here directly.
  std::mt19937_64 rng(4);
  std::normal_distribution<double> d(0.0, 1.0);
  std::vector<float> w(6 * 9), a(7 * 9);
  for (auto& x : w) x = static_cast<float>(0.05 * d(rng));
  for (auto& x : a) x = static_cast<float>(3.0 * d(rng));
  npy::write(path("W.npy"), npy::make_float32({6, 9}, w));
  npy::write(path("A.npy"), npy::make_float32({7, 9}, a));
  ASSERT_EQ(swis("run --weights " + path("W.npy") + " --acts " + path("A.npy") +
                 " --group 4 --shifts 8 --out " + path("Y.npy") + " --json " + path("R.json")),
            0);
  const nlohmann::json r = read_json(path("R.json"));
  double max_w = 0, max_a = 0;
  for (float x : w) max_w = std::max(max_w, std::fabs(static_cast<double>(x)));
  for (float x : a) max_a = std::max(max_a, std::fabs(static_cast<double>(x)));
  EXPECT_DOUBLE_EQ(r.at("weight_scale").get<double>(), max_w / 127);
  EXPECT_DOUBLE_EQ(r.at("scale").get<double>(), max_w / 127);
  EXPECT_DOUBLE_EQ(r.at("activation_scale").get<double>(), max_a / 127);
  const npy::Array Y = npy::read(path("Y.npy"));
  const double deq = r.at("weight_scale").get<double>() * r.at("activation_scale").get<double>();
  double worst = 0, largest = 0;
  for (int64_t p = 0; p < 7; ++p) {
    for (int64_t f = 0; f < 6; ++f) {
      double ref = 0;
      for (int64_t k = 0; k < 9; ++k) ref += static_cast<double>(a[p * 9 + k]) * w[f * 9 + k];
      worst = std::max(worst, std::fabs(ref - static_cast<double>(Y.as_int(p * 6 + f)) * deq));
      largest = std::max(largest, std::fabs(ref));
    }
  }
  EXPECT_LT(worst, 0.05 * largest) << "Y x both scales is far from the float layer";
  EXPECT_TRUE(r.at("output_sqnr_db").is_number());
}

TEST_F(Run, SqnrOfAnAllZeroInputIsUndefinedNotInfinite) {
  npy::write(path("W.npy"), npy::make_float32({4, 8}, std::vector<float>(32, 0.5f)));
  npy::write(path("A.npy"), npy::make_float32({3, 8}, std::vector<float>(24, 0.0f)));
  const std::string out = path("stdout.txt");
  ASSERT_EQ(std::system((std::string(SWIS_BIN) + " run --weights " + path("W.npy") + " --acts " +
                         path("A.npy") + " --group 4 --shifts 2 --json " + path("R.json") + " >" +
                         out)
                            .c_str()),
            0);
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("output SQNR against the float layer: undefined"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("inf dB"), std::string::npos) << text;
  const nlohmann::json r = read_json(path("R.json"));
  EXPECT_TRUE(r.at("output_sqnr_db").is_null());
  EXPECT_EQ(r.at("output_signal_energy").get<double>(), 0.0);
}

}  // namespace
}  // namespace swis
