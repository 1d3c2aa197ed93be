// Class summaries (docs/report-pdf.md, "Cohort"): many assessed attempts -> a CSV roster, a CSV of
// every attempt and a printable summary PDF with each trainee's progress across attempts.
// Inputs are signed records (report.json, preferred) or session files scored by replay.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "smp/report/record.h"
#include "smp/sim/pigment.h"
#include "smp/sim/result.h"
#include "smp/sim/scenario.h"
#include "smp/sim/session.h"

namespace smp::report {

// One attempt, whatever file it came from. Scores in per-mille of 0..100, as in the record.
struct CohortAttempt {
  std::string source;  // the path as given
  std::string kind;    // "report" or "session"
  // The attempt's stable id: "session:<SHA-256 of the session file>" for both a session and any
  // report made from it, so one attempt counts once whatever files name it.
  std::string id;
  std::string record_id;                  // the report's report_id ("" for sessions)
  std::string purpose = "certification";  // or "practice" (a practice record)
  std::string trainee_id, trainee_name;
  std::string scenario_id;
  int scenario_version = 0;
  std::string scenario_title;
  std::string date;  // ISO 8601 UTC: issued_at (report) or the session's started_at; may be ""
  int attempt = 0;   // the record's attempt number; 0 for sessions
  std::int64_t overall_permille = 0, pass_mark_permille = 0;
  bool passed = false;
  std::vector<std::pair<std::string, std::int64_t>> criteria;  // key -> score, record order
  std::size_t critical_errors = 0;
  // For reports: "valid" (signature checks with the key in the signature), "trusted" (and the
  // key is in the trusted-keys file), "INVALID" (altered or missing files), "unknown key" (or
  // unreadable signature); "" when not checked. Sessions: "unsigned".
  std::string signature;
  // Why this input must not count ("" = it may): tampered, unknown key, signer not checked,
  // revoked... build_cohort lists it under Cohort::rejected, never in rows or totals.
  std::string rejected_reason;
};

// An input left out of every total, with the reason; printed in rejected.csv and the PDF.
struct RejectedInput {
  std::string source, id, trainee_id, trainee_name, scenario_id;
  std::string reason;
};

// Which copy of one attempt counts: a report whose signer is trusted beats an unsigned session
// file; among equals the first given wins. Higher is better.
int attempt_rank(const CohortAttempt& a);

CohortAttempt attempt_from_record(const ReportRecord& r, const std::string& source);
// Replays and scores a session on its scenario; `file_sha256` is the hash of the session file.
sim::Result<CohortAttempt> attempt_from_session(const sim::Session& session,
                                                const std::string& file_sha256,
                                                const sim::Scenario& scenario,
                                                const sim::PigmentCatalogue& catalogue,
                                                const std::string& source);

// One trainee on one scenario, attempts in order (date, then attempt number, then source).
struct CohortRow {
  std::string trainee_id, trainee_name, scenario_id, scenario_title;
  std::vector<std::size_t> attempts;  // indices into Cohort::attempts
  std::size_t best = 0;               // highest overall (earliest on a tie)
  std::size_t latest = 0;
  int passes = 0;
  int passes_in_a_row = 0;  // consecutive passes ending with the latest attempt
  // Passed on two consecutive attempts: the usual proficiency-based progression rule
  // (domain.md, "How practitioners are trained").
  bool proficient = false;
  std::int64_t change_permille = 0;  // latest overall - first overall
};

struct Cohort {
  std::vector<CohortAttempt> attempts;
  std::vector<CohortRow> rows;          // by trainee name, then id, then scenario
  std::vector<RejectedInput> rejected;  // untrusted, tampered, revoked, duplicate copies
  std::vector<std::string> warnings;
};
Cohort build_cohort(std::vector<CohortAttempt> attempts);

// RFC 4180 CSV (CRLF line ends, quoted where needed), UTF-8 with a byte-order mark so that
// spreadsheet programs show accented names as written.
std::string roster_csv(const Cohort& c);    // one row per trainee and scenario
std::string attempts_csv(const Cohort& c);  // one row per attempt
std::string rejected_csv(const Cohort& c);  // one row per input left out, with the reason

struct CohortPdfOptions {
  std::string title = "Class summary";
  std::string academy;       // printed in the header
  std::string generated_at;  // ISO 8601 UTC; "" = the latest attempt date (reproducible bytes)
};
// A4 landscape; as many pages as the rows need. Same inputs -> same bytes.
sim::Result<std::string> render_cohort_pdf(const Cohort& c, const CohortPdfOptions& options);

}  // namespace smp::report
