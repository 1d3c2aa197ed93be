// `smp keygen`: make an academy signing key (docs/user-guide-academy.md, "Keys").
#include <cstdio>
#include <filesystem>

#include "cmd_report_common.h"
#include "command.h"
#include "session_cli.h"
#include "smp/report/keys.h"
#include "smp/report/record.h"

namespace smp::cli {
namespace {

constexpr const char* kHelp =
    "Usage: smp keygen --out FILE [--academy FILE] [--trusted-keys FILE]\n"
    "                  [--valid-from TIME] [--valid-until TIME] [--created-at TIME] [--force]\n"
    "\n"
    "Makes an academy signing key and writes it to FILE (JSON, mode 0600, written atomically):\n"
    "  - an Ed25519 key (libsodium) that signs report.json (minisign-compatible signatures);\n"
    "  - an RSA-2048 key (OpenSSL) that signs the Open Badges credential (badge.jws) as RS256.\n"
    "Both are made by this one command and live in the same file. Also writes FILE.pub, the\n"
    "Ed25519 public key in minisign's format, and prints the public key and its fingerprint.\n"
    "\n"
    "Options:\n"
    "  --out FILE           where to write the secret key (refuses to overwrite without --force)\n"
    "  --academy FILE       academy profile (smp-academy/1) stored with the key and used by\n"
    "                       'smp report' when it is given no --academy\n"
    "  --trusted-keys FILE  add the new public key to this trusted-keys file (created if absent)\n"
    "  --valid-from TIME    start of the key's validity (default: its creation time), stored\n"
    "                       in the key and the trusted-keys file; 'smp report' refuses issue\n"
    "                       dates outside it (and after --valid-until)\n"
    "  --valid-until TIME   end of its validity (default: open)\n"
    "  --created-at TIME    creation time stored in the key (default: SOURCE_DATE_EPOCH or now)\n"
    "  --force              overwrite an existing key file\n"
    "  -h, --help           this help\n"
    "TIME is ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z.\n"
    "\n"
    "Exit status: 0 written, 1 failure (the message names the file), 64 usage error.\n";

int run_keygen(const std::vector<std::string>& args) {
  auto opts = parse_options(
      "keygen", args,
      {"--out", "--academy", "--trusted-keys", "--valid-from", "--valid-until", "--created-at"},
      {"--force", "--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const std::string* out = opts->get("--out");
  if (!out) {
    std::fprintf(stderr, "smp keygen: needs --out FILE (see 'smp keygen --help')\n");
    return kExitUsage;
  }
  auto optional_flag = [&](const char* name) -> std::optional<std::string> {
    const std::string* v = opts->get(name);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  };
  auto created = report::resolve_issued_at(optional_flag("--created-at"));
  if (!created.ok()) {
    print_errors(created.errors());
    return kExitFailure;
  }
  std::optional<report::Academy> academy;
  if (const std::string* a = opts->get("--academy")) {
    auto loaded = report::load_academy_file(*a);
    if (!loaded.ok()) {
      print_errors(loaded.errors());
      return kExitFailure;
    }
    academy = loaded.value();
  }
  std::string valid_from = created.value(), valid_until;
  for (auto [flag, target] :
       {std::pair{"--valid-from", &valid_from}, std::pair{"--valid-until", &valid_until}}) {
    if (const std::string* v = opts->get(flag)) {
      const auto ms = report::parse_iso8601_ms(*v);
      if (!ms) {
        std::fprintf(stderr, "smp keygen: %s: expected an ISO 8601 UTC time\n", flag);
        return kExitUsage;
      }
      *target = report::format_iso8601_ms(*ms);
    }
  }
  // Load the trusted-keys file before writing anything, so a broken one stops us early.
  report::TrustedKeys trusted;
  const std::string* trusted_path = opts->get("--trusted-keys");
  if (trusted_path && std::filesystem::exists(*trusted_path)) {
    auto t = report::load_trusted_keys(*trusted_path);
    if (!t.ok()) {
      print_errors(t.errors());
      return kExitFailure;
    }
    trusted = std::move(t).value();
  }

  auto key = report::generate_key(created.value());
  if (!key.ok()) {
    print_errors(key.errors());
    return kExitFailure;
  }
  key.value().academy = academy;
  key.value().valid_from = valid_from;
  key.value().valid_until = valid_until;
  auto w = report::write_secret_file(*out, report::key_to_json(key.value()), opts->has("--force"));
  if (!w.ok()) {
    print_errors(w.errors());
    return kExitFailure;
  }
  const auto& pk = key.value().ed25519_public;
  if (!write_output(*out + ".pub", report::minisign_public_key_file(pk))) return kExitFailure;
  const std::string fp = report::key_fingerprint(pk);
  if (trusted_path) {
    trusted.keys.push_back(
        report::trusted_entry(key.value(), academy ? academy->name : "", valid_from, valid_until));
    if (!write_output(*trusted_path, report::trusted_keys_to_json(trusted))) return kExitFailure;
  }
  std::printf("Academy key written to %s (mode 0600: keep it secret, keep a backup offline)\n",
              out->c_str());
  std::printf("Public key (Ed25519, minisign): %s\n", report::minisign_public_key(pk).c_str());
  std::printf("Fingerprint (SHA-256):          %s\n", report::fingerprint_display(fp).c_str());
  std::printf("Badge kid (RS256, RSA-%d):    %s\n", report::kBadgeRsaBits,
              key.value().badge_kid.c_str());
  std::printf("Minisign public key file:       %s.pub\n", out->c_str());
  if (trusted_path) {
    std::printf("Added to trusted keys:          %s (valid from %s%s%s)\n", trusted_path->c_str(),
                valid_from.c_str(), valid_until.empty() ? "" : " until ", valid_until.c_str());
  }
  return kExitOk;
}

[[maybe_unused]] const bool registered = register_command(
    {"keygen", "make an academy signing key (Ed25519 record key + RS256 badge key)", &run_keygen});

}  // namespace
}  // namespace smp::cli
