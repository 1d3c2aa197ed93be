// Criterion-referenced pass rules (pass_rules.h; defaults and sources in docs/scoring.md,
// "Verdict"). Texts are written over the previous report's strings: the trainer checks the rules
// every frame without allocating once they have grown.
#include "smp/sim/pass_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>

#include "text_format.h"

namespace smp::sim {

namespace {

void fmt_to(std::string& out, const char* f, ...) __attribute__((format(printf, 2, 3)));
void fmt_to(std::string& out, const char* f, ...) {
  va_list ap;
  va_start(ap, f);
  detail::vassign_format(out, f, ap);
  va_end(ap);
}

double pct(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// Decimals that show a figure next to its limit without contradiction: whole percent unless
// rounding would make a failing figure read as the limit itself (89.6% "needs 90%").
int decimals(double value, double limit, int base) {
  const double scale = std::pow(10.0, base);
  return std::round(value * scale) / scale == limit && value != limit ? base + 1 : base;
}
int limit_decimals(double limit, int base) {
  const double scale = std::pow(10.0, base);
  return std::round(limit * scale) / scale == limit ? base : base + 1;
}

RuleCheck& next(std::vector<RuleCheck>& out, std::size_t& n) {
  if (n == out.size()) out.emplace_back();
  return out[n++];
}

void set(RuleCheck& r, const char* key, const char* criterion, double value, double min, double max,
         bool passed) {
  r.key = key;
  r.criterion = criterion;
  r.value = value;
  r.min = min;
  r.max = max;
  r.passed = passed;
}

// "<what>: 92% (needs at least 90%)" for a lower bound, "(allows at most 5%)" for an upper.
void at_least(RuleCheck& r, const char* what, std::int64_t dots) {
  if (dots == 0) {
    fmt_to(r.text, "no dots yet: needs at least %.*f%% %s", limit_decimals(r.min, 0), r.min, what);
    return;
  }
  fmt_to(r.text, "%.*f%% %s (needs at least %.*f%%)", decimals(r.value, r.min, 0), r.value, what,
         limit_decimals(r.min, 0), r.min);
}
void at_most(RuleCheck& r, const char* what, std::int64_t dots) {
  if (dots == 0) {
    fmt_to(r.text, "no dots yet: allows at most %.*f%% %s", limit_decimals(r.max, 0), r.max, what);
    return;
  }
  fmt_to(r.text, "%.*f%% %s (allows at most %.*f%%)", decimals(r.value, r.max, 0), r.value, what,
         limit_decimals(r.max, 0), r.max);
}

}  // namespace

bool check_pass_rules(const PassRules& rules, const VerdictFacts& f, std::vector<RuleCheck>& out) {
  const bool any = f.dots > 0;
  std::size_t n = 0;
  bool all = true;

  RuleCheck& band = next(out, n);
  const double in_band = pct(f.in_band, f.dots);
  set(band, "in_band", "depth", in_band, rules.min_in_band_pct, 100.0,
      any && in_band >= rules.min_in_band_pct);
  at_least(band, "of dots in the target depth band", f.dots);
  all = all && band.passed;

  RuleCheck& touch = next(out, n);
  const double touching = pct(f.touching, f.dots);
  set(touch, "touching", "spacing", touching, 0.0, rules.max_touching_pct,
      any && touching <= rules.max_touching_pct);
  at_most(touch, "of dots touch a neighbour", f.dots);
  all = all && touch.passed;

  RuleCheck& cover = next(out, n);
  const double coverage = 100.0 * f.coverage;
  set(cover, "coverage", "spacing", coverage, rules.min_coverage_pct, 100.0,
      any && coverage >= rules.min_coverage_pct);
  at_least(cover, "of the area covered at the target density", f.dots);
  all = all && cover.passed;

  RuleCheck& dens = next(out, n);
  const double ratio =
      f.expected_dots > 0.0 ? static_cast<double>(f.in_area) / f.expected_dots : 0.0;
  set(dens, "density", "spacing", ratio, rules.min_density_ratio, rules.max_density_ratio,
      any && ratio >= rules.min_density_ratio && ratio <= rules.max_density_ratio);
  {
    constexpr int lo = 2, hi = 2;  // 4/3 reads "1.33x"
    // Compared with the limits as shown, so a failing 1.334 never reads "1.33x".
    const int v = std::max(decimals(ratio, std::round(rules.min_density_ratio * 100.0) / 100.0, 2),
                           decimals(ratio, std::round(rules.max_density_ratio * 100.0) / 100.0, 2));
    if (any) {
      fmt_to(dens.text, "density %.*fx the target (needs %.*fx to %.*fx)", v, ratio, lo,
             rules.min_density_ratio, hi, rules.max_density_ratio);
    } else {
      fmt_to(dens.text, "no dots yet: needs a density of %.*fx to %.*fx the target", lo,
             rules.min_density_ratio, hi, rules.max_density_ratio);
    }
  }
  all = all && dens.passed;

  RuleCheck& stray = next(out, n);
  const double stray_pct = pct(f.stray, f.dots);
  set(stray, "stray", "case", stray_pct, 0.0, rules.max_stray_pct,
      any && stray_pct <= rules.max_stray_pct);
  at_most(stray, "of dots outside the treatment area", f.dots);
  all = all && stray.passed;

  out.resize(n);
  return all;
}

bool rules_passed_for(const std::vector<RuleCheck>& checks, const std::string& criterion) {
  return std::all_of(checks.begin(), checks.end(),
                     [&](const RuleCheck& r) { return r.criterion != criterion || r.passed; });
}

}  // namespace smp::sim
