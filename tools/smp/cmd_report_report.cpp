// `smp report`: the certification report of one assessed attempt (docs/report-format.md).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "cmd_report_common.h"
#include "command.h"
#include "session_cli.h"
#include "smp/report/badge.h"
#include "smp/report/images.h"
#include "smp/report/issuing.h"
#include "smp/report/keys.h"
#include "smp/report/pdf.h"
#include "smp/report/record.h"
#include "smp/report/registry.h"
#include "smp/report/sign.h"
#include "smp/report/xapi.h"

namespace smp::cli {
namespace {

constexpr int kExitNotRegistered = 4;

constexpr const char* kHelp =
    "Usage: smp report --scenario FILE --session FILE --trainee ID --name \"FULL NAME\"\n"
    "                  --key FILE [--academy FILE] [--instructor NAME] [--instructor-id ID]\n"
    "                  [--email ADDRESS] [--attempt N] [--issued-at TIME] [--practice]\n"
    "                  [--registry FILE]\n"
    "                  --out DIR\n"
    "\n"
    "Replays the session on its scenario, scores it and writes into DIR:\n"
    "  report.json      the signed source record (canonical JSON, docs/report-format.md)\n"
    "  report.json.sig  detached Ed25519 signature, minisign format\n"
    "  report.pdf       the printable report\n"
    "  fresh.png, healed.png, aged.png   pictures of the work\n"
    "  badge.jws        Open Badges 3.0 credential, VC-JWT signed RS256 (passed certification\n"
    "                   attempts only)\n"
    "  xapi.json        xAPI statements for an LMS / LRS ('smp xapi send')\n"
    "report.json lists the SHA-256 of every other file; 'smp verify DIR' checks them all.\n"
    "\n"
    "Options:\n"
    "  --scenario FILE     scenario JSON (smp-scenario/1)\n"
    "  --session FILE      session JSON (smp-session/1)\n"
    "  --trainee ID        the academy's id for the trainee\n"
    "  --name NAME         the trainee's full name as it should be printed (UTF-8)\n"
    "  --key FILE          academy key from 'smp keygen' (mode 0600)\n"
    "  --academy FILE      issuer profile (smp-academy/1); default: the one stored in the key\n"
    "  --instructor NAME   assessor's name; --instructor-id ID their account id\n"
    "  --email ADDRESS     trainee e-mail: only its SHA-256 is stored\n"
    "  --attempt N         attempt number, 1 or more (default 1)\n"
    "  --issued-at TIME    ISO 8601 UTC issue time (default: $SOURCE_DATE_EPOCH, else now)\n"
    "  --practice          a practice record: labelled PRACTICE, never a badge, a practice xAPI\n"
    "                      statement (the only record a practice-mode scenario can get)\n"
    "  --registry FILE     academy registry to record the report in (default: registry.sqlite\n"
    "                      beside the key file; created if missing)\n"
    "  --out DIR           output directory (created; files in it are replaced)\n"
    "  -h, --help          this help\n"
    "\n"
    "Same inputs and issue time give the same bytes in every file.\n"
    "Issuing rules (refused with exit status 3, nothing written): a practice-mode scenario\n"
    "certified without --practice; a --trainee other than the session's trainee; an issue date\n"
    "in the future or before the attempt ended; an issue date outside the key's validity.\n"
    "\n"
    "Exit status: 0 written and recorded (passed or failed attempt), 1 unusable input, 3 refused\n"
    "by an issuing rule, 4 written but not recorded in the registry (run 'smp registry\n"
    "rebuild'), 64 usage error.\n";

report::FileRef file_ref(const std::string& name, const std::string& role,
                         const std::string& media_type, const std::string& bytes) {
  return {name, role, media_type, sim::sha256_hex(bytes), bytes.size()};
}

std::string lower_trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  s = s.substr(i);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// DIR without a trailing separator, absolute, so "reports/T-042/" and "." have a parent and a name.
std::filesystem::path report_dir_path(const std::string& out_dir) {
  std::filesystem::path p = std::filesystem::absolute(out_dir).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
  return p;
}

// A new empty folder "DIR.partial-XXXXXX" beside DIR (same file system, so the final rename is
// atomic). Prints "DIR: reason" and returns nothing on failure.
std::optional<std::filesystem::path> make_staging_dir(const std::string& out_dir) {
  const std::filesystem::path out = report_dir_path(out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out.parent_path(), ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot create the directory: %s\n", out_dir.c_str(),
                 ec.message().c_str());
    return std::nullopt;
  }
  std::string tmpl = out.string() + ".partial-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::fprintf(stderr, "%s: cannot create a staging folder beside it: %s\n", out_dir.c_str(),
                 std::strerror(errno));
    return std::nullopt;
  }
  return std::filesystem::path(tmpl);
}

void fsync_dir(const std::filesystem::path& d) {
  const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

// Puts the finished staging folder at DIR. An existing DIR is exchanged atomically
// (renameat2 RENAME_EXCHANGE), then anything of its own that the new report does not replace
// (files that are not part of a report) is moved back, and the old report is deleted. A kill
// between these steps leaves DIR complete and the old content in the staging folder.
bool swap_into_place(const std::filesystem::path& staging, const std::string& out_dir) {
  const std::filesystem::path out = report_dir_path(out_dir);
  auto fail = [&](const char* what) {
    std::fprintf(stderr, "%s: %s: %s\n", out_dir.c_str(), what, std::strerror(errno));
    return false;
  };
  std::error_code ec;
  if (!std::filesystem::exists(out, ec)) {
    if (::rename(staging.c_str(), out.c_str()) != 0) return fail("cannot move the report in");
    fsync_dir(out.parent_path());
    return true;
  }
  if (!std::filesystem::is_directory(out, ec)) {
    errno = ENOTDIR;
    return fail("cannot write the report there");
  }
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) != 0) {
    // File systems without exchange: move the old folder aside first (a short moment without
    // DIR, but never a mixed or partial one).
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
      return fail("cannot move the report in");
    std::string aside = out.string() + ".old-XXXXXX";
    if (::mkdtemp(aside.data()) == nullptr) return fail("cannot move the earlier report aside");
    std::filesystem::remove(aside, ec);
    if (::rename(out.c_str(), aside.c_str()) != 0)
      return fail("cannot move the earlier report aside");
    if (::rename(staging.c_str(), out.c_str()) != 0) {
      const int err = errno;
      (void)::rename(aside.c_str(), out.c_str());
      errno = err;
      return fail("cannot move the report in");
    }
    std::filesystem::rename(aside, staging, ec);  // the old content, for the clean-up below
  }
  fsync_dir(out.parent_path());
  // `staging` now holds the earlier content: give back what the new report does not replace.
  // Files a report writes are never given back: an earlier badge.jws must not sit beside a new
  // record that has none (a failed or practice attempt).
  static const std::set<std::string> kReportFiles = {"report.json", "report.json.sig", "report.pdf",
                                                     "fresh.png",   "healed.png",      "aged.png",
                                                     "badge.jws",   "xapi.json"};
  for (const auto& entry : std::filesystem::directory_iterator(staging, ec)) {
    if (kReportFiles.count(entry.path().filename().string())) continue;
    const std::filesystem::path target = out / entry.path().filename();
    std::error_code e2;
    if (!std::filesystem::exists(target, e2)) std::filesystem::rename(entry.path(), target, e2);
  }
  fsync_dir(out);
  return true;
}

int run_report(const std::vector<std::string>& args) {
  auto opts = parse_options(
      "report", args,
      {"--scenario", "--session", "--trainee", "--name", "--key", "--academy", "--instructor",
       "--instructor-id", "--email", "--attempt", "--issued-at", "--out", "--registry"},
      {"--practice", "--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  for (const char* required :
       {"--scenario", "--session", "--trainee", "--name", "--key", "--out"}) {
    if (!opts->get(required)) {
      std::fprintf(stderr, "smp report: needs %s (see 'smp report --help')\n", required);
      return kExitUsage;
    }
  }
  int attempt = 1;
  if (const std::string* a = opts->get("--attempt")) {
    try {
      std::size_t used = 0;
      attempt = std::stoi(*a, &used);
      if (used != a->size() || attempt < 1) throw std::invalid_argument(*a);
    } catch (const std::exception&) {
      std::fprintf(stderr, "smp report: --attempt: expected a whole number, 1 or more\n");
      return kExitUsage;
    }
  }
  const std::string& session_path = *opts->get("--session");
  const std::string& out_dir = *opts->get("--out");

  // Key first: a wrong key path should fail before minutes of replay on a big session.
  auto key = report::load_key_file(*opts->get("--key"));
  if (!key.ok()) {
    print_errors(key.errors());
    return kExitFailure;
  }
  report::BuildParams p;
  if (const std::string* a = opts->get("--academy")) {
    auto academy = report::load_academy_file(*a);
    if (!academy.ok()) {
      print_errors(academy.errors());
      return kExitFailure;
    }
    p.academy = academy.value();
  } else if (key.value().academy) {
    p.academy = *key.value().academy;
  } else {
    std::fprintf(stderr,
                 "smp report: no academy: pass --academy FILE, or store one in the key with "
                 "'smp keygen --academy FILE'\n");
    return kExitUsage;
  }
  std::optional<std::string> issued_flag;
  if (const std::string* t = opts->get("--issued-at")) issued_flag = *t;
  auto issued = report::resolve_issued_at(issued_flag);
  if (!issued.ok()) {
    print_errors(issued.errors());
    return kExitFailure;
  }

  auto loaded = load_for_scoring("report", *opts->get("--scenario"), session_path);
  if (!loaded) return kExitFailure;
  auto replay = sim::replay_session(loaded->session, loaded->scenario, loaded->catalogue);
  if (!replay.ok()) {
    print_errors(replay.errors(), session_path);
    return kExitFailure;
  }
  std::string session_bytes;
  {
    std::ifstream in(session_path, std::ios::binary);
    std::error_code ec;
    const auto size = std::filesystem::file_size(session_path, ec);
    session_bytes.resize(ec ? 0 : static_cast<std::size_t>(size));
    if (ec || !in.read(session_bytes.data(), static_cast<std::streamsize>(size))) {
      std::fprintf(stderr, "%s: cannot read the file\n", session_path.c_str());
      return kExitFailure;
    }
  }

  p.trainee = {*opts->get("--trainee"), *opts->get("--name"), ""};
  if (const std::string* e = opts->get("--email")) {
    p.trainee.email_sha256 = sim::sha256_hex(lower_trim(*e));
  }
  if (const std::string* in = opts->get("--instructor")) {
    const std::string* in_id = opts->get("--instructor-id");
    p.instructor = report::Person{in_id ? *in_id : "", *in, ""};
  }
  p.attempt = attempt;
  p.purpose = std::string(opts->has("--practice") ? report::kPurposePractice
                                                  : report::kPurposeCertification);
  p.issued_at = issued.value();
  p.session_sha256 = sim::sha256_hex(session_bytes);
  auto built = report::build_record(loaded->scenario, loaded->session, replay.value(), p);
  if (!built.ok()) {
    print_errors(built.errors());
    return kExitFailure;
  }
  report::ReportRecord record = std::move(built).value();
  const report::AcademyKey& k = key.value();
  {
    report::IssueRequest req;
    req.purpose = record.purpose;
    req.scenario_mode = record.scenario.mode;
    req.session_trainee = loaded->session.header.trainee;
    req.trainee_id = record.trainee.id;
    req.issued_at = record.issued_at;
    req.attempt_ended_at = record.session.ended_at;
    req.now_ms = report::now_ms();
    req.key_valid_from = k.valid_from.empty() ? k.created_at : k.valid_from;
    req.key_valid_until = k.valid_until;
    const auto refusals = report::check_issuing_rules(req);
    for (const auto& f : refusals) {
      std::fprintf(stderr, "smp report: refused (%s): %s\n", f.rule.c_str(), f.message.c_str());
    }
    if (!refusals.empty()) return report::kExitRefused;
  }
  record.signer.public_key = report::base64(k.ed25519_public.data(), k.ed25519_public.size());
  record.signer.key_fingerprint = report::key_fingerprint(k.ed25519_public);
  record.signer.badge_kid = k.badge_kid;

  // The whole set is written into a staging folder beside DIR and swapped into place at the end,
  // so DIR always holds one complete report: the earlier one until the swap, the new one after
  // (a kill or a full disk half-way never costs the academy the report it already had).
  auto staging = make_staging_dir(out_dir);
  if (!staging) return kExitFailure;
  const std::filesystem::path dir(*staging);
  const auto& imps = replay.value().impressions;
  // On every return the staging folder goes; until the swap DIR is untouched.
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() {
      std::error_code e;
      if (!p.empty()) std::filesystem::remove_all(p, e);
    }
  } cleanup{dir};

  // Pictures, then the PDF (which prints their hashes), then the badge (evidence = those files),
  // then the statements; report.json lists them all and is signed last.
  auto images = report::write_work_images(dir.string(), loaded->scenario, loaded->catalogue, imps);
  if (!images.ok()) {
    print_errors(images.errors());
    return kExitFailure;
  }
  record.files = images.value();
  auto pdf = report::render_report_pdf(
      {record, loaded->scenario, loaded->catalogue, imps, record.signer.key_fingerprint});
  if (!pdf.ok()) {
    print_errors(pdf.errors());
    return kExitFailure;
  }
  if (!write_output((dir / "report.pdf").string(), pdf.value())) return kExitFailure;
  const auto pdf_ref = file_ref("report.pdf", "pdf", "application/pdf", pdf.value());

  record.files.push_back(pdf_ref);
  // Badges only for passed certification attempts: a wallet never holds a failed or practice one.
  std::string badge_text;
  if (report::badge_allowed(record.purpose, record.passed)) {
    auto badge = report::sign_badge(record, k);
    if (!badge.ok()) {
      print_errors(badge.errors());
      return kExitFailure;
    }
    badge_text = badge.value() + "\n";
    if (!write_output((dir / "badge.jws").string(), badge_text)) return kExitFailure;
  }
  const std::string xapi_text = report::statements_file_text(report::build_statements(record));
  if (!write_output((dir / "xapi.json").string(), xapi_text)) return kExitFailure;
  if (!badge_text.empty()) {
    record.files.push_back(file_ref("badge.jws", "badge", "application/vc+jwt", badge_text));
  }
  record.files.push_back(file_ref("xapi.json", "xapi", "application/json", xapi_text));

  const std::string json = report::record_to_json(record);
  if (json.empty()) {
    std::fprintf(stderr, "smp report: the record holds text that is not valid UTF-8\n");
    return kExitFailure;
  }
  const std::string sig = report::minisign_sign(k, json, report::record_trusted_comment(record, k));
  if (!write_output((dir / "report.json").string(), json) ||
      !write_output((dir / "report.json.sig").string(), sig)) {
    return kExitFailure;
  }
  // After the swap the staging folder holds the earlier report (if any): the clean-up removes it.
  if (!swap_into_place(dir, out_dir)) return kExitFailure;
  // The folder is the source of truth and is complete now; the registry indexes it. A registry
  // that cannot be written never costs the report: it says so and how to catch up.
  const std::string registry = opts->get("--registry")
                                   ? *opts->get("--registry")
                                   : report::default_registry_path(*opts->get("--key"));
  int exit_code = kExitOk;
  auto reg = report::Registry::open(registry, true);
  auto recorded = reg.ok() ? reg.value().record_issued(record, report_dir_path(out_dir).string())
                           : sim::Result<bool>(reg.errors());
  if (!recorded.ok()) {
    print_errors(recorded.errors());
    std::fprintf(stderr,
                 "smp report: the report is written and signed in %s, but NOT recorded in the "
                 "registry %s; re-import it with 'smp registry rebuild'\n",
                 out_dir.c_str(), registry.c_str());
    exit_code = kExitNotRegistered;
  }
  std::printf("%s: %s%s %s (%s), scenario %s v%d, overall %s (pass mark %s)\n", out_dir.c_str(),
              record.purpose == report::kPurposePractice ? "PRACTICE " : "",
              record.passed ? "PASSED" : "NOT PASSED", record.trainee.name.c_str(),
              record.trainee.id.c_str(), record.scenario.id.c_str(), record.scenario.version,
              report::permille_to_text(record.overall_permille).c_str(),
              report::permille_to_text(record.overall_pass_mark_permille).c_str());
  std::printf("Signed by key %s\n",
              report::fingerprint_display(record.signer.key_fingerprint).c_str());
  return exit_code;
}

[[maybe_unused]] const bool registered = register_command(
    {"report", "certification report: signed record, PDF, images, badge, xAPI", &run_report});

}  // namespace
}  // namespace smp::cli
