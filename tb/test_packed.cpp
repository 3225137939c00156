// The packed weight format: bit-exact round trip, sizes equal to the compression formula,
// and malformed files refused.
#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "model/packed.h"

namespace swis {
namespace {

Layer random_layer(std::vector<int64_t> shape, int M, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<int>(rng() % 511) - 255;
  return make_layer(shape, v, true, M);
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

}  // namespace
}  // namespace swis
