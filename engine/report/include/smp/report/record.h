// The certification record ("smp-report/1", docs/report-format.md): one signed source record per
// assessed attempt. Every other output (PDF, Open Badges credential, xAPI statements) derives from
// it. Serialised as RFC 8785 (JCS) canonical JSON: integers only (scores in per-mille of the
// 0..100 scale), so the same record always gives the same bytes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smp/sim/result.h"
#include "smp/sim/scenario.h"
#include "smp/sim/session.h"
#include "smp/sim/simulation.h"

namespace smp::report {

inline constexpr std::string_view kRecordFormat = "smp-report/1";
inline constexpr std::size_t kMaxRecordBytes = 4u << 20;  // refused before parsing
inline constexpr std::string_view kPurposeCertification = "certification";
inline constexpr std::string_view kPurposePractice = "practice";

struct Person {
  std::string id;            // trainee: the academy's id; instructor: optional
  std::string name;          // display name, UTF-8 as given (accents preserved)
  std::string email_sha256;  // optional: hex SHA-256 of the lower-cased e-mail (never the e-mail)
  friend bool operator==(const Person&, const Person&) = default;
};

// The issuer. Read from the --academy JSON file ("smp-academy/1", docs/report-format.md).
struct Academy {
  std::string id;  // a URI that identifies the academy (https://... or urn:...)
  std::string name;
  std::string url;    // optional home page
  std::string email;  // optional contact
  friend bool operator==(const Academy&, const Academy&) = default;
};

struct ScenarioRef {
  std::string id;
  int version = 1;
  std::string title;
  std::string sha256;  // content hash of the scenario file
  int level = 1;
  std::string mode;  // "practice" / "assessment"
  std::string case_kind;
  std::string technique;
  friend bool operator==(const ScenarioRef&, const ScenarioRef&) = default;
};

struct SessionRef {
  std::string sha256;            // hash of the session file bytes
  std::string started_at;        // ISO 8601 UTC from the session header ("" when unknown)
  std::string ended_at;          // started_at + duration ("" when started_at is unknown)
  std::int64_t duration_ms = 0;  // last event / impression time of the session
  std::uint64_t seed = 0;
  std::uint64_t impression_count = 0;
  std::string impressions_sha256;  // sim::impressions_hash() of the replayed impressions
  bool finished = false;           // the trainee ended the attempt (xAPI "completion")
  friend bool operator==(const SessionRef&, const SessionRef&) = default;
};

struct CriterionResult {
  std::string key;  // "depth", "spacing", "blurring", "color", "case"
  std::string label;
  std::int64_t score_permille = 0;  // score 0..100 as 0..1000 (87.3 -> 873)
  std::int64_t pass_mark_permille = 0;
  std::int64_t weight_permille = 1000;  // weight 1.0 -> 1000
  bool passed = false;
  std::string explanation;
  // Named figures behind the score, as shortest round-trip decimal strings (no floats in JSON).
  std::vector<std::pair<std::string, std::string>> metrics;
  friend bool operator==(const CriterionResult&, const CriterionResult&) = default;
};

struct CriticalErrorRef {
  std::string code;
  std::string message;
  std::int64_t impression_id = -1;
  friend bool operator==(const CriticalErrorRef&, const CriticalErrorRef&) = default;
};

struct FindingRef {  // the worst findings, for the printed debrief
  std::string criterion;
  std::string code;
  std::string message;
  std::int64_t impression_id = -1;
  std::int64_t severity_permille = 0;
  friend bool operator==(const FindingRef&, const FindingRef&) = default;
};
inline constexpr std::size_t kRecordFindings = 10;

// A file that sits beside report.json and is covered by its signature through this hash.
struct FileRef {
  std::string name;        // plain file name in the report directory, e.g. "fresh.png"
  std::string role;        // "image-fresh", "image-healed", "image-aged", "pdf"
  std::string media_type;  // "image/png", "application/pdf"
  std::string sha256;      // hex
  std::uint64_t bytes = 0;
  friend bool operator==(const FileRef&, const FileRef&) = default;
};

// How to check the record: who signed, with what (filled by the signer, docs/report-format.md).
struct SignerRef {
  std::string algorithm = "Ed25519";
  std::string public_key;       // base64 of the 32-byte Ed25519 public key
  std::string key_fingerprint;  // hex SHA-256 of the raw public key (keys.h: display form)
  std::string signature_file = "report.json.sig";  // minisign format
  std::string badge_kid;  // kid of the ES256 badge key (JWK thumbprint, RFC 7638)
  friend bool operator==(const SignerRef&, const SignerRef&) = default;
};

struct ReportRecord {
  std::string format = std::string(kRecordFormat);
  std::string
      report_id;  // urn:uuid:..., derived from scenario hash, session hash, trainee, attempt
  std::string issued_at;  // ISO 8601 UTC (--issued-at, SOURCE_DATE_EPOCH, or the clock)
  std::string simulator_version;
  Person trainee;
  Academy academy;
  std::optional<Person> instructor;
  ScenarioRef scenario;
  SessionRef session;
  int attempt = 1;
  // "certification" (default; not written, so certification records keep their bytes) or
  // "practice": a labelled practice record, never a badge (docs/report-format.md, "Issuing rules").
  std::string purpose = std::string(kPurposeCertification);
  std::vector<CriterionResult> criteria;  // depth, spacing, blurring, color, case
  std::vector<CriticalErrorRef> critical_errors;
  std::vector<FindingRef> findings;  // at most kRecordFindings, worst first
  std::int64_t overall_permille = 0;
  std::int64_t overall_pass_mark_permille = 0;
  bool passed = false;
  std::vector<FileRef> files;  // images (and the PDF) covered by the signature
  SignerRef signer;
  friend bool operator==(const ReportRecord&, const ReportRecord&) = default;
};

struct BuildParams {
  Person trainee;   // id and name required
  Academy academy;  // id and name required
  std::optional<Person> instructor;
  int attempt = 1;                                           // >= 1
  std::string purpose = std::string(kPurposeCertification);  // or kPurposePractice
  std::string issued_at;       // ISO 8601 UTC, required (see issued_at_from_env)
  std::string session_sha256;  // hash of the session file bytes
  std::string simulator_version = SMP_VERSION_STRING;
};

// Assembles the record from a loaded scenario, session and its replay. Leaves files and signer
// empty (the caller adds them once images are written and a key is chosen). Fails on missing
// trainee/academy fields, attempt < 1, a session made on another scenario, or a bad issued_at.
sim::Result<ReportRecord> build_record(const sim::Scenario& scenario, const sim::Session& session,
                                       const sim::ReplayOutput& replay, const BuildParams& params);

// Canonical JSON text (RFC 8785 JCS, UTF-8, no trailing newline). Same record -> same bytes.
std::string record_to_json(const ReportRecord& r);
// Parses and validates a record; errors carry the file label and JSON Pointer.
sim::Result<ReportRecord> parse_record(std::string_view json_text, const std::string& file_label);
sim::Result<ReportRecord> load_record_file(const std::string& path);

// Academy file ("smp-academy/1"): {"format","id","name","url"?,"email"?}.
sim::Result<Academy> load_academy_file(const std::string& path);

// Per-mille helpers: 0..100 score -> 0..1000 integer (round half away from zero), and back to text
// ("87.3"). Shared by the PDF, badge and xAPI writers so they all print the same figure.
std::int64_t to_permille(double score_0_100);
std::string permille_to_text(std::int64_t permille);  // 873 -> "87.3", 1000 -> "100.0"

// Time helpers (UTC only). parse_iso8601 accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)".
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);  // ms since the epoch
std::string format_iso8601_ms(std::int64_t epoch_ms);  // "2026-11-24T07:06:05Z" or ".250Z"
// This machine's clock, ms since the epoch (the issuing rules' "now").
std::int64_t now_ms();
// issued_at: --issued-at if given, else SOURCE_DATE_EPOCH (seconds) if set, else the clock.
sim::Result<std::string> resolve_issued_at(const std::optional<std::string>& flag);
// ISO 8601 duration for xAPI: 2537350 ms -> "PT42M17.35S".
std::string iso8601_duration(std::int64_t ms);

// Deterministic name-based UUID (RFC 9562 version 8 layout over SHA-256 of `name`), lower-case.
std::string uuid_from_name(std::string_view name);

}  // namespace smp::report
