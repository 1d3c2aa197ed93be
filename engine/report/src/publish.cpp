#include "smp/report/publish.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "smp/report/sign.h"

namespace smp::report {

using json = nlohmann::json;

std::string issuer_profile_text(const Academy& a) {
  json p = {
      {"@context", json::array({"https://www.w3.org/ns/credentials/v2",
                                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"})},
      {"id", a.id},
      {"type", json::array({"Profile"})},
      {"name", a.name}};
  if (!a.url.empty()) p["url"] = a.url;
  if (!a.email.empty()) p["email"] = a.email;
  return p.dump(2) + "\n";
}

std::string jwks_text(const AcademyKey& k) {
  json badge = k.badge_public_jwk;
  badge["kid"] = k.badge_kid;
  badge["alg"] = "RS256";
  badge["use"] = "sig";
  json ed = {{"kty", "OKP"},
             {"crv", "Ed25519"},
             {"x", base64url(k.ed25519_public.data(), k.ed25519_public.size())},
             {"kid", key_fingerprint(k.ed25519_public)},
             {"alg", "EdDSA"},
             {"use", "sig"}};
  return json{{"keys", json::array({badge, ed})}}.dump(2) + "\n";
}

std::string revocation_list_text(const Academy& a, const std::string& list_url,
                                 const std::vector<RegistryEntry>& entries) {
  std::vector<const RegistryEntry*> revoked;
  for (const auto& e : entries) {
    if (e.status == "revoked") revoked.push_back(&e);
  }
  std::sort(revoked.begin(), revoked.end(),
            [](const auto* x, const auto* y) { return x->report_id < y->report_id; });
  json list = json::array();
  for (const auto* e : revoked) {
    list.push_back({{"id", e->report_id},
                    {"revocationReason", e->revoked_reason},
                    {"ext:revokedAt", e->revoked_at}});
  }
  return json{{"@context", "https://w3id.org/openbadges/v2"},
              {"id", list_url},
              {"type", "RevocationList"},
              {"issuer", a.id},
              {"revokedAssertions", list}}
             .dump(2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

sim::Result<std::map<std::string, Revocation>> load_revocation_list(const std::string& path,
                                                                    const Ed25519Public& signer) {
  using R = sim::Result<std::map<std::string, Revocation>>;
  auto slurp = [](const std::string& p, std::string* out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
    return out->size() <= (16u << 20);
  };
  std::string text, sig_text;
  if (!slurp(path, &text)) return R::fail({path, "", "cannot read the revocation list"});
  if (!slurp(path + ".sig", &sig_text)) {
    return R::fail({path + ".sig", "", "cannot read the revocation list's signature"});
  }
  auto sig = parse_minisign(sig_text, path + ".sig");
  if (!sig.ok()) return sig.errors();
  if (!minisign_verify(sig.value(), signer, text)) {
    return R::fail({path, "",
                    "the revocation list is not signed by the key that signed the record "
                    "(changed, or another issuer's list)"});
  }
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("type", "") != "RevocationList" ||
      !j.contains("revokedAssertions") || !j["revokedAssertions"].is_array()) {
    return R::fail({path, "/revokedAssertions", "expected an Open Badges RevocationList"});
  }
  std::map<std::string, Revocation> out;
  for (std::size_t i = 0; i < j["revokedAssertions"].size(); ++i) {
    const json& e = j["revokedAssertions"][i];
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string()) {
      return R::fail(
          {path, "/revokedAssertions/" + std::to_string(i) + "/id", "expected a string"});
    }
    out[e["id"].get<std::string>()] = {e.value("revocationReason", ""),
                                       e.value("ext:revokedAt", "")};
  }
  return out;
}

}  // namespace smp::report
