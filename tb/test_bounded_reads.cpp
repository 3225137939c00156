// Bounded reads (issue 13): npy::read and read_topology look at a file's type, size and preamble
// before its body, so /dev/zero, a pipe that never ends or a huge file cannot make them read (or
// allocate) without end, and their refusals are the same lines parse() gives for the same bytes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "lib/formats/npy.h"
#include "lib/formats/topology.h"
#include "tb/npy_test_util.h"

// Sanitizers with shadow memory reserve terabytes of address space at start-up, so under them a
// limit on the address space would refuse every allocation; those builds rely on the alarm.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SWIS_SHADOW_MEMORY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SWIS_SHADOW_MEMORY 1
#endif
#endif

namespace swis::npy {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// A version 1.0 preamble and header for `dict`, padded as numpy pads it.
std::vector<uint8_t> npy_prefix(const std::string& dict) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(static_cast<uint8_t>(h.size()));
  out.push_back(static_cast<uint8_t>(h.size() >> 8));
  append(&out, h);
  return out;
}

std::string u1_dict(uint64_t n) {
  return "{'descr': '|u1', 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }";
}

// The one line an input is refused with, checked to name `path`; empty (and a test failure) if
// it is accepted.
template <typename Error, typename Read>
std::string refusal(const std::string& path, Read&& read_it) {
  try {
    read_it();
    ADD_FAILURE() << path << " was accepted";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << "message spans lines: " << m;
    EXPECT_EQ(m.rfind(path + ":", 0), 0u) << "message does not start with the path: " << m;
    return m;
  }
  return "";
}

std::string read_refusal(const std::string& path) {
  return refusal<NpyError>(path, [&] { read(path); });
}
std::string topology_refusal(const std::string& path) {
  return refusal<TopologyError>(path, [&] { read_topology(path); });
}
std::string parse_refusal(const std::vector<uint8_t>& bytes, const std::string& name) {
  return refusal<NpyError>(name, [&] { parse(bytes, name); });
}

// A regular file of `size` bytes that starts with `head` and is a hole after it.
void sparse_file(const std::string& path, const std::vector<uint8_t>& head, uint64_t size) {
  put_file(path, head);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0) << std::strerror(errno);
  ::close(fd);
}

// Feeds a FIFO from a thread: `head`, then `zeros` zero bytes, until the reader closes its end.
// What the writer got into the pipe bounds what the reader read (plus the pipe's buffer).
class FifoWriter {
 public:
  FifoWriter(const std::string& path, std::vector<uint8_t> head, uint64_t zeros) : path_(path) {
    if (::mkfifo(path.c_str(), 0600) != 0) {
      ADD_FAILURE() << "mkfifo " << path << ": " << std::strerror(errno);
      done_ = true;
      return;
    }
    thread_ = std::thread([this, head = std::move(head), zeros] { run(head, zeros); });
  }
  ~FifoWriter() { finish(); }
  FifoWriter(const FifoWriter&) = delete;
  FifoWriter& operator=(const FifoWriter&) = delete;

  // Waits for the writer and returns the bytes it wrote.
  uint64_t finish() {
    if (!thread_.joinable()) return written_;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done_ && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // A reader that never opened the FIFO leaves the writer blocked in open(); a reader end
    // opened and closed here releases it, and its next write fails with EPIPE.
    while (!done_) {
      const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    thread_.join();
    return written_;
  }

 private:
  void run(const std::vector<uint8_t>& head, uint64_t zeros) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      const std::vector<uint8_t> chunk(1 << 16, 0);
      bool open = write_all(fd, head.data(), head.size());
      while (open && zeros > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros, chunk.size()));
        open = write_all(fd, chunk.data(), n);
        zeros -= n;
      }
      ::close(fd);
    }
    done_ = true;
  }

  // False once the reader has gone (EPIPE; SIGPIPE is ignored by the fixture).
  bool write_all(int fd, const uint8_t* p, size_t n) {
    while (n > 0) {
      const ssize_t r = ::write(fd, p, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      written_ += static_cast<uint64_t>(r);
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }

  std::string path_;
  std::atomic<uint64_t> written_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// A writer whose reader has gone gets EPIPE instead of a SIGPIPE that ends the test program.
class BoundedReads : public NpyFiles {
 protected:
  void SetUp() override {
    NpyFiles::SetUp();
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old_sigpipe_), 0);
  }
  void TearDown() override {
    ::sigaction(SIGPIPE, &old_sigpipe_, nullptr);
    NpyFiles::TearDown();
  }

  struct sigaction old_sigpipe_ {};
};

// ---------------------------------------------------------------------------------------------
// Inputs that would make an unbounded reader run out of memory or never return. Each runs in a
// child with an alarm and, outside the shadow-memory sanitizers, 256 MiB of address space more
// than it started with; the child prints the refusal and exits 0, and the parent matches it.

using BoundedReadsDeathTest = NpyFiles;

void limit_child() {
  ::alarm(20);
#ifndef SWIS_SHADOW_MEMORY
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  if (statm >> pages) {
    const uint64_t bytes = pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) + 256 * kMiB;
    const rlimit limit{bytes, bytes};
    ::setrlimit(RLIMIT_AS, &limit);
  }
#endif
}

[[noreturn]] void refuse_in_child(const std::function<void()>& read_it) {
  limit_child();
  try {
    read_it();
    std::fputs("accepted\n", stderr);
  } catch (const std::exception& e) {
    const std::string m = e.what();
    std::fprintf(stderr, "%s\n", m.c_str());
    if (m.find('\n') == std::string::npos) std::_Exit(0);
  }
  std::_Exit(1);
}

TEST_F(BoundedReadsDeathTest, NpyReadOfDevZeroStopsAtTheMagic) {
  EXPECT_EXIT(refuse_in_child([] { read("/dev/zero"); }), ::testing::ExitedWithCode(0),
              "/dev/zero: not a \\.npy file \\(bad magic: expected '\\\\x93NUMPY', found "
              "'(\\\\x00){6}'\\)");
}

TEST_F(BoundedReadsDeathTest, TopologyOfDevZeroStopsAt16MiB) {
  EXPECT_EXIT(refuse_in_child([] { read_topology("/dev/zero"); }), ::testing::ExitedWithCode(0),
              "/dev/zero: more than the 16 MiB a topology may have");
}

// The file holds 512 MiB (a hole) where the header claims 1 GiB: refused on its size alone.
TEST_F(BoundedReadsDeathTest, SparseNpyShorterThanItsHeaderClaimsIsNotRead) {
  const std::vector<uint8_t> head = npy_prefix(u1_dict(1024 * kMiB));
  const std::string p = path("sparse.npy");
  sparse_file(p, head, head.size() + 512 * kMiB);
  EXPECT_EXIT(refuse_in_child([&] { read(p); }), ::testing::ExitedWithCode(0),
              "truncated data: shape \\(1073741824,\\) of \\|u1 needs 1073741824 data bytes, "
              "found 536870912");
}

// ---------------------------------------------------------------------------------------------
// npy::read

TEST_F(BoundedReads, NpyGarbageThroughAFifoIsRefusedAfterThePreamble) {
  const std::string p = path("zeros.fifo");
  FifoWriter writer(p, {}, 64 * kMiB);
  EXPECT_TRUE(mentions(read_refusal(p), "not a .npy file (bad magic"));
  const uint64_t written = writer.finish();
  EXPECT_LT(written, 4 * kMiB) << "the reader took " << written << " of 64 MiB of zeros";
}

TEST_F(BoundedReads, ValidNpyThroughAFifoReadsBack) {
  std::vector<int32_t> values(kMiB);  // 4 MiB of data: many pipe buffers and read() calls
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int32_t>(i * 2654435761u);
  const Array want = make_int32({1024, 1024}, values);
  const std::string p = path("array.fifo");
  FifoWriter writer(p, serialize(want), 0);
  const Array got = read(p);
  EXPECT_EQ(writer.finish(), serialize(want).size());
  EXPECT_EQ(got.shape, want.shape);
  EXPECT_TRUE(got == want);
}

TEST_F(BoundedReads, NpyFifoThatGoesOnAfterTheDataIsRefusedAfterAProbe) {
  const std::vector<uint8_t> file = serialize(make_int16({3, 5}, std::vector<int16_t>(15, 7)));
  const std::string p = path("endless.fifo");
  FifoWriter writer(p, file, 64 * kMiB);
  const std::string m = read_refusal(p);
  EXPECT_TRUE(mentions(m, "at least 65536 trailing bytes after the array data"));
  EXPECT_TRUE(mentions(m, "needs 30 data bytes, found at least 65566)"));
  const uint64_t written = writer.finish();
  EXPECT_LT(written, 4 * kMiB) << "the reader took " << written << " of 64 MiB of trailing zeros";
}

// Through a regular file and through a FIFO, every prefix of a valid file and the file with bytes
// after it is refused with the line parse() gives for the same bytes.
TEST_F(BoundedReads, NpyRefusalsAreParsesWhateverTheFileIs) {
  std::vector<std::vector<uint8_t>> inputs;
  for (const Array& a : {make_int16({3}, {1, 2, 3}), make_float64({}, {0.5})}) {
    const std::vector<uint8_t> full = serialize(a);
    for (size_t n = 0; n < full.size(); ++n) inputs.emplace_back(full.begin(), full.begin() + n);
    for (size_t extra : {1, 2, 4096}) {
      inputs.push_back(full);
      inputs.back().resize(full.size() + extra, 0xee);
    }
  }
  for (const char* garbage : {"PK\x03\x04", "\x93NUMPY\x04\x00", "\x93NUMPY\x01\x01xx"}) {
    inputs.emplace_back(garbage, garbage + std::strlen(garbage) + 1);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string regular = path("in" + std::to_string(i) + ".npy");
    put_file(regular, inputs[i]);
    EXPECT_EQ(read_refusal(regular), parse_refusal(inputs[i], regular)) << "input " << i;
    const std::string fifo = path("in" + std::to_string(i) + ".fifo");
    FifoWriter writer(fifo, inputs[i], 0);
    EXPECT_EQ(read_refusal(fifo), parse_refusal(inputs[i], fifo)) << "input " << i;
  }
}

TEST_F(BoundedReads, NpyHeaderClaimingAGibibyteOfMissingDataIsRefusedOnItsSize) {
  const std::vector<uint8_t> head = npy_prefix(u1_dict(1024 * kMiB));
  const std::string p = path("header_only.npy");
  sparse_file(p, head, head.size());
  EXPECT_EQ(
      read_refusal(p),
      p + ": truncated data: shape (1073741824,) of |u1 needs 1073741824 data bytes, found 0");
}

TEST_F(BoundedReads, NpyHeaderLengthOf2MiBIsRefusedBeforeTheHeaderIsRead) {
  const uint32_t len = 2 << 20;
  std::vector<uint8_t> preamble = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0};
  for (int k = 0; k < 4; ++k) preamble.push_back(static_cast<uint8_t>(len >> (8 * k)));
  const std::string regular = path("long_header.npy");
  put_file(regular, preamble);
  EXPECT_EQ(read_refusal(regular),
            regular +
                ": header length 2097152 is above the 1048576 bytes (1 MiB) this reader "
                "accepts");

  // The header's bytes are there this time, and more: the reader takes none of them.
  const std::string fifo = path("long_header.fifo");
  FifoWriter writer(fifo, preamble, 64 * kMiB);
  EXPECT_TRUE(mentions(read_refusal(fifo), "header length 2097152 is above"));
  const uint64_t written = writer.finish();
  EXPECT_LT(written, 1 * kMiB) << "the reader took " << written << " bytes";
}

TEST_F(BoundedReads, DirectoriesAreDirectoriesForBothReaders) {
  const std::string d = dir_.string();
  EXPECT_EQ(read_refusal(d), d + ": is a directory, not a .npy file");
  EXPECT_EQ(topology_refusal(d), d + ": is a directory, not a topology CSV");
}

// ---------------------------------------------------------------------------------------------
// read_topology

TEST_F(BoundedReads, TopologyOver16MiBIsRefusedOnItsSize) {
  const std::string big = path("big.csv");
  sparse_file(big, {}, 17 * kMiB);
  EXPECT_EQ(topology_refusal(big),
            big + ": 17825792 bytes, more than the 16 MiB a topology may have");
  // The bound is the size itself: 16 MiB of NULs get as far as the parser.
  const std::string limit = path("limit.csv");
  sparse_file(limit, {}, 16 * kMiB);
  const std::string m = topology_refusal(limit);
  EXPECT_FALSE(mentions(m, "16 MiB")) << m;
  EXPECT_TRUE(mentions(m, limit + ":1: the header is neither")) << m;
}

TEST_F(BoundedReads, TopologyThroughAFifoIsBoundedToo) {
  const std::string csv = "Layer, M, N, K,\nfc1, 4, 8, 16,\n";
  const std::string ok = path("ok.fifo");
  FifoWriter small(ok, {csv.begin(), csv.end()}, 0);
  const Topology t = read_topology(ok);
  ASSERT_EQ(t.layers.size(), 1u);
  EXPECT_EQ(t.layers[0].k, 16);

  const std::string endless = path("endless.fifo");
  FifoWriter writer(endless, {}, 64 * kMiB);
  EXPECT_EQ(topology_refusal(endless), endless + ": more than the 16 MiB a topology may have");
  const uint64_t written = writer.finish();
  EXPECT_LT(written, 20 * kMiB) << "the reader took " << written << " of 64 MiB of zeros";
}

}  // namespace
}  // namespace swis::npy
