// Text helpers of the report: printf-style formatting into reused strings, the explanation
// rule ("Main problem: ..."), the named-figure writer, and each code's strings.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "scoring/finding_codes.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"

namespace smp::sim::scoring {

// What an empty session's criteria say.
inline constexpr const char* kNoImpressionsYet =
    "No impressions yet: there is nothing to judge, so this scores 0.";

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
// part / whole as a percentage that never contradicts the count: "0%" only when part is 0,
// "100%" only when it is whole ("<1%", ">99%" in between).
std::string share_text(std::int64_t part, std::int64_t whole);
// fmt into an existing string, replacing (fmt_to) or extending (fmt_add) its text: no allocation
// once its capacity suffices (report_into() refreshes the same report every frame).
void fmt_to(std::string& out, const char* f, ...) __attribute__((format(printf, 2, 3)));
void fmt_add(std::string& out, const char* f, ...) __attribute__((format(printf, 2, 3)));

// The explanation from named factors (0..1): a positive summary when the weakest is fine, naming
// it when it is not perfect; "Main problem: ..." when it is poor. Ties go to the first listed.
// Only the text used is formatted, into out: text(i, out) appends factor i's phrase, good(out)
// the summary.
template <class Text, class Good>
void explain(std::string& out, std::initializer_list<double> scores, Text&& text, Good&& good) {
  const double* s = scores.begin();
  std::size_t w = 0;
  for (std::size_t i = 1; i < scores.size(); ++i)
    if (s[i] < s[w]) w = i;
  out.clear();
  if (scores.size() == 0 || s[w] >= 0.95) {
    good(out);
  } else if (s[w] >= 0.8) {
    good(out);
    out += " Smallest weakness: ";
    text(w, out);
    out += '.';
  } else {
    out += "Main problem: ";
    text(w, out);
    out += '.';
  }
}

using Metrics = std::vector<std::pair<std::string, double>>;
// Writes a criterion's named figures over the ones already there (report_into() reuses their
// strings); drops any left over at the end of its scope.
class MetricWriter {
 public:
  explicit MetricWriter(Metrics& m) : m_(m) {}
  MetricWriter(const MetricWriter&) = delete;
  MetricWriter& operator=(const MetricWriter&) = delete;
  ~MetricWriter() { m_.erase(m_.begin() + static_cast<std::ptrdiff_t>(i_), m_.end()); }
  void put(std::initializer_list<std::pair<const char*, double>> kv) {
    if (m_.capacity() < i_ + kv.size()) m_.reserve(i_ + kv.size());
    for (const auto& [k, v] : kv) {
      if (i_ < m_.size()) {
        m_[i_].first = k;
        m_[i_].second = v;
      } else {
        m_.emplace_back(k, v);
      }
      ++i_;
    }
  }

 private:
  Metrics& m_;
  std::size_t i_ = 0;
};

// Resets a criterion for report_into(): every field is written again by its section.
CriterionScore& start_criterion(CriterionScore& c, const char* key, const char* label);
// The case-goal criterion's label for a case kind.
const char* case_label(CaseKind k);

// Each code's criterion and key as strings, built once (a copy of a short string allocates
// nothing).
struct CodeStrings {
  std::array<std::string, kCodeCount> criterion, code;
  CodeStrings() {
    for (std::size_t i = 0; i < kCodeCount; ++i) {
      criterion[i] = kCodes[i].criterion;
      code[i] = kCodes[i].code;
    }
  }
};
const CodeStrings& code_strings();

}  // namespace smp::sim::scoring
