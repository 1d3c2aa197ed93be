#include "smp/report/xapi.h"

#include <curl/curl.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "file_util.h"
#include "smp/report/jcs.h"
#include "smp/report/keys.h"

namespace smp::report {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

bool is_http(std::string_view s) {
  return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0;
}

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// Percent-encodes everything but RFC 3986 unreserved characters (scenario ids go into a path).
std::string pct_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// The academy's home page for actor accounts: its url, or its id when that is a web address.
std::string home_page(const Academy& a) {
  if (!a.url.empty()) return a.url;
  return a.id;
}

json agent(const std::string& name, const std::string& account_name, const Academy& a) {
  return {{"objectType", "Agent"},
          {"name", name},
          {"account", {{"homePage", home_page(a)}, {"name", account_name}}}};
}

std::string activity_id(const ReportRecord& r) {
  const std::string base = !r.academy.url.empty() ? r.academy.url : r.academy.id;
  if (is_http(base)) return trim_slash(base) + "/smp/scenarios/" + pct_encode(r.scenario.id);
  return "urn:smp-trainer:scenario:" + pct_encode(r.scenario.id);
}

std::string uuid_of(const std::string& report_id) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  return report_id.rfind(kPrefix, 0) == 0 ? report_id.substr(kPrefix.size())
                                          : uuid_from_name(report_id);
}

}  // namespace

std::vector<json> build_statements(const ReportRecord& r) {
  json criteria = json::array();
  for (const auto& c : r.criteria) {
    criteria.push_back({{"key", c.key},
                        {"label", c.label},
                        {"score", static_cast<double>(c.score_permille) / 10.0},
                        {"pass_mark", static_cast<double>(c.pass_mark_permille) / 10.0},
                        {"weight", static_cast<double>(c.weight_permille) / 1000.0},
                        {"passed", c.passed}});
  }
  json critical = json::array();
  for (const auto& e : r.critical_errors) {
    critical.push_back(
        {{"code", e.code}, {"message", e.message}, {"impression_id", e.impression_id}});
  }
  const std::string title = r.scenario.title.empty() ? r.scenario.id : r.scenario.title;
  json st = {
      {"id", uuid_from_name("smp-xapi-statement\n" + r.report_id + "\nverdict")},
      {"actor", agent(r.trainee.name, r.trainee.id, r.academy)},
      {"verb",
       {{"id", r.passed ? kVerbPassed : kVerbFailed},
        {"display", {{"en-US", r.passed ? "passed" : "failed"}}}}},
      {"object",
       {{"objectType", "Activity"},
        {"id", activity_id(r)},
        {"definition",
         {{"type", kActivitySimulation},
          {"name", {{"en-US", title}}},
          {"description",
           {{"en-US", "SMP Trainer assessment, scenario " + r.scenario.id + " (level " +
                          std::to_string(r.scenario.level) + ", " + r.scenario.case_kind +
                          ")"}}}}}}},
      {"result",
       {{"score",
         {{"scaled", static_cast<double>(r.overall_permille) / 1000.0},
          {"raw", static_cast<double>(r.overall_permille) / 10.0},
          {"min", 0},
          {"max", 100}}},
        {"success", r.passed},
        {"completion", r.session.finished},
        {"duration", iso8601_duration(r.session.duration_ms)},
        {"extensions",
         {{std::string(kExtCriteria), criteria}, {std::string(kExtCriticalErrors), critical}}}}},
      {"context",
       {{"registration", uuid_of(r.report_id)},
        {"revision", std::to_string(r.scenario.version)},
        {"platform", r.simulator_version},
        {"extensions",
         {{std::string(kExtReport),
           {{"report_id", r.report_id},
            {"attempt", r.attempt},
            {"scenario_id", r.scenario.id},
            {"scenario_sha256", r.scenario.sha256},
            {"session_sha256", r.session.sha256},
            {"pass_mark", static_cast<double>(r.overall_pass_mark_permille) / 10.0}}}}}}},
  };
  // Practice and assessment told apart by a category activity an LRS can filter on.
  const bool practice = r.purpose == kPurposePractice;
  st["context"]["contextActivities"]["category"] = json::array(
      {{{"objectType", "Activity"},
        {"id", practice ? kCategoryPractice : kCategoryAssessment},
        {"definition", {{"name", {{"en-US", practice ? "practice" : "assessment"}}}}}}});
  if (practice) {
    st["object"]["definition"]["description"]["en-US"] =
        "SMP Trainer practice (not an assessment), scenario " + r.scenario.id;
  }
  if (r.instructor) {
    const auto& in = *r.instructor;
    st["context"]["instructor"] = agent(in.name, in.id.empty() ? in.name : in.id, r.academy);
  }
  // The statement must not depend on when the record was issued (re-issuing must stay idempotent),
  // so the timestamp is when the attempt ended; without session times the LRS stamps it.
  if (!r.session.ended_at.empty()) st["timestamp"] = r.session.ended_at;
  return {st};
}

std::string statements_file_text(const std::vector<json>& statements) {
  // Statements come from validated records (UTF-8 checked), so "replace" never fires; it only
  // guarantees dump() cannot throw.
  return json{{"format", "smp-xapi/1"}, {"statements", statements}}.dump(
             2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

sim::Result<std::vector<json>> load_statements_file(const std::string& path) {
  using R = sim::Result<std::vector<json>>;
  const auto text = detail::read_bounded(path, 16u << 20);
  if (!text) return R::fail({path, "", "cannot read it (missing, unreadable or over 16 MiB)"});
  const json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return R::fail({path, "", "not a JSON object"});
  if (string_member(j, "format") != "smp-xapi/1")
    return R::fail({path, "/format", "expected \"smp-xapi/1\""});
  if (!j.contains("statements") || !j["statements"].is_array()) {
    return R::fail({path, "/statements", "expected an array"});
  }
  std::vector<json> out;
  std::vector<sim::Error> errors;
  for (std::size_t i = 0; i < j["statements"].size(); ++i) {
    const json& s = j["statements"][i];
    if (!s.is_object() || !s.contains("id") || !s["id"].is_string() ||
        s["id"].get<std::string>().size() != 36) {
      errors.push_back(
          {path, "/statements/" + std::to_string(i), "expected a statement with a UUID id"});
      continue;
    }
    out.push_back(s);
  }
  if (!errors.empty()) return errors;
  return out;
}

std::string statements_url(std::string_view endpoint) {
  std::string e = trim_slash(std::string(endpoint));
  constexpr std::string_view kRes = "/statements";
  if (e.size() >= kRes.size() && e.compare(e.size() - kRes.size(), kRes.size(), kRes) == 0)
    return e;
  return e + std::string(kRes);
}

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() < 4096) body->append(data, std::min<std::size_t>(size * n, 4096 - body->size()));
  return size * n;
}

struct HttpReply {
  bool transport_ok = false;
  long status = 0;
  std::string body;
  std::string error;
};

HttpReply post_json(const std::string& url, const std::string& body, const SendOptions& o) {
  static CurlGlobal global;
  HttpReply rep;
  CURL* curl = curl_easy_init();
  if (!curl) {
    rep.error = "cannot start libcurl";
    return rep;
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, ("X-Experience-API-Version: " + o.version).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
  curl_easy_setopt(curl, CURLOPT_USERNAME, o.user.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, o.password.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, o.timeout_s);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min(o.timeout_s, 10L));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &rep.body);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    rep.transport_ok = true;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &rep.status);
  } else {
    rep.error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return rep;
}

// Outbox layout: <outbox>/<first 16 hex of SHA-256(statements URL)>/ holds "endpoint" (the URL,
// for people) and <seq>-<statement id>.json files; <...>/rejected/ keeps refused statements.
fs::path endpoint_dir(const SendOptions& o) {
  const std::string url = statements_url(o.endpoint);
  return fs::path(o.outbox_dir) / sim::sha256_hex(url).substr(0, 16);
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s;
}

}  // namespace

SendOutcome send_statements(const std::vector<json>& statements, const SendOptions& o) {
  SendOutcome out;
  const fs::path dir = endpoint_dir(o);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    out.lines.push_back("ERROR cannot create the outbox " + dir.string() + ": " + ec.message());
    out.queued = statements.size();
    return out;
  }
  if (!fs::exists(dir / "endpoint")) {
    (void)sim::write_file_atomic((dir / "endpoint").string(), statements_url(o.endpoint) + "\n");
  }

  // 1. Queue: one file per statement id; an id already waiting is not queued twice.
  auto waiting = [&]() {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string n = e.path().filename().string();
      if (e.is_regular_file() && n.size() > 5 && n.substr(n.size() - 5) == ".json") {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());  // "<seq>-<id>.json": oldest first
    return files;
  };
  auto files = waiting();
  std::uint64_t seq = 0;
  for (const auto& f : files) {
    seq = std::max<std::uint64_t>(seq, std::strtoull(f.filename().string().c_str(), nullptr, 10));
  }
  for (const auto& st : statements) {
    const std::string id = string_member(st, "id");
    const bool present = std::any_of(files.begin(), files.end(), [&](const fs::path& f) {
      const std::string n = f.filename().string();
      return n.size() > id.size() + 5 && n.compare(n.size() - id.size() - 5, id.size(), id) == 0;
    });
    if (present) continue;
    char name[64];
    std::snprintf(name, sizeof name, "%010llu-", static_cast<unsigned long long>(++seq));
    const fs::path p = dir / (std::string(name) + id + ".json");
    auto w = sim::write_file_atomic(p.string(), st.dump());
    if (!w.ok()) {
      out.lines.push_back("ERROR cannot queue statement " + id + ": " +
                          w.errors().front().to_string());
      return out;
    }
    files.push_back(p);
  }

  // 2. Flush everything waiting, in order.
  const std::string url = statements_url(o.endpoint);
  files = waiting();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const fs::path& f = files[i];
    const std::string body = detail::read_bounded(f, 16u << 20).value_or("");
    const json st = json::parse(body, nullptr, false);
    const std::string id = string_member(st, "id");
    const HttpReply rep = post_json(url, body, o);
    if (!rep.transport_ok) {
      out.queued += files.size() - i;
      out.lines.push_back("QUEUED " + std::to_string(files.size() - i) +
                          " statement(s): cannot reach " + url + " (" + rep.error + ")");
      return out;
    }
    if (rep.status == 200 || rep.status == 204) {
      fs::remove(f, ec);
      ++out.sent;
      out.lines.push_back("SENT " + id + " (HTTP " + std::to_string(rep.status) + ")");
    } else if (rep.status == 401 || rep.status == 403 || rep.status == 404 || rep.status == 429 ||
               rep.status >= 500) {
      // Credentials, address or the server's health: fixable, so keep everything for next time.
      out.queued += files.size() - i;
      out.lines.push_back("QUEUED " + std::to_string(files.size() - i) + " statement(s): HTTP " +
                          std::to_string(rep.status) + " from " + url + ": " + one_line(rep.body));
      return out;
    } else {
      // 400 (invalid), 409 (the LRS holds a different statement under this id)...: retrying the
      // same bytes cannot succeed. Kept aside, never deleted.
      fs::create_directories(dir / "rejected", ec);
      fs::rename(f, dir / "rejected" / f.filename(), ec);
      ++out.rejected;
      out.lines.push_back("REJECTED " + id + " (HTTP " + std::to_string(rep.status) + "): " +
                          one_line(rep.body) + " [kept in " + (dir / "rejected").string() + "]");
    }
  }
  return out;
}

}  // namespace smp::report
