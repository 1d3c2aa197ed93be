// `smp replay`: rebuild a session from tick 0 and (with --verify) check it against what the
// writer recorded: the golden-replay check (docs/architecture.md, "Determinism").
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "command.h"
#include "session_cli.h"

namespace smp::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHelp =
    "Usage: smp replay --session FILE [--scenario FILE] [--verify]\n"
    "\n"
    "Replays the session's stylus log from tick 0 on its scenario and prints the impression\n"
    "count, the impressions hash (SHA-256, docs/session-format.md) and the scores.\n"
    "\n"
    "Options:\n"
    "  --session FILE   session JSON (smp-session/1)\n"
    "  --scenario FILE  scenario JSON; default: the scenario whose id the session names, looked\n"
    "                   up in $SMP_SCENARIO_DIR, ./scenarios, or the installed scenarios/\n"
    "  --verify         compare the rebuilt impression count, hash and scores with the session's\n"
    "                   \"recorded\" block; any difference is printed and fails\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 replayed (and verified), 1 unusable input or a verification difference,\n"
    "64 usage error.\n";

std::vector<fs::path> scenario_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("SMP_SCENARIO_DIR"); env != nullptr && env[0] != '\0') {
    dirs.emplace_back(env);
  }
  dirs.emplace_back("scenarios");
  dirs.push_back(fs::path(sim::asset_dir()).parent_path() / "scenarios");
  return dirs;
}

// The scenario file for an id: <dir>/<id>.json when its id matches, else any *.json in the
// directory (in name order) that declares the id.
std::optional<std::string> find_scenario(const std::string& id, std::vector<std::string>& looked) {
  for (const fs::path& dir : scenario_dirs()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    looked.push_back(dir.string());
    const fs::path direct = dir / (id + ".json");
    if (fs::is_regular_file(direct, ec)) {
      auto s = sim::load_scenario_file(direct.string());
      if (s.ok() && s->id == id) return direct.string();
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto s = sim::load_scenario_file(f.string());
      if (s.ok() && s->id == id) return f.string();
    }
  }
  return std::nullopt;
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Every difference between the rebuilt result and the recorded one, in plain words.
std::vector<std::string> differences(const sim::RecordedResult& rec, const sim::ReplayOutput& out) {
  std::vector<std::string> d;
  if (rec.impression_count != out.impressions.size()) {
    d.push_back("impression count: recorded " + std::to_string(rec.impression_count) + ", replay " +
                std::to_string(out.impressions.size()));
  }
  if (rec.impressions_sha256 != out.impressions_sha256) {
    d.push_back("impressions hash: recorded " + rec.impressions_sha256 + ", replay " +
                out.impressions_sha256);
  }
  // Scores are compared exactly: the session stores them with round-trip precision and the
  // replay is bit-deterministic, so any difference means the models or the scoring changed.
  if (rec.overall != out.report.overall) {
    d.push_back("overall score: recorded " + fmt(rec.overall) + ", replay " +
                fmt(out.report.overall));
  }
  for (const auto& [key, score] : rec.criteria) {
    const sim::CriterionScore* found = nullptr;
    for (const auto& c : out.report.criteria) {
      if (c.key == key) found = &c;
    }
    if (found == nullptr) {
      d.push_back("criterion '" + key + "': recorded " + fmt(score) + ", absent from the replay");
    } else if (found->score != score) {
      d.push_back("criterion '" + key + "': recorded " + fmt(score) + ", replay " +
                  fmt(found->score));
    }
  }
  for (const auto& c : out.report.criteria) {
    bool recorded = false;
    for (const auto& [key, score] : rec.criteria) recorded = recorded || key == c.key;
    if (!recorded) d.push_back("criterion '" + c.key + "': not recorded, replay " + fmt(c.score));
  }
  return d;
}

int run_replay(const std::vector<std::string>& args) {
  auto opts = parse_options("replay", args, {"--scenario", "--session"}, {"--verify", "--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const std::string* session_path = opts->get("--session");
  if (session_path == nullptr) {
    std::fprintf(stderr, "smp replay: needs --session FILE (see 'smp replay --help')\n");
    return kExitUsage;
  }
  std::string scenario_path;
  std::optional<sim::Session> preloaded;
  if (const std::string* s = opts->get("--scenario")) {
    scenario_path = *s;
  } else {
    auto session = sim::load_session_file(*session_path);
    if (!session.ok()) {
      print_errors(session.errors());
      return kExitFailure;
    }
    std::vector<std::string> looked;
    auto found = find_scenario(session->header.scenario_id, looked);
    if (!found) {
      std::string where;
      for (const auto& l : looked) where += (where.empty() ? "" : ", ") + l;
      std::fprintf(stderr,
                   "%s: /scenario_id: no scenario with id '%s' found (looked in: %s); pass "
                   "--scenario FILE\n",
                   session_path->c_str(), session->header.scenario_id.c_str(),
                   where.empty() ? "no scenario directory exists" : where.c_str());
      return kExitFailure;
    }
    scenario_path = *found;
    preloaded = std::move(session).value();
  }
  auto loaded = load_for_scoring("replay", scenario_path, *session_path, std::move(preloaded));
  if (!loaded) return kExitFailure;
  auto out = sim::replay_session(loaded->session, loaded->scenario, loaded->catalogue);
  if (!out.ok()) {
    print_errors(out.errors(), *session_path);
    return kExitFailure;
  }
  std::printf("Session:     %s\n", session_path->c_str());
  std::printf("Scenario:    %s (%s)\n", loaded->scenario.id.c_str(), scenario_path.c_str());
  std::printf("Events:      %zu, interchange impressions: %zu\n", loaded->session.events.size(),
              loaded->session.impressions.size());
  std::printf("Impressions: %zu\n", out->impressions.size());
  std::printf("SHA-256:     %s\n", out->impressions_sha256.c_str());
  std::printf("Score:       %.1f (pass mark %.1f) %s\n", out->report.overall,
              loaded->scenario.pass_overall, out->report.passed ? "PASS" : "FAIL");
  for (const auto& c : out->report.criteria) {
    std::printf("  %-20s %6.1f %s\n", c.key.c_str(), c.score, c.passed ? "pass" : "FAIL");
  }
  if (!out->report.critical_errors.empty()) {
    std::printf("Critical errors: %zu\n", out->report.critical_errors.size());
  }
  if (!opts->has("--verify")) return kExitOk;
  if (!loaded->session.recorded) {
    std::fprintf(stderr, "%s: the session has no \"recorded\" result to verify against\n",
                 session_path->c_str());
    return kExitFailure;
  }
  const auto diffs = differences(*loaded->session.recorded, out.value());
  if (!diffs.empty()) {
    std::fprintf(stderr, "%s: replay differs from the recorded result (%zu difference%s):\n",
                 session_path->c_str(), diffs.size(), diffs.size() == 1 ? "" : "s");
    for (const auto& d : diffs) std::fprintf(stderr, "  - %s\n", d.c_str());
    return kExitFailure;
  }
  std::printf("Verified:    matches the recorded result\n");
  return kExitOk;
}

[[maybe_unused]] const bool registered = register_command(
    {"replay", "rebuild a session from tick 0; --verify checks it against its record",
     &run_replay});

}  // namespace
}  // namespace smp::cli
