// Reading an ONNX model with the ONNX library's generated protobuf classes, and converting it
// into the plain types of onnx_model.h; every check the reader makes is here.
#include "lib/formats/onnx_model.h"

#include <fcntl.h>
#include <onnx/onnx_pb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "lib/common/layer_shape.h"
#include "lib/formats/file_descriptor.h"

namespace swis::onnx {

namespace {

namespace pb = ::onnx;

constexpr int64_t kMinOpset = 11;  // the oldest torch.onnx.export still writes by default
constexpr int64_t kMaxOpset = 17;  // the newest ONNX 1.12 (Debian 12's) knows
// ParseFromArray takes an int: a protobuf message, so a model without external data, is at most
// 2 GiB - 1 byte.
constexpr uint64_t kMaxBytes = static_cast<uint64_t>(INT_MAX);
constexpr size_t kReadChunk = size_t{1} << 20;

// Throws OnnxError "<file>: <what>"; every message is one line.
class Failer {
 public:
  explicit Failer(const std::string& file) : file_(file) {}
  [[noreturn]] void operator()(const std::string& what) const {
    throw OnnxError(file_ + ": " + what);
  }

 private:
  const std::string& file_;
};

// A name from the file, fit for a one-line message: control and non-ASCII bytes as \xNN, and
// at most 80 bytes of it, since a hostile file's names can be anything and any length.
std::string printable(const std::string& s) {
  constexpr size_t kMaxShown = 80;
  std::string out;
  for (size_t k = 0; k < s.size() && k < kMaxShown; ++k) {
    const auto c = static_cast<unsigned char>(s[k]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (s.size() > kMaxShown) out += "...";
  return out;
}

std::string quoted(const std::string& s) { return "'" + printable(s) + "'"; }

std::string type_name(int32_t data_type) {
  if (!pb::TensorProto_DataType_IsValid(data_type)) return "type " + std::to_string(data_type);
  return pb::TensorProto_DataType_Name(static_cast<pb::TensorProto_DataType>(data_type));
}

// IEEE half to float; every half value, subnormals included, is exactly a float.
float half_to_float(uint32_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits = 0;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // infinity or NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // rebias 15 -> 127
  } else if (mant != 0) {
    int e = 113;  // a subnormal half: normalise it, as a float can hold it normal
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (static_cast<uint32_t>(e) << 23) | ((mant & 0x3ffu) << 13);
  } else {
    bits = sign;
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// How one element type is stored and what it becomes.
struct Elem {
  int bytes = 0;  // in raw_data
  Tensor::Type to = Tensor::Type::kFloat;
  enum class Field { kFloat, kInt32, kInt64, kDouble, kUint64 } field = Field::kFloat;
  bool is_signed = false;  // integers: how raw_data is extended to 64 bits
  int64_t lo = 0, hi = 0;  // integers: the values the type holds that fit int64
};

Elem elem_of(int32_t dt, const std::string& what, const Failer& fail) {
  using F = Elem::Field;
  constexpr auto kFl = Tensor::Type::kFloat;
  constexpr auto kInt = Tensor::Type::kInt64;
  constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
  constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
  switch (dt) {
    case pb::TensorProto::FLOAT:
      return {4, kFl, F::kFloat, false, 0, 0};
    // Double becomes float: weights and activations run in float32 (then 8 bits) anyway, so the
    // rounding loses nothing this project uses; a finite value beyond float's range is refused.
    case pb::TensorProto::DOUBLE:
      return {8, kFl, F::kDouble, false, 0, 0};
    case pb::TensorProto::FLOAT16:
      return {2, kFl, F::kInt32, false, 0, 0xffff};
    case pb::TensorProto::BFLOAT16:
      return {2, kFl, F::kInt32, false, 0, 0xffff};
    case pb::TensorProto::INT8:
      return {1, kInt, F::kInt32, true, INT8_MIN, INT8_MAX};
    case pb::TensorProto::UINT8:
      return {1, kInt, F::kInt32, false, 0, UINT8_MAX};
    case pb::TensorProto::INT16:
      return {2, kInt, F::kInt32, true, INT16_MIN, INT16_MAX};
    case pb::TensorProto::UINT16:
      return {2, kInt, F::kInt32, false, 0, UINT16_MAX};
    case pb::TensorProto::INT32:
      return {4, kInt, F::kInt32, true, INT32_MIN, INT32_MAX};
    case pb::TensorProto::BOOL:
      return {1, kInt, F::kInt32, false, 0, 1};
    case pb::TensorProto::INT64:
      return {8, kInt, F::kInt64, true, kI64Min, kI64Max};
    case pb::TensorProto::UINT32:
      return {4, kInt, F::kUint64, false, 0, UINT32_MAX};
    case pb::TensorProto::UINT64:
      return {8, kInt, F::kUint64, false, 0, kI64Max};
    default:
      break;
  }
  fail(what + ": element type " + type_name(dt) +
       " is not supported (only numeric types that convert exactly to float or int64)");
}

int typed_count(const pb::TensorProto& t, Elem::Field f) {
  switch (f) {
    case Elem::Field::kFloat:
      return t.float_data_size();
    case Elem::Field::kInt32:
      return t.int32_data_size();
    case Elem::Field::kInt64:
      return t.int64_data_size();
    case Elem::Field::kDouble:
      return t.double_data_size();
    case Elem::Field::kUint64:
      return t.uint64_data_size();
  }
  return 0;
}

Tensor convert_tensor(const pb::TensorProto& t, const std::string& what, const Failer& fail) {
  if (t.data_location() == pb::TensorProto::EXTERNAL || t.external_data_size() > 0) {
    fail(what + ": its data is stored outside the model file (external data), not supported");
  }
  if (t.has_segment()) fail(what + ": is a segment of a larger tensor, not supported");
  Tensor out;
  int64_t count = 1;
  for (const int64_t d : t.dims()) {
    out.shape.push_back(d);
    if (d < 0) fail(what + ": negative dimension in shape " + shape_repr(out.shape));
  }
  for (const int64_t d : out.shape) {
    if (__builtin_mul_overflow(count, d, &count)) {
      fail(what + ": shape " + shape_repr(out.shape) + " has more elements than int64 counts");
    }
  }
  const Elem e = elem_of(t.data_type(), what, fail);
  out.type = e.to;
  const std::string type = type_name(t.data_type());
  const int64_t all_typed = int64_t{t.float_data_size()} + t.int32_data_size() +
                            t.string_data_size() + t.int64_data_size() + t.double_data_size() +
                            t.uint64_data_size();
  const int64_t typed = typed_count(t, e.field);
  const bool raw = t.has_raw_data();
  const std::string& rd = t.raw_data();
  if (raw && all_typed > 0) fail(what + ": has both raw_data and typed data");
  if (all_typed != typed) fail(what + ": holds data in a field its type " + type + " does not use");
  const std::string needs = "shape " + shape_repr(out.shape) + " of " + type + " needs ";
  if (raw && (rd.size() % static_cast<size_t>(e.bytes) != 0 ||
              static_cast<int64_t>(rd.size() / static_cast<size_t>(e.bytes)) != count)) {
    fail(what + ": raw_data holds " + std::to_string(rd.size()) + " bytes, " + needs +
         std::to_string(count) + " x " + std::to_string(e.bytes));
  }
  if (!raw && typed != count) {
    fail(what + ": holds " + std::to_string(typed) + " values, " + needs + std::to_string(count));
  }

  // Element k's raw_data bytes, little-endian as ONNX stores them whatever the host.
  const auto raw_bits = [&](int64_t k) {
    uint64_t v = 0;
    const auto* p = reinterpret_cast<const uint8_t*>(rd.data()) + k * e.bytes;
    for (int b = e.bytes - 1; b >= 0; --b) v = (v << 8) | p[b];
    return v;
  };
  const auto bad_value = [&](const std::string& v, int64_t k) {
    fail(what + ": value " + v + " at index " + std::to_string(k) + " is not a " + type +
         " that fits int64 (" + std::to_string(e.lo) + " to " + std::to_string(e.hi) + ")");
  };
  const int32_t dt = t.data_type();
  if (e.to == Tensor::Type::kFloat) {
    out.f.resize(static_cast<size_t>(count));
    for (int64_t k = 0; k < count; ++k) {
      float& x = out.f[static_cast<size_t>(k)];
      if (dt == pb::TensorProto::FLOAT) {
        x = raw ? bits_to_float(static_cast<uint32_t>(raw_bits(k))) : t.float_data(k);
      } else if (dt == pb::TensorProto::DOUBLE) {
        double d = t.double_data_size() ? t.double_data(k) : 0.0;
        if (raw) {
          const uint64_t b = raw_bits(k);
          std::memcpy(&d, &b, sizeof d);
        }
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
          char text[32];
          std::snprintf(text, sizeof text, "%.17g", d);
          fail(what + ": value " + text + " at index " + std::to_string(k) +
               " is beyond float's range");
        }
        x = static_cast<float>(d);
      } else {  // FLOAT16, BFLOAT16: the 16 bits, in int32_data when typed
        const int64_t b = raw ? static_cast<int64_t>(raw_bits(k)) : t.int32_data(k);
        if (b < 0 || b > 0xffff) {
          fail(what + ": int32_data value " + std::to_string(b) + " at index " + std::to_string(k) +
               " is not the 16 bits of a " + type);
        }
        const auto h = static_cast<uint32_t>(b);
        x = dt == pb::TensorProto::FLOAT16 ? half_to_float(h) : bits_to_float(h << 16);
      }
    }
    return out;
  }
  out.i.resize(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    int64_t& x = out.i[static_cast<size_t>(k)];
    if (raw && e.is_signed) {
      const int shift = 64 - 8 * e.bytes;  // sign-extends: every signed value is in range
      x = static_cast<int64_t>(raw_bits(k) << shift) >> shift;
    } else if (raw || e.field == Elem::Field::kUint64) {
      const uint64_t u = raw ? raw_bits(k) : t.uint64_data(k);
      if (u > static_cast<uint64_t>(e.hi)) bad_value(std::to_string(u), k);
      x = static_cast<int64_t>(u);
    } else {
      x = e.field == Elem::Field::kInt64 ? t.int64_data(k) : t.int32_data(k);
      if (x < e.lo || x > e.hi) bad_value(std::to_string(x), k);
    }
  }
  return out;
}

Attribute convert_attribute(const pb::AttributeProto& a, const std::string& what,
                            const Failer& fail) {
  using AP = pb::AttributeProto;
  if (!a.ref_attr_name().empty()) {
    fail(what + " refers to a function attribute ('" + a.ref_attr_name() + "'), not supported");
  }
  Attribute out;
  switch (a.type()) {
    case AP::INT:
      out.kind = Attribute::Kind::kInt;
      out.i = a.i();
      break;
    case AP::FLOAT:
      out.kind = Attribute::Kind::kFloat;
      out.f = a.f();
      break;
    case AP::STRING:
      out.kind = Attribute::Kind::kString;
      out.s = a.s();
      break;
    case AP::INTS:
      out.kind = Attribute::Kind::kInts;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case AP::FLOATS:
      out.kind = Attribute::Kind::kFloats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case AP::TENSOR:
      out.kind = Attribute::Kind::kTensor;
      out.t = convert_tensor(a.t(), what, fail);
      break;
    case AP::GRAPH:
    case AP::GRAPHS:
      // If, Loop and Scan: control flow this project does not run.
      fail(what + " is a subgraph (" + AP::AttributeType_Name(a.type()) + "), not supported");
    case AP::SPARSE_TENSOR:
    case AP::SPARSE_TENSORS:
      fail(what + " is a sparse tensor (" + AP::AttributeType_Name(a.type()) + "), not supported");
    default:
      fail(what + " has type " + AP::AttributeType_Name(a.type()) +
           ", not supported (INT, FLOAT, INTS, FLOATS, STRING, TENSOR)");
  }
  return out;
}

ValueInfo convert_value_info(const pb::ValueInfoProto& v, const std::string& what,
                             const Failer& fail) {
  const std::string where = what + " " + quoted(v.name());
  if (!v.type().has_tensor_type()) {
    fail(where + " is not a tensor (a sequence, map or optional), not supported");
  }
  const pb::TypeProto::Tensor& tt = v.type().tensor_type();
  // The rest of the library needs every rank; torch.onnx.export always writes one.
  if (!tt.has_shape()) fail(where + " has no shape (unknown rank), not supported");
  ValueInfo out;
  out.name = v.name();
  out.elem_type = tt.elem_type();
  for (const pb::TensorShapeProto::Dimension& d : tt.shape().dim()) {
    out.shape.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
  }
  return out;
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

Model convert_model(const pb::ModelProto& m, const Failer& fail) {
  // Protobuf parses an empty or very short file as a message with no fields.
  if (!m.has_graph()) fail("not an ONNX model (no graph)");
  Model out;
  bool have_opset = false;
  for (const pb::OperatorSetIdProto& o : m.opset_import()) {
    if (is_default_domain(o.domain()) && !have_opset) {
      out.opset = o.version();
      have_opset = true;
    }
  }
  if (!have_opset) fail("no opset for the default domain (ai.onnx)");
  if (out.opset < kMinOpset || out.opset > kMaxOpset) {
    fail("opset " + std::to_string(out.opset) + " is not supported (" + std::to_string(kMinOpset) +
         " to " + std::to_string(kMaxOpset) + ")");
  }
  out.producer = m.producer_name();
  if (!m.producer_version().empty()) out.producer += " " + m.producer_version();

  const pb::GraphProto& g = m.graph();
  if (g.sparse_initializer_size() > 0) {
    fail("sparse initializer " + quoted(g.sparse_initializer(0).values().name()) +
         " is not supported (sparse tensors)");
  }
  for (const pb::TensorProto& t : g.initializer()) {
    const std::string what = "initializer " + quoted(t.name());
    if (t.name().empty()) fail("an initializer has no name");
    if (out.initializers.count(t.name())) fail(what + " appears twice");
    out.initializers.emplace(t.name(), convert_tensor(t, what, fail));
  }
  // Exporters before IR version 4 (and torch with keep_initializers_as_inputs) list every
  // initializer as a graph input too; those are weights, not inputs.
  for (const pb::ValueInfoProto& v : g.input()) {
    if (!out.initializers.count(v.name())) {
      out.inputs.push_back(convert_value_info(v, "graph input", fail));
    }
  }
  for (const pb::ValueInfoProto& v : g.output()) {
    out.outputs.push_back(convert_value_info(v, "graph output", fail));
  }
  for (const pb::NodeProto& n : g.node()) {
    Node node;
    node.name = n.name();
    node.op_type = n.op_type();
    node.domain = n.domain();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    const std::string who = describe(node);
    if (!is_default_domain(n.domain())) {
      fail(who + " is in domain " + quoted(n.domain()) + "; only the default ONNX domain is read");
    }
    for (const pb::AttributeProto& a : n.attribute()) {
      const std::string what = who + " attribute " + quoted(a.name());
      if (node.attrs.count(a.name())) fail(what + " appears twice");
      node.attrs.emplace(a.name(), convert_attribute(a, what, fail));
    }
    out.nodes.push_back(std::move(node));
  }
  return out;
}

Model parse_bytes(const uint8_t* data, uint64_t size, const Failer& fail) {
  if (size > kMaxBytes) {
    fail(std::to_string(size) + " bytes, over the 2 GiB a protobuf message holds (external " +
         "data, which a larger model needs, is not supported)");
  }
  pb::ModelProto m;
  if (!m.ParseFromArray(data, static_cast<int>(size))) {
    fail("not an ONNX model (protobuf parse failed)");
  }
  return convert_model(m, fail);
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

int64_t Tensor::size() const {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

std::string describe(const Node& node) {
  const std::string op = " (" + printable(node.op_type) + ")";
  if (!node.name.empty()) return "node " + quoted(node.name) + op;
  if (!node.outputs.empty()) return "node with output " + quoted(node.outputs[0]) + op;
  return "unnamed node" + op;
}

Model parse_onnx(const std::vector<uint8_t>& bytes, const std::string& name_for_errors) {
  return parse_bytes(bytes.data(), bytes.size(), Failer(name_for_errors));
}

Model read_onnx(const std::string& path) {
  const Failer fail(path);
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat could refuse it.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) fail("cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("cannot stat: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) fail("is a directory, not an ONNX model");
  // A protobuf has no end marker, so a device or pipe gives no length to check the parse by.
  if (!S_ISREG(st.st_mode))
    fail("not a regular file (a device, pipe or socket), not an ONNX model");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > kMaxBytes) parse_bytes(nullptr, size, fail);  // refuses it with parse_onnx's words

  // Reads to the end rather than st_size bytes: a file that grew since fstat is read whole (and
  // still refused above 2 GiB), one that shrank is parsed as it now is.
  std::vector<uint8_t> bytes;
  bytes.reserve(static_cast<size_t>(size) + kReadChunk);
  for (;;) {
    const size_t old = bytes.size();
    bytes.resize(old + kReadChunk);
    const ssize_t r = ::read(fd.get(), bytes.data() + old, kReadChunk);
    const int err = errno;
    bytes.resize(old + static_cast<size_t>(r > 0 ? r : 0));
    if (r < 0 && err == EINTR) continue;
    if (r < 0) fail("cannot read: " + errno_text(err));
    if (r == 0) break;
    if (bytes.size() > kMaxBytes) parse_bytes(nullptr, bytes.size(), fail);
  }
  return parse_bytes(bytes.data(), bytes.size(), fail);
}

}  // namespace swis::onnx
