#include "smp/report/sign.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "file_util.h"
#include "smp/report/badge.h"

namespace smp::report {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUntrusted = "untrusted comment: ";
constexpr std::string_view kTrusted = "trusted comment: ";
constexpr std::size_t kMaxNamedFileBytes = 512u << 20;

bool sodium_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::array<unsigned char, crypto_generichash_BYTES_MAX> blake2b512(std::string_view m) {
  std::array<unsigned char, crypto_generichash_BYTES_MAX> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                     nullptr, 0);
  return h;
}


std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string minisign_sign(const AcademyKey& key, std::string_view message,
                          std::string_view trusted_comment) {
  sodium_ready();
  const auto h = blake2b512(message);
  unsigned char blob[2 + 8 + 64] = {'E', 'D'};
  const auto id = minisign_keynum(key.ed25519_public);
  std::memcpy(blob + 2, id.data(), 8);
  crypto_sign_detached(blob + 10, nullptr, h.data(), h.size(), key.ed25519_secret.data());
  std::string global_msg(reinterpret_cast<const char*>(blob + 10), 64);
  global_msg += trusted_comment;
  unsigned char global[64];
  crypto_sign_detached(global, nullptr, reinterpret_cast<const unsigned char*>(global_msg.data()),
                       global_msg.size(), key.ed25519_secret.data());
  std::string out;
  out += kUntrusted;
  out += "signature from smp academy key " +
         fingerprint_display(key_fingerprint(key.ed25519_public)).substr(0, 19) + "\n";
  out += base64(blob, sizeof blob) + "\n";
  out += kTrusted;
  out += trusted_comment;
  out += "\n" + base64(global, sizeof global) + "\n";
  return out;
}

sim::Result<MinisignSignature> parse_minisign(std::string_view text, const std::string& label) {
  using R = sim::Result<MinisignSignature>;
  if (text.size() > 64 * 1024) return R::fail({label, "", "signature file is too large"});
  const auto lines = split_lines(text);
  if (lines.size() < 4 || lines[0].rfind(kUntrusted, 0) != 0 || lines[2].rfind(kTrusted, 0) != 0) {
    return R::fail({label, "", "not a minisign signature (expected 4 lines)"});
  }
  MinisignSignature s;
  const auto blob = base64_decode(lines[1]);
  if (!blob || blob->size() != 74 || (*blob)[0] != 'E' ||
      ((*blob)[1] != 'D' && (*blob)[1] != 'd')) {
    return R::fail({label, "", "line 2 is not an Ed25519 minisign signature"});
  }
  s.prehashed = (*blob)[1] == 'D';
  std::memcpy(s.keynum.data(), blob->data() + 2, 8);
  std::memcpy(s.signature.data(), blob->data() + 10, 64);
  s.trusted_comment = lines[2].substr(kTrusted.size());
  const auto global = base64_decode(lines[3]);
  if (!global || global->size() != 64) {
    return R::fail({label, "", "line 4 is not a 64-byte global signature"});
  }
  std::memcpy(s.global_signature.data(), global->data(), 64);
  return s;
}

bool minisign_verify(const MinisignSignature& sig, const Ed25519Public& pk,
                     std::string_view message) {
  sodium_ready();
  int ok = -1;
  if (sig.prehashed) {
    const auto h = blake2b512(message);
    ok = crypto_sign_verify_detached(sig.signature.data(), h.data(), h.size(), pk.data());
  } else {
    ok = crypto_sign_verify_detached(sig.signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), pk.data());
  }
  if (ok != 0) return false;
  std::string global_msg(reinterpret_cast<const char*>(sig.signature.data()), 64);
  global_msg += sig.trusted_comment;
  return crypto_sign_verify_detached(sig.global_signature.data(),
                                     reinterpret_cast<const unsigned char*>(global_msg.data()),
                                     global_msg.size(), pk.data()) == 0;
}

std::string record_trusted_comment(const ReportRecord& r, const AcademyKey& key) {
  const auto ms = parse_iso8601_ms(r.issued_at).value_or(0);
  return "timestamp:" + std::to_string(ms / 1000) + "\tfile:report.json\thashed\tpubkey:" +
         base64(key.ed25519_public.data(), key.ed25519_public.size());
}

VerifyOutcome verify_report(const std::string& dir_or_record, const TrustedKeys* trusted) {
  VerifyOutcome out;
  auto say = [&](std::string line) { out.lines.push_back(std::move(line)); };
  auto finish = [&](int code, std::string line) {
    say(std::move(line));
    out.exit_code = code;
    return out;
  };
  std::error_code ec;
  fs::path record_path(dir_or_record);
  if (fs::is_directory(record_path, ec)) record_path /= "report.json";
  const fs::path dir =
      record_path.parent_path().empty() ? fs::path(".") : record_path.parent_path();

  const auto bytes = detail::read_bounded(record_path, kMaxRecordBytes);
  if (!bytes)
    return finish(kVerifyUnknown, "UNREADABLE " + record_path.string() + ": cannot read it");
  const fs::path sig_path = fs::path(record_path.string() + ".sig");
  const auto sig_text = detail::read_bounded(sig_path, 64 * 1024);
  if (!sig_text)
    return finish(kVerifyUnknown, "UNREADABLE " + sig_path.string() + ": cannot read it");
  auto sig = parse_minisign(*sig_text, sig_path.string());
  if (!sig.ok())
    return finish(kVerifyTampered, "BAD SIGNATURE " + sig.errors().front().to_string());

  // Find the signer's public key: from the trusted-keys file by key id, or (no trust list) from
  // the signed trusted comment. The global signature covers that comment, so it cannot be swapped
  // without the signature failing below.
  Ed25519Public pk{};
  const TrustedKey* tk = nullptr;
  if (trusted) {
    for (const auto& k : trusted->keys) {
      if (minisign_keynum(k.ed25519_public) == sig.value().keynum) tk = &k;
    }
    if (!tk) {
      return finish(kVerifyUnknown,
                    "UNKNOWN KEY: the signature's key is not in the trusted-keys file");
    }
    pk = tk->ed25519_public;
  } else {
    const std::string& tc = sig.value().trusted_comment;
    const auto pos = tc.find("pubkey:");
    const auto decoded =
        pos == std::string::npos ? std::nullopt : base64_decode(tc.substr(pos + 7, 44));
    if (!decoded || decoded->size() != 32) {
      return finish(kVerifyUnknown,
                    "UNKNOWN KEY: no --trusted-keys given and the signature names no key");
    }
    std::memcpy(pk.data(), decoded->data(), 32);
    if (minisign_keynum(pk) != sig.value().keynum) {
      return finish(kVerifyTampered, "BAD SIGNATURE: the key id does not match the named key");
    }
  }
  out.fingerprint = key_fingerprint(pk);
  out.trusted = tk != nullptr;
  if (!minisign_verify(sig.value(), pk, *bytes)) {
    return finish(kVerifyTampered,
                  "BAD SIGNATURE: report.json was changed after signing, or the "
                  "signature does not belong to it");
  }
  say("OK signature: Ed25519 (minisign) by key " + fingerprint_display(out.fingerprint));

  // The signed bytes are authentic; now the record must be well-formed and agree with its signer.
  auto rec = parse_record(*bytes, record_path.string());
  if (!rec.ok()) {
    return finish(kVerifyTampered, "INVALID RECORD " + rec.errors().front().to_string());
  }
  const ReportRecord& r = rec.value();
  if (r.signer.key_fingerprint != out.fingerprint ||
      r.signer.public_key != base64(pk.data(), pk.size())) {
    return finish(kVerifyTampered, "MISMATCH: the record names another signing key");
  }
  if (tk) {
    const auto issued = parse_iso8601_ms(r.issued_at).value_or(0);
    const auto from = parse_iso8601_ms(tk->valid_from).value_or(0);
    const auto until = tk->valid_until.empty() ? std::nullopt : parse_iso8601_ms(tk->valid_until);
    if (issued < from || (until && issued >= *until)) {
      return finish(kVerifyUnknown, "KEY NOT VALID: issued_at " + r.issued_at +
                                        " is outside the key's validity (" + tk->valid_from +
                                        " .. " +
                                        (tk->valid_until.empty() ? "open" : tk->valid_until) + ")");
    }
    say("OK trusted key: " + (tk->academy.empty() ? std::string("(unnamed)") : tk->academy) +
        ", valid from " + tk->valid_from +
        (tk->valid_until.empty() ? "" : " until " + tk->valid_until));
  } else {
    say("NOTE key not checked against a trusted-keys file: compare the fingerprint above with the "
        "one the academy publishes (or pass --trusted-keys FILE)");
  }

  // Every file the record names: present, same size, same SHA-256.
  for (const auto& f : r.files) {
    const auto data = detail::read_bounded(dir / f.name, kMaxNamedFileBytes);
    if (!data)
      return finish(kVerifyTampered, "MISSING " + f.name + ": named in the record but unreadable");
    if (data->size() != f.bytes || sim::sha256_hex(*data) != f.sha256) {
      return finish(kVerifyTampered,
                    "TAMPERED " + f.name + ": its SHA-256 differs from the record");
    }
    say("OK " + f.name + " sha256 " + f.sha256.substr(0, 16) + "...");
  }

  // The badge carries its own RS256 signature; check it with the same academy's badge key.
  const bool badge_named = std::any_of(r.files.begin(), r.files.end(),
                                       [](const FileRef& f) { return f.name == "badge.jws"; });
  if (badge_named) {
    const auto jws = detail::read_bounded(dir / "badge.jws", 1u << 20);
    nlohmann::json jwk;
    if (tk && !tk->badge_jwk.is_null()) jwk = tk->badge_jwk;
    auto check = verify_badge(jws.value_or(""), r, jwk);
    if (!check.ok()) return finish(kVerifyTampered, "BADGE " + check.errors().front().to_string());
    say("OK badge.jws: RS256 by badge key " + r.signer.badge_kid);
  }
  out.exit_code = kVerifyValid;
  say(std::string("VALID ") + (r.passed ? "PASSED" : "FAILED") + " " + r.trainee.name + " (" +
      r.trainee.id + "), scenario " + r.scenario.id + " v" + std::to_string(r.scenario.version) +
      ", overall " + permille_to_text(r.overall_permille) + ", issued " + r.issued_at);
  return out;
}

}  // namespace smp::report
