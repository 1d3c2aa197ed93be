// `smp verify`: check a certification report directory (docs/report-format.md, "Verifying").
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cmd_report_common.h"
#include "command.h"
#include "session_cli.h"
#include "smp/report/keys.h"
#include "smp/report/publish.h"
#include "smp/report/record.h"
#include "smp/report/registry.h"
#include "smp/report/sign.h"

namespace smp::cli {
namespace {

constexpr const char* kHelp =
    "Usage: smp verify DIR|report.json [--trusted-keys FILE]\n"
    "                  [--registry FILE | --status-list FILE] [--quiet]\n"
    "\n"
    "Checks a report written by 'smp report': the Ed25519 signature over the exact bytes of\n"
    "report.json (report.json.sig), the signer's key, the record itself, the size and SHA-256 of\n"
    "every file the record names (pictures, PDF, badge, statements) and the badge's RS256\n"
    "signature.\n"
    "\n"
    "Options:\n"
    "  --trusted-keys FILE  accept only keys listed there and valid when the record was issued\n"
    "                       (smp-trusted-keys/1). Without it the key named in the signature is\n"
    "                       used and its fingerprint printed: compare it with the academy's.\n"
    "  --registry FILE      also look the record up in the academy registry: a revoked record\n"
    "                       is REVOKED (exit 1)\n"
    "  --status-list FILE   the academy's published revocation-list.json (signed by the same\n"
    "                       key as the record; 'smp publish'): a listed record is REVOKED\n"
    "  --quiet              print only the final line\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 valid; 1 tampered (bad signature, a file changed or missing, a badge that\n"
    "does not match) or revoked; 2 unknown or untrusted key, or report.json / its .sig "
    "unreadable;\n"
    "64 usage error.\n";

// A valid record may still have been revoked: the registry has the last word on its status.
void check_registry(const std::string& path, const std::string& dir_or_record,
                    report::VerifyOutcome* outcome) {
  std::filesystem::path rec_path(dir_or_record);
  if (std::filesystem::is_directory(rec_path)) rec_path /= "report.json";
  const auto rec = report::load_record_file(rec_path.string());
  auto reg = report::Registry::open(path, false);
  if (!reg.ok() || !rec.ok()) {
    outcome->lines.push_back("UNREADABLE registry " +
                             (reg.ok() ? rec.errors() : reg.errors()).front().to_string());
    outcome->exit_code = report::kVerifyUnknown;
    return;
  }
  const auto e = reg.value().find(rec.value().report_id);
  if (!e) {
    outcome->lines.insert(outcome->lines.end() - 1,
                          "NOTE the registry " + path + " does not list this record");
    return;
  }
  if (e->status == "revoked") {
    outcome->lines.back() = "REVOKED on " + e->revoked_at + ": " + e->revoked_reason + " (" +
                            rec.value().trainee.name + ", " + rec.value().report_id + ")";
    outcome->exit_code = report::kVerifyTampered;
    return;
  }
  outcome->lines.insert(outcome->lines.end() - 1, "OK status: valid in the registry " + path);
}

// The published list, signed by the record's own (already verified) key.
void check_status_list(const std::string& path, const std::string& dir_or_record,
                       report::VerifyOutcome* outcome) {
  std::filesystem::path rec_path(dir_or_record);
  if (std::filesystem::is_directory(rec_path)) rec_path /= "report.json";
  const auto rec = report::load_record_file(rec_path.string());
  const auto pk = rec.ok() ? report::base64_decode(rec.value().signer.public_key) : std::nullopt;
  if (!pk || pk->size() != 32) {
    outcome->lines.push_back("UNREADABLE " + rec_path.string() + ": no signer key");
    outcome->exit_code = report::kVerifyUnknown;
    return;
  }
  report::Ed25519Public signer{};
  std::memcpy(signer.data(), pk->data(), 32);
  const auto list = report::load_revocation_list(path, signer);
  if (!list.ok()) {
    outcome->lines.push_back("UNREADABLE status list " + list.errors().front().to_string());
    outcome->exit_code = report::kVerifyUnknown;
    return;
  }
  const auto it = list.value().find(rec.value().report_id);
  if (it == list.value().end()) {
    outcome->lines.insert(outcome->lines.end() - 1,
                          "OK status: not in the revocation list " + path);
    return;
  }
  outcome->lines.back() = "REVOKED on " + it->second.revoked_at + ": " + it->second.reason + " (" +
                          rec.value().trainee.name + ", " + rec.value().report_id +
                          "; revocation list " + path + ")";
  outcome->exit_code = report::kVerifyTampered;
}

int run_verify(const std::vector<std::string>& args) {
  std::vector<std::string> positionals, options;
  const std::vector<std::string> value_opts = {"--trusted-keys", "--registry", "--status-list"};
  split_positionals(args, value_opts, &positionals, &options);
  auto opts = parse_options("verify", options, value_opts, {"--quiet", "--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  if (positionals.size() != 1) {
    std::fprintf(stderr, "smp verify: needs one DIR or report.json (see 'smp verify --help')\n");
    return kExitUsage;
  }
  std::optional<report::TrustedKeys> trusted;
  if (const std::string* t = opts->get("--trusted-keys")) {
    auto loaded = report::load_trusted_keys(*t);
    if (!loaded.ok()) {
      print_errors(loaded.errors());
      return report::kVerifyUnknown;
    }
    trusted = std::move(loaded).value();
  }
  auto outcome = report::verify_report(positionals[0], trusted ? &*trusted : nullptr);
  if (const std::string* path = opts->get("--registry");
      path && outcome.exit_code == report::kVerifyValid) {
    check_registry(*path, positionals[0], &outcome);
  }
  if (const std::string* path = opts->get("--status-list");
      path && outcome.exit_code == report::kVerifyValid) {
    check_status_list(*path, positionals[0], &outcome);
  }
  const bool quiet = opts->has("--quiet");
  for (std::size_t i = 0; i < outcome.lines.size(); ++i) {
    if (quiet && i + 1 < outcome.lines.size()) continue;
    std::FILE* stream = outcome.exit_code == report::kVerifyValid ? stdout : stderr;
    std::fprintf(i + 1 == outcome.lines.size() ? stream : stdout, "%s\n", outcome.lines[i].c_str());
  }
  return outcome.exit_code;
}

[[maybe_unused]] const bool registered = register_command(
    {"verify", "check a report's signature, key and file hashes (exit 0/1/2)", &run_verify});

}  // namespace
}  // namespace smp::cli
