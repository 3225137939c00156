// Writes the fuzzers' seed corpus: a few valid files of each format from the model's own
// writers, and a few malformed ones that reach the deeper checks (header keys, dtype, shape,
// group stream). Run by hand when the formats change:
//   clang++ -std=c++17 -I. fuzz/make_seeds.cpp lib/common/*.cpp lib/formats/*.cpp \
//       lib/compiler/packed.cpp lib/compiler/quantize.cpp -pthread -o /tmp/make_seeds \
//       && /tmp/make_seeds fuzz/corpus
#include <cstdio>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "lib/formats/npy.h"
#include "lib/compiler/packed.h"

namespace {

using Bytes = std::vector<uint8_t>;

void put(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!out) {
    std::fprintf(stderr, "make_seeds: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

// A version 1.0 .npy with a hand-written header dict, padded as numpy pads it.
Bytes npy_with(const std::string& dict, size_t data_bytes) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  Bytes b = {0x93,
             'N',
             'U',
             'M',
             'P',
             'Y',
             1,
             0,
             static_cast<uint8_t>(h.size()),
             static_cast<uint8_t>(h.size() >> 8)};
  b.insert(b.end(), h.begin(), h.end());
  b.insert(b.end(), data_bytes, 0);
  return b;
}

swis::Layer small_layer(std::vector<int64_t> shape, int M) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<double> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 37 + 11) % 255) - 127;
  return swis::make_layer(shape, v, true, M);
}

// A seed meant to be valid that the reader refuses would only waste the fuzzer's time.
void put_valid_npy(const std::string& path, const Bytes& b) {
  (void)swis::npy::parse(b, path);
  put(path, b);
}
void put_valid_packed(const std::string& path, const Bytes& b) {
  (void)swis::unpack(b);
  put(path, b);
}

Bytes packed_of(const swis::Layer& L, swis::Method m, int N) {
  const swis::Quantized qz = swis::quantize(L, N, {m});
  std::vector<uint32_t> order(static_cast<size_t>(L.filters));
  std::iota(order.begin(), order.end(), 0u);
  return swis::pack(swis::make_packed(L, qz, m, order, static_cast<int>(L.filters)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (writes CORPUS_DIR/npy and /packed)\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::string npy = dir + "/npy/";
  const std::string packed = dir + "/packed/";
  using namespace swis::npy;

  put_valid_npy(npy + "valid_f4_2x3", serialize(make_float32({2, 3}, {0.5f, -1, 2, 0, 3.25f, -7})));
  put_valid_npy(npy + "valid_f8_scalar", serialize(make_float64({}, {2.0})));
  put_valid_npy(npy + "valid_i1_4", serialize(make_int8({4}, {-128, -1, 0, 127})));
  put_valid_npy(npy + "valid_u1_1x1x2x2", serialize(make_uint8({1, 1, 2, 2}, {0, 1, 254, 255})));
  put_valid_npy(npy + "valid_i2_0x3", serialize(make_int16({0, 3}, {})));
  put_valid_npy(npy + "valid_i8_2", serialize(make_int64({2}, {-1, 1})));
  {
    Bytes v3 = serialize(make_int32({2, 1}, {7, -7}));
    v3[6] = 3;  // version 3.0 has a 4-byte length field: rebuild the preamble by hand
    Bytes b(v3.begin(), v3.begin() + 8);
    const uint32_t hlen = static_cast<uint32_t>(v3[8] | v3[9] << 8);
    for (int k = 0; k < 4; ++k) b.push_back(static_cast<uint8_t>(hlen >> (8 * k)));
    b.insert(b.end(), v3.begin() + 10, v3.end());
    put_valid_npy(npy + "valid_v3_i4_2x1", b);
  }
  put(npy + "bad_fortran", npy_with("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8));
  put(npy + "bad_descr_c16",
      npy_with("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16));
  put(npy + "bad_big_endian",
      npy_with("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", 8));
  put(npy + "bad_huge_shape",
      npy_with("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", 4));
  put(npy + "bad_missing_shape", npy_with("{'descr': '<f4', 'fortran_order': False, }", 0));
  put(npy + "bad_unterminated",
      npy_with("{'descr': '<f4', 'fortran_order': False, 'shape': (1,", 4));
  put(npy + "bad_nested", npy_with("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': "
                                   "((1,), [2], {3: 4.5e1}, None, 3L), }",
                                   4));

  for (swis::Method m : {swis::Method::kSwis, swis::Method::kSwisC, swis::Method::kTrunc}) {
    const std::string name = swis::method_name(m);
    put_valid_packed(packed + "valid_" + name + "_3x10_m4_n2",
                     packed_of(small_layer({3, 10}, 4), m, 2));
  }
  put_valid_packed(packed + "valid_swis_2x3x2x2_m3_n3",
                   packed_of(small_layer({2, 3, 2, 2}, 3), swis::Method::kSwis, 3));
  put_valid_packed(packed + "valid_swis_1x5_m1_n8",
                   packed_of(small_layer({1, 5}, 1), swis::Method::kSwis, 8));
  {
    // Scheduled: tiles of width 2 with N 1, 3 and 2, in a non-identity order.
    const swis::Layer L = small_layer({5, 8}, 4);
    const swis::Quantized qz = swis::quantize(L, std::vector<uint8_t>{3, 1, 2, 1, 3}, {});
    put_valid_packed(packed + "valid_scheduled_5x8",
                     swis::pack(swis::make_packed(L, qz, swis::Method::kSwis, {1, 3, 0, 4, 2}, 2)));
  }
  {
    // Version 2: tiles of 2 interleaved records, a short last tile, each method.
    const swis::Layer L = small_layer({3, 2, 2, 2}, 4);
    for (swis::Method m : {swis::Method::kSwis, swis::Method::kSwisC, swis::Method::kTrunc}) {
      swis::PackedLayer p = swis::make_packed(L, swis::quantize(L, 3, {m}), m, {2, 0, 1}, 2);
      p.version = 2;
      put_valid_packed(packed + "valid_v2_" + swis::method_name(m) + "_3x2x2x2", swis::pack(p));
    }
  }
  const Bytes good = packed_of(small_layer({3, 10}, 4), swis::Method::kSwis, 2);
  Bytes b = good;
  b[8] = 3;
  put(packed + "bad_version", b);
  put(packed + "bad_truncated", Bytes(good.begin(), good.end() - 3));
  b = good;
  b[11] = 17;
  put(packed + "bad_group_size", b);
  b = good;
  b.back() ^= 0xff;
  b.push_back(0);
  put(packed + "bad_extra_byte", b);
  std::printf("make_seeds: wrote %s and %s\n", npy.c_str(), packed.c_str());
  return 0;
}
