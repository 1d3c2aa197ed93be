#include "smp/report/badge.h"

#include "openssl_util.h"
#include "smp/report/jcs.h"

namespace smp::report {
namespace {

using nlohmann::json;

std::string urn_uuid(const std::string& name) {
  return "urn:uuid:" + uuid_from_name(name);
}

std::string achievement_id(const ReportRecord& r) {
  return urn_uuid("smp-achievement\n" + r.academy.id + "\n" + r.scenario.id + "\n" +
                  std::to_string(r.scenario.version));
}

std::string subject_id(const ReportRecord& r) {
  return urn_uuid("smp-subject\n" + r.academy.id + "\n" + r.trainee.id);
}

json issuer_profile(const Academy& a) {
  json p = {{"id", a.id}, {"type", json::array({"Profile"})}, {"name", a.name}};
  if (!a.url.empty()) p["url"] = a.url;
  if (!a.email.empty()) p["email"] = a.email;
  return p;
}

std::string image_label(const std::string& role) {
  if (role == "image-fresh") return "The work as placed (fresh)";
  if (role == "image-healed") return "The work healed (simulated)";
  if (role == "image-aged") return "The work aged (simulated)";
  if (role == "pdf") return "Printable certification report";
  return role;
}

// RFC 6920 named-information URI for the file's bytes (the record holds the hex SHA-256).
std::string ni_uri(const FileRef& f) {
  std::string raw;
  for (std::size_t i = 0; i + 1 < f.sha256.size(); i += 2) {
    raw.push_back(static_cast<char>(std::stoi(f.sha256.substr(i, 2), nullptr, 16)));
  }
  return "ni:///sha-256;" + base64url(raw) + "?ct=" + f.media_type;
}

}  // namespace

json badge_credential(const ReportRecord& r) {
  const std::string ach_id = achievement_id(r);
  json descriptions = json::array();
  json results = json::array();
  std::string marks;
  for (const auto& c : r.criteria) {
    const std::string id = urn_uuid(ach_id + "\ncriterion\n" + c.key);
    descriptions.push_back({{"id", id},
                            {"type", json::array({"ResultDescription"})},
                            {"name", c.label},
                            {"resultType", "RawScore"},
                            {"valueMin", "0.0"},
                            {"valueMax", "100.0"},
                            {"requiredValue", permille_to_text(c.pass_mark_permille)}});
    results.push_back({{"type", json::array({"Result"})},
                       {"resultDescription", id},
                       {"value", permille_to_text(c.score_permille)}});
    marks += (marks.empty() ? "" : ", ") + c.label + " " + permille_to_text(c.pass_mark_permille);
  }
  const std::string overall_id = urn_uuid(ach_id + "\noverall");
  descriptions.push_back({{"id", overall_id},
                          {"type", json::array({"ResultDescription"})},
                          {"name", "Overall weighted score"},
                          {"resultType", "RawScore"},
                          {"valueMin", "0.0"},
                          {"valueMax", "100.0"},
                          {"requiredValue", permille_to_text(r.overall_pass_mark_permille)}});
  results.push_back({{"type", json::array({"Result"})},
                     {"resultDescription", overall_id},
                     {"value", permille_to_text(r.overall_permille)}});
  const std::string status_id = urn_uuid(ach_id + "\nstatus");
  descriptions.push_back({{"id", status_id},
                          {"type", json::array({"ResultDescription"})},
                          {"name", "Assessment outcome"},
                          {"resultType", "Status"},
                          {"requiredValue", "Completed"}});
  results.push_back({{"type", json::array({"Result"})},
                     {"resultDescription", status_id},
                     {"status", r.passed ? "Completed" : "Failed"}});

  const std::string narrative =
      "Pass requires an overall weighted score of at least " +
      permille_to_text(r.overall_pass_mark_permille) +
      " out of 100, every criterion at or above its pass mark (" + marks +
      "), and no critical error (pigment in the fat layer, pigment in a forbidden region, a "
      "pigment the scenario does not allow). Scored by the simulator from the recorded session.";
  json achievement = {
      {"id", ach_id},
      {"type", json::array({"Achievement"})},
      {"achievementType", "Assessment"},
      {"name", r.scenario.title.empty() ? r.scenario.id : r.scenario.title},
      {"description", "Scalp micropigmentation assessment on the SMP Trainer simulator: scenario " +
                          r.scenario.id + " version " + std::to_string(r.scenario.version) +
                          " (level " + std::to_string(r.scenario.level) + ", " +
                          r.scenario.case_kind + ", " + r.scenario.technique +
                          "), scenario SHA-256 " + r.scenario.sha256 + "."},
      {"criteria", {{"narrative", narrative}}},
      {"version", std::to_string(r.scenario.version)},
      {"creator", issuer_profile(r.academy)},
      {"resultDescription", descriptions},
  };

  const std::string salt = sim::sha256_hex("smp-badge-salt\n" + r.report_id).substr(0, 32);
  json identifiers = json::array();
  identifiers.push_back({{"type", "IdentityObject"},
                         {"identityType", "ext:studentId"},
                         {"hashed", true},
                         {"identityHash", "sha256$" + sim::sha256_hex(r.trainee.id + salt)},
                         {"salt", salt}});
  identifiers.push_back({{"type", "IdentityObject"},
                         {"identityType", "name"},
                         {"hashed", false},
                         {"identityHash", r.trainee.name}});
  if (!r.trainee.email_sha256.empty()) {
    identifiers.push_back({{"type", "IdentityObject"},
                           {"identityType", "emailAddress"},
                           {"hashed", true},
                           {"identityHash", "sha256$" + r.trainee.email_sha256}});
  }
  json subject = {{"id", subject_id(r)},
                  {"type", json::array({"AchievementSubject"})},
                  {"identifier", identifiers},
                  {"achievement", achievement},
                  {"result", results}};
  if (!r.session.started_at.empty()) subject["activityStartDate"] = r.session.started_at;
  if (!r.session.ended_at.empty()) subject["activityEndDate"] = r.session.ended_at;

  json evidence = json::array();
  for (const auto& f : r.files) {
    if (f.role.rfind("image-", 0) != 0 && f.role != "pdf") continue;
    evidence.push_back(
        {{"id", ni_uri(f)},
         {"type", json::array({"Evidence"})},
         {"name", image_label(f.role)},
         {"description", f.name + " in the report directory, " + std::to_string(f.bytes) +
                             " bytes, SHA-256 " + f.sha256},
         {"genre", f.role == "pdf" ? "Report" : "Image"}});
  }

  json cred = {
      {"@context", json::array({kVcContext, kObContext})},
      {"id", r.report_id},
      {"type", json::array({"VerifiableCredential", "OpenBadgeCredential"})},
      {"issuer", issuer_profile(r.academy)},
      {"validFrom", r.issued_at},
      {"awardedDate", r.issued_at},
      {"name", (r.scenario.title.empty() ? r.scenario.id : r.scenario.title) + " - " +
                   (r.passed ? "passed" : "not passed")},
      {"credentialSubject", subject},
  };
  if (!evidence.empty()) cred["evidence"] = evidence;
  return cred;
}

json badge_jwt_payload(const ReportRecord& r) {
  json p = badge_credential(r);
  p["iss"] = r.academy.id;
  p["jti"] = r.report_id;
  p["sub"] = subject_id(r);
  p["nbf"] = parse_iso8601_ms(r.issued_at).value_or(0) / 1000;
  return p;
}

sim::Result<std::string> sign_badge(const ReportRecord& r, const AcademyKey& key) {
  auto pkey = ossl::load_private_pem(key.badge_private_pem);
  if (!pkey) return sim::Result<std::string>::fail({"badge key", "", "cannot load the RSA key"});
  const json header = {
      {"alg", "RS256"}, {"kid", key.badge_kid}, {"jwk", key.badge_public_jwk}, {"typ", "JWT"}};
  auto h = jcs_serialize(header);
  auto p = jcs_serialize(badge_jwt_payload(r));
  if (!h.ok()) return h.errors();
  if (!p.ok()) return p.errors();
  const std::string input = base64url(h.value()) + "." + base64url(p.value());
  const std::string sig = ossl::rs256_sign(pkey.get(), input);
  if (sig.empty()) {
    return sim::Result<std::string>::fail(
        {"badge key", "", "RS256 signing failed: " + ossl::last_error()});
  }
  return input + "." + base64url(sig);
}

sim::Result<Jws> parse_jws(std::string_view compact, const std::string& label) {
  using R = sim::Result<Jws>;
  while (!compact.empty() && (compact.back() == '\n' || compact.back() == '\r')) {
    compact.remove_suffix(1);
  }
  const auto d1 = compact.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos) {
    return R::fail({label, "", "not a compact JWS (expected three dot-separated parts)"});
  }
  const auto h = base64url_decode(compact.substr(0, d1));
  const auto p = base64url_decode(compact.substr(d1 + 1, d2 - d1 - 1));
  const auto s = base64url_decode(compact.substr(d2 + 1));
  if (!h || !p || !s) return R::fail({label, "", "a JWS part is not base64url"});
  Jws j;
  j.header = json::parse(*h, nullptr, false);
  j.payload = json::parse(*p, nullptr, false);
  if (!j.header.is_object() || !j.payload.is_object()) {
    return R::fail({label, "", "the JWS header or payload is not a JSON object"});
  }
  j.signing_input = std::string(compact.substr(0, d2));
  j.signature = *s;
  return j;
}

bool verify_jws_rs256(const Jws& jws, const json& jwk) {
  if (string_member(jws.header, "alg") != "RS256") return false;
  auto pkey = ossl::rsa_from_jwk(jwk);
  return pkey && ossl::rs256_verify(pkey.get(), jws.signing_input, jws.signature);
}

sim::Result<bool> verify_badge(std::string_view compact, const ReportRecord& r, const json& jwk) {
  using R = sim::Result<bool>;
  auto jws = parse_jws(compact, "badge.jws");
  if (!jws.ok()) return jws.errors();
  const json& header = jws.value().header;
  const json key = jwk.is_null() ? header.value("jwk", json()) : jwk;
  auto kid = jwk_thumbprint(key);
  if (!kid.ok() || kid.value() != r.signer.badge_kid) {
    return R::fail({"badge.jws", "/jwk", "the badge key is not the one the record names"});
  }
  if (string_member(header, "kid") != r.signer.badge_kid) {
    return R::fail({"badge.jws", "/kid", "does not match the record's badge_kid"});
  }
  if (!verify_jws_rs256(jws.value(), key)) {
    return R::fail({"badge.jws", "", "bad RS256 signature"});
  }
  if (jws.value().payload != badge_jwt_payload(r)) {
    return R::fail({"badge.jws", "", "the credential does not match the signed record"});
  }
  return true;
}

}  // namespace smp::report
