// libFuzzer target for the packed-format reader (unpack). PackedError is its one documented way
// to refuse input; anything else that escapes, and any sanitizer report, timeout or oversized
// allocation, is a finding. The format has one encoding per layer except for the sign bit of a
// weight whose magnitude is 0 (lib/compiler/packed.h), so an accepted file must re-pack to bytes of the
// same length that differ from it only by clearing bits, that read back as an equal layer, and
// that re-pack to themselves.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "lib/compiler/packed.h"

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_packed: %s\n", what);
  std::abort();
}

bool same_layer(const swis::PackedLayer& a, const swis::PackedLayer& b) {
  return a.method == b.method && a.group_size == b.group_size && a.shape == b.shape &&
         a.scale == b.scale && a.trunc_offset == b.trunc_offset && a.tile_width == b.tile_width &&
         a.tile_shifts == b.tile_shifts && a.order == b.order && a.filters == b.filters &&
         a.groups_per_filter == b.groups_per_filter && a.filter_shifts == b.filter_shifts &&
         a.set == b.set && a.q == b.q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  swis::PackedLayer p;
  try {
    p = swis::unpack(bytes);
  } catch (const swis::PackedError&) {
    return 0;  // refused: the documented error path
  }
  // Accepted: from here on no exception of any kind is expected.
  if (p.filters < 1 || static_cast<int64_t>(p.order.size()) != p.filters ||
      static_cast<int64_t>(p.set.size()) != p.filters * p.groups_per_filter ||
      static_cast<int64_t>(p.q.size()) != p.filters * p.groups_per_filter * p.group_size) {
    finding("accepted layer with inconsistent sizes");
  }
  const std::vector<uint8_t> canonical = swis::pack(p);
  // The file's length is exactly what its header implies, so the canonical bytes have it too.
  if (canonical.size() != bytes.size()) finding("re-packed file has a different length");
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (canonical[i] & ~bytes[i]) finding("re-packed file sets a bit the accepted file clears");
  }
  const swis::PackedLayer again = swis::unpack(canonical);
  if (!same_layer(p, again)) finding("unpack(pack(unpack(x))) differs from unpack(x)");
  if (swis::pack(again) != canonical) finding("pack is not stable over a round trip");
  return 0;
}
