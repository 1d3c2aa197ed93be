// `smp publish`: what the academy hosts at its issuer URL (docs/registry.md, "Publishing").
#include <cstdio>
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

namespace fs = std::filesystem;

constexpr const char* kHelp =
    "Usage: smp publish OUTDIR --key FILE [--registry FILE] [--academy FILE] [--base-url URL]\n"
    "                  [--at TIME]\n"
    "\n"
    "Writes into OUTDIR the files the academy hosts at its issuer URL:\n"
    "  issuer.json                 the Open Badges issuer profile\n"
    "  jwks.json                   public keys (JWK set): the RS256 badge key, the Ed25519 record "
    "key\n"
    "  revocation-list.json        revoked records (Open Badges RevocationList), from the "
    "registry\n"
    "  revocation-list.json.sig    its signature by the academy's record key (minisign format)\n"
    "'smp verify DIR --status-list revocation-list.json' checks a record against it offline.\n"
    "\n"
    "Options:\n"
    "  --key FILE       the academy key (signs the list)\n"
    "  --registry FILE  default: registry.sqlite beside the key\n"
    "  --academy FILE   default: the academy stored in the key\n"
    "  --base-url URL   where OUTDIR is served (default: the academy's url, else its id)\n"
    "  --at TIME        date in the list's signature (default: SOURCE_DATE_EPOCH or now)\n"
    "\n"
    "Exit status: 0 written, 1 unusable key, registry or academy, 64 usage error.\n";

int run_publish(const std::vector<std::string>& args) {
  std::vector<std::string> positionals, options;
  const std::vector<std::string> value_opts = {"--key", "--registry", "--academy", "--base-url",
                                               "--at"};
  split_positionals(args, value_opts, &positionals, &options);
  auto opts = parse_options("publish", options, value_opts, {"--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const std::string* key_path = opts->get("--key");
  if (positionals.size() != 1 || key_path == nullptr) {
    std::fprintf(stderr, "smp publish: needs OUTDIR and --key FILE (see 'smp publish --help')\n");
    return kExitUsage;
  }
  auto key = report::load_key_file(*key_path);
  if (!key.ok()) {
    print_errors(key.errors());
    return kExitFailure;
  }
  report::Academy academy;
  if (const std::string* a = opts->get("--academy")) {
    auto loaded = report::load_academy_file(*a);
    if (!loaded.ok()) {
      print_errors(loaded.errors());
      return kExitFailure;
    }
    academy = loaded.value();
  } else if (key.value().academy) {
    academy = *key.value().academy;
  } else {
    std::fprintf(stderr, "smp publish: no academy: pass --academy FILE\n");
    return kExitUsage;
  }
  std::string base = opts->get("--base-url") ? *opts->get("--base-url")
                     : !academy.url.empty()  ? academy.url
                                             : academy.id;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::optional<std::string> at_flag;
  if (const std::string* a = opts->get("--at")) at_flag = *a;
  auto at = report::resolve_issued_at(at_flag);
  if (!at.ok()) {
    print_errors(at.errors());
    return kExitUsage;
  }
  const std::string registry_path =
      opts->get("--registry") ? *opts->get("--registry") : report::default_registry_path(*key_path);
  auto reg = report::Registry::open(registry_path, false);
  if (!reg.ok()) {
    print_errors(reg.errors());
    return kExitFailure;
  }
  const auto entries = reg.value().entries();
  const std::string list =
      report::revocation_list_text(academy, base + "/" + report::kRevocationListFile, entries);
  const auto ms = report::parse_iso8601_ms(at.value()).value_or(0);
  const std::string comment =
      "timestamp:" + std::to_string(ms / 1000) + "\tfile:" + report::kRevocationListFile +
      "\thashed\tpubkey:" +
      report::base64(key.value().ed25519_public.data(), key.value().ed25519_public.size());
  const fs::path out(positionals[0]);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot create the directory: %s\n", out.c_str(),
                 ec.message().c_str());
    return kExitFailure;
  }
  if (!write_output((out / "issuer.json").string(), report::issuer_profile_text(academy)) ||
      !write_output((out / "jwks.json").string(), report::jwks_text(key.value())) ||
      !write_output((out / report::kRevocationListFile).string(), list) ||
      !write_output((out / (std::string(report::kRevocationListFile) + ".sig")).string(),
                    report::minisign_sign(key.value(), list, comment))) {
    return kExitFailure;
  }
  std::size_t revoked = 0;
  for (const auto& e : entries) revoked += e.status == "revoked";
  std::printf("%s: issuer.json, jwks.json, %s (+ .sig): %zu of %zu records revoked; host at %s/\n",
              out.c_str(), report::kRevocationListFile, revoked, entries.size(), base.c_str());
  return kExitOk;
}

[[maybe_unused]] const bool registered = register_command(
    {"publish", "write the issuer profile, public keys and signed revocation list to host",
     &run_publish});

}  // namespace
}  // namespace smp::cli
