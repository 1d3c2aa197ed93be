// Issuing rules (docs/report-format.md, "Issuing rules"): what `smp report` refuses to sign.
// One place for every rule, so the CLI, the tests and the docs name the same checks.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace smp::report {

// Exit status of `smp report` when an issuing rule refuses the record (nothing is written).
inline constexpr int kExitRefused = 3;
// How far ahead of this machine's clock an issue date may be (clock skew between machines).
inline constexpr std::int64_t kFutureToleranceMs = 5 * 60 * 1000;

struct IssueRequest {
  std::string purpose;           // "certification" or "practice"
  std::string scenario_mode;     // "practice" / "assessment" (the scenario file's mode)
  std::string session_trainee;   // the session header's trainee id ("" = not recorded)
  std::string trainee_id;        // --trainee
  std::string issued_at;         // ISO 8601 UTC
  std::string attempt_ended_at;  // the record's session.ended_at ("" when the start is unknown)
  std::int64_t now_ms = 0;       // this machine's clock
  std::string key_valid_from;    // the signing key's validity ("" = open)
  std::string key_valid_until;
};

struct Refusal {
  std::string rule;     // short id: "practice-mode", "trainee", "issued-future", ...
  std::string message;  // a sentence for the terminal
};

// Every rule the request breaks (empty = may be issued).
std::vector<Refusal> check_issuing_rules(const IssueRequest& r);

// Badges go to passed certification attempts only.
bool badge_allowed(const std::string& purpose, bool passed);

}  // namespace smp::report
