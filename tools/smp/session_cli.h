// Shared by `smp score`, `smp replay` and `smp demo-session`: option parsing, loading a scenario +
// session pair with located errors, and printing a ScoreReport as text or JSON
// (docs/session-format.md, "smp score --json").
#pragma once
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"
#include "smp/sim/session.h"
#include "smp/sim/simulation.h"

namespace smp::cli {

// "--name value" options and "--flag" switches; anything else is a usage error.
struct Options {
  std::map<std::string, std::string> values;
  std::vector<std::string> flags;
  bool has(const std::string& flag) const {
    for (const auto& f : flags) {
      if (f == flag) return true;
    }
    return false;
  }
  const std::string* get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  }
};

// Parses args against the allowed value options and switches; prints the problem and returns
// nullopt on a usage error.
inline std::optional<Options> parse_options(const char* command,
                                            const std::vector<std::string>& args,
                                            const std::vector<std::string>& value_options,
                                            const std::vector<std::string>& switches) {
  Options o;
  auto is_in = [](const std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v) {
      if (x == s) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h") {
      o.flags.push_back("--help");
    } else if (is_in(switches, a)) {
      o.flags.push_back(a);
    } else if (is_in(value_options, a)) {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "smp %s: option %s needs a value (see 'smp %s --help')\n", command,
                     a.c_str(), command);
        return std::nullopt;
      }
      if (o.values.count(a) != 0) {
        std::fprintf(stderr, "smp %s: option %s given twice\n", command, a.c_str());
        return std::nullopt;
      }
      o.values[a] = args[++i];
    } else {
      std::fprintf(stderr, "smp %s: unknown argument '%s' (see 'smp %s --help')\n", command,
                   a.c_str(), command);
      return std::nullopt;
    }
  }
  return o;
}

inline void print_errors(const std::vector<sim::Error>& errors, const std::string& file = "") {
  for (sim::Error e : errors) {
    if (!file.empty() && (e.file.empty() || e.file == "<session>")) e.file = file;
    std::fprintf(stderr, "%s\n", e.to_string().c_str());
  }
}

// Everything a scored replay needs, loaded and cross-checked.
struct Loaded {
  sim::Scenario scenario;
  sim::PigmentCatalogue catalogue;
  sim::Session session;
};

// Loads the session, the scenario and the pigment catalogue; a session made on another scenario
// is an error, one made on another version of the same scenario (hash differs) a warning.
// `preloaded`: the session when the caller already read it (saves parsing a long log twice).
inline std::optional<Loaded> load_for_scoring(const char* command, const std::string& scenario_path,
                                              const std::string& session_path,
                                              std::optional<sim::Session> preloaded = {}) {
  auto scenario = sim::load_scenario_file(scenario_path);
  if (!scenario.ok()) {
    print_errors(scenario.errors());
    return std::nullopt;
  }
  auto session = preloaded ? sim::Result<sim::Session>(std::move(*preloaded))
                           : sim::load_session_file(session_path);
  if (!session.ok()) {
    print_errors(session.errors());
    return std::nullopt;
  }
  auto catalogue = sim::PigmentCatalogue::load_default();
  if (!catalogue.ok()) {
    print_errors(catalogue.errors());
    return std::nullopt;
  }
  Loaded l{std::move(scenario).value(), std::move(catalogue).value(), std::move(session).value()};
  if (l.session.header.scenario_id != l.scenario.id) {
    std::fprintf(stderr,
                 "%s: /scenario_id: the session was recorded on scenario '%s', but %s is "
                 "scenario '%s'\n",
                 session_path.c_str(), l.session.header.scenario_id.c_str(), scenario_path.c_str(),
                 l.scenario.id.c_str());
    return std::nullopt;
  }
  if (!l.session.header.scenario_sha256.empty() &&
      l.session.header.scenario_sha256 != l.scenario.content_sha256) {
    std::fprintf(stderr,
                 "smp %s: warning: %s was recorded on a different version of scenario '%s' "
                 "(scenario_sha256 %.12s..., %s is %.12s...); scoring against the given file\n",
                 command, session_path.c_str(), l.scenario.id.c_str(),
                 l.session.header.scenario_sha256.c_str(), scenario_path.c_str(),
                 l.scenario.content_sha256.c_str());
  }
  return l;
}

inline nlohmann::ordered_json report_json(const sim::ScoreReport& r, const sim::Scenario& sc) {
  using J = nlohmann::ordered_json;
  J out;
  out["overall"] = {{"score", r.overall}, {"passed", r.passed}, {"pass_mark", sc.pass_overall}};
  J criteria = J::object();
  for (const auto& c : r.criteria) {
    J metrics = J::object();
    for (const auto& [name, value] : c.metrics) metrics[name] = value;
    criteria[c.key] = {{"label", c.label},   {"score", c.score},   {"pass_mark", c.pass_mark},
                       {"passed", c.passed}, {"weight", c.weight}, {"explanation", c.explanation},
                       {"metrics", metrics}};
  }
  out["criteria"] = criteria;
  J rules = J::array();
  for (const auto& c : r.rules) {
    J row = {{"key", c.key}, {"criterion", c.criterion}, {"value", c.value}};
    if (c.key == "time") {
      row["late_impressions"] = r.late_impressions;
      row["limit_s"] = c.max;
    } else {
      row["min"] = c.min;
      row["max"] = c.max;
    }
    row["passed"] = c.passed;
    row["text"] = c.text;
    rules.push_back(row);
  }
  out["rules"] = rules;
  J critical = J::array();
  for (const auto& e : r.critical_errors) {
    critical.push_back({{"code", e.code},
                        {"message", e.message},
                        {"impression_id", e.impression_id},
                        {"x_mm", e.pos.x_mm},
                        {"y_mm", e.pos.y_mm}});
  }
  out["critical_errors"] = critical;
  J findings = J::array();
  for (const auto& f : r.findings) {
    findings.push_back({{"criterion", f.criterion},
                        {"code", f.code},
                        {"message", f.message},
                        {"impression_id", f.impression_id},
                        {"x_mm", f.pos.x_mm},
                        {"y_mm", f.pos.y_mm},
                        {"severity", f.severity}});
  }
  out["findings"] = findings;
  out["impression_count"] = r.impression_count;
  out["scenario"] = {{"id", sc.id}, {"sha256", sc.content_sha256}};
  return out;
}

inline std::string json_text(const nlohmann::ordered_json& j, int indent = 2) {
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The human-readable score table.
inline void print_report_text(const sim::ScoreReport& r, const sim::Scenario& sc,
                              std::size_t max_findings) {
  auto label_of = [](const sim::CriterionScore& c) { return c.label.empty() ? c.key : c.label; };
  int w = 9;  // the label column fits the longest label
  for (const auto& c : r.criteria) w = std::max(w, static_cast<int>(label_of(c).size()));
  std::printf("%-*s %6s %6s %6s  %s\n", w, "Criterion", "Score", "Pass", "Weight", "Result");
  for (const auto& c : r.criteria) {
    std::printf("%-*s %6.1f %6.1f %6.2f  %s\n", w, label_of(c).c_str(), c.score, c.pass_mark,
                c.weight, c.passed ? "pass" : "FAIL");
    if (!c.explanation.empty()) std::printf("    %s\n", c.explanation.c_str());
  }
  std::printf("%-*s %6.1f %6.1f %6s  %s\n", w, "Overall", r.overall, sc.pass_overall, "",
              r.passed ? "PASS" : "FAIL");
  if (!r.rules.empty()) {
    std::printf("\nPass rules (every one must hold, as must every criterion's mark):\n");
    for (const auto& c : r.rules)
      std::printf("  %-4s %s\n", c.passed ? "ok" : "FAIL", c.text.c_str());
  }
  std::printf("\nImpressions: %zu\n", r.impression_count);
  if (r.critical_errors.empty()) {
    std::printf("Critical errors: none\n");
  } else {
    std::printf("Critical errors (%zu; any one fails the attempt):\n", r.critical_errors.size());
    for (const auto& e : r.critical_errors) {
      std::printf("  - %s", e.code.c_str());
      if (e.impression_id >= 0)
        std::printf(" (impression #%lld)", static_cast<long long>(e.impression_id));
      std::printf(" at (%.1f, %.1f) mm: %s\n", e.pos.x_mm, e.pos.y_mm, e.message.c_str());
    }
  }
  if (!r.findings.empty()) {
    const std::size_t n = std::min(max_findings, r.findings.size());
    std::printf("Worst findings (%zu of %zu):\n", n, r.findings.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& f = r.findings[i];
      std::printf("  - [%s] %s at (%.1f, %.1f) mm: %s\n", f.criterion.c_str(), f.code.c_str(),
                  f.pos.x_mm, f.pos.y_mm, f.message.c_str());
    }
  }
}

}  // namespace smp::cli
