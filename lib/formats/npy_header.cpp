// The .npy header: a parser for the Python dict literal it is written in, its decoding into dtype
// and shape, and the element-count checks the reader, writer and Array share.
#include <algorithm>
#include <limits>
#include <string_view>

#include "lib/formats/npy_internal.h"

namespace swis::npy::detail {

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

namespace {

// Python literals nest only to describe structured dtypes, which are rejected anyway; the limit
// keeps a header of a million '(' from exhausting the stack.
constexpr int kMaxNesting = 16;

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

}  // namespace

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

}  // namespace swis::npy::detail
