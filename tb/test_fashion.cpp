// The committed Fashion-MNIST networks (models/, scripts/train_fashion.py) through `swis net` on
// the first 100 test images: the float network's top-1 is the one recorded when it was trained,
// the int8 network's is close to it, the batching does not change a result (only the cycles of
// the GEMMs it makes), activation
// truncation does, and an idx file that is not images or labels is refused in one line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "lib/formats/npy.h"
#include "tb/cli_test_util.h"

namespace swis {
namespace {

const std::string kData = SWIS_FASHION_MNIST;
const std::string kImages = kData + "/t10k-images-idx3-ubyte.gz";
const std::string kLabels = kData + "/t10k-labels-idx1-ubyte.gz";
const std::string kTrain = kData + "/train-images-idx3-ubyte.gz";

class Fashion : public tb::SwisCliTest {
 protected:
  static std::string model(const std::string& name) {
    return std::string(SWIS_MODELS) + "/fashion_" + name + ".onnx";
  }
  static nlohmann::json recorded(const std::string& name) {
    return nlohmann::json::parse(tb::slurp(std::string(SWIS_MODELS) + "/fashion.json")).at(name);
  }
  // swis net on the first `n` test images; the JSON report.
  nlohmann::json net(const std::string& name, int n, const std::string& more) {
    const RunResult r = run("net --engine model --model " + model(name) + " --input " + kImages +
                            " --labels " + kLabels + " --first " + std::to_string(n) + " --calib " +
                            kTrain + " --calib-first 200 --json " + path("r.json") + " " + more);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("top-1 on " + std::to_string(n) + " images"), std::string::npos) << r.out;
    return nlohmann::json::parse(tb::slurp(dir_ / "r.json"));
  }
};

TEST_F(Fashion, HundredImagesMatchTheRecordedAccuracy) {
  for (const std::string name : {"resnet", "mobilenet"}) {
    const nlohmann::json j = net(name, 100, "--shifts 8");
    const nlohmann::json& acc = j.at("accuracy");
    EXPECT_EQ(acc.at("images"), 100);
    EXPECT_DOUBLE_EQ(acc.at("float_top1").get<double>(),
                     recorded(name).at("float_top1_first100").get<double>())
        << name;
    EXPECT_NEAR(acc.at("top1").get<double>(), acc.at("float_top1").get<double>(), 3.0) << name;
    EXPECT_GE(acc.at("agree_with_float").get<double>(), 95.0) << name;
    EXPECT_TRUE(j.at("pass").get<bool>());
  }
}

TEST_F(Fashion, TheBatchChangesNoResult) {
  for (const std::string calibration : {"max", "percentile"}) {
    const std::string more = "--shifts 3 --calibration " + calibration + " --predictions ";
    const nlohmann::json one = net("resnet", 60, more + path("p1.npy") + " --batch 60");
    const nlohmann::json split = net("resnet", 60, more + path("p2.npy") + " --batch 25");
    EXPECT_EQ(npy::read(path("p1.npy")), npy::read(path("p2.npy")));
    EXPECT_EQ(npy::read(path("p1.npy")).shape, (std::vector<int64_t>{60}));
    EXPECT_EQ(one.at("accuracy"), split.at("accuracy"));
    EXPECT_EQ(one.at("output").at("scale"), split.at("output").at("scale"));
    EXPECT_DOUBLE_EQ(one.at("output").at("sqnr_db").get<double>(),
                     split.at("output").at("sqnr_db").get<double>());
    // Cycles do depend on it: a batch is a GEMM of its own, with its own partial row blocks.
    EXPECT_EQ(one.at("total").at("macs"), split.at("total").at("macs"));
    for (size_t l = 0; l < one.at("layers").size(); ++l) {
      EXPECT_EQ(one.at("layers")[l].at("output"), split.at("layers")[l].at("output"));
      EXPECT_NEAR(one.at("layers")[l].at("output_sqnr_db").get<double>(),
                  split.at("layers")[l].at("output_sqnr_db").get<double>(), 1e-9);
    }
  }
}

TEST_F(Fashion, WithoutTheFloatNetworkTheIntegerResultsStay) {
  const nlohmann::json with = net("mobilenet", 40, "--target 2.5 --nearest-target --pe ds");
  const nlohmann::json without =
      net("mobilenet", 40, "--target 2.5 --nearest-target --pe ds --no-float");
  EXPECT_EQ(with.at("accuracy").at("top1"), without.at("accuracy").at("top1"));
  EXPECT_FALSE(without.at("accuracy").contains("float_top1"));
  EXPECT_TRUE(without.at("output").at("sqnr_db").is_null());
  EXPECT_EQ(with.at("total"), without.at("total"));
  // --nearest-target: the 24-filter projections cannot take 2.5 on double-shift tiles of 8; the
  // network's average stays near it.
  EXPECT_NEAR(with.at("total").at("effective_shifts").get<double>(), 2.5, 0.2);
}

TEST_F(Fashion, ActivationTruncationCostsAccuracy) {
  const nlohmann::json full = net("resnet", 100, "--shifts 8");
  const nlohmann::json eight = net("resnet", 100, "--shifts 8 --act-bits 8");
  const nlohmann::json three = net("resnet", 100, "--shifts 8 --act-bits 3");
  EXPECT_EQ(full.at("output"), eight.at("output"));
  EXPECT_LT(three.at("output").at("sqnr_db").get<double>(),
            full.at("output").at("sqnr_db").get<double>() - 3);
  EXPECT_EQ(three.at("act_bits"), 3);
}

TEST_F(Fashion, TheVerilatedArrayPredictsAsTheModelEngine) {
  // make accuracy runs 200 images so; here 12, every beat checked against the golden model.
  const std::string more = "--target 3 --pe ds --nearest-target --layer first:8 --layer last:8 ";
  const nlohmann::json model = net("resnet", 12, more + "--predictions " + path("m.npy"));
  const RunResult r =
      run("net --engine rtl --model " + Fashion::model("resnet") + " --input " + kImages +
          " --labels " + kLabels + " --first 12 --calib " + kTrain + " --calib-first 200 --json " +
          path("rtl.json") + " --predictions " + path("r.npy") + " " + more);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json rtl = nlohmann::json::parse(tb::slurp(dir_ / "rtl.json"));
  EXPECT_EQ(rtl.at("engine"), "arr_ds_8x8");
  EXPECT_TRUE(rtl.at("pass").get<bool>());
  EXPECT_EQ(npy::read(path("m.npy")), npy::read(path("r.npy")));
  EXPECT_EQ(model.at("accuracy"), rtl.at("accuracy"));
  EXPECT_EQ(model.at("total").at("cycles"), rtl.at("total").at("cycles"));
}

TEST_F(Fashion, AnEmptyBatchIsRefused) {
  npy::write(path("empty.npy"), npy::make_float32({0, 1, 28, 28}, {}));
  for (const std::string args :
       {"--input " + path("empty.npy"),
        "--input " + kImages + " --first 3 --calib " + path("empty.npy")}) {
    const RunResult r = run("net --engine model --shifts 8 --model " + model("resnet") + " " +
                            args + " --json " + path("r.json"));
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("holds no images"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(path("r.json")));
  }
}

TEST_F(Fashion, AnIdxFileOfTheWrongKindIsRefused) {
  // Labels as images, images as labels, fewer labels than images: exit 2, one line, no output.
  const std::string base = "net --engine model --shifts 8 --model " + model("resnet") + " --json " +
                           path("r.json") + " ";
  for (const std::string args :
       {"--input " + kLabels + " --labels " + kLabels,
        "--input " + kImages + " --labels " + kImages,
        "--input " + kTrain + " --labels " + kLabels + " --first 10001",
        "--input " + kImages + " --first 5 --labels " + path("none.idx")}) {
    const RunResult r = run(base + args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(path("r.json")));
  }
}

}  // namespace
}  // namespace swis
