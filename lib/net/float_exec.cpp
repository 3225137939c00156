#include "lib/net/float_exec.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

namespace swis::net {
namespace {

// Two threads, each a half of the filters: the reference of a 224 x 224 ResNet-18 is 1.8 G MACs.
std::vector<float> conv(const Op& op, const std::vector<float>& x) {
  const Conv2d& c = op.conv;
  const int64_t Ho = c.out_height(), Wo = c.out_width(), Cg = c.group_channels(),
                Fg = c.group_filters();
  std::vector<float> y(static_cast<size_t>(c.batch * c.filters * Ho * Wo));
  // Each output plane is a sum of shifted input planes, one per (ci, ky, kx): the inner loop runs
  // along a row (it vectorizes), and every output still adds its terms in the order ci, ky, kx.
  const auto part = [&](int64_t f0, int64_t f1) {
    std::vector<double> acc(static_cast<size_t>(Ho * Wo));
    for (int64_t n = 0; n < c.batch; ++n) {
      for (int64_t f = f0; f < f1; ++f) {
        const int64_t g = f / Fg;
        std::fill(acc.begin(), acc.end(), op.bias.empty() ? 0.0 : op.bias[f]);
        for (int64_t ci = 0; ci < Cg; ++ci) {
          const float* xin =
              &x[static_cast<size_t>(((n * c.channels + g * Cg + ci) * c.height) * c.width)];
          const float* w = &op.weights[static_cast<size_t>(((f * Cg + ci) * c.kh) * c.kw)];
          for (int64_t ky = 0; ky < c.kh; ++ky) {
            for (int64_t kx = 0; kx < c.kw; ++kx) {
              const double wv = w[ky * c.kw + kx];
              const int64_t dx = kx * c.dilation_w - c.pad_left;
              // ox with 0 <= ox * stride + dx < width
              int64_t ox0 = 0;
              while (ox0 < Wo && ox0 * c.stride_w + dx < 0) ++ox0;
              int64_t ox1 = Wo;
              while (ox1 > ox0 && (ox1 - 1) * c.stride_w + dx >= c.width) --ox1;
              for (int64_t oy = 0; oy < Ho; ++oy) {
                const int64_t iy = oy * c.stride_h - c.pad_top + ky * c.dilation_h;
                if (iy < 0 || iy >= c.height) continue;
                const float* row = xin + iy * c.width + dx;
                double* out = &acc[static_cast<size_t>(oy * Wo)];
                if (c.stride_w == 1) {
                  for (int64_t ox = ox0; ox < ox1; ++ox) out[ox] += wv * row[ox];
                } else {
                  for (int64_t ox = ox0; ox < ox1; ++ox) out[ox] += wv * row[ox * c.stride_w];
                }
              }
            }
          }
        }
        float* y_plane = &y[static_cast<size_t>((n * c.filters + f) * Ho * Wo)];
        for (size_t i = 0; i < acc.size(); ++i) y_plane[i] = static_cast<float>(acc[i]);
      }
    }
  };
  std::thread other(part, c.filters / 2, c.filters);
  part(0, c.filters / 2);
  other.join();
  return y;
}

std::vector<float> gemm(const Op& op, const std::vector<float>& x, int64_t rows) {
  const int64_t F = op.weight_shape[0], K = op.weight_shape[1];
  std::vector<float> y(static_cast<size_t>(rows * F));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t f = 0; f < F; ++f) {
      double s = op.bias.empty() ? 0.0 : op.bias[f];
      for (int64_t k = 0; k < K; ++k) {
        s += static_cast<double>(x[static_cast<size_t>(r * K + k)]) *
             op.weights[static_cast<size_t>(f * K + k)];
      }
      y[static_cast<size_t>(r * F + f)] = static_cast<float>(s);
    }
  }
  return y;
}

std::vector<float> pool(const Op& op, const std::vector<float>& x, const std::vector<int64_t>& in,
                        const std::vector<int64_t>& out) {
  std::vector<float> y(static_cast<size_t>(out[0] * out[1] * out[2] * out[3]));
  const bool max = op.kind == OpKind::kMaxPool;
  pool_windows(op.pool, x, in, out, [&](size_t o, float best, double sum, int64_t count) {
    y[o] = max ? best : static_cast<float>(sum / count);
  });
  return y;
}

}  // namespace

template <class T>
std::vector<T> pad_zeros(const std::vector<T>& x, const std::vector<int64_t>& in,
                         const std::vector<int64_t>& out, const Pool& p) {
  std::vector<T> y(static_cast<size_t>(out[0] * out[1] * out[2] * out[3]), T{});
  for (int64_t nc = 0; nc < in[0] * in[1]; ++nc) {
    for (int64_t iy = 0; iy < in[2]; ++iy) {
      std::copy_n(&x[static_cast<size_t>((nc * in[2] + iy) * in[3])], in[3],
                  &y[static_cast<size_t>((nc * out[2] + iy + p.pad_top) * out[3] + p.pad_left)]);
    }
  }
  return y;
}
template std::vector<int32_t> pad_zeros(const std::vector<int32_t>&, const std::vector<int64_t>&,
                                        const std::vector<int64_t>&, const Pool&);

Tensors run_float(const Network& net, const std::vector<float>& input) {
  Tensors t;
  t[net.input] = input;
  for (const Op& op : net.ops) {
    const std::vector<float>& x = t.at(op.inputs[0]);
    const std::vector<int64_t>& in = net.shapes.at(op.inputs[0]);
    const std::vector<int64_t>& out = net.shapes.at(op.output);
    std::vector<float> y;
    switch (op.kind) {
      case OpKind::kConv:
        y = conv(op, x);
        break;
      case OpKind::kGemm:
        y = gemm(op, x, in[0]);
        break;
      case OpKind::kRelu:
        y = x;
        for (float& v : y) v = std::max(v, 0.0f);
        break;
      case OpKind::kClip:
        y = x;
        for (float& v : y) v = std::min(std::max(v, op.lo), op.hi);
        break;
      case OpKind::kMaxPool:
      case OpKind::kAvgPool:
        y = pool(op, x, in, out);
        break;
      case OpKind::kGlobalAvgPool: {
        const int64_t plane = in[2] * in[3];
        y.resize(static_cast<size_t>(in[0] * in[1]));
        for (size_t nc = 0; nc < y.size(); ++nc) {
          double s = 0;
          for (int64_t i = 0; i < plane; ++i) s += x[nc * plane + i];
          y[nc] = static_cast<float>(s / plane);
        }
        break;
      }
      case OpKind::kAdd: {
        const std::vector<float>& b = t.at(op.inputs[1]);
        y = x;
        for (size_t i = 0; i < y.size(); ++i) y[i] += b[i];
        break;
      }
      case OpKind::kFlatten:
        y = x;
        break;
      case OpKind::kPad:
        y = pad_zeros(x, in, out, op.pool);
        break;
      case OpKind::kConcat: {
        std::vector<const std::vector<float>*> parts;
        for (const std::string& name : op.inputs) parts.push_back(&t.at(name));
        y = concat_blocks(parts, out, op.axis);
        break;
      }
    }
    t[op.output] = std::move(y);
  }
  return t;
}

}  // namespace swis::net
