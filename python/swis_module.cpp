// The Python module's C++ half (`swis._swis`): the library's quantizer and scheduler
// (lib/compiler/weight_flow.h) on numpy arrays. The array's buffer is read in place (one copy
// into the library's layer, as `swis quantize` makes from its file) and every result is handed
// to numpy without a copy. python/swis/__init__.py is the documented interface.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <string>

#include "lib/compiler/weight_flow.h"

namespace py = pybind11;

namespace {

using swis::npy::DType;

// A numpy array's bytes as the library's array; numpy's dtype decides the library's.
swis::npy::Array to_array(const py::array& a) {
  swis::npy::Array out;
  const py::dtype dt = a.dtype();
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'f' && size == 4) {
    out.dtype = DType::kFloat32;
  } else if (kind == 'f' && size == 8) {
    out.dtype = DType::kFloat64;
  } else if (kind == 'i' && size == 1) {
    out.dtype = DType::kInt8;
  } else if (kind == 'i' && size == 2) {
    out.dtype = DType::kInt16;
  } else {
    throw swis::QuantError("weights must be float32, float64, int8 or int16, got " +
                           py::str(static_cast<py::object>(dt)).cast<std::string>());
  }
  for (py::ssize_t i = 0; i < a.ndim(); ++i) out.shape.push_back(a.shape(i));
  const py::array c = py::array::ensure(a, py::array::c_style);  // a view when already C order
  out.data.resize(static_cast<size_t>(c.nbytes()));
  if (c.nbytes() > 0) std::memcpy(out.data.data(), c.data(), out.data.size());
  return out;
}

// A vector handed to numpy: the array owns it (no copy).
template <typename T>
py::array_t<T> adopt(std::vector<T>&& v, const std::vector<int64_t>& shape) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule free_it(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  std::vector<py::ssize_t> dims(shape.begin(), shape.end());
  return py::array_t<T>(dims, owned->data(), free_it);
}

py::dict quantize(const py::array& w, const std::string& method, int shifts,
                  const std::string& target, int group, const std::string& pe, int cols,
                  const std::string& metric, double alpha, int threads, bool packed) {
  swis::WeightRequest req;
  req.method = swis::parse_method(method);
  req.metric = swis::parse_metric(metric);
  if (pe != "ss" && pe != "ds") throw swis::QuantError("pe must be 'ss' or 'ds', got '" + pe + "'");
  if ((shifts == 0) == target.empty()) {
    throw swis::QuantError("give shifts= (every filter) or target= (an average, by scheduling)");
  }
  if (shifts != 0 && (shifts < 1 || shifts > 8)) {
    throw swis::QuantError("shifts must be in 1..8, got " + std::to_string(shifts));
  }
  if (cols < 1 || cols > 4096) throw swis::QuantError("cols must be in 1..4096");
  if (threads < 1 || threads > 64) throw swis::QuantError("threads must be in 1..64");
  if (!(alpha >= 0 && alpha <= 1e6)) throw swis::QuantError("alpha must be in [0, 1e6]");
  req.group_size = group;
  req.shifts = shifts;
  req.target = target;
  req.array_cols = cols;
  req.double_shift = pe == "ds";
  req.alpha = alpha;
  req.threads = threads;

  swis::npy::Array in = to_array(w);
  swis::WeightResult r;
  {
    py::gil_scoped_release unlocked;
    r = swis::quantize_weights(in, req);
  }
  swis::npy::Array q = swis::quantized_array(r.layer, r.qz);
  std::vector<int16_t> qv(static_cast<size_t>(q.size()));
  std::memcpy(qv.data(), q.data.data(), q.data.size());

  py::dict stats;
  stats["weights"] = r.stats.weights;
  stats["groups"] = r.stats.groups;
  stats["rmse"] = r.stats.rmse;
  stats["rmse_int"] = r.stats.rmse_int;
  stats["exact_fraction"] = r.stats.exact_fraction;
  stats["compression_ratio"] = r.stats.compression_ratio;
  stats["effective_shifts"] = r.stats.effective_shifts;
  stats["total_error"] = r.stats.total_error;
  if (r.schedule) {
    stats["paper_heuristic_error"] = r.schedule->paper.total_error;
    stats["lower_bound"] = r.schedule->lower_bound;
  }
  py::dict out;
  out["q"] = adopt(std::move(qv), q.shape);
  out["scale"] = r.layer.scale;
  out["filter_shifts"] = adopt(std::vector<uint8_t>(r.qz.filter_shifts),
                               {static_cast<int64_t>(r.qz.filter_shifts.size())});
  out["tile_shifts"] = std::vector<int>(r.packed.tile_shifts.begin(), r.packed.tile_shifts.end());
  out["stats"] = stats;
  if (packed) {
    const std::vector<uint8_t> bytes = swis::pack(r.packed);
    out["packed"] = py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  } else {
    out["packed"] = py::bytes();
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_swis, m) {
  m.doc() = "SWIS quantizer and scheduler (the C++ library); see the swis package";
  py::register_exception<swis::QuantError>(m, "QuantError", PyExc_ValueError);
  py::register_exception<swis::ScheduleError>(m, "ScheduleError", PyExc_ValueError);
  py::register_exception<swis::npy::NpyError>(m, "NpyError", PyExc_ValueError);
  m.def("quantize", &quantize, py::arg("w"), py::arg("method"), py::arg("shifts"),
        py::arg("target"), py::arg("group"), py::arg("pe"), py::arg("cols"), py::arg("metric"),
        py::arg("alpha"), py::arg("threads"), py::arg("packed"));
}
