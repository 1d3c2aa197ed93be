// Fuzz bodies for report verification and the report-side JSON inputs of the command line.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz_targets.h"
#include "smp/report/badge.h"
#include "smp/report/keys.h"
#include "smp/report/record.h"
#include "smp/report/sign.h"
#include "smp/report/xapi.h"

namespace smp::fuzz {
namespace {

namespace fs = std::filesystem;

void require(bool ok) {
  if (!ok) std::abort();
}

// One scratch directory per process (libFuzzer runs inputs one after another in a process).
const fs::path& scratch() {
  static const fs::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    fs::path d = fs::path(tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp") /
                 ("smp-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

void write(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Splits at NUL bytes (JSON and the text formats never contain one).
std::vector<std::string_view> parts(std::string_view all, std::size_t max_parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max_parts) {
    const auto nul = all.find('\0');
    if (nul == std::string_view::npos) break;
    out.push_back(all.substr(0, nul));
    all.remove_prefix(nul + 1);
  }
  out.push_back(all);
  return out;
}

}  // namespace

// Input: report.json \0 report.json.sig \0 badge.jws. The record is parsed on its own (and its
// canonical text must parse back to the same text), then the directory goes through verify.
int report_verify(const std::uint8_t* data, std::size_t size) {
  const auto p = parts({reinterpret_cast<const char*>(data), size}, 3);
  auto rec = report::parse_record(p[0], "<fuzz>");
  if (rec.ok()) {
    const std::string canon = report::record_to_json(rec.value());
    if (!canon.empty()) {
      auto again = report::parse_record(canon, "<fuzz-canonical>");
      require(again.ok());
      require(report::record_to_json(again.value()) == canon);
    }
  }
  if (p.size() > 1) (void)report::parse_minisign(p[1], "<fuzz-sig>");
  // The other files a record names (pictures, PDF, statements) can be copied in once from a real
  // report ($SMP_FUZZ_REPORT_FILES), so a valid record reaches the hash checks too.
  static const fs::path dir = [] {
    fs::path d = scratch() / "report";
    fs::create_directories(d);
    if (const char* src = std::getenv("SMP_FUZZ_REPORT_FILES"); src != nullptr && src[0] != '\0') {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(src, ec))
        fs::copy_file(e.path(), d / e.path().filename(), fs::copy_options::overwrite_existing, ec);
    }
    return d;
  }();
  write(dir / "report.json", p[0]);
  std::error_code ec;
  if (p.size() > 1) {
    write(dir / "report.json.sig", p[1]);
  } else {
    fs::remove(dir / "report.json.sig", ec);
  }
  if (p.size() > 2) {
    write(dir / "badge.jws", p[2]);
  } else {
    fs::remove(dir / "badge.jws", ec);
  }
  const report::VerifyOutcome v = report::verify_report(dir.string(), nullptr);
  require(v.exit_code == report::kVerifyValid || v.exit_code == report::kVerifyTampered ||
          v.exit_code == report::kVerifyUnknown);
  require(!v.lines.empty());
  return 0;
}

// Input: one selector byte, then the file: 0 academy key, 1 trusted keys, 2 academy profile,
// 3 xAPI statements file, 4 badge JWS, 5 minisign signature.
int report_inputs(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      auto k = report::parse_key(text, "<fuzz>");
      if (k.ok()) {
        auto again = report::parse_key(report::key_to_json(k.value()), "<fuzz-again>");
        require(again.ok());
      }
      break;
    }
    case 1: {
      auto t = report::parse_trusted_keys(text, "<fuzz>");
      if (t.ok()) require(report::parse_trusted_keys(report::trusted_keys_to_json(t.value()),
                                                     "<fuzz-again>").ok());
      break;
    }
    case 2: {
      const fs::path f = scratch() / "academy.json";
      write(f, text);
      (void)report::load_academy_file(f.string());
      break;
    }
    case 3: {
      const fs::path f = scratch() / "xapi.json";
      write(f, text);
      (void)report::load_statements_file(f.string());
      break;
    }
    case 4: {
      auto jws = report::parse_jws(text, "<fuzz>");
      if (jws.ok() && jws->header.is_object() && jws->header.contains("jwk"))
        (void)report::verify_jws_rs256(jws.value(), jws->header["jwk"]);
      break;
    }
    default:
      (void)report::parse_minisign(text, "<fuzz>");
      break;
  }
  return 0;
}

}  // namespace smp::fuzz
