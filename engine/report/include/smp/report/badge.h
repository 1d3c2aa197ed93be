// Open Badges 3.0 (1EdTech) OpenBadgeCredential for one assessed attempt, as a VC-JWT: a compact
// JWS signed RS256 with the academy's badge key, the public key in the header's "jwk"
// (docs/report-format.md, "badge.jws"). Built only from the record, so it is deterministic and
// `smp verify` can rebuild it and compare.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "smp/report/keys.h"
#include "smp/report/record.h"
#include "smp/sim/result.h"

namespace smp::report {

inline constexpr std::string_view kVcContext = "https://www.w3.org/ns/credentials/v2";
inline constexpr std::string_view kObContext =
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

// The credential (no JWT claims). Results: one RawScore per criterion, the overall RawScore and a
// Status (Completed when passed, Failed otherwise); evidence: one entry per image in r.files,
// its id an RFC 6920 "ni:///sha-256;..." URI of the image bytes.
nlohmann::json badge_credential(const ReportRecord& r);
// The JWT payload: the credential plus iss, jti, sub, nbf (RFC 7519; OB 3.0 section 8.2).
nlohmann::json badge_jwt_payload(const ReportRecord& r);

// Compact JWS "header.payload.signature"; header {"alg":"RS256","kid","jwk","typ":"JWT"}.
// Header and payload are JCS-serialised, so the same record and key give the same bytes.
sim::Result<std::string> sign_badge(const ReportRecord& r, const AcademyKey& key);

struct Jws {
  nlohmann::json header;
  nlohmann::json payload;
  std::string signing_input;  // "b64(header).b64(payload)"
  std::string signature;      // raw bytes
};
sim::Result<Jws> parse_jws(std::string_view compact, const std::string& label);
// True when the RS256 signature verifies with the RSA public JWK.
bool verify_jws_rs256(const Jws& jws, const nlohmann::json& jwk);

// Checks badge.jws against its record: RS256 signature with `jwk` (or, when null, the header's
// jwk), the key's RFC 7638 thumbprint equal to r.signer.badge_kid, and the payload equal to
// badge_jwt_payload(r). Errors name what differs.
sim::Result<bool> verify_badge(std::string_view compact, const ReportRecord& r,
                               const nlohmann::json& jwk);

}  // namespace smp::report
