#include "smp/report/cohort.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "smp/sim/simulation.h"

namespace smp::report {
namespace {

// Sort key of an attempt inside its row: dated attempts by time, undated ones after them.
std::tuple<int, std::int64_t, int, std::string> order_key(const CohortAttempt& a) {
  const auto ms = parse_iso8601_ms(a.date);
  return {ms ? 0 : 1, ms.value_or(0), a.attempt, a.source};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    line += csv_field(fields[i]);
  }
  return line + "\r\n";
}

constexpr const char* kBom = "\xEF\xBB\xBF";
const std::vector<std::string> kCriteria = {"depth", "spacing", "blurring", "color", "case"};

std::string criterion(const CohortAttempt& a, const std::string& key) {
  for (const auto& [k, v] : a.criteria) {
    if (k == key) return permille_to_text(v);
  }
  return "";
}

std::string signed_change(std::int64_t v) {
  return (v > 0 ? "+" : v < 0 ? "-" : "") + permille_to_text(v < 0 ? -v : v);
}

}  // namespace

CohortAttempt attempt_from_record(const ReportRecord& r, const std::string& source) {
  CohortAttempt a;
  a.source = source;
  a.kind = "report";
  a.id = "session:" + r.session.sha256;
  a.record_id = r.report_id;
  a.purpose = r.purpose;
  a.trainee_id = r.trainee.id;
  a.trainee_name = r.trainee.name;
  a.scenario_id = r.scenario.id;
  a.scenario_version = r.scenario.version;
  a.scenario_title = r.scenario.title;
  a.date = r.issued_at;
  a.attempt = r.attempt;
  a.overall_permille = r.overall_permille;
  a.pass_mark_permille = r.overall_pass_mark_permille;
  a.passed = r.passed;
  for (const auto& c : r.criteria) a.criteria.emplace_back(c.key, c.score_permille);
  a.critical_errors = r.critical_errors.size();
  return a;
}

sim::Result<CohortAttempt> attempt_from_session(const sim::Session& session,
                                                const std::string& file_sha256,
                                                const sim::Scenario& scenario,
                                                const sim::PigmentCatalogue& catalogue,
                                                const std::string& source) {
  auto replay = sim::replay_session(session, scenario, catalogue);
  if (!replay.ok()) {
    std::vector<sim::Error> errs = replay.errors();
    for (auto& e : errs) {
      if (e.file.empty() || e.file == "<session>" || e.file == "<memory>") e.file = source;
    }
    return errs;
  }
  const sim::ScoreReport& s = replay->report;
  CohortAttempt a;
  a.source = source;
  a.kind = "session";
  a.id = "session:" + file_sha256;
  a.trainee_id = session.header.trainee;
  a.trainee_name = session.header.trainee;  // sessions carry an id only
  a.scenario_id = scenario.id;
  a.scenario_version = scenario.version;
  a.scenario_title = scenario.title;
  if (parse_iso8601_ms(session.header.started_at)) a.date = session.header.started_at;
  a.overall_permille = to_permille(s.overall);
  a.pass_mark_permille = to_permille(scenario.pass_overall);
  a.passed = s.passed;
  for (const auto& c : s.criteria) a.criteria.emplace_back(c.key, to_permille(c.score));
  a.critical_errors = s.critical_errors.size();
  a.signature = "unsigned";
  return a;
}

int attempt_rank(const CohortAttempt& a) {
  if (!a.rejected_reason.empty()) return 0;
  if (a.signature == "trusted") return 3;
  if (a.signature == "valid") return 2;
  return 1;  // an unsigned session file, scored here by replay
}

Cohort build_cohort(std::vector<CohortAttempt> attempts) {
  Cohort c;
  auto reject = [&](const CohortAttempt& a, const std::string& reason) {
    c.rejected.push_back({a.source, a.id, a.trainee_id, a.trainee_name, a.scenario_id, reason});
  };
  // The copy that counts for each attempt id: the best ranked, the first given on a tie.
  std::map<std::string, std::size_t> winner;
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    const auto& a = attempts[i];
    if (!a.rejected_reason.empty() || a.id.empty()) continue;
    auto [it, fresh] = winner.emplace(a.id, i);
    if (!fresh && attempt_rank(a) > attempt_rank(attempts[it->second])) it->second = i;
  }
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    auto& a = attempts[i];
    if (!a.rejected_reason.empty()) {
      reject(a, a.rejected_reason);
      continue;
    }
    if (!a.id.empty() && winner.at(a.id) != i) {
      const auto& w = attempts[winner.at(a.id)];
      reject(a, "the same attempt as " + w.source + " (counted once, from that file)");
      c.warnings.push_back(a.source + ": the same attempt as " + w.source + " (" + a.id +
                           "), counted once");
      continue;
    }
    if (a.trainee_id.empty()) a.trainee_id = "(no trainee id)";
    if (a.trainee_name.empty()) a.trainee_name = a.trainee_id;
    c.attempts.push_back(std::move(a));
  }
  // Group by (trainee id, scenario id); std::map keeps the grouping order deterministic.
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < c.attempts.size(); ++i) {
    groups[{c.attempts[i].trainee_id, c.attempts[i].scenario_id}].push_back(i);
  }
  for (auto& [key, idx] : groups) {
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) {
      return order_key(c.attempts[x]) < order_key(c.attempts[y]);
    });
    CohortRow row;
    row.trainee_id = key.first;
    row.scenario_id = key.second;
    row.attempts = idx;
    const CohortAttempt& last = c.attempts[idx.back()];
    row.trainee_name = last.trainee_name;  // the newest spelling
    row.scenario_title = last.scenario_title;
    row.latest = idx.back();
    row.best = idx.front();
    bool prev_passed = false;
    for (std::size_t i : idx) {
      const CohortAttempt& a = c.attempts[i];
      if (a.overall_permille > c.attempts[row.best].overall_permille) row.best = i;
      if (a.passed) {
        ++row.passes;
        ++row.passes_in_a_row;
        if (prev_passed) row.proficient = true;
      } else {
        row.passes_in_a_row = 0;
      }
      prev_passed = a.passed;
    }
    row.change_permille = last.overall_permille - c.attempts[idx.front()].overall_permille;
    c.rows.push_back(std::move(row));
  }
  std::stable_sort(c.rows.begin(), c.rows.end(), [](const CohortRow& a, const CohortRow& b) {
    return std::tie(a.trainee_name, a.trainee_id, a.scenario_id) <
           std::tie(b.trainee_name, b.trainee_id, b.scenario_id);
  });
  return c;
}

std::string roster_csv(const Cohort& c) {
  std::vector<std::string> head = {
      "trainee_id",  "trainee_name",  "scenario_id", "scenario_title",  "attempts",
      "passes",      "best_overall",  "best_date",   "latest_overall",  "latest_result",
      "latest_date", "first_overall", "change",      "passes_in_a_row", "proficient"};
  for (const auto& k : kCriteria) head.push_back("latest_" + k);
  std::string out = kBom + csv_line(head);
  for (const auto& r : c.rows) {
    const CohortAttempt& best = c.attempts[r.best];
    const CohortAttempt& last = c.attempts[r.latest];
    const CohortAttempt& first = c.attempts[r.attempts.front()];
    std::vector<std::string> f = {r.trainee_id,
                                  r.trainee_name,
                                  r.scenario_id,
                                  r.scenario_title,
                                  std::to_string(r.attempts.size()),
                                  std::to_string(r.passes),
                                  permille_to_text(best.overall_permille),
                                  best.date,
                                  permille_to_text(last.overall_permille),
                                  last.passed ? "PASS" : "FAIL",
                                  last.date,
                                  permille_to_text(first.overall_permille),
                                  signed_change(r.change_permille),
                                  std::to_string(r.passes_in_a_row),
                                  r.proficient ? "yes" : "no"};
    for (const auto& k : kCriteria) f.push_back(criterion(last, k));
    out += csv_line(f);
  }
  return out;
}

std::string attempts_csv(const Cohort& c) {
  std::vector<std::string> head = {
      "trainee_id", "trainee_name", "scenario_id", "scenario_version", "n", "attempt", "date",
      "overall",    "pass_mark",    "result",      "critical_errors"};
  for (const auto& k : kCriteria) head.push_back(k);
  for (const char* h : {"kind", "purpose", "signature", "id", "source"}) head.emplace_back(h);
  std::string out = kBom + csv_line(head);
  for (const auto& r : c.rows) {
    int n = 0;
    for (std::size_t i : r.attempts) {
      const CohortAttempt& a = c.attempts[i];
      std::vector<std::string> f = {a.trainee_id,
                                    a.trainee_name,
                                    a.scenario_id,
                                    std::to_string(a.scenario_version),
                                    std::to_string(++n),
                                    a.attempt > 0 ? std::to_string(a.attempt) : "",
                                    a.date,
                                    permille_to_text(a.overall_permille),
                                    permille_to_text(a.pass_mark_permille),
                                    a.passed ? "PASS" : "FAIL",
                                    std::to_string(a.critical_errors)};
      for (const auto& k : kCriteria) f.push_back(criterion(a, k));
      f.push_back(a.kind);
      f.push_back(a.purpose);
      f.push_back(a.signature);
      f.push_back(a.id);
      f.push_back(a.source);
      out += csv_line(f);
    }
  }
  return out;
}

std::string rejected_csv(const Cohort& c) {
  std::string out =
      kBom + csv_line({"source", "trainee_id", "trainee_name", "scenario_id", "id", "reason"});
  for (const auto& r : c.rejected) {
    out += csv_line({r.source, r.trainee_id, r.trainee_name, r.scenario_id, r.id, r.reason});
  }
  return out;
}

}  // namespace smp::report
