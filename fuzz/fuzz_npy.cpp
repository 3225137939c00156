// libFuzzer target for the in-memory .npy reader (npy::parse). NpyError is the reader's one
// documented way to refuse input; anything else that escapes, and any sanitizer report, timeout
// or oversized allocation, is a finding. An accepted array must also be self-consistent: its
// data holds exactly the bytes its shape and dtype need, and the writer's bytes read back equal.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "lib/formats/npy.h"

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_npy: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swis::npy;
  const std::vector<uint8_t> bytes(data, data + size);
  Array a;
  try {
    a = parse(bytes, "fuzz.npy");
  } catch (const NpyError&) {
    return 0;  // refused: the documented error path
  }
  // Accepted: from here on no exception of any kind is expected.
  if (static_cast<uint64_t>(a.size()) * static_cast<uint64_t>(itemsize(a.dtype)) != a.data.size()) {
    finding("accepted array whose data size differs from shape x itemsize");
  }
  (void)has_non_finite(a);
  const std::vector<uint8_t> again = serialize(a);
  if (parse(again, "fuzz.npy") != a)
    finding("serialize(parse(x)) does not parse to the same array");
  return 0;
}
