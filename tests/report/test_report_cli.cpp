// `smp keygen`, `smp report` and `smp verify` run the way an academy runs them: a real report
// directory from a synthesised expert session, then tampering with every byte of the record and
// with the other files, unknown and expired keys, and bad input.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli_runner.h"
#include "smp/report/keys.h"
#include "smp/report/record.h"
#include "smp/report/sign.h"

namespace smp::report {
namespace {

namespace fs = std::filesystem;
using test::read_text;
using test::run_smp;
using test::write_text;

constexpr const char* kScenario = "scenarios/hairline-assessment.json";
constexpr const char* kName = "Zoë Ångström-Núñez";

struct Shared {
  std::string root, key, trusted, session, academy, dir;
};

std::vector<std::string> report_args(const Shared& s, const std::string& out) {
  return {"report",
          "--scenario",
          kScenario,
          "--session",
          s.session,
          "--trainee",
          "T-042",
          "--name",
          kName,
          "--key",
          s.key,
          "--instructor",
          "Łukasz Wójcik",
          "--issued-at",
          "2026-11-24T10:00:00Z",
          "--out",
          out};
}

// One key, session and report for the suite (a report with its pictures and PDF takes seconds).
const Shared& shared() {
  static const Shared s = [] {
    Shared x;
    x.root = test::make_temp_dir("report-cli");
    x.academy = x.root + "/academy.json";
    write_text(x.academy, R"({"format":"smp-academy/1","id":"https://academy.example/",
      "name":"Académie Lumière SMP","url":"https://academy.example/"})");
    x.key = x.root + "/academy.key";
    x.trusted = x.root + "/trusted.json";
    auto kg = run_smp({"keygen", "--out", x.key, "--academy", x.academy, "--trusted-keys",
                       x.trusted, "--valid-from", "2026-01-01T00:00:00Z"});
    EXPECT_EQ(kg.exit_code, 0) << kg.err;
    x.session = x.root + "/expert.json";
    auto ds = run_smp(
        {"demo-session", "--scenario", kScenario, "--out", x.session, "--trainee", "T-042"});
    EXPECT_EQ(ds.exit_code, 0) << ds.err;
    x.dir = x.root + "/report";
    auto rep = run_smp(report_args(x, x.dir));
    EXPECT_EQ(rep.exit_code, 0) << rep.err;
    return x;
  }();
  return s;
}

// A private copy of the report directory to damage.
std::string copy_report(const std::string& tag) {
  const std::string dst = test::make_temp_dir(tag);
  fs::remove_all(dst);
  fs::copy(shared().dir, dst, fs::copy_options::recursive);
  return dst;
}

// Flips the lowest bit of one byte in place. No truncate-and-rewrite: on ext4 that forces a flush
// (auto_da_alloc) and makes thousands of edits take seconds.
void flip_byte(const std::string& path, std::size_t pos) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(pos));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(pos));
  f.put(static_cast<char>(c ^ 0x01));
}

TEST(ReportCli, KeygenWritesASecretKeyAndItsPublicHalves) {
  const Shared& s = shared();
  struct stat st {};
  ASSERT_EQ(stat(s.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string pub = read_text(s.key + ".pub");
  EXPECT_EQ(pub.rfind("untrusted comment: minisign public key ", 0), 0u);
  auto tk = load_trusted_keys(s.trusted);
  ASSERT_TRUE(tk.ok());
  ASSERT_EQ(tk.value().keys.size(), 1u);
  EXPECT_EQ(tk.value().keys[0].academy, "Académie Lumière SMP");
  auto again = run_smp({"keygen", "--out", s.key});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos);
}

TEST(ReportCli, WritesEveryFileAndVerifies) {
  const Shared& s = shared();
  for (const char* f : {"report.json", "report.json.sig", "report.pdf", "fresh.png", "healed.png",
                        "aged.png", "badge.jws", "xapi.json"}) {
    EXPECT_TRUE(fs::exists(s.dir + "/" + f)) << f;
  }
  auto v = run_smp({"verify", s.dir});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("VALID PASSED"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find(kName), std::string::npos);
  auto vt = run_smp({"verify", s.dir + "/report.json", "--trusted-keys", s.trusted});
  EXPECT_EQ(vt.exit_code, 0) << vt.out << vt.err;
  EXPECT_NE(vt.out.find("OK trusted key"), std::string::npos);
}

TEST(ReportCli, RecordRoundTripsAndNamesEveryFileWithItsHash) {
  const Shared& s = shared();
  const std::string bytes = read_text(s.dir + "/report.json");
  auto rec = load_record_file(s.dir + "/report.json");
  ASSERT_TRUE(rec.ok()) << rec.errors().front().to_string();
  EXPECT_EQ(record_to_json(rec.value()), bytes);
  EXPECT_EQ(rec.value().trainee.name, kName);
  EXPECT_EQ(rec.value().instructor->name, "Łukasz Wójcik");
  EXPECT_EQ(rec.value().academy.name, "Académie Lumière SMP");  // from the key's academy
  EXPECT_EQ(rec.value().files.size(), 6u);
  for (const auto& f : rec.value().files) {
    EXPECT_EQ(sim::sha256_hex(read_text(s.dir + "/" + f.name)), f.sha256) << f.name;
  }
  const auto key = load_key_file(s.key);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(rec.value().signer.key_fingerprint, key_fingerprint(key.value().ed25519_public));
}

TEST(ReportCli, SameInputsGiveTheSameBytesAndSourceDateEpochSetsTheIssueTime) {
  const Shared& s = shared();
  const std::string again = test::make_temp_dir("report-again");
  ASSERT_EQ(run_smp(report_args(s, again)).exit_code, 0);
  for (const auto& e : fs::directory_iterator(s.dir)) {
    const std::string name = e.path().filename().string();
    EXPECT_EQ(read_text(e.path().string()), read_text(again + "/" + name)) << name;
  }
  auto args = report_args(s, again);
  args.erase(std::find(args.begin(), args.end(), "--issued-at"),
             std::find(args.begin(), args.end(), "--out"));
  ::setenv("SOURCE_DATE_EPOCH", "1795503965", 1);
  const auto r = run_smp(args);
  ::unsetenv("SOURCE_DATE_EPOCH");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(load_record_file(again + "/report.json").value().issued_at, "2026-11-24T07:06:05Z");
}

TEST(ReportCli, ChangingAnyByteOfTheRecordIsDetected) {
  const std::string dir = copy_report("tamper-record");
  const std::string path = dir + "/report.json";
  const std::string original = read_text(path);
  auto trusted = load_trusted_keys(shared().trusted);
  ASSERT_TRUE(trusted.ok());
  for (std::size_t i = 0; i < original.size(); ++i) {
    flip_byte(path, i);
    ASSERT_EQ(verify_report(dir, nullptr).exit_code, kVerifyTampered) << "byte " << i;
    ASSERT_EQ(verify_report(dir, &trusted.value()).exit_code, kVerifyTampered) << "byte " << i;
    flip_byte(path, i);
  }
  write_text(path, original + " ");
  EXPECT_EQ(verify_report(dir, nullptr).exit_code, kVerifyTampered);
  write_text(path, original);
  EXPECT_EQ(verify_report(dir, nullptr).exit_code, kVerifyValid);
  flip_byte(path, original.size() / 2);
  const auto cli = run_smp({"verify", dir});
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_NE(cli.err.find("BAD SIGNATURE"), std::string::npos) << cli.err;
}

TEST(ReportCli, ChangingAnyNamedFileIsDetected) {
  const std::string dir = copy_report("tamper-files");
  const auto rec = load_record_file(dir + "/report.json").value();
  for (const auto& f : rec.files) {
    const std::string path = dir + "/" + f.name;
    const std::string original = read_text(path);
    constexpr std::size_t kPositions = 16;  // first, last and evenly spread between
    for (std::size_t k = 0; k < kPositions; ++k) {
      const std::size_t pos = k * (original.size() - 1) / (kPositions - 1);
      flip_byte(path, pos);
      ASSERT_EQ(verify_report(dir, nullptr).exit_code, kVerifyTampered) << f.name << " @" << pos;
      flip_byte(path, pos);
    }
    write_text(path, original.substr(0, original.size() - 1));
    EXPECT_EQ(verify_report(dir, nullptr).exit_code, kVerifyTampered) << f.name << " truncated";
    fs::remove(path);
    EXPECT_EQ(verify_report(dir, nullptr).exit_code, kVerifyTampered) << f.name << " missing";
    write_text(path, original);
    ASSERT_EQ(verify_report(dir, nullptr).exit_code, kVerifyValid) << f.name << " restored";
  }
  flip_byte(dir + "/healed.png", 1000);
  const auto cli = run_smp({"verify", dir});
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_NE(cli.err.find("TAMPERED healed.png"), std::string::npos) << cli.err;
}

TEST(ReportCli, UnknownExpiredOrMissingKeysAndUnreadableRecordsExit2) {
  const Shared& s = shared();
  const std::string root = test::make_temp_dir("unknown-key");
  // A trusted-keys file holding another academy's key only.
  ASSERT_EQ(run_smp({"keygen", "--out", root + "/other.key", "--trusted-keys",
                     root + "/other-trusted.json"})
                .exit_code,
            0);
  auto r = run_smp({"verify", s.dir, "--trusted-keys", root + "/other-trusted.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("UNKNOWN KEY"), std::string::npos) << r.err;

  // The right key, but the record was issued outside its validity.
  auto t = load_trusted_keys(s.trusted).value();
  t.keys[0].valid_from = "2026-12-01T00:00:00Z";
  write_text(root + "/later.json", trusted_keys_to_json(t));
  r = run_smp({"verify", s.dir, "--trusted-keys", root + "/later.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("KEY NOT VALID"), std::string::npos) << r.err;
  t.keys[0].valid_from = "2026-01-01T00:00:00Z";
  t.keys[0].valid_until = "2026-11-24T10:00:00Z";  // retired at the very moment of issue
  write_text(root + "/retired.json", trusted_keys_to_json(t));
  EXPECT_EQ(run_smp({"verify", s.dir, "--trusted-keys", root + "/retired.json"}).exit_code, 2);

  const std::string dir = copy_report("no-sig");
  fs::remove(dir + "/report.json.sig");
  EXPECT_EQ(run_smp({"verify", dir}).exit_code, 2);
  EXPECT_EQ(run_smp({"verify", root + "/nothing-here"}).exit_code, 2);
  write_text(root + "/broken-trusted.json", "{");
  EXPECT_EQ(run_smp({"verify", s.dir, "--trusted-keys", root + "/broken-trusted.json"}).exit_code,
            2);
}

TEST(ReportCli, ARecordReSignedByAnImpostorIsRefusedByTheTrustList) {
  const Shared& s = shared();
  const std::string dir = copy_report("impostor");
  const std::string root = test::make_temp_dir("impostor-key");
  ASSERT_EQ(run_smp({"keygen", "--out", root + "/impostor.key"}).exit_code, 0);
  const AcademyKey impostor = load_key_file(root + "/impostor.key").value();
  ReportRecord rec = load_record_file(dir + "/report.json").value();
  rec.overall_permille = 1000;
  rec.signer.public_key = base64(impostor.ed25519_public.data(), 32);
  rec.signer.key_fingerprint = key_fingerprint(impostor.ed25519_public);
  const std::string json = record_to_json(rec);
  write_text(dir + "/report.json", json);
  write_text(dir + "/report.json.sig",
             minisign_sign(impostor, json, record_trusted_comment(rec, impostor)));
  const auto r = run_smp({"verify", dir, "--trusted-keys", s.trusted});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  // Without a trust list the impostor's signature is consistent, but its fingerprint is not the
  // academy's: verify prints it for the reader to compare.
  const auto loose = run_smp({"verify", dir});
  EXPECT_EQ(loose.out.find(fingerprint_display(
                load_record_file(s.dir + "/report.json").value().signer.key_fingerprint)),
            std::string::npos);
}

TEST(ReportCli, DebianMinisignVerifiesTheReport) {
  ASSERT_EQ(std::system("command -v minisign >/dev/null 2>&1"), 0)
      << "the 'minisign' program is missing: apt-get install -y minisign";
  const Shared& s = shared();
  const std::string cmd = "minisign -Vm '" + s.dir + "/report.json' -x '" + s.dir +
                          "/report.json.sig' -p '" + s.key + ".pub' >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(ReportCli, BadInputGivesAClearMessageAndNoReport) {
  const Shared& s = shared();
  const std::string root = test::make_temp_dir("bad-input");
  // A key readable by others.
  fs::copy_file(s.key, root + "/open.key");
  fs::permissions(root + "/open.key", fs::perms(0644));
  auto args = report_args(s, root + "/out");
  *(std::find(args.begin(), args.end(), "--key") + 1) = root + "/open.key";
  auto r = run_smp(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(root + "/out/report.json"));

  // A broken academy file: the message names the file and the pointer.
  write_text(root + "/academy.json", R"({"format":"smp-academy/1","id":"no-scheme","name":""})");
  args = report_args(s, root + "/out");
  args.insert(args.end(), {"--academy", root + "/academy.json"});
  r = run_smp(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(root + "/academy.json: /id"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(root + "/academy.json: /name"), std::string::npos) << r.err;

  args = report_args(s, root + "/out");
  args.insert(args.end(), {"--attempt", "0"});
  EXPECT_EQ(run_smp(args).exit_code, 64);
  EXPECT_EQ(run_smp({"report", "--scenario", kScenario}).exit_code, 64);
  EXPECT_EQ(run_smp({"verify"}).exit_code, 64);
  EXPECT_EQ(run_smp({"verify", s.dir, "--bogus"}).exit_code, 64);
  // The session belongs to another scenario.
  args = report_args(s, root + "/out");
  *(std::find(args.begin(), args.end(), "--scenario") + 1) = "scenarios/strip-scar.json";
  r = run_smp(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(root + "/out/report.json"));
}

}  // namespace
}  // namespace smp::report
