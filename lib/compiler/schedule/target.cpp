// Decimal targets: parse_target reads T exactly as num / den; trim and decimal_product help it and
// the error messages that quote T.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

#include "lib/compiler/schedule.h"
#include "lib/compiler/schedule/schedule_internal.h"

namespace swis {
namespace {

constexpr int kMaxFractionDigits = 12;
constexpr int kMaxIntegerDigits = 6;

}  // namespace

namespace schedule_detail {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// num/den * m as an exact decimal, for num/den <= 8 with den dividing 10^12 and m <= 2^40: the
// product can exceed 64 bits, so multiply the decimal digits of num/den by m one at a time.
std::string decimal_product(const TargetRatio& t, int64_t m) {
  int scale_digits = 0;
  int64_t scale = 1;
  while (scale % t.den != 0) {
    scale *= 10;
    ++scale_digits;
  }
  const std::string digits = std::to_string(t.num * (scale / t.den));
  std::string out;
  int64_t carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    const int64_t x = (*it - '0') * m + carry;
    out.push_back(static_cast<char>('0' + x % 10));
    carry = x / 10;
  }
  for (; carry != 0; carry /= 10) out.push_back(static_cast<char>('0' + carry % 10));
  while (static_cast<int>(out.size()) <= scale_digits) out.push_back('0');
  std::reverse(out.begin(), out.end());
  std::string whole = out.substr(0, out.size() - scale_digits);
  std::string frac = out.substr(out.size() - scale_digits);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  const auto nz = whole.find_first_not_of('0');
  whole = nz == std::string::npos ? "0" : whole.substr(nz);
  return frac.empty() ? whole : whole + "." + frac;
}

}  // namespace schedule_detail

using schedule_detail::trim;

TargetRatio parse_target(const std::string& text) {
  const std::string s = trim(text);
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("target '" + text + "' " + why);
  };
  const auto dot = s.find('.');
  std::string whole = s.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  auto digits_only = [](const std::string& d) {
    return std::all_of(d.begin(), d.end(), [](unsigned char ch) { return std::isdigit(ch); });
  };
  if (whole.empty() && frac.empty()) throw bad("is not a decimal number");
  if (!digits_only(whole) || !digits_only(frac)) throw bad("is not a decimal number");
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (static_cast<int>(whole.size()) > kMaxIntegerDigits) throw bad("is out of range");
  if (static_cast<int>(frac.size()) > kMaxFractionDigits) {
    throw bad("has more than 12 decimal places");
  }
  TargetRatio r;
  r.num = whole.empty() ? 0 : std::stoll(whole);
  for (char ch : frac) {
    r.num = r.num * 10 + (ch - '0');
    r.den *= 10;
  }
  const int64_t g = std::gcd(r.num, r.den);
  r.num /= g;
  r.den /= g;
  return r;
}

}  // namespace swis
