// Detached signatures of report.json in minisign's format (Ed25519 over the BLAKE2b-512 hash of
// the file, plus a signed "trusted comment"), so Debian's stock `minisign -Vm report.json -P KEY`
// verifies them too; and the whole-directory check behind `smp verify`.
#pragma once
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "smp/report/keys.h"
#include "smp/report/record.h"
#include "smp/sim/result.h"

namespace smp::report {

struct MinisignSignature {
  std::array<unsigned char, 8> keynum{};
  bool prehashed = true;  // "ED" (BLAKE2b-512 prehash); legacy "Ed" signs the raw message
  std::array<unsigned char, 64> signature{};
  std::string trusted_comment;
  std::array<unsigned char, 64> global_signature{};  // over signature || trusted_comment
};

// The four-line .sig text (untrusted comment, signature, trusted comment, global signature).
// The trusted comment must be one line (no '\n').
std::string minisign_sign(const AcademyKey& key, std::string_view message,
                          std::string_view trusted_comment);
sim::Result<MinisignSignature> parse_minisign(std::string_view text, const std::string& label);
// True when both signatures verify with pk (the key id is not checked here).
bool minisign_verify(const MinisignSignature& sig, const Ed25519Public& pk,
                     std::string_view message);

// The trusted comment smp writes: "timestamp:<issued_at seconds>\tfile:report.json\thashed\t
// pubkey:<base64 Ed25519 public key>" so the signer's key can be found without parsing the record.
std::string record_trusted_comment(const ReportRecord& r, const AcademyKey& key);

// Exit codes of `smp verify` (docs/report-format.md).
inline constexpr int kVerifyValid = 0;
inline constexpr int kVerifyTampered = 1;  // bad signature, hash mismatch, missing named file
inline constexpr int kVerifyUnknown = 2;   // unknown/untrusted key, unreadable record or .sig

struct VerifyOutcome {
  int exit_code = kVerifyUnknown;
  std::vector<std::string> lines;  // what was checked, one finding per line, for the terminal
  std::string fingerprint;         // signer's key fingerprint (hex) when known
  bool trusted = false;            // checked against a trusted-keys file
};

// Verifies a report directory (or a report.json path; its directory holds the other files):
// the signature over the exact bytes of report.json, the signer against `trusted` (may be null:
// then the key embedded in the signature is used and the outcome says so), the record's own
// consistency, the SHA-256 and size of every file it names, and badge.jws's RS256 signature.
VerifyOutcome verify_report(const std::string& dir_or_record, const TrustedKeys* trusted);

}  // namespace smp::report
