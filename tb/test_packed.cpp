// The packed weight format: bit-exact round trip, sizes equal to the compression formula,
// and malformed files refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <utility>

#include "lib/compiler/packed.h"
#include "tb/packed_test_util.h"

namespace swis {
namespace {

Layer random_layer(std::vector<int64_t> shape, int M, uint64_t seed) {
  return tb::random_int_layer(std::move(shape), M, seed);
}

std::vector<uint32_t> identity(int64_t n) {
  std::vector<uint32_t> o(static_cast<size_t>(n));
  std::iota(o.begin(), o.end(), 0u);
  return o;
}

TEST(Packed, RoundTripIsBitExactForEveryMethodAndShape) {
  for (Method m : {Method::kSwis, Method::kSwisC, Method::kTrunc}) {
    for (const auto& shape : {std::vector<int64_t>{5, 13}, std::vector<int64_t>{3, 6, 3, 2}}) {
      for (int M : {1, 3, 4, 16}) {
        const Layer L = random_layer(shape, M, 17 + M);
        for (int N : {1, 3, 8}) {
          const Quantized qz = quantize(L, N, {m});
          const PackedLayer p =
              make_packed(L, qz, m, identity(L.filters), static_cast<int>(L.filters));
          const std::vector<uint8_t> bytes = pack(p);
          const PackedLayer u = unpack(bytes);
          ASSERT_EQ(u.q, qz.q) << method_name(m) << " M=" << M << " N=" << N;
          ASSERT_EQ(u.set, qz.set);
          ASSERT_EQ(u.filter_shifts, qz.filter_shifts);
          ASSERT_EQ(u.shape, L.shape);
          ASSERT_EQ(u.scale, L.scale);
          ASSERT_EQ(pack(u), bytes);
          // The group stream is exactly the compression formula's bits, rounded up to a byte.
          const int64_t stream_bits = L.groups() * group_bits(m, M, N);
          const size_t header = 24 + 8 * shape.size() + 4 + 1 + 4 * L.filters;
          ASSERT_EQ(bytes.size(), header + (stream_bits + 7) / 8);
        }
      }
    }
  }
}

TEST(Packed, ScheduledTilesAndOrderSurviveTheRoundTrip) {
  const Layer L = random_layer({7, 20}, 4, 3);
  const Quantized qz = quantize(L, std::vector<uint8_t>{4, 2, 2, 6, 4, 2, 2}, {Method::kSwis});
  // Tiles of 2 in this order: {1, 2} and {5, 6} at N = 2, {0, 4} at 4, {3} at 6.
  const std::vector<uint32_t> order = {1, 2, 5, 6, 0, 4, 3};
  const PackedLayer p = make_packed(L, qz, Method::kSwis, order, 2);
  EXPECT_EQ(p.tile_shifts, (std::vector<uint8_t>{2, 2, 4, 6}));
  const std::vector<uint8_t> bytes = pack(p);
  const PackedLayer u = unpack(bytes);
  EXPECT_EQ(u.order, order);
  EXPECT_EQ(u.tile_shifts, p.tile_shifts);
  EXPECT_EQ(u.filter_shifts, qz.filter_shifts);
  EXPECT_EQ(u.q, qz.q);
  EXPECT_EQ(pack(u), bytes);
  // A tile that mixes two N is refused.
  EXPECT_THROW(make_packed(L, qz, Method::kSwis, {1, 0, 2, 5, 6, 4, 3}, 2), PackedError);
}

TEST(Packed, MalformedFilesAreRefusedWithOneLine) {
  const Layer L = random_layer({4, 9}, 4, 5);
  const Quantized qz = quantize(L, 3, {Method::kSwis});
  const std::vector<uint8_t> good = pack(make_packed(L, qz, Method::kSwis, identity(4), 4));
  auto refused = [](std::vector<uint8_t> b, const std::string& what) {
    try {
      unpack(b);
    } catch (const PackedError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
      return;
    }
    ADD_FAILURE() << "accepted a file with " << what;
  };
  refused({}, "magic");
  std::vector<uint8_t> b = good;
  b[0] = 'X';
  refused(b, "magic");
  b = good;
  b[8] = 9;
  refused(b, "version");
  for (size_t cut : {size_t{9}, size_t{20}, size_t{30}, good.size() - 1}) {
    refused(std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(cut)), "truncated");
  }
  b = good;
  b.push_back(0);
  refused(b, "header implies");
  b = good;
  b[11] = 0;
  refused(b, "group size");
  b = good;
  b[24] = 0xff;  // F becomes huge
  b[31] = 0x7f;
  refused(b, "implausible");
}

// Sets `bits` bits at bit offset `at` of the file, LSB first as the group stream packs them.
void put_bits(std::vector<uint8_t>& b, size_t at, uint32_t value, int bits) {
  for (int k = 0; k < bits; ++k, ++at) {
    const auto mask = static_cast<uint8_t>(1u << (at % 8));
    b[at / 8] = static_cast<uint8_t>(value >> k & 1u ? b[at / 8] | mask : b[at / 8] & ~mask);
  }
}

// One malformed file for each refusal of the reader, each a one-line PackedError that says which
// field is wrong; none is a crash or an out-of-range read (fuzz/fuzz_packed.cpp searches further).
TEST(Packed, EveryHeaderFieldAndStreamRuleIsChecked) {
  const Layer L = random_layer({4, 9}, 4, 5);
  auto packed = [&L](Method m, int N) {
    return pack(make_packed(L, quantize(L, N, {m}), m, identity(4), 4));
  };
  // Offsets: magic 0, version 8, method 10, M 11, rank 12, trunc 13, tile width 14, scale 16,
  // shape 24..40, tile count 40, N of the one tile 44, order 45..61, group stream from byte 61.
  const std::vector<uint8_t> good = packed(Method::kSwis, 3);
  ASSERT_EQ(good.size(), 61u + (4 * 3 * (4 + 9 + 12) + 7) / 8);
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
  };
  std::vector<Case> cases;
  auto with = [&good](size_t at, std::vector<uint8_t> value) {
    std::vector<uint8_t> b = good;
    std::copy(value.begin(), value.end(), b.begin() + static_cast<long>(at));
    return b;
  };
  auto scale = [&with](double v) {
    std::vector<uint8_t> raw(8);
    std::memcpy(raw.data(), &v, 8);
    return with(16, raw);
  };
  cases.push_back({"packed file version 3 is not supported", with(8, {3, 0})});
  cases.push_back({"unknown method 3", with(10, {3})});
  cases.push_back({"group size 0 outside [1, 16]", with(11, {0})});
  cases.push_back({"group size 17 outside [1, 16]", with(11, {17})});
  cases.push_back({"shape rank must be 2 or 4", with(12, {3})});
  cases.push_back({"trunc offset outside [0, 7]", with(13, {8})});
  cases.push_back({"tile width 0", with(14, {0, 0})});
  cases.push_back({"scale is not a positive number", scale(0)});
  cases.push_back({"scale is not a positive number", scale(-1)});
  cases.push_back({"scale is not a positive number", scale(std::nan(""))});
  cases.push_back({"scale is not a positive number", scale(HUGE_VAL)});
  cases.push_back({"implausible shape dimension 0", with(24, {0})});
  cases.push_back({"implausible shape dimension -1", with(24, std::vector<uint8_t>(8, 0xff))});
  cases.push_back({"tile count does not match", with(40, {2})});
  cases.push_back({"tile 0 has N outside [1, 8]", with(44, {0})});
  cases.push_back({"tile 0 has N outside [1, 8]", with(44, {9})});
  cases.push_back({"execution order is not a permutation", with(49, {0})});  // filter 0 twice
  cases.push_back({"execution order is not a permutation", with(45, {4})});  // no filter 4
  cases.push_back({"truncated before the group stream", {good.begin(), good.begin() + 50}});
  cases.push_back({"group stream is truncated: 21 bytes where the header implies 38",
                   {good.begin(), good.end() - 17}});
  cases.push_back({"followed by extra bytes", good});
  cases.back().bytes.push_back(0);
  {
    // Filter 0's group 2 holds weight 8 and three padding slots (K = 9): a sign bit of slot 1
    // at stream bit 2 x 25 + 1, a bit of its first mask at 2 x 25 + 4 + 9 + 1.
    std::vector<uint8_t> b = good;
    put_bits(b, 61 * 8 + 51, 1, 1);
    cases.push_back({"group 2 sets sign or mask bits of 3 padding slot(s)", b});
    b = good;
    put_bits(b, 61 * 8 + 64, 1, 1);
    cases.push_back({"group 2 sets sign or mask bits of 3 padding slot(s)", b});
    // 300 stream bits leave 4 padding bits in the last byte.
    b = good;
    b.back() |= 0x20;
    cases.push_back({"the 4 padding bits after the group stream must be 0", b});
  }
  {
    // Group 0: 4 sign bits, then shifts 5 and 2.
    std::vector<uint8_t> b = good;
    put_bits(b, 61 * 8 + 4, 5, 3);
    put_bits(b, 61 * 8 + 7, 2, 3);
    cases.push_back({"shift positions of group 0 are not ascending", b});
  }
  {
    // swis-c: 4 sign bits, then the window's lowest shift: 6 + N = 3 passes bit 7.
    std::vector<uint8_t> b = packed(Method::kSwisC, 3);
    put_bits(b, 61 * 8 + 4, 6, 3);
    cases.push_back({"shift window of group 0 runs past bit 7", b});
  }
  {
    std::vector<uint8_t> b = packed(Method::kTrunc, 3);
    b[13] = 6;
    cases.push_back({"trunc window runs past bit 7", b});
  }
  for (const Case& c : cases) {
    try {
      unpack(c.bytes);
      ADD_FAILURE() << "accepted a file with: " << c.what;
    } catch (const PackedError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.what), std::string::npos) << "wanted '" << c.what << "' in " << msg;
    }
  }
}

// The one freedom the format leaves an encoder is the sign of a weight whose magnitude is 0:
// such a file reads as the same layer and re-packs to the canonical bytes. This is the
// round-trip contract fuzz/fuzz_packed.cpp checks on every file it gets accepted.
TEST(Packed, SignOfAZeroWeightIsTheOnlyFreeBit) {
  // Integer weights, so that the zeros stay 0 whatever the shifts.
  const std::vector<double> w = {0, 5, -3, 0, 7, 0, 1, -2};
  const Layer L = make_layer({2, 4}, w, true, 4);
  const Quantized qz = quantize(L, 2, {Method::kSwis});
  const std::vector<uint8_t> canonical = pack(make_packed(L, qz, Method::kSwis, identity(2), 2));
  const size_t stream = 24 + 8 * 2 + 4 + 1 + 4 * 2;
  const size_t group_bits = 4 + 3 * 2 + 4 * 2;
  std::vector<uint8_t> b = canonical;
  for (size_t slot = 0; slot < w.size(); ++slot) {
    if (w[slot] == 0) put_bits(b, stream * 8 + slot / 4 * group_bits + slot % 4, 1, 1);
  }
  ASSERT_NE(b, canonical);
  const PackedLayer u = unpack(b);
  EXPECT_EQ(u.q, qz.q);
  EXPECT_EQ(u.set, qz.set);
  EXPECT_EQ(pack(u), canonical);
}

}  // namespace
}  // namespace swis
