// Academy keys and signatures: key file round trip and protection, fingerprints, the RFC 7638
// thumbprint vector, minisign-format signatures checked by Debian's own `minisign`, trusted keys.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli_runner.h"
#include "smp/report/badge.h"
#include "smp/report/keys.h"
#include "smp/report/sign.h"

namespace smp::report {
namespace {

namespace fs = std::filesystem;

// One key for the whole suite: RSA generation costs ~0.1 s.
const AcademyKey& test_key() {
  static const AcademyKey k = generate_key("2026-01-01T00:00:00Z").value();
  return k;
}

int mode_of(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

int shell(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Keys, KeyFileRoundTripsAndChecksItsOwnConsistency) {
  const AcademyKey& k = test_key();
  auto back = parse_key(key_to_json(k), "k.json");
  ASSERT_TRUE(back.ok()) << back.errors().front().to_string();
  EXPECT_EQ(back.value().ed25519_public, k.ed25519_public);
  EXPECT_EQ(back.value().ed25519_secret, k.ed25519_secret);
  EXPECT_EQ(back.value().badge_kid, k.badge_kid);
  EXPECT_EQ(back.value().badge_public_jwk, k.badge_public_jwk);
  EXPECT_EQ(k.badge_public_jwk["kty"], "RSA");

  // A secret that does not belong to the public key, or a wrong fingerprint, is refused.
  auto j = nlohmann::json::parse(key_to_json(k));
  const AcademyKey other = generate_key("2026-01-01T00:00:00Z").value();
  j["ed25519"]["public"] = base64(other.ed25519_public.data(), 32);
  auto r = parse_key(j.dump(), "k.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().front().pointer, "/ed25519");
  j = nlohmann::json::parse(key_to_json(k));
  j["badge"]["kid"] = "forged";
  r = parse_key(j.dump(), "k.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().front().pointer, "/badge/kid");
  EXPECT_FALSE(parse_key("{\"format\":\"smp-academy-key/1\"}", "k.json").ok());
  // Members of the wrong type are errors, never exceptions.
  EXPECT_FALSE(
      parse_key(R"({"format":7,"fingerprint":[],"ed25519":"x","badge":{"alg":1}})", "k.json").ok());
  EXPECT_FALSE(parse_trusted_keys(R"({"format":1,"keys":[{"fingerprint":2}]})", "t.json").ok());
  EXPECT_FALSE(jwk_thumbprint(nlohmann::json{{"kty", 5}}).ok());
}

TEST(Keys, SecretFileIsWrittenAtomicallyWithMode0600AndNeverOverwritten) {
  const std::string dir = test::make_temp_dir("keys");
  const std::string path = dir + "/academy.key";
  const mode_t old = ::umask(0);  // even a permissive umask must not loosen it
  auto w = write_secret_file(path, key_to_json(test_key()), false);
  ::umask(old);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(mode_of(path), 0600);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_TRUE(load_key_file(path).ok());
  EXPECT_FALSE(write_secret_file(path, "x", false).ok());
  EXPECT_TRUE(load_key_file(path).ok()) << "a refused overwrite leaves the key intact";

  ::chmod(path.c_str(), 0644);
  auto r = load_key_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors().front().message.find("chmod 600"), std::string::npos);
  EXPECT_FALSE(load_key_file(dir + "/missing.key").ok());
}

TEST(Keys, FingerprintIsSha256OfThePublicKey) {
  Ed25519Public pk{};
  for (std::size_t i = 0; i < pk.size(); ++i) pk[i] = static_cast<unsigned char>(i);
  // sha256(bytes 0..31), computed independently with Python's hashlib.
  EXPECT_EQ(key_fingerprint(pk),
            "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd");
  EXPECT_EQ(fingerprint_display("630dcd2966c43366"), "630D CD29 66C4 3366");
}

TEST(Keys, JwkThumbprintMatchesRfc7638Example) {
  const nlohmann::json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECP"
       "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvz"
       "qY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6W"
       "eZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  EXPECT_EQ(jwk_thumbprint(jwk).value(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_FALSE(jwk_thumbprint(nlohmann::json{{"kty", "oct"}}).ok());
}

TEST(Keys, Base64VariantsRoundTrip) {
  const std::string bytes("\x00\xff\xfe\x10 binary", 10);
  EXPECT_EQ(
      base64_decode(base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size())),
      bytes);
  EXPECT_EQ(base64url_decode(base64url(bytes)), bytes);
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64_decode("not base64!").has_value());
  EXPECT_FALSE(base64url_decode("a+b/").has_value());
}

TEST(Minisign, SignatureVerifiesAndAnyChangeBreaksIt) {
  const AcademyKey& k = test_key();
  const std::string msg = "{\"a\":1}";
  const auto sig = parse_minisign(minisign_sign(k, msg, "timestamp:1\tfile:x"), "x.sig");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(sig.value().prehashed);
  EXPECT_EQ(sig.value().keynum, minisign_keynum(k.ed25519_public));
  EXPECT_TRUE(minisign_verify(sig.value(), k.ed25519_public, msg));
  EXPECT_FALSE(minisign_verify(sig.value(), k.ed25519_public, "{\"a\":2}"));
  auto changed_comment = sig.value();
  changed_comment.trusted_comment += " ";
  EXPECT_FALSE(minisign_verify(changed_comment, k.ed25519_public, msg));
  const AcademyKey other = generate_key("2026-01-01T00:00:00Z").value();
  EXPECT_FALSE(minisign_verify(sig.value(), other.ed25519_public, msg));
  EXPECT_FALSE(parse_minisign("garbage", "x.sig").ok());
  EXPECT_FALSE(
      parse_minisign("untrusted comment: x\nAAAA\ntrusted comment: y\nAAAA\n", "x.sig").ok());
}

TEST(Minisign, DebianMinisignVerifiesOurSignatures) {
  ASSERT_EQ(shell("command -v minisign >/dev/null 2>&1"), 0)
      << "the 'minisign' program is missing: apt-get install -y minisign";
  const AcademyKey& k = test_key();
  const std::string dir = test::make_temp_dir("minisign");
  const std::string msg = "Zoë's record \xe2\x82\xac\n";
  test::write_text(dir + "/report.json", msg);
  test::write_text(dir + "/report.json.sig",
                   minisign_sign(k, msg, "timestamp:0\tfile:report.json"));
  test::write_text(dir + "/key.pub", minisign_public_key_file(k.ed25519_public));
  const std::string verify = "minisign -Vm '" + dir + "/report.json' -x '" + dir +
                             "/report.json.sig' -p '" + dir + "/key.pub' >/dev/null 2>&1";
  EXPECT_EQ(shell(verify), 0);
  EXPECT_EQ(shell("minisign -Vm '" + dir + "/report.json' -x '" + dir + "/report.json.sig' -P '" +
                  minisign_public_key(k.ed25519_public) + "' >/dev/null 2>&1"),
            0);
  test::write_text(dir + "/report.json", msg + " ");
  EXPECT_NE(shell(verify), 0);
}

TEST(TrustedKeys, RoundTripAndLocatedErrors) {
  const AcademyKey& k = test_key();
  TrustedKeys t;
  t.keys.push_back(trusted_entry(k, "Académie", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  const auto back = parse_trusted_keys(trusted_keys_to_json(t), "trusted.json");
  ASSERT_TRUE(back.ok()) << back.errors().front().to_string();
  ASSERT_EQ(back.value().keys.size(), 1u);
  const TrustedKey* found = back.value().find(key_fingerprint(k.ed25519_public));
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->badge_kid, k.badge_kid);
  EXPECT_EQ(found->valid_until, "2027-01-01T00:00:00Z");
  EXPECT_EQ(back.value().find(std::string(64, '0')), nullptr);

  auto j = nlohmann::json::parse(trusted_keys_to_json(t));
  j["keys"][0]["fingerprint"] = std::string(64, '0');
  j["keys"][0]["valid_from"] = "soon";
  const auto bad = parse_trusted_keys(j.dump(), "trusted.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.errors().size(), 2u);
  EXPECT_EQ(bad.errors()[0].pointer, "/keys/0/fingerprint");
  EXPECT_EQ(bad.errors()[1].pointer, "/keys/0/valid_from");
}

TEST(Badge, JwsIsDeterministicAndTiedToItsRecord) {
  const AcademyKey& k = test_key();
  ReportRecord r;
  r.report_id = "urn:uuid:" + uuid_from_name("x");
  r.issued_at = "2026-11-24T10:00:00Z";
  r.trainee = {"T-1", "Zoë", ""};
  r.academy = {"https://academy.example/", "Académie", "", ""};
  r.scenario = {"sc", 1, "Scenario", std::string(64, 'a'), 1, "assessment", "scar", "permanent"};
  r.criteria.push_back({"depth", "Depth accuracy", 873, 700, 1000, true, "", {}});
  r.overall_permille = 873;
  r.overall_pass_mark_permille = 700;
  r.passed = true;
  r.signer.badge_kid = k.badge_kid;
  const auto a = sign_badge(r, k), b = sign_badge(r, k);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value(), b.value()) << "RS256 (PKCS#1 v1.5) is deterministic";
  EXPECT_TRUE(verify_badge(a.value(), r, nullptr).ok());
  EXPECT_TRUE(verify_badge(a.value(), r, k.badge_public_jwk).ok());

  ReportRecord changed = r;
  changed.criteria[0].score_permille = 999;
  const auto mismatch = verify_badge(a.value(), changed, nullptr);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.errors().front().message.find("does not match"), std::string::npos);

  const AcademyKey other = generate_key("2026-01-01T00:00:00Z").value();
  EXPECT_FALSE(verify_badge(a.value(), r, other.badge_public_jwk).ok());
  const auto forged = sign_badge(r, other);  // an impostor's key embedded in the header
  EXPECT_FALSE(verify_badge(forged.value(), r, nullptr).ok());
  EXPECT_FALSE(verify_badge("a.b", r, nullptr).ok());
}

}  // namespace
}  // namespace smp::report
