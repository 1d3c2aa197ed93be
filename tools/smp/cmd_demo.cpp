// `smp demo-session`: synthesises a trainee's stylus log for a scenario (expert or novice hand),
// replays it through the Simulation and writes the session with its "recorded" result. The demo
// sessions in assets/sessions/ are made with it (docs/session-format.md, "Demo sessions").
//
// The hands themselves live in tools/synth (synth.h): deterministic, the same scenario + style +
// seed always gives the same bytes.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "command.h"
#include "session_cli.h"
#include "synth.h"

namespace smp::cli {
namespace {

constexpr const char* kHelp =
    "Usage: smp demo-session --scenario FILE --out FILE [--style STYLE] [--seed N]\n"
    "                        [--trainee NAME]\n"
    "\n"
    "Synthesises a trainee's stylus log on the scenario's treat, scar and hairline regions:\n"
    "  expert  blue-noise placement at the target density (ramped down toward a hairline),\n"
    "          pressure aimed at the middle of the depth band, short even taps, default tool\n"
    "  novice  random placement a little too dense, heavy and uneven pressure, long dwells,\n"
    "          some dragged dots, repeated spots (undone in practice mode), neat black pigment,\n"
    "          a switch to 3RL, and a couple of dots over the hairline\n"
    "  an expert with one planned fault (docs/scoring.md, \"What an instructor fails\"):\n"
    "  few-slips    4% of dots just outside the depth band, two touching pairs, 3% left out\n"
    "  too-deep     every 5th dot in the reticular dermis\n"
    "  too-shallow  every 5th dot in the epidermis\n"
    "  touching     a touching partner beside every 18th dot (about a tenth touch)\n"
    "  unworked     the fifth of the work farthest to +x left empty\n"
    "  sparse       0.65x the target density;  dense  1.55x the target density\n"
    "then replays it and writes the session with its \"recorded\" result (atomically).\n"
    "\n"
    "Options:\n"
    "  --scenario FILE  scenario JSON\n"
    "  --out FILE       session JSON to write\n"
    "  --style S        expert (default), novice, or one of the faults above\n"
    "  --seed N         generator and simulation seed (default 1)\n"
    "  --trainee NAME   trainee id in the header (default demo-<style>)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 written, 1 unusable input or write failure, 64 usage error.\n";

int run_demo(const std::vector<std::string>& args) {
  auto opts = parse_options("demo-session", args,
                            {"--scenario", "--out", "--style", "--seed", "--trainee"}, {"--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const std::string* scenario_path = opts->get("--scenario");
  const std::string* out_path = opts->get("--out");
  if (scenario_path == nullptr || out_path == nullptr) {
    std::fprintf(stderr,
                 "smp demo-session: needs --scenario FILE and --out FILE (see 'smp demo-session "
                 "--help')\n");
    return kExitUsage;
  }
  std::string style = "expert";
  if (const std::string* v = opts->get("--style")) style = *v;
  const std::optional<synth::Style> parsed = synth::parse_style(style);
  if (!parsed) {
    std::fprintf(stderr, "smp demo-session: --style must be one of %s, not '%s'\n",
                 synth::kStyleNames, style.c_str());
    return kExitUsage;
  }
  std::uint64_t seed = 1;
  if (const std::string* s = opts->get("--seed")) {
    char* end = nullptr;
    errno = 0;
    seed = std::strtoull(s->c_str(), &end, 10);
    if (s->empty() || *end != '\0' || errno != 0 || (*s)[0] == '-') {
      std::fprintf(stderr, "smp demo-session: --seed must be a non-negative integer, not '%s'\n",
                   s->c_str());
      return kExitUsage;
    }
  }
  std::string trainee = "demo-" + style;
  if (const std::string* v = opts->get("--trainee")) trainee = *v;

  auto scenario = sim::load_scenario_file(*scenario_path);
  if (!scenario.ok()) {
    print_errors(scenario.errors());
    return kExitFailure;
  }
  auto catalogue = sim::PigmentCatalogue::load_default();
  if (!catalogue.ok()) {
    print_errors(catalogue.errors());
    return kExitFailure;
  }
  sim::Session session =
      synth::synthesize(scenario.value(), catalogue.value(), *parsed, seed, trainee);
  auto replay = sim::replay_session(session, scenario.value(), catalogue.value());
  if (!replay.ok()) {
    print_errors(replay.errors(), *out_path);
    return kExitFailure;
  }
  sim::RecordedResult rec;
  rec.impression_count = replay->impressions.size();
  rec.impressions_sha256 = replay->impressions_sha256;
  rec.overall = replay->report.overall;
  for (const auto& c : replay->report.criteria) rec.criteria.emplace_back(c.key, c.score);
  session.recorded = rec;
  auto written = sim::write_file_atomic(*out_path, sim::serialize_session(session));
  if (!written.ok()) {
    print_errors(written.errors());
    return kExitFailure;
  }
  std::printf("%s: %s session on %s, %zu events, %zu impressions, score %.1f %s\n",
              out_path->c_str(), style.c_str(), scenario->id.c_str(), session.events.size(),
              replay->impressions.size(), replay->report.overall,
              replay->report.passed ? "PASS" : "FAIL");
  return kExitOk;
}

[[maybe_unused]] const bool registered = register_command(
    {"demo-session", "synthesise a trainee's session (expert or novice) for a scenario",
     &run_demo});

}  // namespace
}  // namespace smp::cli
