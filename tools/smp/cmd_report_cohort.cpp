// `smp cohort`: a class summary from many attempts (docs/report-pdf.md, "Cohort").
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cmd_report_common.h"
#include "command.h"
#include "session_cli.h"
#include "smp/report/cohort.h"
#include "smp/report/keys.h"
#include "smp/report/record.h"
#include "smp/report/registry.h"
#include "smp/report/sign.h"

namespace smp::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHelp =
    "Usage: smp cohort --out DIR [options] INPUT...\n"
    "\n"
    "Summarises a class: every trainee's attempts, best and latest results and progress.\n"
    "INPUT is a report.json (preferred: the signed record), a report directory holding one, a\n"
    "directory whose subdirectories are report directories, or a session file (smp-session/1),\n"
    "which is replayed and scored on its scenario.\n"
    "\n"
    "Writes into DIR:\n"
    "  roster.csv    one row per trainee and scenario: attempts, passes, best, latest, change,\n"
    "                passes in a row, proficient (two passes in a row), latest criterion scores\n"
    "  attempts.csv  one row per counted attempt, with its signature check\n"
    "  rejected.csv  every input left out of the totals, with the reason\n"
    "  cohort.pdf    the printable class summary (A4 landscape), a progress plot per row\n"
    "\n"
    "Options:\n"
    "  --out DIR             output directory (created if missing)\n"
    "  --title TEXT          title of the summary (default \"Class summary\")\n"
    "  --academy FILE        academy file (smp-academy/1) for the header\n"
    "  --generated-at TIME   ISO 8601 UTC date printed on the summary (default: the newest\n"
    "                        attempt, so the same inputs give the same bytes)\n"
    "  --scenarios DIR       where session inputs find their scenarios by id (default: the\n"
    "                        shipped scenarios/ directory)\n"
    "  --trusted-keys FILE   check each record's signer against this trusted-keys file\n"
    "  --registry FILE       the academy registry: revoked records are not counted\n"
    "  -h, --help            this help\n"
    "\n"
    "Each report's signature is checked (as 'smp verify' does). Only records signed by a key in\n"
    "--trusted-keys count: tampered records, unknown keys and (without --trusted-keys) every\n"
    "signed record are left out of all totals and listed in rejected.csv and the PDF with the\n"
    "reason. One attempt counts once whatever files name it (a session and its report share the\n"
    "session's SHA-256); the trusted report wins over the session file.\n"
    "\n"
    "Exit status: 0 written, 1 an input is unusable (the message names the file and the JSON\n"
    "Pointer) or was left out for any reason other than being a duplicate (the files still cover "
    "the usable inputs; nothing is\n"
    "written when none is usable), 64 usage error.\n";

std::optional<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot read the file: %s\n", path.c_str(), ec.message().c_str());
    return std::nullopt;
  }
  if (size > max_bytes) {
    std::fprintf(stderr, "%s: file too large (%llu bytes, limit %zu)\n", path.c_str(),
                 static_cast<unsigned long long>(size), max_bytes);
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    std::fprintf(stderr, "%s: cannot read the file\n", path.c_str());
    return std::nullopt;
  }
  return bytes;
}

// Every scenario file in a directory, by id (several versions of one id are all kept).
std::multimap<std::string, sim::Scenario> load_scenarios(const std::string& dir) {
  std::multimap<std::string, sim::Scenario> out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto s = sim::load_scenario_file(f.string());
    if (s.ok()) out.emplace(s->id, s.value());
  }
  return out;
}

// Expands one INPUT into the files to read (sorted, so the order never depends on the disk).
std::vector<std::string> expand(const std::string& input) {
  std::error_code ec;
  if (!fs::is_directory(input, ec)) return {input};
  const fs::path dir(input);
  if (fs::is_regular_file(dir / "report.json", ec)) return {(dir / "report.json").string()};
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory() && fs::is_regular_file(e.path() / "report.json", ec)) {
      out.push_back((e.path() / "report.json").string());
    } else if (e.is_regular_file() && e.path().filename().string().ends_with(".session.json")) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string default_scenarios_dir() {
  const fs::path shipped = fs::path(sim::asset_dir()).parent_path() / "scenarios";
  return shipped.string();
}

int run_cohort(const std::vector<std::string>& args) {
  const std::vector<std::string> value_opts = {"--out",       "--title",        "--academy",
                                               "--scenarios", "--trusted-keys", "--generated-at",
                                               "--registry"};
  std::vector<std::string> inputs, options;
  split_positionals(args, value_opts, &inputs, &options);
  auto opts = parse_options("cohort", options, value_opts, {"--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const std::string* out_dir = opts->get("--out");
  if (out_dir == nullptr || inputs.empty()) {
    std::fprintf(stderr,
                 "smp cohort: needs --out DIR and at least one input (see 'smp cohort --help')\n");
    return kExitUsage;
  }
  report::CohortPdfOptions pdf_opts;
  if (const std::string* t = opts->get("--title")) pdf_opts.title = *t;
  if (const std::string* a = opts->get("--academy")) {
    auto academy = report::load_academy_file(*a);
    if (!academy.ok()) {
      print_errors(academy.errors());
      return kExitFailure;
    }
    pdf_opts.academy = academy->name;
  }
  if (const std::string* g = opts->get("--generated-at")) {
    if (!report::parse_iso8601_ms(*g)) {
      std::fprintf(stderr, "smp cohort: --generated-at: expected an ISO 8601 UTC time, got '%s'\n",
                   g->c_str());
      return kExitUsage;
    }
    pdf_opts.generated_at = *g;
  }
  std::optional<report::TrustedKeys> trusted;
  if (const std::string* t = opts->get("--trusted-keys")) {
    auto loaded = report::load_trusted_keys(*t);
    if (!loaded.ok()) {
      print_errors(loaded.errors());
      return kExitFailure;
    }
    trusted = std::move(loaded).value();
  }
  std::optional<report::Registry> registry;
  if (const std::string* r = opts->get("--registry")) {
    auto reg = report::Registry::open(*r, false);
    if (!reg.ok()) {
      print_errors(reg.errors());
      return kExitFailure;
    }
    registry = std::move(reg).value();
  }
  const std::string scenarios_dir =
      opts->get("--scenarios") ? *opts->get("--scenarios") : default_scenarios_dir();
  std::optional<std::multimap<std::string, sim::Scenario>> scenarios;  // loaded on first need
  std::optional<sim::PigmentCatalogue> catalogue;

  std::vector<report::CohortAttempt> attempts;
  bool failed = false;
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    const auto expanded = expand(in);
    if (expanded.empty()) {
      std::fprintf(stderr, "%s: no report.json or *.session.json found in the directory\n",
                   in.c_str());
      failed = true;
    }
    files.insert(files.end(), expanded.begin(), expanded.end());
  }
  for (const auto& path : files) {
    auto bytes = read_file(path, std::max(report::kMaxRecordBytes, sim::kMaxSessionBytes));
    if (!bytes) {
      failed = true;
      continue;
    }
    const auto doc = nlohmann::json::parse(*bytes, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      std::fprintf(stderr, "%s: not a JSON object (expected report.json or a session file)\n",
                   path.c_str());
      failed = true;
      continue;
    }
    const auto fmt = doc.find("format");
    if (fmt != doc.end() && fmt->is_string() && fmt->get<std::string>() == report::kRecordFormat) {
      if (bytes->size() > report::kMaxRecordBytes) {
        std::fprintf(stderr, "%s: record too large\n", path.c_str());
        failed = true;
        continue;
      }
      auto rec = report::parse_record(*bytes, path);
      if (!rec.ok()) {
        print_errors(rec.errors(), path);
        failed = true;
        continue;
      }
      report::CohortAttempt a = report::attempt_from_record(rec.value(), path);
      const auto v = report::verify_report(path, trusted ? &*trusted : nullptr);
      if (v.exit_code == report::kVerifyValid) {
        a.signature = v.trusted ? "trusted" : "valid";
        // A valid signature by a key nobody vouched for proves nothing about the issuer: anyone
        // can sign a record that claims the academy's id.
        if (!v.trusted) {
          a.rejected_reason = "signer not checked: no --trusted-keys given (key " +
                              report::fingerprint_display(v.fingerprint).substr(0, 19) + "...)";
        }
      } else {
        a.signature = v.exit_code == report::kVerifyTampered ? "INVALID" : "unknown key";
        a.rejected_reason = v.lines.empty() ? a.signature : v.lines.back();
        std::fprintf(stderr, "%s: signature check failed: %s\n", path.c_str(),
                     a.rejected_reason.c_str());
        failed = true;
      }
      if (registry && a.rejected_reason.empty()) {
        if (const auto e = registry->find(rec.value().report_id); e && e->status == "revoked") {
          a.rejected_reason = "REVOKED on " + e->revoked_at + ": " + e->revoked_reason;
        }
      }
      attempts.push_back(std::move(a));
      continue;
    }
    auto session = sim::parse_session(*bytes, path);
    if (!session.ok()) {
      print_errors(session.errors(), path);
      failed = true;
      continue;
    }
    if (!scenarios) scenarios = load_scenarios(scenarios_dir);
    if (!catalogue) {
      auto cat = sim::PigmentCatalogue::load_default();
      if (!cat.ok()) {
        print_errors(cat.errors());
        return kExitFailure;
      }
      catalogue = std::move(cat).value();
    }
    const auto& h = session->header;
    const sim::Scenario* scenario = nullptr;
    auto [lo, hi] = scenarios->equal_range(h.scenario_id);
    for (auto it = lo; it != hi; ++it) {
      if (scenario == nullptr || it->second.content_sha256 == h.scenario_sha256) {
        scenario = &it->second;
      }
    }
    if (scenario == nullptr) {
      std::fprintf(stderr, "%s: /scenario_id: no scenario '%s' in %s (use --scenarios DIR)\n",
                   path.c_str(), h.scenario_id.c_str(), scenarios_dir.c_str());
      failed = true;
      continue;
    }
    if (!h.scenario_sha256.empty() && h.scenario_sha256 != scenario->content_sha256) {
      std::fprintf(stderr,
                   "smp cohort: warning: %s was recorded on a different version of scenario "
                   "'%s'; scored on %s\n",
                   path.c_str(), h.scenario_id.c_str(), scenario->source_path.c_str());
    }
    auto a = report::attempt_from_session(session.value(), sim::sha256_hex(*bytes), *scenario,
                                          *catalogue, path);
    if (!a.ok()) {
      print_errors(a.errors(), path);
      failed = true;
      continue;
    }
    attempts.push_back(std::move(a).value());
  }

  if (attempts.empty() && files.empty()) {
    std::fprintf(stderr, "smp cohort: no usable attempt among the inputs; nothing written\n");
    return kExitFailure;
  }
  const report::Cohort cohort = report::build_cohort(std::move(attempts));
  if (cohort.attempts.empty() && cohort.rejected.empty()) {
    std::fprintf(stderr, "smp cohort: no usable attempt among the inputs; nothing written\n");
    return kExitFailure;
  }
  for (const auto& w : cohort.warnings)
    std::fprintf(stderr, "smp cohort: warning: %s\n", w.c_str());
  auto pdf = report::render_cohort_pdf(cohort, pdf_opts);
  if (!pdf.ok()) {
    print_errors(pdf.errors());
    return kExitFailure;
  }
  std::error_code ec;
  fs::create_directories(*out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "%s: cannot create the directory: %s\n", out_dir->c_str(),
                 ec.message().c_str());
    return kExitFailure;
  }
  const fs::path dir(*out_dir);
  if (!write_output((dir / "roster.csv").string(), report::roster_csv(cohort)) ||
      !write_output((dir / "attempts.csv").string(), report::attempts_csv(cohort)) ||
      !write_output((dir / "rejected.csv").string(), report::rejected_csv(cohort)) ||
      !write_output((dir / "cohort.pdf").string(), pdf.value())) {
    return kExitFailure;
  }
  std::size_t passed = 0;
  for (const auto& a : cohort.attempts) passed += a.passed;
  std::printf(
      "%s: %zu attempts (%zu passed), %zu trainee/scenario rows, %zu inputs not counted: "
      "roster.csv, attempts.csv, rejected.csv, cohort.pdf\n",
      out_dir->c_str(), cohort.attempts.size(), passed, cohort.rows.size(), cohort.rejected.size());
  for (const auto& r : cohort.rejected) {
    std::fprintf(stderr, "smp cohort: not counted: %s: %s\n", r.source.c_str(), r.reason.c_str());
  }
  // Duplicates are normal (a session and its report); anything else left out is a failure.
  for (const auto& r : cohort.rejected)
    failed = failed || r.reason.rfind("the same attempt", 0) != 0;
  return failed ? kExitFailure : kExitOk;
}

[[maybe_unused]] const bool registered = register_command(
    {"cohort", "class summary: CSV roster and PDF from reports or sessions", &run_cohort});

}  // namespace
}  // namespace smp::cli
