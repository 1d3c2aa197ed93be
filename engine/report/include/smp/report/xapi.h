// xAPI (Experience API) statements for an LMS / LRS, derived from the record
// (docs/report-format.md, "xapi.json"), and sending them with an on-disk outbox so nothing is
// lost while offline (docs/user-guide-academy.md, "Sending to an LMS / LRS").
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "smp/report/record.h"
#include "smp/sim/result.h"

namespace smp::report {

inline constexpr std::string_view kVerbPassed = "http://adlnet.gov/expapi/verbs/passed";
inline constexpr std::string_view kVerbFailed = "http://adlnet.gov/expapi/verbs/failed";
inline constexpr std::string_view kActivitySimulation =
    "http://adlnet.gov/expapi/activities/simulation";
// Extension keys (IRIs; URNs in the product's own namespace, since it owns no web domain).
inline constexpr std::string_view kExtCriteria = "urn:smp-trainer:xapi:criteria";
inline constexpr std::string_view kExtCriticalErrors = "urn:smp-trainer:xapi:critical-errors";
inline constexpr std::string_view kExtReport = "urn:smp-trainer:xapi:report";
// context.contextActivities.category: a practice record vs a certification assessment.
inline constexpr std::string_view kCategoryPractice = "urn:smp-trainer:xapi:category:practice";
inline constexpr std::string_view kCategoryAssessment = "urn:smp-trainer:xapi:category:assessment";

// One statement per assessed attempt: verb passed/failed; result score (scaled, raw, min, max),
// success, completion, duration, per-criterion extension; context registration (UUID of the
// attempt), instructor, revision (scenario version), platform (simulator version).
// Its id is derived from the report id, so re-sending the same report is idempotent.
std::vector<nlohmann::json> build_statements(const ReportRecord& r);
// xapi.json: {"format":"smp-xapi/1","statements":[...]}, pretty-printed, stable bytes.
std::string statements_file_text(const std::vector<nlohmann::json>& statements);
sim::Result<std::vector<nlohmann::json>> load_statements_file(const std::string& path);

struct SendOptions {
  std::string endpoint;           // LRS base (".../xAPI") or the statements resource itself
  std::string user, password;     // HTTP Basic
  std::string version = "1.0.3";  // X-Experience-API-Version
  std::string outbox_dir;         // statements waiting to be sent, one file per statement id
  long timeout_s = 20;
};

struct SendOutcome {
  std::size_t sent = 0;            // accepted now (200/204), or already stored with the same body
  std::size_t queued = 0;          // still in the outbox (offline, 5xx, 401/403): retried next time
  std::size_t rejected = 0;        // refused for good (400, 409...): moved to outbox/rejected/
  std::vector<std::string> lines;  // one per statement / problem, for the terminal
};

// Statements URL for an endpoint: appends "/statements" unless it already ends with it.
std::string statements_url(std::string_view endpoint);

// Adds `statements` to the outbox (atomically, one file per id, never duplicating one already
// waiting), then tries to deliver everything waiting for this endpoint, oldest first. Stops at the
// first transport failure (the LRS is unreachable: the rest stays queued).
SendOutcome send_statements(const std::vector<nlohmann::json>& statements,
                            const SendOptions& options);

}  // namespace smp::report
