// What an academy hosts at its issuer URL (docs/registry.md, "Publishing"): the issuer profile,
// its public keys as a JWK set, and a revocation list in 1EdTech's Open Badges RevocationList
// shape, signed (minisign, like report.json) with the academy's record key so a verifier can
// check it came from the same key that signed the record.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "smp/report/keys.h"
#include "smp/report/record.h"
#include "smp/report/registry.h"
#include "smp/sim/result.h"

namespace smp::report {

inline constexpr const char* kRevocationListFile = "revocation-list.json";

// Open Badges Profile of the academy (id, type, name, url, email), pretty JSON.
std::string issuer_profile_text(const Academy& a);
// {"keys":[{...badge RSA JWK, "kid","alg":"RS256","use":"sig"}, {Ed25519 OKP JWK of the record
// key, "kid": its hex fingerprint}]} (RFC 7517 / RFC 8037).
std::string jwks_text(const AcademyKey& k);
// {"@context":"https://w3id.org/openbadges/v2","id":<list URL>,"type":"RevocationList",
//  "issuer":<academy id>,"revokedAssertions":[{"id":report_id,"revocationReason":..,
//  "ext:revokedAt":..}]} with only the revoked entries, sorted by id: stable bytes.
std::string revocation_list_text(const Academy& a, const std::string& list_url,
                                 const std::vector<RegistryEntry>& entries);

struct Revocation {
  std::string reason, revoked_at;
};
// Checks FILE.sig (minisign) against `signer` and returns revoked id -> details.
sim::Result<std::map<std::string, Revocation>> load_revocation_list(const std::string& path,
                                                                    const Ed25519Public& signer);

}  // namespace smp::report
