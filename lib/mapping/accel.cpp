#include "lib/mapping/accel.h"

#include "lib/mapping/network.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace swis {
namespace {

// Bursts of a read of `words` 8-byte words from `addr`: at most `max_burst` beats, none across
// a 4 KB page (swis_axi_rd).
uint64_t read_bursts(uint64_t addr, uint64_t words, int max_burst) {
  uint64_t n = 0;
  while (words > 0) {
    const uint64_t page_left = (4096 - addr % 4096) / 8;
    const uint64_t b = std::min<uint64_t>({words, page_left, static_cast<uint64_t>(max_burst)});
    addr += 8 * b;
    words -= b;
    ++n;
  }
  return n;
}

}  // namespace

AccelParams AccelParams::from_config(const HwConfig& c) {
  if (c.top != "swis_accel") {
    throw std::invalid_argument("configuration " + c.name + " is not an accelerator (top " +
                                c.top + ")");
  }
  AccelParams p;
  p.array.rows = static_cast<int>(c.param("Rows"));
  p.array.cols = static_cast<int>(c.param("Cols"));
  p.array.group_size = static_cast<int>(c.param("GroupSize"));
  p.array.fixed_point = c.has_param("FixedPoint") && c.param("FixedPoint") != 0;
  p.array.shifts_per_cycle = p.array.fixed_point ? 1 : static_cast<int>(c.param("ShiftsPerCycle"));
  p.array.acc_width = static_cast<int>(c.param("AccWidth"));
  if (c.has_param("GroupsWidth")) p.array.groups_width = static_cast<int>(c.param("GroupsWidth"));
  p.array.validate();
  const auto get = [&c](const char* key, int fallback) {
    return c.has_param(key) ? static_cast<int>(c.param(key)) : fallback;
  };
  p.act_depth = get("ActDepth", p.act_depth);
  p.weight_depth = get("WeightDepth", p.weight_depth);
  p.weight_words = get("WeightWords", p.weight_words);
  p.out_depth = get("OutDepth", p.out_depth);
  p.max_tiles = get("MaxTiles", p.max_tiles);
  p.max_burst = get("MaxBurst", p.max_burst);
  if (p.act_beat_bytes() % 8 != 0) {
    throw std::invalid_argument("an activation beat (Rows x M bytes) must be whole 64-bit words");
  }
  return p;
}

AccelTraffic& AccelTraffic::operator+=(const AccelTraffic& o) {
  act_read += o.act_read;
  weight_read += o.weight_read;
  out_write += o.out_write;
  read_bursts += o.read_bursts;
  write_bursts += o.write_bursts;
  return *this;
}

int64_t tile_words(Method method, int group_size, int cols, int shifts, int64_t groups) {
  const int64_t bits = groups * record_bits(method, group_size, cols, shifts);
  return (bits + 63) / 64;
}

int64_t layer_tile_words(const AccelParams& p, const AccelLayer& layer, int shifts) {
  const int C = p.array.cols, M = p.array.group_size;
  if (layer.fixed_point) return (layer.groups * C * M + 7) / 8;
  return tile_words(layer.method, M, C, shifts, layer.groups);
}

AccelWeights accel_weights(const std::vector<uint8_t>& packed_v2) {
  const PackedLayer packed = unpack(packed_v2);
  if (packed.version != 2) throw std::invalid_argument("the accelerator reads packed version 2");
  AccelWeights w;
  w.bytes = packed_v2;
  w.tile_offset = packed_tiles(packed).offset;
  w.layer = AccelLayer::from_packed(packed, 0);
  return w;
}

AccelWeights fxp_accel_weights(const GemmOperands& ops, int cols) {
  const int M = ops.group_size;
  const int64_t tiles = (ops.filters + cols - 1) / cols;
  AccelWeights w;
  w.layer.groups = ops.groups;
  w.layer.filters = ops.filters;
  w.layer.fixed_point = true;
  w.layer.tile_shifts.assign(static_cast<size_t>(tiles), 1);
  for (int64_t t = 0; t < tiles; ++t) {
    w.tile_offset.push_back(w.bytes.size());
    for (int64_t g = 0; g < ops.groups; ++g) {
      for (int c = 0; c < cols; ++c) {
        const int64_t pos = t * cols + c;
        for (int i = 0; i < M; ++i) {
          int v = 0;
          if (pos < ops.filters) {
            v = ops.q[static_cast<size_t>((ops.order[static_cast<size_t>(pos)] * ops.groups + g) * M + i)];
          }
          if (v < -128 || v > 127) {
            throw std::invalid_argument("a fixed-point accelerator takes int8 weights, not " +
                                        std::to_string(v));
          }
          w.bytes.push_back(static_cast<uint8_t>(v));
        }
      }
    }
    w.bytes.resize((w.bytes.size() + 7) / 8 * 8, 0);
  }
  return w;
}

AccelLayer AccelLayer::from_packed(const PackedLayer& packed, int64_t rows) {
  AccelLayer l;
  l.rows = rows;
  l.groups = packed.groups_per_filter;
  l.filters = packed.filters;
  l.method = packed.method;
  l.trunc_offset = packed.trunc_offset;
  l.tile_shifts = packed.tile_shifts;
  return l;
}

bool single_buffered(const AccelParams& p, const AccelLayer& layer) {
  for (uint8_t n : layer.tile_shifts) {
    if (layer_tile_words(p, layer, n) > p.half_words()) return true;
  }
  return false;
}

std::vector<AccelPass> plan_passes(const AccelParams& p, const AccelLayer& layer) {
  const int R = p.array.rows, C = p.array.cols;
  const int64_t blocks = (layer.rows + R - 1) / R;
  const int64_t tiles = (layer.filters + C - 1) / C;
  if (static_cast<int64_t>(layer.tile_shifts.size()) != tiles) {
    throw std::invalid_argument("the packed weights' tiles are not of the array's " +
                                std::to_string(C) + " columns");
  }
  if (layer.groups > p.array.max_groups()) {
    throw std::invalid_argument("a reduction of " + std::to_string(layer.groups) +
                                " groups exceeds the array's " +
                                std::to_string(p.array.max_groups()));
  }
  const int64_t blocks_per_pass = p.act_depth / layer.groups;
  if (blocks_per_pass < 1) {
    throw std::invalid_argument("one row block of " + std::to_string(layer.groups) +
                                " groups does not fit the activation buffer's " +
                                std::to_string(p.act_depth) + " beats");
  }
  for (size_t t = 0; t < layer.tile_shifts.size(); ++t) {
    const int64_t w = layer_tile_words(p, layer, layer.tile_shifts[t]);
    if (w > 2 * p.half_words()) {
      throw std::invalid_argument("tile " + std::to_string(t) + " takes " + std::to_string(w * 8) +
                                  " bytes; the weight buffer holds " +
                                  std::to_string(2 * p.half_words() * 8));
    }
  }
  std::vector<AccelPass> passes;
  for (int64_t t0 = 0; t0 < tiles; t0 += p.max_tiles) {
    for (int64_t b0 = 0; b0 < blocks; b0 += blocks_per_pass) {
      passes.push_back(AccelPass{b0, std::min(blocks_per_pass, blocks - b0), t0,
                                 std::min<int64_t>(p.max_tiles, tiles - t0)});
    }
  }
  return passes;
}

AccelDescriptor pass_descriptor(const AccelParams& p, const AccelLayer& layer,
                                const std::vector<uint64_t>& tile_offset, const AccelAddresses& at,
                                bool act_signed, const AccelPass& pass) {
  const int R = p.array.rows, C = p.array.cols;
  AccelDescriptor d;
  d.act_addr = static_cast<uint32_t>(at.act_base + pass.block0 * layer.groups * p.act_beat_bytes());
  d.w_addr = static_cast<uint32_t>(at.w_base + tile_offset[static_cast<size_t>(pass.tile0)]);
  d.out_addr =
      static_cast<uint32_t>(at.out_base + 4 * (pass.tile0 * C * layer.rows + pass.block0 * R));
  d.out_stride = static_cast<uint32_t>(4 * layer.rows);
  d.rows = static_cast<uint32_t>(std::min(layer.rows - pass.block0 * R, pass.blocks * R));
  d.groups = static_cast<uint32_t>(layer.groups);
  d.filters = static_cast<uint32_t>(std::min(layer.filters - pass.tile0 * C, pass.tiles * C));
  d.tiles = static_cast<uint32_t>(pass.tiles);
  d.blocks = static_cast<uint32_t>(pass.blocks);
  d.mode = static_cast<uint32_t>(layer.method) | static_cast<uint32_t>(layer.trunc_offset) << 2 |
           static_cast<uint32_t>(act_signed) << 5 |
           static_cast<uint32_t>(single_buffered(p, layer)) << 6;
  d.tile_shifts.assign(layer.tile_shifts.begin() + pass.tile0,
                       layer.tile_shifts.begin() + pass.tile0 + pass.tiles);
  return d;
}

AccelTraffic pass_traffic(const AccelParams& p, const AccelDescriptor& d) {
  const int R = p.array.rows, C = p.array.cols, M = p.array.group_size;
  const auto method = static_cast<Method>(d.mode & 3);
  AccelTraffic t;
  const uint64_t act_words = uint64_t{d.blocks} * d.groups * p.act_beat_bytes() / 8;
  t.act_read = 8 * act_words;
  t.read_bursts += read_bursts(d.act_addr, act_words, p.max_burst);
  uint64_t w = d.w_addr;
  for (uint8_t n : d.tile_shifts) {
    const auto words = static_cast<uint64_t>(
        p.array.fixed_point ? (int64_t{d.groups} * C * M + 7) / 8 : tile_words(method, M, C, n, d.groups));
    t.weight_read += 8 * words;
    t.read_bursts += read_bursts(w, words, p.max_burst);
    w += 8 * words;
  }
  for (uint64_t pos = 0; pos < d.filters; ++pos) {
    for (uint64_t b = 0; b < d.blocks; ++b) {
      const uint64_t rows = std::min<uint64_t>(R, d.rows - b * R);
      const uint64_t first = d.out_addr + pos * d.out_stride + 4 * b * R;
      const uint64_t last = first + 4 * rows - 1;
      t.out_write += 4 * rows;
      t.write_bursts += first / 4096 == last / 4096 ? 1 : 2;
    }
  }
  return t;
}

std::vector<uint8_t> accel_activations(const AccelParams& p, const GemmOperands& ops) {
  const int R = p.array.rows, M = ops.group_size;
  const int64_t blocks = (ops.rows + R - 1) / R;
  std::vector<uint8_t> img(static_cast<size_t>(blocks * ops.groups * R * M), 0);
  for (int64_t row = 0; row < ops.rows; ++row) {
    const int64_t b = row / R, r = row % R;
    for (int64_t g = 0; g < ops.groups; ++g) {
      const uint8_t* src = &ops.act[static_cast<size_t>((row * ops.groups + g) * M)];
      std::copy(src, src + M, &img[static_cast<size_t>(((b * ops.groups + g) * R + r) * M)]);
    }
  }
  return img;
}

LayerTraffic layer_traffic(const AccelParams& p, const TopologyLayer& layer, Method method,
                           const std::vector<int>& tile_shifts) {
  const int C = p.array.cols, M = p.array.group_size;
  const GemmShape g = gemm_shape(layer, M);
  const int64_t tiles = (g.filters + C - 1) / C;
  if (static_cast<int64_t>(tile_shifts.size()) != layer.instances * tiles) {
    throw std::invalid_argument("layer " + layer.name + ": " + std::to_string(tile_shifts.size()) +
                                " tile shifts for " + std::to_string(layer.instances * tiles) +
                                " tiles");
  }
  LayerTraffic out;
  for (int64_t i = 0; i < layer.instances; ++i) {
    AccelLayer l;
    l.rows = g.rows;
    l.groups = g.groups;
    l.filters = g.filters;
    l.method = method;
    l.fixed_point = p.array.fixed_point;
    for (int64_t t = 0; t < tiles; ++t) {
      l.tile_shifts.push_back(
          static_cast<uint8_t>(l.fixed_point ? 1 : tile_shifts[static_cast<size_t>(i * tiles + t)]));
    }
    std::vector<uint64_t> offset;
    uint64_t at = 0;
    for (uint8_t n : l.tile_shifts) {
      offset.push_back(at);
      at += 8 * static_cast<uint64_t>(layer_tile_words(p, l, n));
    }
    const std::vector<AccelPass> passes = plan_passes(p, l);
    for (const AccelPass& pass : passes) {
      out.bus += pass_traffic(p, pass_descriptor(p, l, offset, AccelAddresses{}, true, pass));
    }
    out.passes += static_cast<int64_t>(passes.size());
    const int64_t cg = layer.is_gemm ? g.groups : (layer.conv.channels + M - 1) / M;
    const int64_t pixels = layer.is_gemm ? layer.m : layer.conv.height * layer.conv.width;
    out.input_fmap += static_cast<uint64_t>(pixels * cg * M);
  }
  return out;
}

}  // namespace swis
