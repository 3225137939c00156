#include "model/npy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>

namespace swis::npy {
namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kMagicLen = 8;  // magic plus the two version bytes
constexpr uint64_t kArrayAlign = 64;
// numpy >= 1.24 leaves room after the header dict for the first axis to grow to this many digits,
// so that appending rows can rewrite the header in place. Writing the same spaces keeps our files
// byte-identical to numpy's.
constexpr size_t kGrowthAxisMaxDigits = 21;
// Python literals nest only to describe structured dtypes, which are rejected anyway; the limit
// keeps a header of a million '(' from exhausting the stack.
constexpr int kMaxNesting = 16;
constexpr size_t kMaxQuoted = 48;  // longest piece of file content quoted in a message

std::string errno_text(int err) { return std::strerror(err); }

// File content and paths go into one-line messages, so control characters (and, for header
// content, anything outside ASCII) are escaped rather than printed.
std::string printable(std::string_view s, size_t max_len, bool ascii_only) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == max_len) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || (ascii_only && c >= 0x80)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string quoted(std::string_view s) { return "'" + printable(s, kMaxQuoted, true) + "'"; }

// Throws NpyError for one named file; every message leaves here as "<name>: <problem>".
class Failer {
 public:
  explicit Failer(std::string name) : name_(printable(name, 4096, false)) {}
  [[noreturn]] void operator()(const std::string& problem) const {
    throw NpyError(name_ + ": " + problem);
  }

 private:
  std::string name_;
};

// Python's repr of a shape tuple, which is what numpy writes: (), (5,), (2, 3).
std::string shape_repr(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// A shape for a message: a shape with thousands of dimensions would swamp the line.
std::string shape_for_message(const std::vector<int64_t>& shape) {
  constexpr size_t kShown = 8;
  if (shape.size() <= kShown) return shape_repr(shape);
  std::vector<int64_t> head(shape.begin(), shape.begin() + kShown);
  std::string s = shape_repr(head);
  s.pop_back();
  return s + ", ... (" + std::to_string(shape.size()) + " dimensions))";
}

// Element count, following numpy: zero-length axes are skipped for the overflow check, so a shape
// numpy cannot create is rejected even when it holds no elements. Returns an empty string on
// success, otherwise the problem.
std::string checked_count(const std::vector<int64_t>& shape, int64_t item, int64_t* count,
                          int64_t* nbytes) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t product = 1;
  bool empty = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t d = shape[i];
    if (d < 0) {
      return "shape " + shape_for_message(shape) + " has negative dimension " + std::to_string(d);
    }
    if (d == 0) {
      empty = true;
      continue;
    }
    if (product > kMax / d) {
      return "element count of shape " + shape_for_message(shape) + " overflows int64";
    }
    product *= d;
  }
  if (product > kMax / item) {
    return "byte size of shape " + shape_for_message(shape) + " with " + std::to_string(item) +
           "-byte elements overflows int64";
  }
  *count = empty ? 0 : product;
  *nbytes = *count * item;
  return "";
}

uint64_t load_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}

void store_le(uint64_t v, int n, uint8_t* p) {
  for (int k = 0; k < n; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
}

bool is_float(DType t) { return t == DType::kFloat32 || t == DType::kFloat64; }

// ---------------------------------------------------------------------------------------------
// The header is a Python dict literal that numpy reads with ast.literal_eval. This parser accepts
// the subset of Python literal syntax a header can sensibly contain (strings, integers, floats,
// True/False/None, tuples, lists, dicts), in any layout Python would, and builds a small tree for
// the checks that follow. Anything else is a malformed header.

struct Value {
  enum class Kind { kString, kInt, kFloat, kBool, kNone, kTuple, kList, kDict };
  Kind kind = Kind::kNone;
  std::string text;  // string contents, or the source text of a number or name
  bool boolean = false;
  bool negative = false;
  bool overflow = false;  // an integer whose magnitude does not fit int64
  int64_t magnitude = 0;
  std::vector<Value> items;  // tuple/list elements; for a dict, key, value, key, value, ...
};

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::kString:
      return "a string";
    case Value::Kind::kInt:
      return "an integer";
    case Value::Kind::kFloat:
      return "a float";
    case Value::Kind::kBool:
      return "a bool";
    case Value::Kind::kNone:
      return "None";
    case Value::Kind::kTuple:
      return "a tuple";
    case Value::Kind::kList:
      return "a list";
    case Value::Kind::kDict:
      return "a dict";
  }
  return "a value";
}

class HeaderParser {
 public:
  HeaderParser(std::string_view text, const Failer& fail) : text_(text), fail_(fail) {}

  Value parse_document() {
    skip_ws();
    if (at_end()) fail_("header is not a Python dict literal: it is empty");
    if (peek() != '{') {
      fail_("header is not a Python dict literal: it starts with " + quoted(upcoming()));
    }
    Value v = parse_value(0);
    skip_ws();
    if (!at_end()) syntax("unexpected " + quoted(upcoming()) + " after the dict");
    return v;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_name_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  // The text at the error position up to the next whitespace, for a message.
  std::string_view upcoming() const {
    size_t end = pos_;
    while (end < text_.size() && end - pos_ < 16 && text_[end] != ' ' && text_[end] != '\n') ++end;
    return text_.substr(pos_, std::max<size_t>(end - pos_, 1));
  }

  [[noreturn]] void syntax(const std::string& what) const {
    fail_("malformed header: " + what + " at header byte " + std::to_string(pos_));
  }

  void skip_ws() {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') ++pos_;
      } else if (c == '\\' && (peek(1) == '\n' || (peek(1) == '\r' && peek(2) == '\n'))) {
        pos_ += peek(1) == '\n' ? 2 : 3;
      } else {
        return;
      }
    }
  }

  void expect(char c) {
    skip_ws();
    if (peek() != c || at_end()) {
      syntax(std::string("expected '") + c + "' but found " +
             (at_end() ? std::string("the end") : quoted(upcoming())));
    }
    ++pos_;
  }

  Value parse_value(int depth) {
    if (depth > kMaxNesting) syntax("literals nested more than " + std::to_string(kMaxNesting));
    skip_ws();
    if (at_end()) syntax("expected a value but found the end");
    const char c = peek();
    if (c == '\'' || c == '"') return parse_string();
    if (c == '(') return parse_paren(depth);
    if (c == '[') return parse_list(depth);
    if (c == '{') return parse_dict(depth);
    if (is_digit(c) || c == '-' || c == '+' || (c == '.' && is_digit(peek(1)))) {
      return parse_number();
    }
    if (is_name_char(c)) return parse_name();
    syntax("unexpected " + quoted(upcoming()));
  }

  Value parse_string() {
    const char q = peek();
    const size_t start = pos_++;
    Value v;
    v.kind = Value::Kind::kString;
    while (true) {
      if (at_end() || peek() == '\n') {
        pos_ = start;
        syntax("unterminated string");
      }
      const char c = text_[pos_++];
      if (c == q) break;
      if (c == '\\') {
        if (at_end()) continue;  // reported as unterminated on the next pass
        const char e = text_[pos_++];
        // Only the escapes a dtype string could need; others keep their backslash, which makes
        // them an unsupported descr rather than a silently different one.
        if (e == '\\' || e == '\'' || e == '"') {
          v.text += e;
        } else {
          v.text += '\\';
          v.text += e;
        }
      } else {
        v.text += c;
      }
    }
    return v;
  }

  Value parse_number() {
    const size_t start = pos_;
    Value v;
    v.kind = Value::Kind::kInt;
    if (peek() == '-' || peek() == '+') {
      v.negative = peek() == '-';
      ++pos_;
      skip_ws();  // Python reads "- 1" as -1
    }
    if (!(is_digit(peek()) || (peek() == '.' && is_digit(peek(1))))) {
      syntax("expected a number after the sign");
    }
    const size_t digits_start = pos_;
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    while (is_digit(peek())) {
      const int d = peek() - '0';
      if (v.magnitude > (kMax - d) / 10) {
        v.overflow = true;
      } else if (!v.overflow) {
        v.magnitude = v.magnitude * 10 + d;
      }
      ++pos_;
    }
    const size_t digits_len = pos_ - digits_start;
    if (peek() == '.') {
      v.kind = Value::Kind::kFloat;
      ++pos_;
      while (is_digit(peek())) ++pos_;
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
      v.kind = Value::Kind::kFloat;
      pos_ += 2;
      while (is_digit(peek())) ++pos_;
    }
    // numpy under Python 2 wrote long dimensions as 3L.
    if (v.kind == Value::Kind::kInt && (peek() == 'L' || peek() == 'l')) ++pos_;
    v.text = std::string(text_.substr(start, pos_ - start));
    if (is_name_char(peek()) || peek() == '.') {
      syntax("malformed number " + quoted(text_.substr(start, pos_ - start + 1)));
    }
    // Python 3 rejects 010; Python 2 read it as octal 8. Neither is a decimal 10.
    if (v.kind == Value::Kind::kInt && digits_len > 1 && text_[digits_start] == '0' &&
        v.magnitude != 0) {
      syntax("integer with a leading zero " + quoted(v.text));
    }
    return v;
  }

  Value parse_name() {
    const size_t start = pos_;
    while (is_name_char(peek())) ++pos_;
    Value v;
    v.text = std::string(text_.substr(start, pos_ - start));
    if (v.text == "True" || v.text == "False") {
      v.kind = Value::Kind::kBool;
      v.boolean = v.text == "True";
    } else if (v.text == "None") {
      v.kind = Value::Kind::kNone;
    } else {
      pos_ = start;
      syntax("unknown name " + quoted(v.text));
    }
    return v;
  }

  // "(x)" is just x in Python; only "()" or a comma makes a tuple.
  Value parse_paren(int depth) {
    expect('(');
    skip_ws();
    Value t;
    t.kind = Value::Kind::kTuple;
    if (peek() == ')') {
      ++pos_;
      return t;
    }
    Value first = parse_value(depth + 1);
    skip_ws();
    if (peek() == ')') {
      ++pos_;
      return first;
    }
    t.items.push_back(std::move(first));
    parse_rest_of_sequence(')', depth, &t);
    return t;
  }

  Value parse_list(int depth) {
    expect('[');
    Value l;
    l.kind = Value::Kind::kList;
    skip_ws();
    if (peek() == ']') {
      ++pos_;
      return l;
    }
    l.items.push_back(parse_value(depth + 1));
    parse_rest_of_sequence(']', depth, &l);
    return l;
  }

  // After the first element: (',' element)* ','? close
  void parse_rest_of_sequence(char close, int depth, Value* seq) {
    while (true) {
      skip_ws();
      if (peek() == close && !at_end()) {
        ++pos_;
        return;
      }
      expect(',');
      skip_ws();
      if (peek() == close && !at_end()) {
        ++pos_;
        return;
      }
      seq->items.push_back(parse_value(depth + 1));
    }
  }

  Value parse_dict(int depth) {
    expect('{');
    Value d;
    d.kind = Value::Kind::kDict;
    while (true) {
      skip_ws();
      if (peek() == '}' && !at_end()) {
        ++pos_;
        return d;
      }
      d.items.push_back(parse_value(depth + 1));
      expect(':');
      d.items.push_back(parse_value(depth + 1));
      skip_ws();
      if (peek() == '}' && !at_end()) {
        ++pos_;
        return d;
      }
      expect(',');
    }
  }

  std::string_view text_;
  const Failer& fail_;
  size_t pos_ = 0;
};

// descr strings numpy writes for the supported types, and the spellings other writers use for
// the one-byte types, where byte order means nothing.
DType decode_descr(const std::string& descr, const Failer& fail) {
  struct Known {
    const char* code;
    DType dtype;
  };
  static constexpr Known kKnown[] = {
      {"f4", DType::kFloat32}, {"f8", DType::kFloat64}, {"i1", DType::kInt8},
      {"u1", DType::kUint8},   {"i2", DType::kInt16},   {"i4", DType::kInt32},
      {"i8", DType::kInt64},
  };
  const char order = descr.empty() ? '\0' : descr[0];
  const bool has_order = order == '<' || order == '>' || order == '=' || order == '|';
  const std::string code = has_order ? descr.substr(1) : descr;
  const Known* found = nullptr;
  for (const Known& k : kKnown) {
    if (code == k.code) found = &k;
  }
  const std::string supported = " (supported: <f4, <f8, |i1, |u1, <i2, <i4, <i8)";
  if (found == nullptr) fail("unsupported dtype " + quoted(descr) + supported);
  if (itemsize(found->dtype) == 1 || order == '<') return found->dtype;
  if (order == '>') {
    fail("big-endian dtype " + quoted(descr) + " is not supported; save with arr.astype('<" + code +
         "')");
  }
  if (order == '|') fail("unsupported dtype " + quoted(descr) + supported);
  // '=' and no prefix mean "native", which says nothing about the machine that wrote the file.
  fail("dtype " + quoted(descr) + " does not state its byte order; expected '<" + code + "'");
}

struct Header {
  DType dtype;
  std::vector<int64_t> shape;
};

Header decode_header(std::string_view text, const Failer& fail) {
  HeaderParser parser(text, fail);
  const Value doc = parser.parse_document();

  const Value* descr = nullptr;
  const Value* fortran = nullptr;
  const Value* shape = nullptr;
  for (size_t i = 0; i + 1 < doc.items.size(); i += 2) {
    const Value& key = doc.items[i];
    if (key.kind != Value::Kind::kString) {
      fail(std::string("header dict has a key that is ") + kind_name(key.kind) + ", not a string");
    }
    const Value** slot = key.text == "descr"           ? &descr
                         : key.text == "fortran_order" ? &fortran
                         : key.text == "shape"         ? &shape
                                                       : nullptr;
    if (slot == nullptr) {
      fail("header has unexpected key " + quoted(key.text) +
           " (a .npy header holds only 'descr', 'fortran_order' and 'shape')");
    }
    if (*slot != nullptr) fail("header repeats key " + quoted(key.text));
    *slot = &doc.items[i + 1];
  }
  if (descr == nullptr) fail("header lacks key 'descr'");
  if (fortran == nullptr) fail("header lacks key 'fortran_order'");
  if (shape == nullptr) fail("header lacks key 'shape'");

  Header h;
  if (descr->kind == Value::Kind::kList) {
    fail("unsupported dtype: structured (record) arrays are not supported");
  }
  if (descr->kind != Value::Kind::kString) {
    fail(std::string("unsupported dtype: 'descr' is ") + kind_name(descr->kind) +
         ", not a dtype string");
  }
  h.dtype = decode_descr(descr->text, fail);

  if (fortran->kind != Value::Kind::kBool) {
    fail(std::string("'fortran_order' is ") + kind_name(fortran->kind) + ", not True or False");
  }
  if (fortran->boolean) {
    fail("Fortran-order arrays are not supported; save with numpy.ascontiguousarray");
  }

  if (shape->kind != Value::Kind::kTuple) {
    fail(std::string("'shape' is ") + kind_name(shape->kind) + ", not a tuple");
  }
  h.shape.reserve(shape->items.size());  // bounded by the header bytes already in memory
  for (size_t i = 0; i < shape->items.size(); ++i) {
    const Value& d = shape->items[i];
    const std::string where = "dimension " + std::to_string(i) + " of 'shape'";
    if (d.kind != Value::Kind::kInt) {
      fail(where + " is not an integer: it is " + kind_name(d.kind) +
           (d.text.empty() ? "" : " " + quoted(d.text)));
    }
    if (d.negative && (d.magnitude != 0 || d.overflow)) {
      fail(where + " is negative: " + quoted(d.text));
    }
    if (d.overflow) fail(where + " " + quoted(d.text) + " overflows int64");
    h.shape.push_back(d.magnitude);
  }
  return h;
}

// Element i's bits, after checking that the array really holds element i.
uint64_t element_bits(const Array& a, int64_t i) {
  const int64_t item = itemsize(a.dtype);
  const int64_t n = a.size();
  if (i < 0 || i >= n) {
    throw NpyError("element index " + std::to_string(i) + " is out of range for shape " +
                   shape_for_message(a.shape));
  }
  if (static_cast<uint64_t>(n) * static_cast<uint64_t>(item) > a.data.size()) {
    throw NpyError("array of shape " + shape_for_message(a.shape) + " and dtype " +
                   dtype_name(a.dtype) + " has only " + std::to_string(a.data.size()) +
                   " data bytes");
  }
  return load_le(a.data.data() + i * item, static_cast<int>(item));
}

template <typename T>
uint64_t to_bits(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t> bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits;
  } else {
    return static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v));
  }
}

template <typename T>
Array make_array(DType dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
  static_assert(std::is_arithmetic_v<T>);
  Array a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  const int64_t n = a.size();
  if (static_cast<uint64_t>(n) != values.size()) {
    throw NpyError(std::string("make_") + dtype_name(dtype) + ": shape " +
                   shape_for_message(a.shape) + " holds " + std::to_string(n) + " elements but " +
                   std::to_string(values.size()) + " values were given");
  }
  a.data.resize(values.size() * sizeof(T));
  for (size_t i = 0; i < values.size(); ++i) {
    store_le(to_bits(values[i]), sizeof(T), a.data.data() + i * sizeof(T));
  }
  return a;
}

// Closes the descriptor on every path out; close() itself is checked where it matters.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  // Returns close()'s result: on NFS and with delayed allocation a failed write shows up here.
  int close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

// Removes the temporary file unless the rename that publishes it went through.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;

  void commit() { committed_ = true; }

 private:
  std::string path_;
  bool committed_ = false;
};

}  // namespace

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
    case DType::kInt8:
      return "int8";
    case DType::kUint8:
      return "uint8";
    case DType::kInt16:
      return "int16";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
  }
  return "invalid";
}

const char* dtype_descr(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "<f4";
    case DType::kFloat64:
      return "<f8";
    case DType::kInt8:
      return "|i1";
    case DType::kUint8:
      return "|u1";
    case DType::kInt16:
      return "<i2";
    case DType::kInt32:
      return "<i4";
    case DType::kInt64:
      return "<i8";
  }
  return "invalid";
}

int64_t itemsize(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
    case DType::kUint8:
      return 1;
    case DType::kInt16:
      return 2;
    case DType::kFloat32:
    case DType::kInt32:
      return 4;
    case DType::kFloat64:
    case DType::kInt64:
      return 8;
  }
  throw NpyError("invalid dtype value " + std::to_string(static_cast<int>(dtype)));
}

int64_t Array::size() const {
  int64_t count = 0;
  int64_t nbytes = 0;
  const std::string problem = checked_count(shape, 1, &count, &nbytes);
  if (!problem.empty()) throw NpyError(problem);
  return count;
}

double Array::as_double(int64_t i) const {
  const uint64_t bits = element_bits(*this, i);
  switch (dtype) {
    case DType::kFloat32: {
      const auto b32 = static_cast<uint32_t>(bits);
      float f;
      std::memcpy(&f, &b32, sizeof f);
      return f;
    }
    case DType::kFloat64: {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    default:
      return static_cast<double>(as_int(i));
  }
}

int64_t Array::as_int(int64_t i) const {
  if (is_float(dtype)) {
    throw NpyError(std::string("as_int called on a ") + dtype_name(dtype) + " array");
  }
  const uint64_t bits = element_bits(*this, i);
  switch (dtype) {
    case DType::kInt8:
      return static_cast<int8_t>(static_cast<uint8_t>(bits));
    case DType::kUint8:
      return static_cast<uint8_t>(bits);
    case DType::kInt16:
      return static_cast<int16_t>(static_cast<uint16_t>(bits));
    case DType::kInt32:
      return static_cast<int32_t>(static_cast<uint32_t>(bits));
    default:
      return static_cast<int64_t>(bits);
  }
}

bool operator==(const Array& a, const Array& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
}

Array parse(const std::vector<uint8_t>& bytes, const std::string& name_for_errors) {
  const Failer fail(name_for_errors);
  const size_t n = bytes.size();
  if (n == 0) fail("file is empty, not a .npy file");
  const size_t magic_seen = std::min(n, sizeof kMagic);
  if (!std::equal(bytes.begin(), bytes.begin() + magic_seen, kMagic)) {
    const std::string_view start(reinterpret_cast<const char*>(bytes.data()), magic_seen);
    fail("not a .npy file (bad magic: expected '\\x93NUMPY', found " + quoted(start) + ")");
  }
  if (n < kMagicLen) {
    fail("truncated preamble: " + std::to_string(n) +
         " bytes, fewer than the 8 of magic and version");
  }
  const int major = bytes[6];
  const int minor = bytes[7];
  if (minor != 0 || major < 1 || major > 3) {
    fail("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
         " (supported: 1.0, 2.0, 3.0)");
  }
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagicLen + len_bytes;
  if (n < prefix) {
    fail("truncated preamble: version " + std::to_string(major) + ".0 needs " +
         std::to_string(prefix) + " bytes before the header, file has " + std::to_string(n));
  }
  const uint64_t header_len = load_le(bytes.data() + kMagicLen, static_cast<int>(len_bytes));
  if (header_len > n - prefix) {
    fail("truncated header: the preamble declares " + std::to_string(header_len) +
         " header bytes but only " + std::to_string(n - prefix) + " follow it");
  }
  // Version 3.0 headers are UTF-8 and 1.0/2.0 latin-1; the syntax is ASCII either way, and
  // non-ASCII bytes can only sit inside strings, which are then unknown keys or dtypes.
  const std::string_view header_text(reinterpret_cast<const char*>(bytes.data() + prefix),
                                     static_cast<size_t>(header_len));
  Header h = decode_header(header_text, fail);

  int64_t count = 0;
  int64_t nbytes = 0;
  const std::string problem = checked_count(h.shape, itemsize(h.dtype), &count, &nbytes);
  if (!problem.empty()) fail(problem);

  const size_t data_offset = prefix + static_cast<size_t>(header_len);
  const uint64_t found = n - data_offset;
  const auto expected = static_cast<uint64_t>(nbytes);
  const std::string what = "shape " + shape_for_message(h.shape) + " of " + dtype_descr(h.dtype) +
                           " needs " + std::to_string(expected) + " data bytes";
  if (found < expected) fail("truncated data: " + what + ", found " + std::to_string(found));
  if (found > expected) {
    fail(std::to_string(found - expected) + " trailing bytes after the array data (" + what +
         ", found " + std::to_string(found) + ")");
  }

  Array a;
  a.dtype = h.dtype;
  a.shape = std::move(h.shape);
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_offset), bytes.end());
  return a;
}

Array read(const std::string& path) {
  const Failer fail(path);
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("cannot stat: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) fail("is a directory, not a .npy file");

  std::vector<uint8_t> bytes;
  // st_size is what the filesystem holds, not a claim from the file's content, so it is safe to
  // reserve; pipes report 0 and simply grow.
  if (S_ISREG(st.st_mode) && st.st_size > 0) bytes.reserve(static_cast<size_t>(st.st_size));
  uint8_t chunk[1 << 16];
  while (true) {
    const ssize_t r = ::read(fd.get(), chunk, sizeof chunk);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail("cannot read: " + errno_text(errno));
    }
    if (r == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + r);
  }
  return parse(bytes, path);
}

std::vector<uint8_t> serialize(const Array& a) {
  const char* descr = dtype_descr(a.dtype);
  const int64_t item = itemsize(a.dtype);
  int64_t count = 0;
  int64_t nbytes = 0;
  const std::string problem = checked_count(a.shape, item, &count, &nbytes);
  if (!problem.empty()) throw NpyError("cannot serialize: " + problem);
  if (static_cast<uint64_t>(nbytes) != a.data.size()) {
    throw NpyError("cannot serialize: shape " + shape_for_message(a.shape) + " of " + descr +
                   " needs " + std::to_string(nbytes) + " data bytes but the array has " +
                   std::to_string(a.data.size()));
  }

  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape_repr(a.shape) + ", }";
  if (!a.shape.empty()) {
    header.append(kGrowthAxisMaxDigits - std::to_string(a.shape[0]).size(), ' ');
  }
  // numpy's _wrap_header: spaces and a final '\n' bring magic + length field + header to a
  // multiple of 64. It pads a full 64 when the sum is already aligned, so we do too.
  const uint64_t hlen = header.size() + 1;
  uint64_t len_bytes = 2;
  uint64_t pad = kArrayAlign - (kMagicLen + len_bytes + hlen) % kArrayAlign;
  if (hlen + pad > 0xffff) {
    len_bytes = 4;
    pad = kArrayAlign - (kMagicLen + len_bytes + hlen) % kArrayAlign;
    if (hlen + pad > 0xffffffffu) {
      throw NpyError("cannot serialize: a header of " + std::to_string(hlen) +
                     " bytes does not fit even format 2.0");
    }
  }
  const uint64_t total_header = hlen + pad;

  // Built from the magic rather than inserted into an empty vector: GCC 12 at -O3 warns
  // (-Wstringop-overflow, a false positive) on the insert form.
  std::vector<uint8_t> out(std::begin(kMagic), std::end(kMagic));
  out.reserve(kMagicLen + len_bytes + total_header + a.data.size());
  out.push_back(len_bytes == 2 ? 1 : 2);
  out.push_back(0);
  uint8_t len_field[4];
  store_le(total_header, static_cast<int>(len_bytes), len_field);
  out.insert(out.end(), len_field, len_field + len_bytes);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), pad, ' ');
  out.push_back('\n');
  out.insert(out.end(), a.data.begin(), a.data.end());
  return out;
}

void write(const std::string& path, const Array& a) {
  const Failer fail(path);
  std::vector<uint8_t> bytes;
  try {
    bytes = serialize(a);
  } catch (const NpyError& e) {
    fail(std::string("cannot write: ") + e.what());
  }

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  // O_TRUNC rather than O_EXCL: a temporary left by a killed run of an earlier process with the
  // same pid (common in containers) must not block every later write.
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (fd.get() < 0) {
    fail("cannot create temporary file " + printable(tmp, 4096, false) + ": " + errno_text(errno));
  }
  TempFileGuard guard(tmp);

  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t w = ::write(fd.get(), p, std::min<size_t>(left, size_t{1} << 30));
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("cannot write: " + errno_text(errno));
    }
    if (w == 0) fail("cannot write: the device accepted no bytes");
    p += w;
    left -= static_cast<size_t>(w);
  }
  // Without the fsync a crash soon after the rename can leave `path` empty on some filesystems.
  if (::fsync(fd.get()) != 0) fail("cannot write: fsync failed: " + errno_text(errno));
  if (fd.close() != 0) fail("cannot write: close failed: " + errno_text(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    fail("cannot write: rename from temporary file failed: " + errno_text(errno));
  }
  guard.commit();
}

bool has_non_finite(const Array& a) {
  if (!is_float(a.dtype)) return false;
  const int64_t n = a.size();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(a.as_double(i))) return true;
  }
  return false;
}

Array make_int8(std::vector<int64_t> shape, const std::vector<int8_t>& values) {
  return make_array(DType::kInt8, std::move(shape), values);
}
Array make_uint8(std::vector<int64_t> shape, const std::vector<uint8_t>& values) {
  return make_array(DType::kUint8, std::move(shape), values);
}
Array make_int16(std::vector<int64_t> shape, const std::vector<int16_t>& values) {
  return make_array(DType::kInt16, std::move(shape), values);
}
Array make_int32(std::vector<int64_t> shape, const std::vector<int32_t>& values) {
  return make_array(DType::kInt32, std::move(shape), values);
}
Array make_int64(std::vector<int64_t> shape, const std::vector<int64_t>& values) {
  return make_array(DType::kInt64, std::move(shape), values);
}
Array make_float32(std::vector<int64_t> shape, const std::vector<float>& values) {
  return make_array(DType::kFloat32, std::move(shape), values);
}
Array make_float64(std::vector<int64_t> shape, const std::vector<double>& values) {
  return make_array(DType::kFloat64, std::move(shape), values);
}

}  // namespace swis::npy
