// `smp calibrate`: proficiency-based pass marks from expert sessions (docs/scoring.md,
// "Pass marks from experts"). Each session is replayed as `smp score` replays it; per criterion
// and per pass rule the mark is the experts' mean -/+ 2 SD, kept inside limits that still fail
// the classic faults and still leave room for a few slips.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "session_cli.h"

namespace smp::cli {
namespace {

constexpr const char* kHelp =
    "Usage: smp calibrate --scenario FILE --out FILE SESSION...\n"
    "\n"
    "Derives proficiency-based pass marks from at least 5 expert sessions on the scenario:\n"
    "for each criterion score and each pass rule, the experts' mean minus 2 standard deviations\n"
    "(plus 2 SD for an upper limit), kept within limits that still fail the classic faults and\n"
    "leave room for a few slips (docs/scoring.md, \"Pass marks from experts\"). Prints a table\n"
    "and writes a copy of the scenario with the new \"pass\" and \"pass_rules\" and its version\n"
    "raised by one (atomically; the copy is checked as `smp validate` checks it first).\n"
    "\n"
    "Options:\n"
    "  --scenario FILE  scenario JSON (smp-scenario/1)\n"
    "  --out FILE       where to write the calibrated scenario\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 written, 1 unusable input (fewer than 5 sessions, a session on another\n"
    "scenario, a failed write), 64 usage error.\n";

constexpr std::size_t kMinExperts = 5;

struct Stat {
  double mean = 0.0, sd = 0.0, min = 0.0, max = 0.0;
};
Stat stat_of(const std::vector<double>& v) {
  Stat s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));  // sample SD
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

// A lower limit: mean - 2 SD, at least `margin` below the mean (room for slips), never below
// `floor` (a classic fault must still fail); rounded down to 0.1 (never stricter than computed).
double lower_mark(const Stat& s, double margin, double floor, double step) {
  const double v = std::max(floor, std::min(s.mean - 2.0 * s.sd, s.mean - margin));
  return std::floor(v / step + 1e-9) * step;
}
// An upper limit: mean + 2 SD, at least `margin` above the mean, never above `cap`; rounded up.
double upper_mark(const Stat& s, double margin, double cap, double step) {
  const double v = std::min(cap, std::max(s.mean + 2.0 * s.sd, s.mean + margin));
  return std::ceil(v / step - 1e-9) * step;
}

double round_to(double v, double step) {
  return std::round(v / step) * step;
}

int run_calibrate(const std::vector<std::string>& args) {
  std::string scenario_path, out_path;
  std::vector<std::string> sessions;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kHelp, stdout);
      return kExitOk;
    }
    if (a == "--scenario" || a == "--out") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "smp calibrate: option %s needs a value\n", a.c_str());
        return kExitUsage;
      }
      (a == "--scenario" ? scenario_path : out_path) = args[++i];
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "smp calibrate: unknown option '%s' (see 'smp calibrate --help')\n",
                   a.c_str());
      return kExitUsage;
    } else {
      sessions.push_back(a);
    }
  }
  if (scenario_path.empty() || out_path.empty()) {
    std::fprintf(stderr,
                 "smp calibrate: needs --scenario FILE, --out FILE and expert SESSION files "
                 "(see 'smp calibrate --help')\n");
    return kExitUsage;
  }
  if (sessions.size() < kMinExperts) {
    std::fprintf(stderr,
                 "smp calibrate: needs at least %zu expert sessions, got %zu: pass marks from "
                 "experts come from their mean and spread, which fewer sessions cannot give\n",
                 kMinExperts, sessions.size());
    return kExitFailure;
  }

  // The scenario as text too: the copy keeps every other field exactly as written.
  std::ifstream in(scenario_path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto original = nlohmann::ordered_json::parse(text.str(), nullptr, false);

  std::vector<sim::ScoreReport> reports;
  std::optional<Loaded> first;
  for (const std::string& path : sessions) {
    auto loaded = load_for_scoring("calibrate", scenario_path, path);
    if (!loaded) return kExitFailure;
    auto replay = sim::replay_session(loaded->session, loaded->scenario, loaded->catalogue);
    if (!replay.ok()) {
      print_errors(replay.errors(), path);
      return kExitFailure;
    }
    reports.push_back(replay->report);
    if (!first) first = std::move(loaded);
  }
  const sim::Scenario& sc = first->scenario;
  if (original.is_discarded() || !original.is_object()) {
    std::fprintf(stderr, "%s: cannot read the scenario's text again\n", scenario_path.c_str());
    return kExitFailure;
  }

  std::printf(
      "Calibrated on %zu expert sessions of %s (mark = expert mean -/+ 2 SD, within the\n"
      "limits of docs/scoring.md, \"Pass marks from experts\"):\n\n",
      reports.size(), sc.id.c_str());
  std::printf("%-22s %8s %7s %8s %8s   %s\n", "measure", "mean", "SD", "lowest", "old", "new");

  nlohmann::ordered_json pass = nlohmann::ordered_json::object();
  auto column = [&](auto&& get) {
    std::vector<double> v;
    for (const auto& r : reports) v.push_back(get(r));
    return stat_of(v);
  };
  // Criterion marks: 10 points below the mean at least (a few slips cost up to ~11 points on a
  // criterion, measured on the few-slips attempts), never below 50.
  const Stat overall = column([](const sim::ScoreReport& r) { return r.overall; });
  const double overall_mark = lower_mark(overall, 10.0, 50.0, 0.1);
  pass["overall"] = round_to(overall_mark, 0.1);
  std::printf("%-22s %8.1f %7.2f %8.1f %8.1f   >= %.1f\n", "overall score", overall.mean,
              overall.sd, overall.min, sc.pass_overall, overall_mark);
  const double old_marks[] = {sc.pass.depth, sc.pass.spacing, sc.pass.blurring, sc.pass.color,
                              sc.pass.case_goal};
  for (std::size_t k = 0; k < reports.front().criteria.size(); ++k) {
    const Stat s = column([k](const sim::ScoreReport& r) { return r.criteria[k].score; });
    const double mark = lower_mark(s, 10.0, 50.0, 0.1);
    const std::string& key = reports.front().criteria[k].key;
    pass[key] = round_to(mark, 0.1);
    std::printf("%-22s %8.1f %7.2f %8.1f %8.1f   >= %.1f\n", (key + " score").c_str(), s.mean, s.sd,
                s.min, k < 5 ? old_marks[k] : 0.0, mark);
  }

  auto rule_value = [](const sim::ScoreReport& r, const char* key) {
    for (const auto& c : r.rules)
      if (c.key == key) return c.value;
    return 0.0;
  };
  auto rule_stat = [&](const char* key) {
    return column([&](const sim::ScoreReport& r) { return rule_value(r, key); });
  };
  // Rule limits: the floors and caps still fail the classic faults (a fifth out of band reads
  // 80%, a tenth touching 10%, a fifth unworked about 73-75% coverage, 2/3 and 1.5x density);
  // the margins leave a few slips passing (4% out of band, two touching pairs, 3% missing).
  const sim::PassRules& old = sc.pass_rules;
  nlohmann::ordered_json rules = nlohmann::ordered_json::object();
  const Stat band = rule_stat("in_band");
  const double band_mark = lower_mark(band, 5.0, 81.0, 0.1);
  const Stat touch = rule_stat("touching");
  const double touch_mark = upper_mark(touch, 2.0, 9.5, 0.1);
  const Stat cover = rule_stat("coverage");
  const double cover_mark = lower_mark(cover, 5.0, 76.0, 0.1);
  const Stat dens = rule_stat("density");
  const double dens_lo = lower_mark(dens, 0.1, 0.7, 0.01);
  const double dens_hi = upper_mark(dens, 0.1, 1.45, 0.01);
  const Stat stray = rule_stat("stray");
  const double stray_mark = upper_mark(stray, 2.0, 10.0, 0.1);
  std::printf("%-22s %8.1f %7.2f %8.1f %8.1f   >= %.1f\n", "in band %", band.mean, band.sd,
              band.min, old.min_in_band_pct, band_mark);
  std::printf("%-22s %8.1f %7.2f %8.1f %8.1f   <= %.1f\n", "touching %", touch.mean, touch.sd,
              touch.max, old.max_touching_pct, touch_mark);
  std::printf("%-22s %8.1f %7.2f %8.1f %8.1f   >= %.1f\n", "coverage %", cover.mean, cover.sd,
              cover.min, old.min_coverage_pct, cover_mark);
  std::printf("%-22s %8.2f %7.3f %8.2f %8.2f   >= %.2f\n", "density ratio (min)", dens.mean,
              dens.sd, dens.min, old.min_density_ratio, dens_lo);
  std::printf("%-22s %8.2f %7.3f %8.2f %8.2f   <= %.2f\n", "density ratio (max)", dens.mean,
              dens.sd, dens.max, old.max_density_ratio, dens_hi);
  std::printf("%-22s %8.1f %7.2f %8.1f %8.1f   <= %.1f\n", "stray %", stray.mean, stray.sd,
              stray.max, old.max_stray_pct, stray_mark);
  rules["min_in_band_pct"] = round_to(band_mark, 0.1);
  rules["max_touching_pct"] = round_to(touch_mark, 0.1);
  rules["min_coverage_pct"] = round_to(cover_mark, 0.1);
  rules["density_ratio"] = {round_to(dens_lo, 0.01), round_to(dens_hi, 0.01)};
  rules["max_stray_pct"] = round_to(stray_mark, 0.1);
  if (original.contains("pass_rules") && original["pass_rules"].is_object() &&
      original["pass_rules"].contains("over_time")) {
    rules["over_time"] = original["pass_rules"]["over_time"];
  }

  nlohmann::ordered_json copy = original;
  copy["version"] = sc.version + 1;
  copy["pass"] = pass;
  copy["pass_rules"] = rules;
  const std::string out_text = copy.dump(2) + "\n";
  auto check = sim::parse_scenario(out_text, out_path);
  if (!check.ok()) {
    print_errors(check.errors());
    return kExitFailure;
  }
  auto written = sim::write_file_atomic(out_path, out_text);
  if (!written.ok()) {
    print_errors(written.errors());
    return kExitFailure;
  }
  std::size_t experts_passing = 0;
  for (const auto& r : reports) {
    // The experts' facts against the new marks (what `smp score` will say with the copy).
    bool ok = r.overall >= overall_mark && rule_value(r, "in_band") >= band_mark &&
              rule_value(r, "touching") <= touch_mark && rule_value(r, "coverage") >= cover_mark &&
              rule_value(r, "density") >= dens_lo && rule_value(r, "density") <= dens_hi &&
              rule_value(r, "stray") <= stray_mark && r.critical_errors.empty();
    for (const auto& c : r.criteria) ok = ok && c.score >= pass[c.key].get<double>();
    experts_passing += ok ? 1 : 0;
  }
  std::printf("\n%s: written (version %d); %zu of %zu expert sessions pass the new marks\n",
              out_path.c_str(), sc.version + 1, experts_passing, reports.size());
  if (experts_passing < reports.size()) {
    std::printf(
        "warning: some experts fail: a floor above their figures (see the table) or a "
        "critical error in their session\n");
  }
  return kExitOk;
}

[[maybe_unused]] const bool registered = register_command(
    {"calibrate", "derive proficiency-based pass marks from expert sessions", &run_calibrate});

}  // namespace
}  // namespace smp::cli
