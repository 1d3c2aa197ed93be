#include "smp/report/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "openssl_util.h"
#include "smp/report/jcs.h"
#include "smp/report/record.h"

namespace smp::report {
namespace {

using nlohmann::json;
using sim::Error;

constexpr std::size_t kMaxKeyFileBytes = 64u << 10;

bool sodium_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string hex(const unsigned char* p, std::size_t n, bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(digits[p[i] >> 4]);
    s.push_back(digits[p[i] & 0xF]);
  }
  return s;
}

template <std::size_t N>
bool decode_fixed(const json& v, std::array<unsigned char, N>* out) {
  if (!v.is_string()) return false;
  const auto bytes = base64_decode(v.get<std::string>());
  if (!bytes || bytes->size() != N) return false;
  std::memcpy(out->data(), bytes->data(), N);
  return true;
}

sim::Result<std::string> read_limited(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return sim::Result<std::string>::fail({path, "", "cannot read the file: " + ec.message()});
  if (size > max_bytes) {
    return sim::Result<std::string>::fail(
        {path, "", "file is larger than " + std::to_string(max_bytes) + " bytes"});
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) {
    return sim::Result<std::string>::fail({path, "", "cannot read the file"});
  }
  return text;
}

}  // namespace

// ---- encodings ---------------------------------------------------------------------------------
std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string base64url(std::string_view bytes) {
  return base64url(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

namespace {
std::optional<std::string> decode(std::string_view text, int variant) {
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}
}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  return decode(text, sodium_base64_VARIANT_ORIGINAL);
}
std::optional<std::string> base64url_decode(std::string_view text) {
  return decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

// ---- fingerprints ------------------------------------------------------------------------------
std::string key_fingerprint(const Ed25519Public& pk) {
  return sim::sha256_hex(std::string_view(reinterpret_cast<const char*>(pk.data()), pk.size()));
}

std::string fingerprint_display(std::string_view fp) {
  std::string s;
  for (std::size_t i = 0; i < fp.size(); ++i) {
    if (i && i % 4 == 0) s.push_back(' ');
    const char c = fp[i];
    s.push_back(c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return s;
}

std::array<unsigned char, 8> minisign_keynum(const Ed25519Public& pk) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, pk.data(), pk.size());
  std::array<unsigned char, 8> id{};
  std::memcpy(id.data(), h, id.size());
  return id;
}

std::string minisign_public_key(const Ed25519Public& pk) {
  unsigned char blob[2 + 8 + 32] = {'E', 'd'};
  const auto id = minisign_keynum(pk);
  std::memcpy(blob + 2, id.data(), 8);
  std::memcpy(blob + 10, pk.data(), 32);
  return base64(blob, sizeof blob);
}

std::string minisign_public_key_file(const Ed25519Public& pk) {
  // minisign prints the key id as upper-case hex of the little-endian 64-bit number.
  const auto id = minisign_keynum(pk);
  std::string id_hex;
  for (int i = 7; i >= 0; --i) id_hex += hex(&id[static_cast<std::size_t>(i)], 1, true);
  return "untrusted comment: minisign public key " + id_hex + "\n" + minisign_public_key(pk) + "\n";
}

sim::Result<std::string> jwk_thumbprint(const json& jwk) {
  json members;
  const std::string kty = string_member(jwk, "kty");
  if (kty == "RSA") {
    members = {{"e", string_member(jwk, "e")}, {"kty", "RSA"}, {"n", string_member(jwk, "n")}};
  } else if (kty == "EC") {
    members = {{"crv", string_member(jwk, "crv")},
               {"kty", "EC"},
               {"x", string_member(jwk, "x")},
               {"y", string_member(jwk, "y")}};
  } else {
    return sim::Result<std::string>::fail({"jwk", "/kty", "expected \"RSA\" or \"EC\""});
  }
  auto text = jcs_serialize(members);  // RFC 7638: sorted members, no whitespace == JCS here
  if (!text.ok()) return text.errors();
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(text.value().data()),
                     text.value().size());
  return base64url(h, sizeof h);
}

// ---- key files ---------------------------------------------------------------------------------
sim::Result<AcademyKey> generate_key(const std::string& created_at) {
  if (!sodium_ready()) return sim::Result<AcademyKey>::fail({"libsodium", "", "cannot initialise"});
  AcademyKey k;
  k.created_at = created_at;
  crypto_sign_keypair(k.ed25519_public.data(), k.ed25519_secret.data());
  auto rsa = ossl::generate_rsa(kBadgeRsaBits);
  if (!rsa) {
    return sim::Result<AcademyKey>::fail(
        {"OpenSSL", "", "RSA key generation failed: " + ossl::last_error()});
  }
  k.badge_private_pem = ossl::private_pem(rsa.get());
  k.badge_public_jwk = ossl::rsa_public_jwk(rsa.get());
  auto kid = jwk_thumbprint(k.badge_public_jwk);
  if (k.badge_private_pem.empty() || !kid.ok()) {
    return sim::Result<AcademyKey>::fail({"OpenSSL", "", "cannot export the RSA key"});
  }
  k.badge_kid = kid.value();
  return k;
}

std::string key_to_json(const AcademyKey& k) {
  json j = {
      {"format", kKeyFormat},
      {"created_at", k.created_at},
      {"fingerprint", key_fingerprint(k.ed25519_public)},
      {"ed25519",
       {{"public", base64(k.ed25519_public.data(), k.ed25519_public.size())},
        {"secret", base64(k.ed25519_secret.data(), k.ed25519_secret.size())}}},
      {"badge",
       {{"alg", "RS256"},
        {"kid", k.badge_kid},
        {"public_jwk", k.badge_public_jwk},
        {"private_key_pem", k.badge_private_pem}}},
  };
  if (!k.valid_from.empty()) j["valid_from"] = k.valid_from;
  if (!k.valid_until.empty()) j["valid_until"] = k.valid_until;
  if (k.academy) {
    json a = {{"id", k.academy->id}, {"name", k.academy->name}};
    if (!k.academy->url.empty()) a["url"] = k.academy->url;
    if (!k.academy->email.empty()) a["email"] = k.academy->email;
    j["academy"] = a;
  }
  return j.dump(2) + "\n";
}

sim::Result<AcademyKey> parse_key(std::string_view text, const std::string& label) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return sim::Result<AcademyKey>::fail({label, "", "not a JSON object"});
  }
  std::vector<Error> errors;
  auto fail = [&](const std::string& ptr, const std::string& msg) {
    errors.push_back({label, ptr, msg});
  };
  if (string_member(j, "format") != kKeyFormat) fail("/format", "expected \"smp-academy-key/1\"");
  AcademyKey k;
  if (j.contains("created_at") && j["created_at"].is_string()) {
    k.created_at = j["created_at"].get<std::string>();
  }
  for (auto [name, target] :
       {std::pair{"valid_from", &k.valid_from}, std::pair{"valid_until", &k.valid_until}}) {
    if (!j.contains(name)) continue;
    *target = string_member(j, name);
    if (!parse_iso8601_ms(*target)) fail(std::string("/") + name, "expected an ISO 8601 UTC time");
  }
  const json ed = j.value("ed25519", json::object());
  if (!ed.is_object() || !ed.contains("public") || !decode_fixed(ed["public"], &k.ed25519_public)) {
    fail("/ed25519/public", "expected base64 of 32 bytes");
  }
  if (!ed.is_object() || !ed.contains("secret") || !decode_fixed(ed["secret"], &k.ed25519_secret)) {
    fail("/ed25519/secret", "expected base64 of 64 bytes");
  }
  if (errors.empty()) {
    // libsodium's secret key carries the public key in its second half: they must agree.
    if (std::memcmp(k.ed25519_secret.data() + 32, k.ed25519_public.data(), 32) != 0) {
      fail("/ed25519", "the secret key does not belong to the public key");
    } else if (string_member(j, "fingerprint") != key_fingerprint(k.ed25519_public)) {
      fail("/fingerprint", "does not match the public key");
    }
  }
  const json badge = j.value("badge", json::object());
  if (!badge.is_object() || string_member(badge, "alg") != "RS256") {
    fail("/badge/alg", "expected \"RS256\"");
  } else if (!badge.contains("private_key_pem") || !badge["private_key_pem"].is_string()) {
    fail("/badge/private_key_pem", "expected a PEM string");
  } else {
    k.badge_private_pem = badge["private_key_pem"].get<std::string>();
    auto pkey = ossl::load_private_pem(k.badge_private_pem);
    if (!pkey || EVP_PKEY_is_a(pkey.get(), "RSA") != 1) {
      fail("/badge/private_key_pem", "not an unencrypted RSA private key");
    } else {
      k.badge_public_jwk = ossl::rsa_public_jwk(pkey.get());
      auto kid = jwk_thumbprint(k.badge_public_jwk);
      if (!kid.ok()) {
        fail("/badge/private_key_pem", "cannot derive the public key");
      } else {
        k.badge_kid = kid.value();
        if (string_member(badge, "kid") != k.badge_kid)
          fail("/badge/kid", "does not match the key");
        if (badge.value("public_jwk", json()) != k.badge_public_jwk) {
          fail("/badge/public_jwk", "does not match the private key");
        }
      }
    }
  }
  if (j.contains("academy")) {
    const json& a = j["academy"];
    auto str = [&](const char* key) {
      return a.is_object() && a.contains(key) && a[key].is_string() ? a[key].get<std::string>()
                                                                    : std::string();
    };
    Academy ac{str("id"), str("name"), str("url"), str("email")};
    if (ac.id.empty() || ac.name.empty()) {
      fail("/academy", "expected an object with non-empty \"id\" and \"name\"");
    } else {
      k.academy = ac;
    }
  }
  if (!errors.empty()) return errors;
  return k;
}

sim::Result<AcademyKey> load_key_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return sim::Result<AcademyKey>::fail(
        {path, "", std::string("cannot open: ") + std::strerror(errno)});
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return sim::Result<AcademyKey>::fail(
        {path, "",
         std::string("secret key file is readable by others (mode ") + mode +
             "): run chmod 600 on it"});
  }
  auto text = read_limited(path, kMaxKeyFileBytes);
  if (!text.ok()) return text.errors();
  return parse_key(text.value(), path);
}

sim::Result<bool> write_secret_file(const std::string& path, std::string_view bytes,
                                    bool overwrite) {
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& what) {
    return sim::Result<bool>::fail({path, "", what + ": " + std::strerror(errno)});
  };
  if (!overwrite && fs::exists(path)) {
    return sim::Result<bool>::fail({path, "", "already exists (refusing to overwrite a key)"});
  }
  // A new key folder (e.g. keys/) is made private: only the owner may list or enter it.
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::exists(parent, ec)) {
    if (!fs::create_directories(parent, ec) || ::chmod(parent.c_str(), 0700) != 0) {
      return sim::Result<bool>::fail(
          {path, "", "cannot create the folder " + parent.string() + ": " + ec.message()});
    }
  }
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + tmp);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail("cannot sync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail("cannot rename into place");
  }
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

// ---- trusted keys ------------------------------------------------------------------------------
const TrustedKey* TrustedKeys::find(std::string_view fingerprint) const {
  for (const auto& k : keys) {
    if (k.fingerprint == fingerprint) return &k;
  }
  return nullptr;
}

TrustedKey trusted_entry(const AcademyKey& k, const std::string& academy,
                         const std::string& valid_from, const std::string& valid_until) {
  TrustedKey t;
  t.fingerprint = key_fingerprint(k.ed25519_public);
  t.ed25519_public = k.ed25519_public;
  t.academy = academy;
  t.valid_from = valid_from;
  t.valid_until = valid_until;
  t.badge_jwk = k.badge_public_jwk;
  t.badge_kid = k.badge_kid;
  return t;
}

sim::Result<TrustedKeys> parse_trusted_keys(std::string_view text, const std::string& label) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return sim::Result<TrustedKeys>::fail({label, "", "not a JSON object"});
  }
  std::vector<Error> errors;
  if (string_member(j, "format") != kTrustedKeysFormat) {
    errors.push_back({label, "/format", "expected \"smp-trusted-keys/1\""});
  }
  if (!j.contains("keys") || !j["keys"].is_array()) {
    errors.push_back({label, "/keys", "expected an array"});
    return errors;
  }
  TrustedKeys t;
  for (std::size_t i = 0; i < j["keys"].size(); ++i) {
    const json& e = j["keys"][i];
    const std::string p = "/keys/" + std::to_string(i);
    auto fail = [&](const std::string& m, const std::string& msg) {
      errors.push_back({label, p + m, msg});
    };
    if (!e.is_object()) {
      fail("", "expected an object");
      continue;
    }
    TrustedKey k;
    auto str = [&](const char* key) {
      return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
    };
    if (!e.contains("ed25519_public") || !decode_fixed(e["ed25519_public"], &k.ed25519_public)) {
      fail("/ed25519_public", "expected base64 of 32 bytes");
      continue;
    }
    k.fingerprint = str("fingerprint");
    if (k.fingerprint != key_fingerprint(k.ed25519_public)) {
      fail("/fingerprint", "does not match ed25519_public");
    }
    k.academy = str("academy");
    k.valid_from = str("valid_from");
    if (!parse_iso8601_ms(k.valid_from)) fail("/valid_from", "expected an ISO 8601 UTC time");
    k.valid_until = str("valid_until");
    if (e.contains("valid_until") && !parse_iso8601_ms(k.valid_until)) {
      fail("/valid_until", "expected an ISO 8601 UTC time");
    }
    if (e.contains("badge_jwk")) {
      k.badge_jwk = e["badge_jwk"];
      auto kid = jwk_thumbprint(k.badge_jwk);
      if (!kid.ok() || !ossl::rsa_from_jwk(k.badge_jwk)) {
        fail("/badge_jwk", "expected an RSA public JWK (n, e; at least 2048 bits)");
      } else {
        k.badge_kid = kid.value();
      }
    }
    t.keys.push_back(std::move(k));
  }
  if (!errors.empty()) return errors;
  return t;
}

sim::Result<TrustedKeys> load_trusted_keys(const std::string& path) {
  auto text = read_limited(path, 4u << 20);
  if (!text.ok()) return text.errors();
  return parse_trusted_keys(text.value(), path);
}

std::string trusted_keys_to_json(const TrustedKeys& t) {
  json keys = json::array();
  for (const auto& k : t.keys) {
    json e = {{"fingerprint", k.fingerprint},
              {"ed25519_public", base64(k.ed25519_public.data(), k.ed25519_public.size())},
              {"academy", k.academy},
              {"valid_from", k.valid_from}};
    if (!k.valid_until.empty()) e["valid_until"] = k.valid_until;
    if (!k.badge_jwk.is_null()) e["badge_jwk"] = k.badge_jwk;
    keys.push_back(e);
  }
  return json{{"format", kTrustedKeysFormat}, {"keys", keys}}.dump(2) + "\n";
}

}  // namespace smp::report
