// OutputFiles (lib/formats/output_files.h): an output never replaces an input or another output,
// links are written through, devices and standard output are written in place, names of any
// legal length work, and an interrupted commit leaves no temporary behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "lib/formats/output_files.h"

namespace swis {
namespace {

namespace fs = std::filesystem;

class OutputFilesTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(testing::TempDir()) / "swis_out_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }
  void put(const std::string& n, const std::string& text) const {
    std::ofstream(path(n), std::ios::binary) << text;
  }
  std::string get(const std::string& n) const {
    std::ifstream in(path(n), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Names in the folder, to see that no temporary is left.
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_)) v.push_back(e.path().filename());
    std::sort(v.begin(), v.end());
    return v;
  }
  std::string refusal(OutputFiles& f, const std::string& label, const std::string& p) {
    try {
      f.output(label, p);
    } catch (const OutputFileError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(OutputFilesTest, AnOutputOnAnInputIsRefusedWhateverTheNameItIsGivenBy) {
  put("W.npy", "weights");
  fs::create_hard_link(path("W.npy"), path("hard.npy"));
  fs::create_symlink(path("W.npy"), path("soft.npy"));
  fs::create_symlink("W.npy", path("relative.npy"));
  for (const std::string name : {"W.npy", "hard.npy", "soft.npy", "relative.npy", "./W.npy"}) {
    OutputFiles f;
    f.input("the weights", path("W.npy"));
    const std::string p = name == "./W.npy" ? dir_.string() + "/./W.npy" : path(name);
    const std::string msg = refusal(f, "--out", p);
    EXPECT_NE(msg.find("is the same file as the weights " + path("W.npy")), std::string::npos)
        << name << ": " << msg;
  }
  EXPECT_EQ(get("W.npy"), "weights");
}

TEST_F(OutputFilesTest, TwoOutputsOnOneFileAreRefusedAndNamed) {
  OutputFiles f;
  f.output("--out", path("Y.npy"));
  const std::string msg = refusal(f, "--json", path("Y.npy"));
  EXPECT_NE(msg.find("--json " + path("Y.npy") + " and --out " + path("Y.npy") + " are the same"),
            std::string::npos)
      << msg;
  put("exists", "x");
  OutputFiles g;
  g.output("--out", path("exists"));
  fs::create_symlink(path("exists"), path("link"));
  EXPECT_NE(refusal(g, "--json", path("link")).find("are the same file"), std::string::npos);
  // Devices may take several outputs.
  OutputFiles h;
  h.output("--out", "/dev/null");
  EXPECT_EQ(refusal(h, "--json", "/dev/null"), "");
}

TEST_F(OutputFilesTest, ASymlinkIsWrittenThroughAndStaysALink) {
  put("target", "old");
  fs::create_symlink("target", path("link"));
  fs::create_symlink(path("missing"), path("dangling"));
  OutputFiles f;
  f.add(path("link"), std::string("new"));
  f.add(path("dangling"), std::string("made"));
  f.commit();
  EXPECT_TRUE(fs::is_symlink(path("link")));
  EXPECT_EQ(get("target"), "new");
  EXPECT_TRUE(fs::is_symlink(path("dangling")));
  EXPECT_EQ(get("missing"), "made");
  EXPECT_EQ(entries(), (std::vector<std::string>{"dangling", "link", "missing", "target"}));
}

TEST_F(OutputFilesTest, ACharacterDeviceIsWrittenInPlaceNotReplaced) {
  OutputFiles f;
  f.add("/dev/null", std::string("discarded"));
  f.commit();
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null is no longer a device";
}

TEST_F(OutputFilesTest, DashIsStandardOutput) {
  // Standard output goes to a file for the length of the commit.
  const int saved = ::dup(STDOUT_FILENO);
  const int fd = ::open(path("captured").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ::dup2(fd, STDOUT_FILENO);
  OutputFiles f;
  f.add("-", std::string("to stdout\n"));
  f.commit();
  ::dup2(saved, STDOUT_FILENO);
  ::close(fd);
  ::close(saved);
  EXPECT_EQ(get("captured"), "to stdout\n");
}

TEST_F(OutputFilesTest, ALongestLegalNameWorks) {
  const std::string name(250, 'y');
  write_file(path(name), std::vector<uint8_t>{1, 2, 3});
  EXPECT_EQ(get(name), std::string("\x01\x02\x03", 3));
  EXPECT_EQ(entries(), std::vector<std::string>{name});
}

TEST_F(OutputFilesTest, WhatCannotBeAnOutputIsRefusedBeforeAnyWork) {
  fs::create_directory(path("dir"));
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  OutputFiles f;
  EXPECT_NE(refusal(f, "--out", path("dir")).find("is a directory"), std::string::npos);
  EXPECT_NE(refusal(f, "--out", path("fifo")).find("is a FIFO"), std::string::npos);
  EXPECT_NE(refusal(f, "--out", path("no/such/Y.npy")).find("does not exist"), std::string::npos);
  EXPECT_EQ(entries(), (std::vector<std::string>{"dir", "fifo"}));
}

TEST_F(OutputFilesTest, AReplacedFileKeepsItsPermissions) {
  put("Y.npy", "old");
  ::chmod(path("Y.npy").c_str(), 0640);
  write_file(path("Y.npy"), std::vector<uint8_t>{'n'});
  struct stat st {};
  ASSERT_EQ(::stat(path("Y.npy").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(get("Y.npy"), "n");
}

TEST_F(OutputFilesTest, InterruptedCommitLeavesNoTemporaryAndNoDestination) {
  // A child commits a large file; SIGINT arrives while the temporary is being written.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    OutputFiles f;
    f.add(path("big.bin"), std::vector<uint8_t>(size_t{256} << 20, 7));
    f.commit();
    ::_exit(0);
  }
  bool seen = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!seen && std::chrono::steady_clock::now() < until) {
    for (const auto& e : fs::directory_iterator(dir_)) {
      seen |= e.path().filename().string().rfind(".swis-", 0) == 0;
    }
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(seen) << "the temporary never appeared";
  ::kill(child, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
      << "the commit finished before the signal (status " << status << ")";
  EXPECT_TRUE(entries().empty()) << entries().front();
}

}  // namespace
}  // namespace swis
