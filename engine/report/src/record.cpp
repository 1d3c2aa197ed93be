#include "smp/report/record.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "smp/report/jcs.h"

namespace smp::report {
namespace {

using nlohmann::json;
using sim::Error;

// ---- calendar (proleptic Gregorian, H. Hinnant's days_from_civil) --------------------------
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Shortest round-trip decimal text of a double, locale independent.
std::string number_text(double v) {
  if (!std::isfinite(v)) return v != v ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
  return jcs_number(v);
}

std::string_view mode_name(sim::Mode m) {
  return m == sim::Mode::kAssessment ? "assessment" : "practice";
}
std::string_view case_name(sim::CaseKind k) {
  switch (k) {
    case sim::CaseKind::kShavedLook:
      return "shaved_look";
    case sim::CaseKind::kScar:
      return "scar";
    case sim::CaseKind::kThinning:
      return "thinning";
  }
  return "";
}
std::string_view technique_name(sim::Technique t) {
  return t == sim::Technique::kTemporary ? "temporary" : "permanent";
}

// ---- JSON reading with pointers -------------------------------------------------------------
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  std::vector<Error>& errors() { return errors_; }
  void fail(const std::string& ptr, const std::string& msg) {
    errors_.push_back({file_, ptr, msg});
  }

  const json* member(const json& obj, const std::string& ptr, const char* key, bool required) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) fail(ptr, std::string("missing required member \"") + key + "\"");
      return nullptr;
    }
    return &*it;
  }
  std::string str(const json& obj, const std::string& ptr, const char* key, bool required,
                  bool non_empty = false) {
    const json* v = member(obj, ptr, key, required);
    if (!v) return {};
    if (!v->is_string()) {
      fail(ptr + "/" + key, "expected a string");
      return {};
    }
    auto s = v->get<std::string>();
    if (non_empty && s.empty()) fail(ptr + "/" + key, "must not be empty");
    return s;
  }
  std::int64_t integer(const json& obj, const std::string& ptr, const char* key, bool required,
                       std::int64_t lo, std::int64_t hi, std::int64_t def = 0) {
    const json* v = member(obj, ptr, key, required);
    if (!v) return def;
    if (!v->is_number_integer()) {
      fail(ptr + "/" + key, "expected an integer");
      return def;
    }
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
      fail(ptr + "/" + key, "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
      return def;
    }
    const auto i = v->get<std::int64_t>();
    if (i < lo || i > hi) {
      fail(ptr + "/" + key, "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
      return def;
    }
    return i;
  }
  bool boolean(const json& obj, const std::string& ptr, const char* key, bool required) {
    const json* v = member(obj, ptr, key, required);
    if (!v) return false;
    if (!v->is_boolean()) {
      fail(ptr + "/" + key, "expected true or false");
      return false;
    }
    return v->get<bool>();
  }
  const json* object(const json& obj, const std::string& ptr, const char* key, bool required) {
    const json* v = member(obj, ptr, key, required);
    if (v && !v->is_object()) {
      fail(ptr + "/" + key, "expected an object");
      return nullptr;
    }
    return v;
  }
  const json* array(const json& obj, const std::string& ptr, const char* key, bool required) {
    const json* v = member(obj, ptr, key, required);
    if (v && !v->is_array()) {
      fail(ptr + "/" + key, "expected an array");
      return nullptr;
    }
    return v;
  }
  std::string hash(const json& obj, const std::string& ptr, const char* key, bool required) {
    auto s = str(obj, ptr, key, required);
    if (!s.empty() && !is_hex64(s)) fail(ptr + "/" + key, "expected 64 lower-case hex digits");
    return s;
  }
  std::string time(const json& obj, const std::string& ptr, const char* key, bool required) {
    auto s = str(obj, ptr, key, required);
    if (!s.empty() && !parse_iso8601_ms(s)) {
      fail(ptr + "/" + key, "expected an ISO 8601 UTC time such as 2026-03-01T09:30:00Z");
    }
    return s;
  }

 private:
  std::string file_;
  std::vector<Error> errors_;
};

Person read_person(Reader& rd, const json& o, const std::string& ptr, bool id_required) {
  Person p;
  p.id = rd.str(o, ptr, "id", id_required, id_required);
  p.name = rd.str(o, ptr, "name", true, true);
  p.email_sha256 = rd.hash(o, ptr, "email_sha256", false);
  return p;
}

json person_json(const Person& p) {
  json j = {{"name", p.name}};
  if (!p.id.empty()) j["id"] = p.id;
  if (!p.email_sha256.empty()) j["email_sha256"] = p.email_sha256;
  return j;
}

Academy read_academy(Reader& rd, const json& o, const std::string& ptr) {
  Academy a;
  a.id = rd.str(o, ptr, "id", true, true);
  a.name = rd.str(o, ptr, "name", true, true);
  a.url = rd.str(o, ptr, "url", false);
  a.email = rd.str(o, ptr, "email", false);
  if (!a.id.empty() && a.id.find(':') == std::string::npos) {
    rd.fail(ptr + "/id", "expected a URI (https://... or urn:...)");
  }
  return a;
}

json academy_json(const Academy& a) {
  json j = {{"id", a.id}, {"name", a.name}};
  if (!a.url.empty()) j["url"] = a.url;
  if (!a.email.empty()) j["email"] = a.email;
  return j;
}

sim::Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::Result<std::string>::fail({path, "", "cannot open the file"});
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) return sim::Result<std::string>::fail({path, "", "cannot read the file"});
  if (static_cast<std::uint64_t>(size) > max_bytes) {
    return sim::Result<std::string>::fail(
        {path, "", "file is larger than " + std::to_string(max_bytes) + " bytes"});
  }
  in.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  if (!in) return sim::Result<std::string>::fail({path, "", "cannot read the file"});
  return text;
}

}  // namespace

// ---- helpers -----------------------------------------------------------------------------------
std::int64_t to_permille(double score_0_100) {
  if (!std::isfinite(score_0_100)) return 0;
  return static_cast<std::int64_t>(std::llround(score_0_100 * 10.0));
}

std::string permille_to_text(std::int64_t permille) {
  const bool neg = permille < 0;
  const std::int64_t a = neg ? -permille : permille;
  return (neg ? "-" : "") + std::to_string(a / 10) + "." + std::to_string(a % 10);
}

std::optional<std::int64_t> parse_iso8601_ms(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!read_digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !read_digits(s, 5, 2, &mo) ||
      s[7] != '-' || !read_digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !read_digits(s, 11, 2, &h) || s[13] != ':' || !read_digits(s, 14, 2, &mi) || s[16] != ':' ||
      !read_digits(s, 17, 2, &se)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || se > 60) {
    return std::nullopt;
  }
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 3; ++k) ms *= 10;
  }
  std::int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!read_digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !read_digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;  // local times are ambiguous: an offset or Z is required
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + (se == 60 ? 59 : se);
  return (secs - offset_min * 60) * 1000 + ms;
}

std::string format_iso8601_ms(std::int64_t epoch_ms) {
  std::int64_t secs = epoch_ms / 1000, ms = epoch_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, &y, &m, &d);
  char buf[48];
  const int h = static_cast<int>(rem / 3600), mi = static_cast<int>(rem % 3600 / 60),
            se = static_cast<int>(rem % 60);
  if (ms == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m,
                  d, h, mi, se);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, h, mi, se, static_cast<int>(ms));
  }
  return buf;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sim::Result<std::string> resolve_issued_at(const std::optional<std::string>& flag) {
  if (flag) {
    const auto ms = parse_iso8601_ms(*flag);
    if (!ms) {
      return sim::Result<std::string>::fail(
          {"--issued-at", "", "expected an ISO 8601 time such as 2026-03-01T09:30:00Z"});
    }
    return format_iso8601_ms(*ms);
  }
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde) {
    std::int64_t secs = 0;
    const std::string_view v(sde);
    const auto r = std::from_chars(v.data(), v.data() + v.size(), secs);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size() || secs < 0) {
      return sim::Result<std::string>::fail(
          {"SOURCE_DATE_EPOCH", "", "expected whole seconds since 1970-01-01"});
    }
    return format_iso8601_ms(secs * 1000);
  }
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return format_iso8601_ms(now.time_since_epoch().count() * 1000);
}

std::string iso8601_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  const std::int64_t h = ms / 3600000, m = ms % 3600000 / 60000, s = ms % 60000 / 1000,
                     frac = ms % 1000;
  std::string out = "PT";
  if (h) out += std::to_string(h) + "H";
  if (m) out += std::to_string(m) + "M";
  std::string sec = std::to_string(s);
  if (frac) {
    char f[8];
    std::snprintf(f, sizeof f, ".%03d", static_cast<int>(frac));
    std::string fs(f);
    while (fs.back() == '0') fs.pop_back();
    sec += fs;
  }
  if (s || frac || (!h && !m)) out += sec + "S";
  return out;
}

std::string uuid_from_name(std::string_view name) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(name.data()), name.size());
  h[6] = static_cast<unsigned char>((h[6] & 0x0F) | 0x80);  // version 8 (custom, RFC 9562)
  h[8] = static_cast<unsigned char>((h[8] & 0x3F) | 0x80);  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[h[i] >> 4]);
    s.push_back(kHex[h[i] & 0xF]);
  }
  return s;
}

// ---- build -------------------------------------------------------------------------------------
sim::Result<ReportRecord> build_record(const sim::Scenario& scenario, const sim::Session& session,
                                       const sim::ReplayOutput& replay, const BuildParams& p) {
  std::vector<Error> errors;
  auto need = [&](bool ok, const char* what, const char* msg) {
    if (!ok) errors.push_back({what, "", msg});
  };
  need(!p.trainee.id.empty(), "--trainee", "the trainee id must not be empty");
  need(!p.trainee.name.empty(), "--name", "the trainee name must not be empty");
  need(!p.academy.id.empty(), "academy", "the academy id must not be empty");
  need(!p.academy.name.empty(), "academy", "the academy name must not be empty");
  need(p.attempt >= 1, "--attempt", "the attempt number must be 1 or more");
  need(p.purpose == kPurposeCertification || p.purpose == kPurposePractice, "purpose",
       "expected \"certification\" or \"practice\"");
  need(is_hex64(p.session_sha256), "session", "session hash must be 64 lower-case hex digits");
  const auto issued_ms = parse_iso8601_ms(p.issued_at);
  need(issued_ms.has_value(), "--issued-at", "expected an ISO 8601 UTC time");
  if (!session.header.scenario_id.empty() && session.header.scenario_id != scenario.id) {
    errors.push_back({scenario.source_path, "/id",
                      "the session was made on scenario \"" + session.header.scenario_id +
                          "\", not \"" + scenario.id + "\""});
  }
  std::optional<std::int64_t> start_ms;
  if (!session.header.started_at.empty()) {
    start_ms = parse_iso8601_ms(session.header.started_at);
    if (!start_ms) {
      errors.push_back({"session", "/header/started_at", "expected an ISO 8601 UTC time"});
    }
  }
  if (!errors.empty()) return errors;

  ReportRecord r;
  r.issued_at = format_iso8601_ms(*issued_ms);
  r.simulator_version = p.simulator_version;
  r.trainee = p.trainee;
  r.academy = p.academy;
  r.instructor = p.instructor;
  r.attempt = p.attempt;
  r.purpose = p.purpose;
  r.report_id =
      "urn:uuid:" +
      uuid_from_name(std::string(kRecordFormat) + "\n" + scenario.content_sha256 + "\n" +
                     p.session_sha256 + "\n" + p.trainee.id + "\n" + std::to_string(p.attempt) +
                     (p.purpose == kPurposeCertification ? "" : "\n" + p.purpose));

  r.scenario = {scenario.id,
                scenario.version,
                scenario.title,
                scenario.content_sha256,
                scenario.level,
                std::string(mode_name(scenario.mode)),
                std::string(case_name(scenario.case_kind)),
                std::string(technique_name(scenario.technique))};

  // Duration: the last moment anything happened in the session (events or interchange imps).
  double last_t_s = 0.0;
  for (const auto& e : session.events) {
    last_t_s = std::max(last_t_s, std::visit([](const auto& ev) { return ev.t_s; }, e));
  }
  for (const auto& imp : session.impressions) last_t_s = std::max(last_t_s, imp.t_s);
  for (const auto& imp : replay.impressions) last_t_s = std::max(last_t_s, imp.t_s);
  auto& s = r.session;
  s.sha256 = p.session_sha256;
  s.duration_ms = static_cast<std::int64_t>(std::llround(last_t_s * 1000.0));
  if (start_ms) {
    s.started_at = format_iso8601_ms(*start_ms);
    s.ended_at = format_iso8601_ms(*start_ms + s.duration_ms);
  }
  s.seed = session.header.seed;
  s.impression_count = replay.impressions.size();
  s.impressions_sha256 = replay.impressions_sha256;
  s.finished = session.finished;

  for (const auto& c : replay.report.criteria) {
    CriterionResult cr;
    cr.key = c.key;
    cr.label = c.label;
    cr.score_permille = to_permille(c.score);
    cr.pass_mark_permille = to_permille(c.pass_mark);
    cr.weight_permille = static_cast<std::int64_t>(std::llround(c.weight * 1000.0));
    cr.passed = c.passed;
    cr.explanation = c.explanation;
    for (const auto& [name, value] : c.metrics) cr.metrics.emplace_back(name, number_text(value));
    r.criteria.push_back(std::move(cr));
  }
  for (const auto& e : replay.report.critical_errors) {
    r.critical_errors.push_back({e.code, e.message, e.impression_id});
  }
  for (std::size_t i = 0; i < replay.report.findings.size() && i < kRecordFindings; ++i) {
    const auto& f = replay.report.findings[i];
    r.findings.push_back({f.criterion, f.code, f.message, f.impression_id,
                          static_cast<std::int64_t>(std::llround(f.severity * 1000.0))});
  }
  r.overall_permille = to_permille(replay.report.overall);
  r.overall_pass_mark_permille = to_permille(scenario.pass_overall);
  r.passed = replay.report.passed;
  // Names and texts come from the command line and files: refuse what has no canonical form
  // (invalid UTF-8) here, before any derived file is written from the record.
  if (record_to_json(r).empty()) {
    return sim::Result<ReportRecord>::fail(
        {"--name/--trainee/--instructor", "", "text is not valid UTF-8"});
  }
  return r;
}

// ---- serialise ---------------------------------------------------------------------------------
std::string record_to_json(const ReportRecord& r) {
  json j;
  j["format"] = r.format;
  j["report_id"] = r.report_id;
  j["issued_at"] = r.issued_at;
  j["simulator_version"] = r.simulator_version;
  j["trainee"] = person_json(r.trainee);
  j["academy"] = academy_json(r.academy);
  if (r.instructor) j["instructor"] = person_json(*r.instructor);
  j["scenario"] = {{"id", r.scenario.id},
                   {"version", r.scenario.version},
                   {"title", r.scenario.title},
                   {"sha256", r.scenario.sha256},
                   {"level", r.scenario.level},
                   {"mode", r.scenario.mode},
                   {"case_kind", r.scenario.case_kind},
                   {"technique", r.scenario.technique}};
  json s = {{"sha256", r.session.sha256},
            {"duration_ms", r.session.duration_ms},
            {"seed", std::to_string(r.session.seed)},  // u64: beyond 2^53, so a string
            {"impression_count", r.session.impression_count},
            {"impressions_sha256", r.session.impressions_sha256},
            {"finished", r.session.finished}};
  if (!r.session.started_at.empty()) s["started_at"] = r.session.started_at;
  if (!r.session.ended_at.empty()) s["ended_at"] = r.session.ended_at;
  j["session"] = s;
  j["attempt"] = r.attempt;
  if (r.purpose != kPurposeCertification) j["purpose"] = r.purpose;
  json crit = json::array();
  for (const auto& c : r.criteria) {
    json metrics = json::array();
    for (const auto& [name, value] : c.metrics)
      metrics.push_back({{"name", name}, {"value", value}});
    crit.push_back({{"key", c.key},
                    {"label", c.label},
                    {"score_permille", c.score_permille},
                    {"pass_mark_permille", c.pass_mark_permille},
                    {"weight_permille", c.weight_permille},
                    {"passed", c.passed},
                    {"explanation", c.explanation},
                    {"metrics", metrics}});
  }
  j["criteria"] = crit;
  json errs = json::array();
  for (const auto& e : r.critical_errors) {
    errs.push_back({{"code", e.code}, {"message", e.message}, {"impression_id", e.impression_id}});
  }
  j["critical_errors"] = errs;
  json finds = json::array();
  for (const auto& f : r.findings) {
    finds.push_back({{"criterion", f.criterion},
                     {"code", f.code},
                     {"message", f.message},
                     {"impression_id", f.impression_id},
                     {"severity_permille", f.severity_permille}});
  }
  j["findings"] = finds;
  j["overall"] = {{"score_permille", r.overall_permille},
                  {"pass_mark_permille", r.overall_pass_mark_permille},
                  {"passed", r.passed}};
  json files = json::array();
  for (const auto& f : r.files) {
    files.push_back({{"name", f.name},
                     {"role", f.role},
                     {"media_type", f.media_type},
                     {"sha256", f.sha256},
                     {"bytes", f.bytes}});
  }
  j["files"] = files;
  j["signer"] = {{"algorithm", r.signer.algorithm},
                 {"public_key", r.signer.public_key},
                 {"key_fingerprint", r.signer.key_fingerprint},
                 {"signature_file", r.signer.signature_file},
                 {"badge_kid", r.signer.badge_kid}};
  auto text = jcs_serialize(j);
  // Every value above is a string from valid input, an integer < 2^53 or a bool; strings that are
  // not UTF-8 are the only failure, and build_record/parse_record reject those up front.
  return text.ok() ? text.value() : std::string();
}

// ---- parse -------------------------------------------------------------------------------------
sim::Result<ReportRecord> parse_record(std::string_view text, const std::string& label) {
  if (text.size() > kMaxRecordBytes) {
    return sim::Result<ReportRecord>::fail({label, "", "record is larger than 4 MiB"});
  }
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return sim::Result<ReportRecord>::fail({label, "", "not valid JSON"});
  if (!j.is_object()) return sim::Result<ReportRecord>::fail({label, "", "expected an object"});
  if (!jcs_serialize(j).ok()) {
    return sim::Result<ReportRecord>::fail({label, "", "contains invalid UTF-8 or floats"});
  }
  Reader rd(label);
  constexpr std::int64_t kI53 = std::int64_t{1} << 53;
  ReportRecord r;
  r.format = rd.str(j, "", "format", true);
  if (!r.format.empty() && r.format != kRecordFormat) {
    rd.fail("/format", "unsupported format \"" + r.format + "\" (expected smp-report/1)");
  }
  r.report_id = rd.str(j, "", "report_id", true, true);
  r.issued_at = rd.time(j, "", "issued_at", true);
  r.simulator_version = rd.str(j, "", "simulator_version", true);
  if (const json* t = rd.object(j, "", "trainee", true))
    r.trainee = read_person(rd, *t, "/trainee", true);
  if (const json* a = rd.object(j, "", "academy", true))
    r.academy = read_academy(rd, *a, "/academy");
  if (const json* in = rd.object(j, "", "instructor", false)) {
    r.instructor = read_person(rd, *in, "/instructor", false);
  }
  if (const json* sc = rd.object(j, "", "scenario", true)) {
    const std::string p = "/scenario";
    r.scenario.id = rd.str(*sc, p, "id", true, true);
    r.scenario.version = static_cast<int>(rd.integer(*sc, p, "version", true, 0, 1 << 30));
    r.scenario.title = rd.str(*sc, p, "title", true);
    r.scenario.sha256 = rd.hash(*sc, p, "sha256", true);
    r.scenario.level = static_cast<int>(rd.integer(*sc, p, "level", true, 1, 5, 1));
    r.scenario.mode = rd.str(*sc, p, "mode", true);
    r.scenario.case_kind = rd.str(*sc, p, "case_kind", true);
    r.scenario.technique = rd.str(*sc, p, "technique", true);
  }
  if (const json* se = rd.object(j, "", "session", true)) {
    const std::string p = "/session";
    auto& s = r.session;
    s.sha256 = rd.hash(*se, p, "sha256", true);
    s.started_at = rd.time(*se, p, "started_at", false);
    s.ended_at = rd.time(*se, p, "ended_at", false);
    s.duration_ms = rd.integer(*se, p, "duration_ms", true, 0, kI53);
    const std::string seed = rd.str(*se, p, "seed", true);
    const auto res = std::from_chars(seed.data(), seed.data() + seed.size(), s.seed);
    if (!seed.empty() && (res.ec != std::errc() || res.ptr != seed.data() + seed.size())) {
      rd.fail(p + "/seed", "expected a decimal unsigned 64-bit integer in a string");
    }
    s.impression_count =
        static_cast<std::uint64_t>(rd.integer(*se, p, "impression_count", true, 0, kI53));
    s.impressions_sha256 = rd.hash(*se, p, "impressions_sha256", true);
    s.finished = rd.boolean(*se, p, "finished", true);
  }
  r.attempt = static_cast<int>(rd.integer(j, "", "attempt", true, 1, 1 << 30, 1));
  if (j.contains("purpose")) {
    r.purpose = rd.str(j, "", "purpose", true);
    if (r.purpose != kPurposeCertification && r.purpose != kPurposePractice) {
      rd.fail("/purpose", "expected \"certification\" or \"practice\"");
    }
  }
  if (const json* cr = rd.array(j, "", "criteria", true)) {
    for (std::size_t i = 0; i < cr->size(); ++i) {
      const std::string p = "/criteria/" + std::to_string(i);
      const json& c = (*cr)[i];
      if (!c.is_object()) {
        rd.fail(p, "expected an object");
        continue;
      }
      CriterionResult x;
      x.key = rd.str(c, p, "key", true, true);
      x.label = rd.str(c, p, "label", true);
      x.score_permille = rd.integer(c, p, "score_permille", true, 0, 1000);
      x.pass_mark_permille = rd.integer(c, p, "pass_mark_permille", true, 0, 1000);
      x.weight_permille = rd.integer(c, p, "weight_permille", true, 0, kI53);
      x.passed = rd.boolean(c, p, "passed", true);
      x.explanation = rd.str(c, p, "explanation", true);
      if (const json* m = rd.array(c, p, "metrics", true)) {
        for (std::size_t k = 0; k < m->size(); ++k) {
          const std::string mp = p + "/metrics/" + std::to_string(k);
          if (!(*m)[k].is_object()) {
            rd.fail(mp, "expected an object");
            continue;
          }
          x.metrics.emplace_back(rd.str((*m)[k], mp, "name", true, true),
                                 rd.str((*m)[k], mp, "value", true, true));
        }
      }
      r.criteria.push_back(std::move(x));
    }
  }
  if (const json* ce = rd.array(j, "", "critical_errors", true)) {
    for (std::size_t i = 0; i < ce->size(); ++i) {
      const std::string p = "/critical_errors/" + std::to_string(i);
      if (!(*ce)[i].is_object()) {
        rd.fail(p, "expected an object");
        continue;
      }
      r.critical_errors.push_back({rd.str((*ce)[i], p, "code", true, true),
                                   rd.str((*ce)[i], p, "message", true),
                                   rd.integer((*ce)[i], p, "impression_id", true, -1, kI53)});
    }
  }
  if (const json* fi = rd.array(j, "", "findings", true)) {
    for (std::size_t i = 0; i < fi->size(); ++i) {
      const std::string p = "/findings/" + std::to_string(i);
      const json& f = (*fi)[i];
      if (!f.is_object()) {
        rd.fail(p, "expected an object");
        continue;
      }
      r.findings.push_back({rd.str(f, p, "criterion", true), rd.str(f, p, "code", true, true),
                            rd.str(f, p, "message", true),
                            rd.integer(f, p, "impression_id", true, -1, kI53),
                            rd.integer(f, p, "severity_permille", true, 0, 1000)});
    }
  }
  if (const json* ov = rd.object(j, "", "overall", true)) {
    r.overall_permille = rd.integer(*ov, "/overall", "score_permille", true, 0, 1000);
    r.overall_pass_mark_permille = rd.integer(*ov, "/overall", "pass_mark_permille", true, 0, 1000);
    r.passed = rd.boolean(*ov, "/overall", "passed", true);
  }
  if (const json* fl = rd.array(j, "", "files", true)) {
    for (std::size_t i = 0; i < fl->size(); ++i) {
      const std::string p = "/files/" + std::to_string(i);
      const json& f = (*fl)[i];
      if (!f.is_object()) {
        rd.fail(p, "expected an object");
        continue;
      }
      FileRef x;
      x.name = rd.str(f, p, "name", true, true);
      // Names must stay inside the report directory: no separators, no dot files.
      if (x.name.find('/') != std::string::npos || x.name.find('\\') != std::string::npos ||
          (!x.name.empty() && x.name.front() == '.')) {
        rd.fail(p + "/name", "expected a plain file name in the report directory");
      }
      x.role = rd.str(f, p, "role", true, true);
      x.media_type = rd.str(f, p, "media_type", true, true);
      x.sha256 = rd.hash(f, p, "sha256", true);
      x.bytes = static_cast<std::uint64_t>(rd.integer(f, p, "bytes", true, 0, kI53));
      r.files.push_back(std::move(x));
    }
  }
  if (const json* sg = rd.object(j, "", "signer", true)) {
    const std::string p = "/signer";
    r.signer.algorithm = rd.str(*sg, p, "algorithm", true);
    if (!r.signer.algorithm.empty() && r.signer.algorithm != "Ed25519") {
      rd.fail(p + "/algorithm", "unsupported algorithm (expected Ed25519)");
    }
    r.signer.public_key = rd.str(*sg, p, "public_key", true, true);
    r.signer.key_fingerprint = rd.hash(*sg, p, "key_fingerprint", true);
    r.signer.signature_file = rd.str(*sg, p, "signature_file", true, true);
    r.signer.badge_kid = rd.str(*sg, p, "badge_kid", true);
  }
  if (!rd.errors().empty()) return rd.errors();
  return r;
}

sim::Result<ReportRecord> load_record_file(const std::string& path) {
  auto text = read_small_file(path, kMaxRecordBytes);
  if (!text.ok()) return text.errors();
  return parse_record(text.value(), path);
}

sim::Result<Academy> load_academy_file(const std::string& path) {
  auto text = read_small_file(path, 1u << 20);
  if (!text.ok()) return text.errors();
  const json j = json::parse(text.value(), nullptr, false);
  if (j.is_discarded()) return sim::Result<Academy>::fail({path, "", "not valid JSON"});
  if (!j.is_object()) return sim::Result<Academy>::fail({path, "", "expected an object"});
  Reader rd(path);
  const std::string fmt = rd.str(j, "", "format", true);
  if (!fmt.empty() && fmt != "smp-academy/1") {
    rd.fail("/format", "unsupported format \"" + fmt + "\" (expected smp-academy/1)");
  }
  Academy a = read_academy(rd, j, "");
  if (!rd.errors().empty()) return rd.errors();
  if (!jcs_serialize(j).ok()) return sim::Result<Academy>::fail({path, "", "invalid UTF-8"});
  return a;
}

}  // namespace smp::report
