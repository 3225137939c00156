// The idx reader (lib/formats/idx.h) on files made here, plain and gzip'd: what it reads, what it
// refuses with one line, and that --first reads only the start.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lib/formats/idx.h"
#include "tb/cli_test_util.h"

namespace swis {
namespace {

std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, uint8_t type = 0x08) {
  std::vector<uint8_t> b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  uint64_t n = 1;
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
    n *= d;
  }
  for (uint64_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(i * 7 + 3));
  return b;
}

class Idx : public tb::SwisCliTest {
 protected:
  std::string write(const std::string& name, const std::vector<uint8_t>& b, bool gz) {
    const std::string p = path(name);
    if (gz) {
      gzFile f = gzopen(p.c_str(), "wb");
      gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
      gzclose(f);
    } else {
      std::ofstream(p, std::ios::binary)
          .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
    return p;
  }
  // The message of what read() throws, or "" when it reads the file.
  std::string refusal(const std::vector<uint8_t>& b, bool gz = false) {
    try {
      idx::read(write(gz ? "bad.gz" : "bad", b, gz));
    } catch (const idx::IdxError& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
      return m;
    }
    return "";
  }
};

TEST_F(Idx, ReadsPlainAndGzipAlike) {
  const std::vector<uint8_t> b = idx_bytes({3, 2, 5});
  for (bool gz : {false, true}) {
    const idx::Array a = idx::read(write(gz ? "a.gz" : "a", b, gz));
    EXPECT_EQ(a.shape, (std::vector<int64_t>{3, 2, 5}));
    ASSERT_EQ(a.data.size(), 30u);
    for (size_t i = 0; i < 30; ++i) EXPECT_EQ(a.data[i], b[16 + i]);
    EXPECT_TRUE(idx::looks_like_idx(path(gz ? "a.gz" : "a")));
  }
}

TEST_F(Idx, FirstReadsOnlyTheStart) {
  std::vector<uint8_t> b = idx_bytes({4, 3});
  const idx::Array a = idx::read(write("a", b, false), 2);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data, std::vector<uint8_t>(b.begin() + 12, b.begin() + 18));
  EXPECT_EQ(idx::read(path("a"), 9).shape, (std::vector<int64_t>{4, 3}));  // all there are
}

TEST_F(Idx, RefusesMalformedFiles) {
  const std::vector<uint8_t> good = idx_bytes({2, 3});
  EXPECT_EQ(refusal(good), "");
  EXPECT_NE(refusal({}).find("truncated"), std::string::npos);
  EXPECT_NE(refusal({0, 0}).find("truncated"), std::string::npos);
  std::vector<uint8_t> b = good;
  b[0] = 0x93;
  EXPECT_NE(refusal(b).find("bad magic"), std::string::npos);
  EXPECT_NE(refusal(idx_bytes({2, 3}, 0x0D)).find("0x0d is not unsigned bytes"), std::string::npos);
  b = good;
  b[3] = 0;
  EXPECT_NE(refusal(b).find("rank 0"), std::string::npos);
  b[3] = 5;
  EXPECT_NE(refusal(b).find("rank 5"), std::string::npos);
  EXPECT_NE(refusal({0, 0, 8, 2, 0, 0, 0, 2}).find("truncated idx header"), std::string::npos);
  EXPECT_NE(refusal({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 0}).find("dimension 1 is 0"),
            std::string::npos);
  EXPECT_NE(
      refusal({0, 0, 8, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}).find("more than 2^31"),
      std::string::npos);
  b = good;
  b.pop_back();
  EXPECT_NE(refusal(b).find("truncated: 5 of 6 data bytes"), std::string::npos);
  EXPECT_NE(refusal(b, true).find("truncated: 5 of 6 data bytes"), std::string::npos);
  b = good;
  b.push_back(0);
  EXPECT_NE(refusal(b).find("trailing bytes"), std::string::npos);
  // A gzip stream cut short, and one with its data corrupted.
  write("ok.gz", good, true);
  std::string z = tb::slurp(dir_ / "ok.gz");
  std::vector<uint8_t> cut(z.begin(), z.begin() + static_cast<std::ptrdiff_t>(z.size() / 2));
  EXPECT_NE(refusal(cut), "");
  std::vector<uint8_t> bad(z.begin(), z.end());
  bad[bad.size() - 6] ^= 0xFF;  // the CRC
  EXPECT_NE(refusal(bad), "");
  EXPECT_NE(refusal({}).find(path("bad")), std::string::npos);  // the message names the file
}

TEST_F(Idx, MissingFileIsOneLine) {
  try {
    idx::read(path("none"));
    FAIL();
  } catch (const idx::IdxError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace swis
