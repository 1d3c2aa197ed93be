// `smp xapi send`: deliver a report's xAPI statements to an LRS, with an offline outbox
// (docs/user-guide-academy.md, "Sending to an LMS / LRS").
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cmd_report_common.h"
#include "command.h"
#include "session_cli.h"
#include "smp/report/xapi.h"

namespace smp::cli {
namespace {

constexpr const char* kHelp =
    "Usage: smp xapi send --endpoint URL --user KEY [--password SECRET]\n"
    "                     [--xapi-version V] [--outbox DIR] [--timeout SECONDS] [DIR...]\n"
    "\n"
    "Posts the statements in each DIR/xapi.json (DIR may also name an xapi.json) to the LRS at\n"
    "URL (its base, e.g. https://lrs.example/xAPI, or the .../statements resource) with HTTP\n"
    "Basic auth. Statements are first put in an outbox on disk, one file each, then sent oldest\n"
    "first; what cannot be sent (no network, server error, refused credentials) stays there and\n"
    "the next 'smp xapi send' to the same endpoint sends it, with or without new DIRs.\n"
    "Statement ids come from the report, so sending twice never records twice.\n"
    "\n"
    "Options:\n"
    "  --endpoint URL      LRS endpoint\n"
    "  --user KEY          Basic-auth user (the LRS client key)\n"
    "  --password SECRET   Basic-auth password; default: $SMP_XAPI_PASSWORD (keeps it out of\n"
    "                      the process list)\n"
    "  --xapi-version V    X-Experience-API-Version header (default 1.0.3; 2.0.0 for IEEE xAPI "
    "2.0)\n"
    "  --outbox DIR        default: $SMP_XAPI_OUTBOX, else $XDG_STATE_HOME/smp/xapi-outbox,\n"
    "                      else ~/.local/state/smp/xapi-outbox\n"
    "  --timeout SECONDS   per request (default 20)\n"
    "  -h, --help          this help\n"
    "\n"
    "Statements the LRS refuses for good (HTTP 400, 409) are moved to the outbox's rejected/\n"
    "folder, never deleted. Exit status: 0 everything delivered; 1 something still queued or\n"
    "rejected, or an unreadable xapi.json; 64 usage error.\n";

std::string default_outbox() {
  if (const char* o = std::getenv("SMP_XAPI_OUTBOX"); o && *o) return o;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) {
    return (std::filesystem::path(x) / "smp" / "xapi-outbox").string();
  }
  if (const char* h = std::getenv("HOME"); h && *h) {
    return (std::filesystem::path(h) / ".local" / "state" / "smp" / "xapi-outbox").string();
  }
  return "smp-xapi-outbox";
}

int run_xapi(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kHelp, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] != "send") {
    std::fprintf(stderr, "smp xapi: unknown action '%s' (only 'send'; see 'smp xapi --help')\n",
                 args[0].c_str());
    return kExitUsage;
  }
  const std::vector<std::string> value_options = {"--endpoint",     "--user",   "--password",
                                                  "--xapi-version", "--outbox", "--timeout"};
  std::vector<std::string> dirs, options;
  split_positionals({args.begin() + 1, args.end()}, value_options, &dirs, &options);
  auto opts = parse_options("xapi send", options, value_options, {"--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  report::SendOptions so;
  auto value = [&](const char* name) {
    const std::string* v = opts->get(name);
    return v ? *v : std::string();
  };
  const std::string endpoint = value("--endpoint"), user = value("--user");
  if (endpoint.empty() || user.empty()) {
    std::fprintf(stderr, "smp xapi send: needs --endpoint URL and --user KEY\n");
    return kExitUsage;
  }
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
    std::fprintf(stderr, "smp xapi send: --endpoint: expected an http:// or https:// URL\n");
    return kExitUsage;
  }
  so.endpoint = endpoint;
  so.user = user;
  if (const std::string* pw = opts->get("--password")) {
    so.password = *pw;
  } else if (const char* env = std::getenv("SMP_XAPI_PASSWORD")) {
    so.password = env;
  } else {
    std::fprintf(stderr, "smp xapi send: needs --password SECRET or $SMP_XAPI_PASSWORD\n");
    return kExitUsage;
  }
  if (const std::string* v = opts->get("--xapi-version")) so.version = *v;
  so.outbox_dir = value("--outbox");
  if (so.outbox_dir.empty()) so.outbox_dir = default_outbox();
  if (const std::string* t = opts->get("--timeout")) {
    char* end = nullptr;
    so.timeout_s = std::strtol(t->c_str(), &end, 10);
    if (end == t->c_str() || *end != '\0' || so.timeout_s < 1 || so.timeout_s > 3600) {
      std::fprintf(stderr, "smp xapi send: --timeout: expected whole seconds, 1..3600\n");
      return kExitUsage;
    }
  }

  std::vector<nlohmann::json> statements;
  for (const auto& d : dirs) {
    std::filesystem::path p(d);
    if (std::filesystem::is_directory(p)) p /= "xapi.json";
    auto loaded = report::load_statements_file(p.string());
    if (!loaded.ok()) {
      print_errors(loaded.errors());
      return kExitFailure;
    }
    for (auto& s : loaded.value()) statements.push_back(std::move(s));
  }
  const auto outcome = report::send_statements(statements, so);
  for (const auto& line : outcome.lines) std::printf("%s\n", line.c_str());
  std::printf("%zu sent, %zu queued, %zu rejected (outbox %s)\n", outcome.sent, outcome.queued,
              outcome.rejected, so.outbox_dir.c_str());
  return outcome.queued == 0 && outcome.rejected == 0 ? kExitOk : kExitFailure;
}

[[maybe_unused]] const bool registered = register_command(
    {"xapi", "send a report's xAPI statements to an LRS (offline outbox)", &run_xapi});

}  // namespace
}  // namespace smp::cli
