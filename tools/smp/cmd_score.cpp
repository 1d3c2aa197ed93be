// `smp score`: replay a session on its scenario and print the scores (docs/session-format.md).
#include <cstdio>

#include "command.h"
#include "session_cli.h"

namespace smp::cli {
namespace {

constexpr const char* kHelp =
    "Usage: smp score --scenario FILE --session FILE [--json]\n"
    "\n"
    "Rebuilds the session's impressions from tick 0 (stylus log and/or plain impressions) and\n"
    "scores them against the scenario: each criterion with its pass mark and a plain-language\n"
    "explanation, critical errors, the worst findings, the overall score and pass/fail.\n"
    "\n"
    "Options:\n"
    "  --scenario FILE  scenario JSON (smp-scenario/1)\n"
    "  --session FILE   session JSON (smp-session/1)\n"
    "  --json           print one JSON object instead of the table (format: "
    "docs/session-format.md)\n"
    "  -h, --help       this help\n"
    "\n"
    "A session recorded on another scenario id is an error; on another version of the same\n"
    "scenario (different scenario_sha256) a warning on stderr.\n"
    "\n"
    "Exit status: 0 scored (passed or failed), 1 unusable input (the message names the file and\n"
    "the JSON Pointer), 64 usage error.\n";

int run_score(const std::vector<std::string>& args) {
  auto opts = parse_options("score", args, {"--scenario", "--session"}, {"--json", "--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const std::string* scenario_path = opts->get("--scenario");
  const std::string* session_path = opts->get("--session");
  if (scenario_path == nullptr || session_path == nullptr) {
    std::fprintf(stderr,
                 "smp score: needs --scenario FILE and --session FILE (see 'smp score --help')\n");
    return kExitUsage;
  }
  auto loaded = load_for_scoring("score", *scenario_path, *session_path);
  if (!loaded) return kExitFailure;
  auto replay = sim::replay_session(loaded->session, loaded->scenario, loaded->catalogue);
  if (!replay.ok()) {
    print_errors(replay.errors(), *session_path);
    return kExitFailure;
  }
  const sim::ScoreReport& report = replay->report;
  if (opts->has("--json")) {
    std::printf("%s\n", json_text(report_json(report, loaded->scenario)).c_str());
    return kExitOk;
  }
  const auto& h = loaded->session.header;
  std::printf("Scenario: %s (%s)\n", loaded->scenario.id.c_str(), loaded->scenario.title.c_str());
  std::printf("Session:  %s%s%s\n\n", session_path->c_str(), h.trainee.empty() ? "" : ", trainee ",
              h.trainee.c_str());
  print_report_text(report, loaded->scenario, 5);
  return kExitOk;
}

[[maybe_unused]] const bool registered = register_command(
    {"score", "score a session against its scenario (table or --json)", &run_score});

}  // namespace
}  // namespace smp::cli
