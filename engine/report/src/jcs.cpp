#include "smp/report/jcs.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace smp::report {
namespace {

constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53);

// Decodes UTF-8 into UTF-16 code units; false on malformed input (overlong, surrogates, >
// U+10FFFF).
bool utf8_to_utf16(std::string_view s, std::u16string* out) {
  out->clear();
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1Fu;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0Fu;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07u;
      len = 4;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out->push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out->push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out->push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return true;
}

void append_string(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

std::string escape_pointer_token(const std::string& key) {
  std::string t;
  for (const char c : key) {
    if (c == '~') {
      t += "~0";
    } else if (c == '/') {
      t += "~1";
    } else {
      t.push_back(c);
    }
  }
  return t;
}

bool serialize(const nlohmann::json& v, const std::string& pointer, std::string* out,
               std::string* error) {
  using T = nlohmann::json::value_t;
  switch (v.type()) {
    case T::null:
      *out += "null";
      return true;
    case T::boolean:
      *out += v.get<bool>() ? "true" : "false";
      return true;
    case T::number_integer: {
      const auto i = v.get<std::int64_t>();
      if (i > kMaxSafeInteger || i < -kMaxSafeInteger) {
        *error = pointer + ": integer beyond 2^53 has no exact JSON number form";
        return false;
      }
      *out += std::to_string(i);
      return true;
    }
    case T::number_unsigned: {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(kMaxSafeInteger)) {
        *error = pointer + ": integer beyond 2^53 has no exact JSON number form";
        return false;
      }
      *out += std::to_string(u);
      return true;
    }
    case T::number_float: {
      const double d = v.get<double>();
      if (!std::isfinite(d)) {
        *error = pointer + ": NaN or Infinity is not JSON";
        return false;
      }
      *out += jcs_number(d);
      return true;
    }
    case T::string: {
      const auto& s = v.get_ref<const std::string&>();
      std::u16string tmp;
      if (!utf8_to_utf16(s, &tmp)) {
        *error = pointer + ": string is not valid UTF-8";
        return false;
      }
      append_string(s, out);
      return true;
    }
    case T::array: {
      out->push_back('[');
      std::size_t idx = 0;
      for (const auto& e : v) {
        if (idx) out->push_back(',');
        if (!serialize(e, pointer + "/" + std::to_string(idx), out, error)) return false;
        ++idx;
      }
      out->push_back(']');
      return true;
    }
    case T::object: {
      // Members sorted by UTF-16 code units (differs from UTF-8 byte order above U+FFFF).
      std::vector<std::pair<std::u16string, nlohmann::json::const_iterator>> members;
      for (auto it = v.begin(); it != v.end(); ++it) {
        std::u16string key16;
        if (!utf8_to_utf16(it.key(), &key16)) {
          *error = pointer + ": member name is not valid UTF-8";
          return false;
        }
        members.emplace_back(std::move(key16), it);
      }
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      bool first = true;
      for (const auto& [key16, it] : members) {
        if (!first) out->push_back(',');
        first = false;
        append_string(it.key(), out);
        out->push_back(':');
        if (!serialize(it.value(), pointer + "/" + escape_pointer_token(it.key()), out, error)) {
          return false;
        }
      }
      out->push_back('}');
      return true;
    }
    case T::binary:
    case T::discarded:
      break;
  }
  *error = pointer + ": value has no JSON form";
  return false;
}

}  // namespace

std::string jcs_number(double v) {
  if (v == 0.0) return "0";  // also -0
  // Shortest round-trip digits, then laid out as ECMAScript's Number::toString does.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string sign;
  if (sci.front() == '-') {
    sign = "-";
    sci.remove_prefix(1);
  }
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (const char c : sci.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // decimal point position relative to the digits
  std::string s;
  if (k <= n && n <= 21) {
    s = digits + std::string(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    s = digits.substr(0, static_cast<std::size_t>(n)) + "." +
        digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    s = "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
  } else {
    const int e = n - 1;
    s = digits.substr(0, 1);
    if (k > 1) s += "." + digits.substr(1);
    s += "e";
    s += e > 0 ? "+" : "-";
    s += std::to_string(e > 0 ? e : -e);
  }
  return sign + s;
}

sim::Result<std::string> jcs_serialize(const nlohmann::json& value) {
  std::string out, error;
  if (!serialize(value, "", &out, &error)) {
    const auto colon = error.find(": ");
    return sim::Result<std::string>::fail(
        {"<memory>", error.substr(0, colon), error.substr(colon + 2)});
  }
  return out;
}

std::string string_member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) return {};
  const nlohmann::json& v = obj.at(key);  // present: at() cannot throw here
  return v.is_string() ? v.get<std::string>() : std::string();
}

sim::Result<std::string> jcs_canonicalize(std::string_view json_text, const std::string& label) {
  auto j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return sim::Result<std::string>::fail({label, "", "not valid JSON"});
  }
  auto r = jcs_serialize(j);
  if (!r.ok()) {
    auto e = r.errors().front();
    e.file = label;
    return sim::Result<std::string>::fail(std::move(e));
  }
  return r;
}

}  // namespace smp::report
