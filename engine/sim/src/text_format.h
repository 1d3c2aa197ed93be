// printf-compatible text formatting without printf's cost, for the scorer's report (report()
// formats a dozen figures per call; glibc's printf of a double costs about a microsecond).
// Internal to engine/sim; tests/sim/test_text_format.cpp checks it against snprintf.
#pragma once
#include <charconv>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace smp::sim::detail {

// Writes v as printf("%.<prec>f", v) does: std::to_chars with a precision is specified to give
// printf's text in the C locale (libstdc++ implements it exactly, Ryu printf), without printf's
// format parsing and locale cost. prec is 0..3; out must have room for 40 characters. Returns the
// end of the text, or nullptr, writing nothing, for non-finite values and |v| >= 2^53 (the caller
// then uses snprintf), which keeps every result within those 40 characters.
inline char* write_fixed(char* out, double v, int prec) {
  if (!std::isfinite(v) || std::fabs(v) >= 0x1.0p53 || prec < 0 || prec > 3) return nullptr;
  const auto r = std::to_chars(out, out + 40, v, std::chars_format::fixed, prec);
  return r.ec == std::errc() ? r.ptr : nullptr;
}

// vsnprintf into buf (kFormatBuffer bytes) for the subset the scorer uses ("%%", "%d", "%lld",
// "%.Nf" with N in 0..3), byte for byte what vsnprintf writes; anything else, or a value
// write_fixed declines, goes to vsnprintf itself. Returns the length; like vsnprintf into a
// 512-byte buffer, the text stops at 511 bytes. -1 on an encoding error.
inline constexpr std::size_t kFormatBuffer = 512;
inline int vformat_to(char* buf, const char* f, va_list ap) {
  char* const end = buf + kFormatBuffer - 1;
  char* q = buf;
  va_list fallback;
  va_copy(fallback, ap);
  bool ok = true;
  // Room for a run of plain text, or for the widest conversion (40 characters), is checked
  // before it is written.
  for (const char* c = f; ok && *c != '\0'; ++c) {
    if (*c != '%') {
      const char* run = c;
      while (run[1] != '\0' && run[1] != '%') ++run;
      const std::size_t len = static_cast<std::size_t>(run - c) + 1;
      if (static_cast<std::size_t>(end - q) < len + 48) {
        ok = false;
      } else {
        std::memcpy(q, c, len);
        q += len;
        c = run;
      }
    } else if (end - q < 48) {
      ok = false;
    } else if (*++c == '%') {
      *q++ = '%';
    } else if (*c == 'd') {
      q = std::to_chars(q, end, va_arg(ap, int)).ptr;
    } else if (c[0] == 'l' && c[1] == 'l' && c[2] == 'd') {
      c += 2;
      q = std::to_chars(q, end, va_arg(ap, long long)).ptr;
    } else if (c[0] == '.' && c[1] >= '0' && c[1] <= '3' && c[2] == 'f') {
      q = write_fixed(q, va_arg(ap, double), c[1] - '0');
      ok = q != nullptr;
      c += 2;
    } else {
      ok = false;
    }
  }
  int n = static_cast<int>(q - buf);
  if (!ok) {
    n = std::vsnprintf(buf, kFormatBuffer, f, fallback);
    if (n > static_cast<int>(kFormatBuffer) - 1) n = static_cast<int>(kFormatBuffer) - 1;
  }
  va_end(fallback);
  return n;
}

// The same as a new string.
inline std::string vformat(const char* f, va_list ap) {
  char buf[kFormatBuffer];
  const int n = vformat_to(buf, f, ap);
  if (n < 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

// Formats into `out`, replacing its text and reusing its storage (the per-frame report).
inline void vassign_format(std::string& out, const char* f, va_list ap) {
  char buf[kFormatBuffer];
  const int n = vformat_to(buf, f, ap);
  out.assign(buf, static_cast<std::size_t>(n > 0 ? n : 0));
}

}  // namespace smp::sim::detail
