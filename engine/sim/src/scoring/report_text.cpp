// Text helpers of the report (report_text.h).
#include "scoring/report_text.h"

#include <algorithm>
#include <cstdarg>

#include "text_format.h"

namespace smp::sim::scoring {

std::string fmt(const char* f, ...) {
  va_list ap;
  va_start(ap, f);
  std::string s = detail::vformat(f, ap);
  va_end(ap);
  return s;
}
void fmt_to(std::string& out, const char* f, ...) {
  va_list ap;
  va_start(ap, f);
  detail::vassign_format(out, f, ap);
  va_end(ap);
}
void fmt_add(std::string& out, const char* f, ...) {
  char buf[detail::kFormatBuffer];
  va_list ap;
  va_start(ap, f);
  const int n = detail::vformat_to(buf, f, ap);
  va_end(ap);
  out.append(buf, static_cast<std::size_t>(std::max(n, 0)));
}

CriterionScore& start_criterion(CriterionScore& c, const char* key, const char* label) {
  c.key = key;
  c.label = label;
  c.score = 0.0;
  c.pass_mark = 0.0;
  c.weight = 1.0;
  c.passed = false;
  return c;
}

const char* case_label(CaseKind k) {
  switch (k) {
    case CaseKind::kShavedLook:
      return "Case goal: hairline and shaved look";
    case CaseKind::kScar:
      return "Case goal: scar camouflage";
    case CaseKind::kThinning:
      return "Case goal: density between hairs";
  }
  return "Case goal";
}

const CodeStrings& code_strings() {
  static const CodeStrings s;
  return s;
}

std::string share_text(std::int64_t part, std::int64_t whole) {
  if (whole <= 0 || part <= 0) return "0%";
  if (part >= whole) return "100%";
  const double p = 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  if (p < 0.5) return "<1%";
  if (p >= 99.5) return ">99%";
  return fmt("%.0f%%", p);
}

}  // namespace smp::sim::scoring
