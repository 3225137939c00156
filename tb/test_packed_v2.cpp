// Version 2 of the packed format (tiles of interleaved records, for the hardware decoder): the
// same layer as version 1 bit for bit, every field where lib/compiler/packed.h says it is, and
// malformed files refused.
#include <gtest/gtest.h>

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

std::vector<uint32_t> shuffled(int64_t n, uint64_t seed) {
  std::vector<uint32_t> o(static_cast<size_t>(n));
  std::iota(o.begin(), o.end(), 0u);
  std::shuffle(o.begin(), o.end(), std::mt19937_64(seed));
  return o;
}

uint32_t bits_at(const std::vector<uint8_t>& b, uint64_t at, int n) {
  uint32_t v = 0;
  for (int k = 0; k < n; ++k, ++at) v |= static_cast<uint32_t>(b[at / 8] >> (at % 8) & 1u) << k;
  return v;
}

PackedLayer v2(PackedLayer p) {
  p.version = 2;
  return p;
}

TEST(PackedV2, RoundTripEqualsVersionOneForEveryMethodShapeAndTileWidth) {
  for (Method m : {Method::kSwis, Method::kSwisC, Method::kTrunc}) {
    for (const auto& shape : {std::vector<int64_t>{7, 13}, std::vector<int64_t>{5, 6, 3, 2}}) {
      for (int M : {1, 3, 4, 16}) {
        const Layer L = random_layer(shape, M, 31 + M);
        for (int N : {1, 2, 3, 8}) {
          const Quantized qz = quantize(L, N, {m});
          for (int C : {1, 3, 4, 8}) {
            const PackedLayer p = make_packed(L, qz, m, shuffled(L.filters, 7 + C), C);
            const std::vector<uint8_t> bytes = pack(v2(p));
            const PackedLayer u = unpack(bytes);
            ASSERT_EQ(u.version, 2);
            ASSERT_EQ(u.q, qz.q) << method_name(m) << " M=" << M << " N=" << N << " C=" << C;
            ASSERT_EQ(u.set, qz.set);
            ASSERT_EQ(u.order, p.order);
            ASSERT_EQ(u.tile_shifts, p.tile_shifts);
            ASSERT_EQ(pack(u), bytes);
            // Version 1 of the same layer decodes to the same layer.
            const PackedLayer u1 = unpack(pack(p));
            ASSERT_EQ(u1.q, u.q);
            ASSERT_EQ(u1.set, u.set);
            // Every tile is its records rounded up to 8 bytes, from an 8-byte boundary.
            const PackedTiles t = packed_tiles(u);
            const size_t header = 24 + 8 * shape.size() + 4 + t.offset.size() + 4 * L.filters;
            ASSERT_EQ(t.offset[0], (header + 7) / 8 * 8);
            for (size_t k = 0; k < t.offset.size(); ++k) {
              const int64_t rec = L.groups_per_filter * record_bits(m, M, C, N);
              ASSERT_EQ(t.bytes[k], static_cast<uint64_t>((rec + 63) / 64 * 8));
              if (k > 0) ASSERT_EQ(t.offset[k], t.offset[k - 1] + t.bytes[k - 1]);
            }
            ASSERT_EQ(bytes.size(), t.offset.back() + t.bytes.back());
          }
        }
      }
    }
  }
}

// Each field read back at the offset the header comment gives, against the quantized weights.
TEST(PackedV2, FieldsSitWhereTheLayoutSays) {
  for (Method m : {Method::kSwis, Method::kSwisC, Method::kTrunc}) {
    const int M = 4, C = 3, N = 3;
    const Layer L = random_layer({5, 4, 3, 3}, M, 11);  // 5 filters: the second tile is short
    const Quantized qz = quantize(L, N, {m});
    const PackedLayer p = v2(make_packed(L, qz, m, shuffled(5, 3), C));
    const std::vector<uint8_t> b = pack(p);
    const PackedTiles t = packed_tiles(p);
    const int sh_bits = m == Method::kSwis ? 3 * N * C : m == Method::kSwisC ? 3 * C : 0;
    const int64_t rec = record_bits(m, M, C, N);
    ASSERT_EQ(rec, C * M + sh_bits + N * C * M);
    for (size_t tile = 0; tile < t.offset.size(); ++tile) {
      for (int64_t g = 0; g < L.groups_per_filter; ++g) {
        const uint64_t at = 8 * t.offset[tile] + static_cast<uint64_t>(g * rec);
        for (int c = 0; c < C; ++c) {
          const int64_t pos = static_cast<int64_t>(tile) * C + c;
          const uint32_t sign = bits_at(b, at + c * M, M);
          if (pos >= 5) {  // padding column
            EXPECT_EQ(sign, 0u);
            for (int k = 0; k < N; ++k) {
              EXPECT_EQ(bits_at(b, at + C * M + sh_bits + M * (k * C + c), M), 0u);
            }
            continue;
          }
          const int64_t gi = p.order[pos] * L.groups_per_filter + g;
          std::vector<int> shifts;
          for (int s = 0; s < 8; ++s) {
            if (qz.set[gi] >> s & 1) shifts.push_back(s);
          }
          ASSERT_EQ(static_cast<int>(shifts.size()), N);
          for (int i = 0; i < M; ++i) {
            EXPECT_EQ(sign >> i & 1u, static_cast<uint32_t>(qz.q[gi * M + i] < 0));
          }
          if (m == Method::kSwis) {
            for (int k = 0; k < N; ++k) {
              EXPECT_EQ(bits_at(b, at + C * M + 3 * (k * C + c), 3),
                        static_cast<uint32_t>(shifts[k]));
            }
          } else if (m == Method::kSwisC) {
            EXPECT_EQ(bits_at(b, at + C * M + 3 * c, 3), static_cast<uint32_t>(shifts[0]));
          }
          for (int k = 0; k < N; ++k) {
            const uint32_t mask = bits_at(b, at + C * M + sh_bits + M * (k * C + c), M);
            for (int i = 0; i < M; ++i) {
              EXPECT_EQ(mask >> i & 1u,
                        static_cast<uint32_t>(std::abs(qz.q[gi * M + i]) >> shifts[k] & 1))
                  << method_name(m) << " tile " << tile << " g " << g << " c " << c;
            }
          }
        }
      }
    }
  }
}

TEST(PackedV2, MalformedFilesAreRefusedWithOneLine) {
  const Layer L = random_layer({5, 8}, 4, 5);
  const Quantized qz = quantize(L, 2, {Method::kSwis});
  // Tiles of 3: the second holds filters 3 and 4 and one padding column.
  const PackedLayer p = v2(make_packed(L, qz, Method::kSwis, shuffled(5, 1), 3));
  const std::vector<uint8_t> good = pack(p);
  const PackedTiles t = packed_tiles(p);
  const int64_t rec = record_bits(Method::kSwis, 4, 3, 2);  // 3 x (4 + 6 + 8) = 54 bits
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
  };
  std::vector<Case> cases;
  auto flip = [&good](uint64_t bit) {
    std::vector<uint8_t> b = good;
    b[bit / 8] = static_cast<uint8_t>(b[bit / 8] ^ (1u << (bit % 8)));
    return b;
  };
  const size_t header = 24 + 16 + 4 + 2 + 20;  // 66 bytes, padded to 72
  ASSERT_EQ(t.offset[0], 72u);
  cases.push_back({"padding after the header must be 0", flip(8 * header + 3)});
  // Tile 0: 2 records of 54 bits in 16 bytes.
  cases.push_back({"padding after tile 0 must be 0", flip(8 * t.offset[0] + 2 * rec)});
  cases.push_back({"padding after tile 1 must be 0", flip(8 * good.size() - 1)});
  // Tile 1, group 0: column 2 is padding; its sign, a shift field, a mask.
  const uint64_t r1 = 8 * t.offset[1];
  cases.push_back({"padding column 2 of tile 1 must be 0", flip(r1 + 2 * 4)});
  cases.push_back({"padding column 2 of tile 1 must be 0", flip(r1 + 12 + 3 * 2)});
  cases.push_back({"padding column 2 of tile 1 must be 0", flip(r1 + 12 + 18 + 4 * 2)});
  {
    // Tile 0, group 0, column 0: shifts k = 0 and 1 at bits 12 and 21; set both to 7.
    std::vector<uint8_t> b = good;
    for (uint64_t at : {8 * t.offset[0] + 12, 8 * t.offset[0] + 21}) {
      for (int k = 0; k < 3; ++k) b[(at + k) / 8] |= static_cast<uint8_t>(1u << ((at + k) % 8));
    }
    cases.push_back({"are not ascending", b});
  }
  cases.push_back({"tile records are truncated", {good.begin(), good.end() - 8}});
  cases.push_back({"followed by extra bytes", good});
  cases.back().bytes.resize(good.size() + 8);
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
  PackedLayer bad = p;
  bad.version = 3;
  EXPECT_THROW(pack(bad), PackedError);
}

}  // namespace
}  // namespace swis
