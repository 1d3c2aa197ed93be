// Academy signing keys (docs/user-guide-academy.md, "Keys"): one key file holds
//  - an Ed25519 key pair (libsodium) that signs report.json (minisign-compatible signature), and
//  - an RSA-2048 key pair (OpenSSL 3) that signs the Open Badges credential as RS256. RS256 rather
//    than ES256 because PKCS#1 v1.5 signatures are deterministic (ECDSA on OpenSSL 3.0 is not), so
//    the same record gives the same badge.jws bytes; RS256 is also the one algorithm every Open
//    Badges 3.0 verifier must support.
// The file is JSON ("smp-academy-key/1"), written atomically with mode 0600. A trusted-keys file
// ("smp-trusted-keys/1") lists public keys with validity dates, for verification and rotation.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "smp/report/record.h"
#include "smp/sim/result.h"

namespace smp::report {

inline constexpr std::string_view kKeyFormat = "smp-academy-key/1";
inline constexpr std::string_view kTrustedKeysFormat = "smp-trusted-keys/1";
inline constexpr int kBadgeRsaBits = 2048;

using Ed25519Public = std::array<unsigned char, 32>;
using Ed25519Secret = std::array<unsigned char, 64>;  // libsodium layout: seed || public

struct AcademyKey {
  std::string created_at;  // ISO 8601 UTC
  Ed25519Public ed25519_public{};
  Ed25519Secret ed25519_secret{};
  std::string badge_private_pem;    // PKCS#8 PEM of the RSA key
  nlohmann::json badge_public_jwk;  // {"kty":"RSA","n","e"} (base64url, RFC 7517)
  std::string badge_kid;            // RFC 7638 JWK thumbprint of badge_public_jwk
  std::optional<Academy> academy;   // the issuer this key signs for (`smp keygen --academy`)
  // The key's validity (`smp keygen --valid-from/--valid-until`): `smp report` refuses issue dates
  // outside it. valid_from "" = created_at; valid_until "" = open.
  std::string valid_from;
  std::string valid_until;
};

// Makes both key pairs. created_at is stored as given (ISO 8601).
sim::Result<AcademyKey> generate_key(const std::string& created_at);

// JSON text of the secret key file (contains private keys).
std::string key_to_json(const AcademyKey& k);
sim::Result<AcademyKey> parse_key(std::string_view json_text, const std::string& file_label);
// Refuses files readable by group or others (like ssh) and files over 64 KiB.
sim::Result<AcademyKey> load_key_file(const std::string& path);
// Writes path.tmp with mode 0600, fsyncs, renames over path, fsyncs the directory. Refuses to
// overwrite an existing file unless overwrite is true.
sim::Result<bool> write_secret_file(const std::string& path, std::string_view bytes,
                                    bool overwrite);

// Fingerprint: lower-case hex SHA-256 of the raw 32-byte Ed25519 public key (64 digits).
std::string key_fingerprint(const Ed25519Public& pk);
// For people (PDF, terminal): upper-case hex in groups of 4, "3F2A 91BC ..." (16 groups).
std::string fingerprint_display(std::string_view fingerprint_hex);
// minisign key id: the first 8 bytes of SHA-256(public key) (minisign itself picks random ones).
std::array<unsigned char, 8> minisign_keynum(const Ed25519Public& pk);
// minisign public key: base64("Ed" || keynum || pk), and the two-line .pub file around it.
std::string minisign_public_key(const Ed25519Public& pk);
std::string minisign_public_key_file(const Ed25519Public& pk);

// RFC 7638 thumbprint (base64url SHA-256 of the canonical required members) of an RSA or EC JWK.
sim::Result<std::string> jwk_thumbprint(const nlohmann::json& jwk);

std::string base64(const unsigned char* data, std::size_t n);     // standard, padded
std::string base64url(const unsigned char* data, std::size_t n);  // URL-safe, no padding
std::string base64url(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);     // standard, padded
std::optional<std::string> base64url_decode(std::string_view text);  // URL-safe, no padding

// ---- trusted keys (verification side) ----
struct TrustedKey {
  std::string fingerprint;  // hex, must equal key_fingerprint(ed25519_public)
  Ed25519Public ed25519_public{};
  std::string academy;       // who holds it (informative)
  std::string valid_from;    // ISO 8601; records issued before are not accepted
  std::string valid_until;   // optional; records issued at or after are not accepted
  nlohmann::json badge_jwk;  // optional: the RS256 badge key of the same academy
  std::string badge_kid;
};

struct TrustedKeys {
  std::vector<TrustedKey> keys;
  const TrustedKey* find(std::string_view fingerprint) const;
};

sim::Result<TrustedKeys> parse_trusted_keys(std::string_view json_text, const std::string& label);
sim::Result<TrustedKeys> load_trusted_keys(const std::string& path);
std::string trusted_keys_to_json(const TrustedKeys& t);  // pretty, stable order
TrustedKey trusted_entry(const AcademyKey& k, const std::string& academy,
                         const std::string& valid_from, const std::string& valid_until);

}  // namespace smp::report
