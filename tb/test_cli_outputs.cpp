// The swis tool's options and outputs as a user meets them: an output never replaces an input
// or another output, links are written through, devices stay devices, "-" is stdout, long names
// work; options parse as CLI11 does (help with defaults, --opt=value, values that look like
// options refused, exclusions named); progress shows when asked; perf writes its files after
// --verify; an unreachable target names what would work.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "lib/formats/npy.h"
#include "tb/cli_test_util.h"

namespace swis {
namespace {

namespace fs = std::filesystem;

class CliOutputs : public tb::SwisCliTest {
 protected:
  void SetUp() override {
    SwisCliTest::SetUp();
    std::mt19937_64 rng(3);
    std::normal_distribution<double> d(0.0, 0.1);
    std::vector<float> w(8 * 16 * 9);
    for (auto& x : w) x = static_cast<float>(d(rng));
    npy::write(path("W.npy"), npy::make_float32({8, 16, 3, 3}, w));
    npy::write(path("A.npy"), npy::make_uint8({1, 16, 6, 6}, std::vector<uint8_t>(576, 7)));
    fs::copy_file(fs::path(__FILE__).parent_path().parent_path() / "topologies/resnet18.csv",
                  dir_ / "T.csv");
    for (const char* f : {"W.npy", "A.npy", "T.csv"}) before_[f] = tb::slurp(dir_ / f);
  }
  std::string quantize(const std::string& outputs) {
    return "quantize " + path("W.npy") + " --group 4 --shifts 3 " + outputs;
  }
  std::string run_layer(const std::string& outputs) {
    return "run --weights " + path("W.npy") + " --acts " + path("A.npy") +
           " --group 4 --shifts 3 --pad 1 " + outputs;
  }
  // Exit 2, one line on stderr holding `cause`, nothing on stdout, the inputs as they were.
  void expect_refused(const std::string& args, const std::string& cause) {
    SCOPED_TRACE("swis " + args);
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(cause), std::string::npos) << "wanted '" << cause << "' in " << r.err;
    EXPECT_EQ(r.out, "");
    for (const auto& [f, bytes] : before_) EXPECT_EQ(tb::slurp(dir_ / f), bytes) << f << " changed";
  }
  std::map<std::string, std::string> before_;
};

TEST_F(CliOutputs, AnOutputOnAnInputIsRefusedAndTheInputKept) {
  fs::create_hard_link(dir_ / "W.npy", dir_ / "hard.npy");
  fs::create_symlink(dir_ / "A.npy", dir_ / "soft.npy");
  const std::string same = "is the same file as";
  expect_refused(quantize("--out " + path("W.npy")), "--out " + path("W.npy") + " " + same);
  expect_refused(quantize("--packed " + path("hard.npy")), same + " the weights");
  expect_refused(quantize("--json " + path("W.npy")), same);
  expect_refused(run_layer("--out " + path("A.npy")), same + " the activations");
  expect_refused(run_layer("--json " + path("W.npy")), same + " the weights");
  expect_refused(run_layer("--out " + path("soft.npy")), same + " the activations");
  expect_refused("perf --topology " + path("T.csv") + " --csv " + path("T.csv"),
                 same + " the topology");
}

TEST_F(CliOutputs, TwoOutputsOnOneFileAreRefusedAndNothingIsWritten) {
  expect_refused(run_layer("--out " + path("Y.npy") + " --json " + path("Y.npy")),
                 "--json " + path("Y.npy") + " and --out " + path("Y.npy") + " are the same file");
  EXPECT_FALSE(fs::exists(dir_ / "Y.npy"));
}

TEST_F(CliOutputs, DevNullTakesOutputsAndStaysADevice) {
  const RunResult r = run(quantize("--out /dev/null --json /dev/null --packed /dev/null"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(CliOutputs, ASymlinkOutputIsWrittenThroughAndStaysALink) {
  fs::create_symlink("Q.npy", dir_ / "link.npy");
  const RunResult r = run(quantize("--out " + path("link.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.npy"));
  EXPECT_EQ(npy::read(path("Q.npy")).shape, (std::vector<int64_t>{8, 16, 3, 3}));
}

TEST_F(CliOutputs, DashIsStandardOutputAndTheReportGoesToStderr) {
  const RunResult r = run(quantize("--json -"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);  // stdout is the JSON alone
  EXPECT_EQ(j.at("shifts"), 3);
  EXPECT_NE(r.err.find("effective shifts 3"), std::string::npos) << r.err;
}

TEST_F(CliOutputs, AFileNameOfTheLongestLegalLengthWorks) {
  const std::string name(250, 'q');
  const RunResult r = run(quantize("--out " + path(name)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / name));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_NE(e.path().filename().string().rfind(".swis-", 0), 0u) << "left " << e.path();
  }
}

TEST_F(CliOutputs, EveryHelpExitsZeroAndShowsDefaults) {
  for (const char* sub : {"", "quantize ", "run ", "sim ", "perf ", "pe-regress "}) {
    const RunResult r = run(std::string(sub) + "--help");
    EXPECT_EQ(r.exit_code, 0) << sub << r.err;
    EXPECT_EQ(r.err, "") << sub;
    EXPECT_NE(r.out.find("Usage: swis"), std::string::npos) << sub << r.out;
  }
  const RunResult q = run("quantize --help");
  for (const char* shown : {"--group INT:INT in [1 - 16]=4", "--metric TEXT:{mse,mse++}=mse",
                            "--pe TEXT:{ss,ds}=ds", "Excludes: --target"}) {
    EXPECT_NE(q.out.find(shown), std::string::npos) << shown << " in\n" << q.out;
  }
  EXPECT_EQ(q.out.find("--shifts INT:INT in [1 - 8]=0"), std::string::npos)
      << "--shifts has no default to show";
}

TEST_F(CliOutputs, OptionsParseAsCli11DoesAndErrorsNameTheOption) {
  EXPECT_EQ(run("quantize " + path("W.npy") + " --group=4 --shifts=3").exit_code, 0);
  expect_refused(quantize("--json --out " + path("x")), "--json: needs a file name, got '--out'");
  expect_refused(quantize("--packed --json2 " + path("x")), "--packed: needs a file name");
  expect_refused("quantize " + path("W.npy") + " --group 4 --target ''", "--target");
  expect_refused("run", "--weights is required");
  expect_refused(quantize("--alpha nan"), "--alpha: needs a finite number");
  expect_refused(quantize("--group 17"), "--group");
  expect_refused("quantize " + path("W.npy") + " --group 4", "give --shifts N");
  expect_refused(quantize("--target 3"), "--shifts excludes --target");
  expect_refused(run_layer("--array-cols 4"), "the tile width is the array's: use --cols");
  const RunResult none = run("");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.out, "");
  EXPECT_NE(none.err.find("a command is required"), std::string::npos) << none.err;
}

TEST_F(CliOutputs, ProgressShowsOnStderrWhenAskedAndNotOtherwise) {
  const RunResult quiet = run("sim --dir " + path("s"));
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "") << "progress on a stderr that is not a terminal, unasked";
  const RunResult shown = run("sim --progress --dir " + path("s"));
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.err.find("swis run arr_ds_8x8: 43216 / 43216 cycles (100%)"), std::string::npos)
      << shown.err;
  EXPECT_NE(shown.err.find("kcycles/s"), std::string::npos) << shown.err;
  EXPECT_EQ(shown.out, quiet.out) << "progress must not change the report";
}

TEST_F(CliOutputs, PerfWritesItsFilesAfterVerifyingAndMarksTheRowsItRan) {
  const RunResult r = run("perf --topology " + path("T.csv") + " --target 3 --verify 1 --csv " +
                          path("t.csv") + " --json " + path("t.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.out.find("verify: 1 of 1 layers agree"), r.out.find("wrote " + path("t.csv")))
      << r.out;
  const std::string csv = tb::slurp(dir_ / "t.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 22);  // header, 20 layers, total
  size_t yes = 0, pos = 0;
  while ((pos = csv.find(",yes\n", pos)) != std::string::npos) ++yes, ++pos;
  EXPECT_EQ(yes, 1u) << csv;
  const nlohmann::json j = nlohmann::json::parse(tb::slurp(dir_ / "t.json"));
  EXPECT_EQ(j.at("verify").at("agreed"), 1);
  EXPECT_EQ(j.at("layers").size(), 20u);
  int verified = 0, unverified = 0;
  for (const auto& l : j.at("layers")) (l.at("verified").is_null() ? unverified : verified) += 1;
  EXPECT_EQ(verified, 1);
  EXPECT_EQ(unverified, 19);
  EXPECT_EQ(j.at("total").at("cycles"), 11250368);
}

TEST_F(CliOutputs, PerfOnTheFixedPointArrayTakesOneStepPerGroupAndChecksItOnTheRtl) {
  // 8-bit fixed point: one step per group, as many as double shift at N = 2 (one step of
  // two slots per group); --verify runs the smallest layer on the Verilated arr_fxp_2x3 (the
  // sanitizer build has no fixed-point 8 x 8).
  const std::string perf = "perf --topology " + path("T.csv") + " --rows 2 --cols 3";
  const RunResult f = run(perf + " --pe fxp --verify 1 --json " + path("f.json"));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_NE(f.out.find("on the RTL (arr_fxp_2x3"), std::string::npos) << f.out;
  const RunResult d = run(perf + " --pe ds --shifts 2 --json " + path("d.json"));
  ASSERT_EQ(d.exit_code, 0) << d.err;
  const nlohmann::json jf = nlohmann::json::parse(tb::slurp(dir_ / "f.json"));
  const nlohmann::json jd = nlohmann::json::parse(tb::slurp(dir_ / "d.json"));
  EXPECT_EQ(jf.at("array").at("pe"), "fxp");
  EXPECT_EQ(jf.at("verify").at("agreed"), 1);
  EXPECT_EQ(jf.at("total").at("cycles"), jd.at("total").at("cycles"));
  EXPECT_EQ(jf.at("total").at("ideal_cycles"), jd.at("total").at("ideal_cycles"));
  // N does not apply to fixed point.
  const RunResult bad = run("perf --topology " + path("T.csv") + " --pe fxp --shifts 3");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--pe fxp"), std::string::npos) << bad.err;
}

TEST_F(CliOutputs, AnUnreachableTargetNamesWhatWouldWork) {
  // 10 filters on 8 columns of double-shift PEs: tiles of 8 and 2 with even N cannot average 3.
  npy::write(path("W10.npy"), npy::make_float32({10, 16, 3, 3}, std::vector<float>(1440, 0.1f)));
  const std::string w = "quantize " + path("W10.npy") + " --group 4 --pe ds --target 3";
  const RunResult r = run(w);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nearest reachable: --target 2.8 or --target 3.2"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--pe ss"), std::string::npos) << r.err;
  // What it names does work.
  for (const char* fix : {" --target 2.8", " --target 3.2"}) {
    EXPECT_EQ(run("quantize " + path("W10.npy") + " --group 4 --pe ds" + fix).exit_code, 0) << fix;
  }
  EXPECT_EQ(run("quantize " + path("W10.npy") + " --group 4 --pe ss --target 3").exit_code, 0);
}

}  // namespace
}  // namespace swis
