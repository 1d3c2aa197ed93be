#include "smp/report/issuing.h"

#include "smp/report/record.h"

namespace smp::report {

std::vector<Refusal> check_issuing_rules(const IssueRequest& r) {
  std::vector<Refusal> out;
  if (r.purpose == kPurposeCertification && r.scenario_mode != "assessment") {
    out.push_back({"practice-mode",
                   "the scenario is in " + r.scenario_mode +
                       " mode: a practice attempt cannot be certified (pass --practice for a "
                       "practice record, without badge)"});
  }
  if (!r.session_trainee.empty() && r.session_trainee != r.trainee_id) {
    out.push_back({"trainee", "the session was recorded for trainee \"" + r.session_trainee +
                                  "\", not \"" + r.trainee_id + "\""});
  }
  const auto issued = parse_iso8601_ms(r.issued_at);
  if (!issued) {
    out.push_back({"issued-at", "the issue date \"" + r.issued_at + "\" is not an ISO 8601 time"});
    return out;
  }
  if (*issued > r.now_ms + kFutureToleranceMs) {
    out.push_back({"issued-future", "the issue date " + r.issued_at + " is in the future (now " +
                                        format_iso8601_ms(r.now_ms) + ")"});
  }
  if (const auto ended = parse_iso8601_ms(r.attempt_ended_at); ended && *issued < *ended) {
    out.push_back({"issued-before-attempt", "the issue date " + r.issued_at +
                                                " is before the attempt ended (" +
                                                r.attempt_ended_at + ")"});
  }
  const auto from = parse_iso8601_ms(r.key_valid_from);
  const auto until = parse_iso8601_ms(r.key_valid_until);
  if ((from && *issued < *from) || (until && *issued >= *until)) {
    out.push_back({"key-validity",
                   "the issue date " + r.issued_at + " is outside the signing key's validity (" +
                       (r.key_valid_from.empty() ? "open" : r.key_valid_from) + " .. " +
                       (r.key_valid_until.empty() ? "open" : r.key_valid_until) + ")"});
  }
  return out;
}

bool badge_allowed(const std::string& purpose, bool passed) {
  return purpose == kPurposeCertification && passed;
}

}  // namespace smp::report
