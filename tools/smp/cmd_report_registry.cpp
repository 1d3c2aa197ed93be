// `smp revoke` and `smp registry list|rebuild`: the academy's registry of issued records
// (docs/registry.md).
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "cmd_report_common.h"
#include "command.h"
#include "session_cli.h"
#include "smp/report/keys.h"
#include "smp/report/record.h"
#include "smp/report/registry.h"
#include "smp/report/sign.h"

namespace smp::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRevokeHelp =
    "Usage: smp revoke REPORT_DIR --reason TEXT (--registry FILE | --key FILE) [--at TIME]\n"
    "\n"
    "Marks the record in REPORT_DIR revoked in the academy registry, with the reason and date.\n"
    "'smp verify REPORT_DIR --registry FILE' then says REVOKED and exits 1, 'smp cohort\n"
    "--registry FILE' leaves it out, and 'smp publish' lists it in the status list.\n"
    "\n"
    "Options:\n"
    "  --reason TEXT    why (required; kept in the registry)\n"
    "  --registry FILE  the registry (default: registry.sqlite beside --key FILE)\n"
    "  --key FILE       the academy key, only to find the default registry\n"
    "  --at TIME        ISO 8601 UTC date of the revocation (default: SOURCE_DATE_EPOCH or now)\n"
    "\n"
    "Exit status: 0 revoked, 1 the record or the registry is unusable, 64 usage error.\n";

constexpr const char* kRegistryHelp =
    "Usage: smp registry list --registry FILE\n"
    "       smp registry rebuild --registry FILE --trusted-keys FILE DIR...\n"
    "\n"
    "list     prints every record: trainee, scenario, attempt, issue date, result, status.\n"
    "rebuild  re-imports signed report folders (DIR is a report folder or a folder of them)\n"
    "         into FILE, created if missing. Only records that verify with --trusted-keys are\n"
    "         imported; revocations already in FILE are kept. Use it when the registry is lost\n"
    "         or damaged: the signed folders are the source of truth.\n"
    "\n"
    "Exit status: 0 done, 1 a folder did not verify or the registry is unusable, 64 usage.\n";

std::optional<std::string> registry_path(const Options& opts, const char* command) {
  if (const std::string* r = opts.get("--registry")) return *r;
  if (const std::string* k = opts.get("--key")) return report::default_registry_path(*k);
  std::fprintf(stderr, "smp %s: needs --registry FILE or --key FILE\n", command);
  return std::nullopt;
}

int run_revoke(const std::vector<std::string>& args) {
  std::vector<std::string> positionals, options;
  const std::vector<std::string> value_opts = {"--reason", "--registry", "--key", "--at"};
  split_positionals(args, value_opts, &positionals, &options);
  auto opts = parse_options("revoke", options, value_opts, {"--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kRevokeHelp, stdout);
    return kExitOk;
  }
  const std::string* reason = opts->get("--reason");
  if (positionals.size() != 1 || reason == nullptr || reason->empty()) {
    std::fprintf(stderr, "smp revoke: needs REPORT_DIR and --reason TEXT (see --help)\n");
    return kExitUsage;
  }
  const auto path = registry_path(*opts, "revoke");
  if (!path) return kExitUsage;
  std::optional<std::string> at_flag;
  if (const std::string* a = opts->get("--at")) at_flag = *a;
  auto at = report::resolve_issued_at(at_flag);
  if (!at.ok()) {
    print_errors(at.errors());
    return kExitUsage;
  }
  fs::path rec_path(positionals[0]);
  if (fs::is_directory(rec_path)) rec_path /= "report.json";
  auto rec = report::load_record_file(rec_path.string());
  if (!rec.ok()) {
    print_errors(rec.errors());
    return kExitFailure;
  }
  auto reg = report::Registry::open(*path, false);
  if (!reg.ok()) {
    print_errors(reg.errors());
    return kExitFailure;
  }
  auto done = reg.value().revoke(rec.value().report_id, *reason, at.value());
  if (!done.ok()) {
    print_errors(done.errors());
    return kExitFailure;
  }
  std::printf("REVOKED %s (%s %s, scenario %s attempt %d) on %s: %s\n",
              rec.value().report_id.c_str(), rec.value().trainee.name.c_str(),
              rec.value().trainee.id.c_str(), rec.value().scenario.id.c_str(), rec.value().attempt,
              at.value().c_str(), reason->c_str());
  return kExitOk;
}

// Report folders under DIR: DIR itself, or its direct subfolders holding a report.json.
std::vector<fs::path> report_dirs(const std::string& dir) {
  std::error_code ec;
  if (fs::is_regular_file(fs::path(dir) / "report.json", ec)) return {fs::path(dir)};
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory() && fs::is_regular_file(e.path() / "report.json", ec)) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

int run_registry(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kRegistryHelp, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string sub = args[0];
  std::vector<std::string> positionals, options;
  const std::vector<std::string> value_opts = {"--registry", "--trusted-keys"};
  split_positionals({args.begin() + 1, args.end()}, value_opts, &positionals, &options);
  auto opts = parse_options("registry", options, value_opts, {"--help"});
  if (!opts) return kExitUsage;
  const std::string* path = opts->get("--registry");
  if (path == nullptr) {
    std::fprintf(stderr, "smp registry: needs --registry FILE\n");
    return kExitUsage;
  }
  if (sub == "list") {
    auto reg = report::Registry::open(*path, false);
    if (!reg.ok()) {
      print_errors(reg.errors());
      return kExitFailure;
    }
    for (const auto& e : reg.value().entries()) {
      std::printf("%s\t%s\t%s\tattempt %d\t%s\t%s %s\t%s%s\t%s\n", e.trainee_id.c_str(),
                  e.trainee_name.c_str(), e.scenario_id.c_str(), e.attempt, e.issued_at.c_str(),
                  e.purpose.c_str(), e.passed ? "PASSED" : "NOT PASSED", e.status.c_str(),
                  e.status == "revoked" ? (" (" + e.revoked_reason + ")").c_str() : "",
                  e.dir.c_str());
    }
    return kExitOk;
  }
  if (sub != "rebuild") {
    std::fprintf(stderr, "smp registry: unknown subcommand '%s' (list, rebuild)\n", sub.c_str());
    return kExitUsage;
  }
  const std::string* trusted_path = opts->get("--trusted-keys");
  if (trusted_path == nullptr || positionals.empty()) {
    std::fprintf(stderr, "smp registry rebuild: needs --trusted-keys FILE and DIR...\n");
    return kExitUsage;
  }
  auto trusted = report::load_trusted_keys(*trusted_path);
  if (!trusted.ok()) {
    print_errors(trusted.errors());
    return kExitFailure;
  }
  auto reg = report::Registry::open(*path, true);
  if (!reg.ok()) {
    print_errors(reg.errors());
    return kExitFailure;
  }
  bool failed = false;
  std::size_t imported = 0;
  for (const auto& in : positionals) {
    for (const auto& dir : report_dirs(in)) {
      const auto v = report::verify_report(dir.string(), &trusted.value());
      if (v.exit_code != report::kVerifyValid) {
        std::fprintf(stderr, "%s: not imported: %s\n", dir.c_str(),
                     v.lines.empty() ? "" : v.lines.back().c_str());
        failed = true;
        continue;
      }
      auto rec = report::load_record_file((dir / "report.json").string());
      auto done = rec.ok() ? reg.value().record_issued(rec.value(), fs::absolute(dir).string())
                           : sim::Result<bool>(rec.errors());
      if (!done.ok()) {
        print_errors(done.errors());
        failed = true;
        continue;
      }
      ++imported;
    }
  }
  std::printf("%s: %zu records imported\n", path->c_str(), imported);
  return failed ? kExitFailure : kExitOk;
}

[[maybe_unused]] const bool registered_revoke = register_command(
    {"revoke", "mark an issued record revoked in the academy registry", &run_revoke});
[[maybe_unused]] const bool registered_registry = register_command(
    {"registry", "the academy registry: list, rebuild from the signed report folders",
     &run_registry});

}  // namespace
}  // namespace smp::cli
