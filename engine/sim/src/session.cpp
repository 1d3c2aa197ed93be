// Session log "smp-session/1" (docs/session-format.md): parse with every error located by file and
// JSON Pointer, serialize so that text -> Session -> text is byte-identical, atomic file writes,
// and the canonical impressions hash used by golden replays.
#include "smp/sim/session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <string_view>

#include "smp/sim/scenario.h"

namespace smp::sim {

double event_time_s(const SessionEvent& e) {
  return std::visit([](const auto& ev) { return ev.t_s; }, e);
}

namespace {

using Json = nlohmann::ordered_json;  // keeps the file's key order (recorded criteria)

constexpr std::string_view kSchema = "smp-session/1";
// More errors than this in one file are summarised: a broken 1-hour log must not print a million.
constexpr std::size_t kMaxReportedErrors = 100;
// Sanity bounds that catch unit mistakes (degrees for radians, cm for mm) and keep replays bounded.
constexpr double kMaxCoordMm = 1000.0;       // a scalp map is well under a metre across
constexpr double kMaxTimeS = 24.0 * 3600.0;  // one session lasts at most a day
constexpr double kMaxTiltRad = std::numbers::pi / 2.0;
constexpr double kMaxAzimuthRad = 2.0 * std::numbers::pi;
constexpr double kMaxDepthMm = 20.0;
constexpr std::uint64_t kMaxUndo = 1000000;
// Pigment ids are catalogue ids (at most 64 characters there). Replay copies the tool's id into
// every impression it places, so an unbounded one would multiply into gigabytes.
constexpr std::size_t kMaxPigmentIdChars = 64;

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Collects errors for one file; every check names the JSON Pointer of the offending value.
class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void error(const std::string& pointer, std::string message) {
    if (errors_.size() < kMaxReportedErrors) {
      errors_.push_back({file_, pointer, std::move(message)});
    } else {
      ++dropped_;
    }
  }
  bool failed() const { return !errors_.empty(); }
  std::vector<Error> take() {
    if (dropped_ > 0) {
      errors_.push_back({file_, "",
                         std::to_string(dropped_) + " more errors not shown (first " +
                             std::to_string(kMaxReportedErrors) + " listed)"});
    }
    return std::move(errors_);
  }

  // A finite number within [lo, hi]; reports and returns false otherwise.
  bool number(const Json& j, const std::string& ptr, double lo, double hi, double& out,
              const char* what) {
    if (!j.is_number()) {
      error(ptr, std::string(what) + " must be a number");
      return false;
    }
    const double v = j.get<double>();
    if (!std::isfinite(v)) {
      error(ptr, std::string(what) + " must be a finite number");
      return false;
    }
    if (v < lo || v > hi) {
      error(ptr, std::string(what) + " is " + fmt_double(v) + ", outside " + fmt_double(lo) + ".." +
                     fmt_double(hi));
      return false;
    }
    out = v;
    return true;
  }

  bool uinteger(const Json& j, const std::string& ptr, std::uint64_t lo, std::uint64_t hi,
                std::uint64_t& out, const char* what) {
    if (!j.is_number_unsigned()) {
      error(ptr, std::string(what) + " must be a non-negative integer");
      return false;
    }
    const auto v = j.get<std::uint64_t>();
    if (v < lo || v > hi) {
      error(ptr, std::string(what) + " is " + std::to_string(v) + ", outside " +
                     std::to_string(lo) + ".." + std::to_string(hi));
      return false;
    }
    out = v;
    return true;
  }

  bool string(const Json& j, const std::string& ptr, std::string& out, const char* what) {
    if (!j.is_string()) {
      error(ptr, std::string(what) + " must be a string");
      return false;
    }
    out = j.get<std::string>();
    return true;
  }

  bool boolean(const Json& j, const std::string& ptr, bool& out, const char* what) {
    if (!j.is_boolean()) {
      error(ptr, std::string(what) + " must be true or false");
      return false;
    }
    out = j.get<bool>();
    return true;
  }

  // Reports keys of `obj` not in `allowed` (typos would otherwise be silently ignored).
  void only_keys(const Json& obj, const std::string& ptr,
                 std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : obj.items()) {
      bool known = false;
      for (auto a : allowed) known = known || key == a;
      if (!known) error(ptr + "/" + json_pointer_token(key), "unknown field '" + key + "'");
    }
  }

 private:
  std::string file_;
  std::vector<Error> errors_;
  std::size_t dropped_ = 0;
};

bool pigment_id_ok(Checker& ck, const std::string& id, const std::string& ptr) {
  if (id.size() <= kMaxPigmentIdChars) return true;
  ck.error(ptr, "pigment id is " + std::to_string(id.size()) + " characters, at most " +
                    std::to_string(kMaxPigmentIdChars));
  return false;
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool parse_tool(Checker& ck, const Json& j, const std::string& ptr, ToolState& out) {
  if (!j.is_object()) {
    ck.error(ptr, "tool must be an object");
    return false;
  }
  ck.only_keys(
      j, ptr,
      {"needle", "needle_diameter_mm", "protrusion_mm", "frequency_hz", "pigment", "dilution"});
  bool ok = true;
  auto need = [&](const char* key) -> const Json* {
    auto it = j.find(key);
    if (it == j.end()) {
      ck.error(ptr, std::string("missing required field '") + key + "'");
      ok = false;
      return nullptr;
    }
    return &*it;
  };
  ToolState t;
  if (const Json* n = need("needle")) {
    std::string text;
    if (ck.string(*n, ptr + "/needle", text, "needle")) {
      auto parsed = parse_needle(text);
      if (parsed.ok()) {
        t.needle = parsed.value();
      } else {
        // parse_needle's message names the text and lists what is accepted.
        ck.error(ptr + "/needle", parsed.errors().empty() ? "'" + text + "' is not a needle"
                                                          : parsed.errors()[0].message);
        ok = false;
      }
    } else {
      ok = false;
    }
  }
  if (auto it = j.find("needle_diameter_mm"); it != j.end()) {
    // The needle model's range (docs/models.md), so "1RL@d" strings always parse back.
    ok = ck.number(*it, ptr + "/needle_diameter_mm", 0.1, 0.4, t.needle.needle_diameter_mm,
                   "needle_diameter_mm") &&
         ok;
  }
  if (const Json* v = need("protrusion_mm")) {
    ok =
        ck.number(*v, ptr + "/protrusion_mm", 0.0, 5.0, t.machine.protrusion_mm, "protrusion_mm") &&
        ok;
  }
  if (const Json* v = need("frequency_hz")) {
    ok =
        ck.number(*v, ptr + "/frequency_hz", 10.0, 400.0, t.machine.frequency_hz, "frequency_hz") &&
        ok;
  }
  if (const Json* v = need("pigment")) {
    ok = ck.string(*v, ptr + "/pigment", t.pigment, "pigment") &&
         pigment_id_ok(ck, t.pigment, ptr + "/pigment") && ok;
  }
  if (const Json* v = need("dilution")) {
    ok = ck.number(*v, ptr + "/dilution", 0.0, 1.0, t.dilution, "dilution") && ok;
  }
  if (ok) out = std::move(t);
  return ok;
}

bool parse_time(Checker& ck, const Json& j, const std::string& ptr, double prev_t, double& out) {
  if (!ck.number(j, ptr, 0.0, kMaxTimeS, out, "t_s")) return false;
  if (out < prev_t) {
    ck.error(ptr, "t_s " + fmt_double(out) + " goes back in time (previous event at " +
                      fmt_double(prev_t) + ")");
    return false;
  }
  return true;
}

void parse_events(Checker& ck, const Json& arr, std::vector<SessionEvent>& out) {
  if (!arr.is_array()) {
    ck.error("/events", "events must be an array");
    return;
  }
  out.reserve(arr.size());
  double prev_t = 0.0;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const Json& e = arr[i];
    const std::string ptr = "/events/" + std::to_string(i);
    if (e.is_array()) {
      if (e.size() != 7) {
        ck.error(ptr,
                 "a stylus sample has 7 numbers [t_s, x_mm, y_mm, pressure, tilt_rad, "
                 "azimuth_rad, down], got " +
                     std::to_string(e.size()));
        continue;
      }
      StylusSample s;
      bool ok = parse_time(ck, e[0], ptr + "/0", prev_t, s.t_s);
      ok = ck.number(e[1], ptr + "/1", -kMaxCoordMm, kMaxCoordMm, s.pos.x_mm, "x_mm") && ok;
      ok = ck.number(e[2], ptr + "/2", -kMaxCoordMm, kMaxCoordMm, s.pos.y_mm, "y_mm") && ok;
      ok = ck.number(e[3], ptr + "/3", 0.0, 1.0, s.pressure, "pressure") && ok;
      ok = ck.number(e[4], ptr + "/4", 0.0, kMaxTiltRad, s.tilt_rad, "tilt_rad") && ok;
      ok = ck.number(e[5], ptr + "/5", -kMaxAzimuthRad, kMaxAzimuthRad, s.azimuth_rad,
                     "azimuth_rad") &&
           ok;
      std::uint64_t down = 0;
      ok = ck.uinteger(e[6], ptr + "/6", 0, 1, down, "down (0 or 1)") && ok;
      s.down = down == 1;
      if (ok) {
        prev_t = s.t_s;
        out.emplace_back(s);
      }
    } else if (e.is_object()) {
      ck.only_keys(e, ptr, {"t_s", "tool", "undo"});
      double t = 0.0;
      bool ok = true;
      if (auto it = e.find("t_s"); it == e.end()) {
        ck.error(ptr, "missing required field 't_s'");
        ok = false;
      } else {
        ok = parse_time(ck, *it, ptr + "/t_s", prev_t, t);
      }
      const bool has_tool = e.contains("tool"), has_undo = e.contains("undo");
      if (has_tool == has_undo) {
        ck.error(ptr, "an event object needs exactly one of 'tool' or 'undo'");
        continue;
      }
      if (has_tool) {
        ToolState tool;
        if (parse_tool(ck, e["tool"], ptr + "/tool", tool) && ok) {
          prev_t = t;
          out.emplace_back(ToolChange{t, std::move(tool)});
        }
      } else {
        std::uint64_t n = 0;
        if (ck.uinteger(e["undo"], ptr + "/undo", 1, kMaxUndo, n, "undo count") && ok) {
          prev_t = t;
          out.emplace_back(UndoEvent{t, static_cast<std::uint32_t>(n)});
        }
      }
    } else {
      ck.error(ptr, "an event must be a stylus sample array or an object with 'tool' or 'undo'");
    }
  }
}

bool parse_layer_name(const std::string& s, Layer& out) {
  for (Layer l :
       {Layer::kEpidermis, Layer::kPapillaryDermis, Layer::kReticularDermis, Layer::kSubcutis}) {
    if (layer_name(l) == s) {
      out = l;
      return true;
    }
  }
  return false;
}

void parse_impressions(Checker& ck, const Json& arr, Session& out) {
  if (!arr.is_array()) {
    ck.error("/impressions", "impressions must be an array");
    return;
  }
  if (arr.size() > kMaxSessionImpressions) {
    ck.error("/impressions", std::to_string(arr.size()) + " impressions, at most " +
                                 std::to_string(kMaxSessionImpressions) + " per session");
    return;
  }
  out.impressions.reserve(arr.size());
  out.impressions_given.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const Json& j = arr[i];
    const std::string ptr = "/impressions/" + std::to_string(i);
    if (!j.is_object()) {
      ck.error(ptr, "an impression must be an object");
      continue;
    }
    ck.only_keys(j, ptr,
                 {"id", "x_mm", "y_mm", "depth_mm", "layer", "dose", "fresh_diameter_mm",
                  "elongation", "orientation_rad", "needle", "pigment", "dilution", "t_s", "scar"});
    Impression imp;
    ImpressionFieldsGiven given;
    bool ok = true;
    auto need = [&](const char* key) -> const Json* {
      auto it = j.find(key);
      if (it == j.end()) {
        ck.error(ptr, std::string("missing required field '") + key + "'");
        ok = false;
        return nullptr;
      }
      return &*it;
    };
    auto opt = [&](const char* key) -> const Json* {
      auto it = j.find(key);
      return it == j.end() ? nullptr : &*it;
    };
    if (const Json* v = opt("id")) {
      std::uint64_t id = 0;  // informative only: ids are reassigned in placement order
      ok = ck.uinteger(*v, ptr + "/id", 0, std::numeric_limits<std::uint32_t>::max(), id, "id") &&
           ok;
    }
    if (const Json* v = need("x_mm")) {
      ok = ck.number(*v, ptr + "/x_mm", -kMaxCoordMm, kMaxCoordMm, imp.pos.x_mm, "x_mm") && ok;
    }
    if (const Json* v = need("y_mm")) {
      ok = ck.number(*v, ptr + "/y_mm", -kMaxCoordMm, kMaxCoordMm, imp.pos.y_mm, "y_mm") && ok;
    }
    if (const Json* v = need("depth_mm")) {
      ok = ck.number(*v, ptr + "/depth_mm", 0.0, kMaxDepthMm, imp.depth_mm, "depth_mm") && ok;
    }
    if (const Json* v = need("needle")) {
      if (ck.string(*v, ptr + "/needle", imp.needle, "needle")) {
        auto parsed = parse_needle(imp.needle);
        if (!parsed.ok()) {
          ck.error(ptr + "/needle", "'" + imp.needle + "' is not a needle");
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (const Json* v = need("pigment")) {
      ok = ck.string(*v, ptr + "/pigment", imp.pigment, "pigment") &&
           pigment_id_ok(ck, imp.pigment, ptr + "/pigment") && ok;
    }
    if (const Json* v = need("dilution")) {
      ok = ck.number(*v, ptr + "/dilution", 0.0, 1.0, imp.dilution, "dilution") && ok;
    }
    if (const Json* v = need("t_s")) {
      ok = ck.number(*v, ptr + "/t_s", 0.0, kMaxTimeS, imp.t_s, "t_s") && ok;
    }
    given.layer = false;
    if (const Json* v = opt("layer")) {
      std::string name;
      if (ck.string(*v, ptr + "/layer", name, "layer") && parse_layer_name(name, imp.layer)) {
        given.layer = true;
      } else {
        if (v->is_string()) {
          ck.error(ptr + "/layer",
                   "unknown layer '" + name +
                       "' (epidermis, papillary_dermis, reticular_dermis or subcutis)");
        }
        ok = false;
      }
    }
    given.dose = false;
    if (const Json* v = opt("dose")) {
      given.dose = ck.number(*v, ptr + "/dose", 0.0, 1000.0, imp.dose, "dose");
      ok = given.dose && ok;
    }
    given.fresh_diameter_mm = false;
    if (const Json* v = opt("fresh_diameter_mm")) {
      given.fresh_diameter_mm = ck.number(*v, ptr + "/fresh_diameter_mm", 0.0, 10.0,
                                          imp.fresh_diameter_mm, "fresh_diameter_mm");
      ok = given.fresh_diameter_mm && ok;
    }
    given.elongation = false;
    if (const Json* v = opt("elongation")) {
      given.elongation =
          ck.number(*v, ptr + "/elongation", 1.0, 100.0, imp.elongation, "elongation");
      ok = given.elongation && ok;
    }
    given.orientation_rad = false;
    if (const Json* v = opt("orientation_rad")) {
      given.orientation_rad = ck.number(*v, ptr + "/orientation_rad", -kMaxAzimuthRad,
                                        kMaxAzimuthRad, imp.orientation_rad, "orientation_rad");
      ok = given.orientation_rad && ok;
    }
    given.scar = false;
    if (const Json* v = opt("scar")) {
      given.scar = ck.boolean(*v, ptr + "/scar", imp.scar, "scar");
      ok = given.scar && ok;
    }
    if (ok) {
      imp.id = static_cast<std::uint32_t>(out.impressions.size());
      out.impressions.push_back(std::move(imp));
      out.impressions_given.push_back(given);
    }
  }
}

void parse_recorded(Checker& ck, const Json& j, Session& out) {
  const std::string ptr = "/recorded";
  if (!j.is_object()) {
    ck.error(ptr, "recorded must be an object");
    return;
  }
  ck.only_keys(j, ptr, {"impression_count", "impressions_sha256", "overall", "criteria"});
  RecordedResult r;
  bool ok = true;
  for (const char* key : {"impression_count", "impressions_sha256", "overall", "criteria"}) {
    if (!j.contains(key)) {
      ck.error(ptr, std::string("missing required field '") + key + "'");
      ok = false;
    }
  }
  if (!ok) return;
  ok = ck.uinteger(j["impression_count"], ptr + "/impression_count", 0,
                   std::numeric_limits<std::uint64_t>::max(), r.impression_count,
                   "impression_count");
  if (ck.string(j["impressions_sha256"], ptr + "/impressions_sha256", r.impressions_sha256,
                "impressions_sha256")) {
    if (!is_sha256_hex(r.impressions_sha256)) {
      ck.error(ptr + "/impressions_sha256", "must be 64 lowercase hex digits");
      ok = false;
    }
  } else {
    ok = false;
  }
  ok = ck.number(j["overall"], ptr + "/overall", 0.0, 100.0, r.overall, "overall") && ok;
  const Json& c = j["criteria"];
  if (!c.is_object()) {
    ck.error(ptr + "/criteria", "criteria must be an object of criterion key -> score");
    ok = false;
  } else {
    for (const auto& [key, value] : c.items()) {
      double score = 0.0;
      if (ck.number(value, ptr + "/criteria/" + json_pointer_token(key), 0.0, 100.0, score,
                    "criterion score")) {
        r.criteria.emplace_back(key, score);
      } else {
        ok = false;
      }
    }
  }
  if (ok) out.recorded = std::move(r);
}

// Builds the document through nlohmann's DOM builder but records where a syntax error (or a
// number too large for a double) happened instead of throwing, so the message can name the line.
struct SaxBuilder {
  explicit SaxBuilder(Json& root) : dom(root, false) {}
  using Str = Json::string_t;
  bool null() { return dom.null(); }
  bool boolean(bool v) { return dom.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return dom.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Str& s) { return dom.number_float(v, s); }
  bool string(Str& v) { return dom.string(v); }
  bool binary(Json::binary_t& v) { return dom.binary(v); }
  bool start_object(std::size_t n) { return dom.start_object(n); }
  bool key(Str& v) { return dom.key(v); }
  bool end_object() { return dom.end_object(); }
  bool start_array(std::size_t n) { return dom.start_array(n); }
  bool end_array() { return dom.end_array(); }
  bool parse_error(std::size_t pos, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    failed = true;
    error_pos = pos > 0 ? pos - 1 : 0;  // nlohmann counts the offending character 1-based
    error_message = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
    if (auto c = error_message.find(", column "); c != std::string::npos) {
      if (auto p = error_message.find(": ", c); p != std::string::npos) {
        error_message = error_message.substr(p + 2);
      }
    } else if (auto q = error_message.find("] "); q != std::string::npos) {
      error_message = error_message.substr(q + 2);
    }
    return false;
  }
  nlohmann::detail::json_sax_dom_parser<Json> dom;
  bool failed = false;
  std::size_t error_pos = 0;
  std::string error_message;
};

// Serialises one value with nlohmann's shortest round-trip number formatting; invalid UTF-8 in
// strings (only possible from code, parse rejects it) is replaced rather than thrown.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json tool_json(const ToolState& t) {
  Json j;
  j["needle"] = t.needle.id;
  j["needle_diameter_mm"] = t.needle.needle_diameter_mm;
  j["protrusion_mm"] = t.machine.protrusion_mm;
  j["frequency_hz"] = t.machine.frequency_hz;
  j["pigment"] = t.pigment;
  j["dilution"] = t.dilution;
  return j;
}

void put_u8(std::string& out, std::uint8_t v) {
  out.push_back(static_cast<char>(v));
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}
void put_f64(std::string& out, double v) {
  put_u64(out, std::bit_cast<std::uint64_t>(v));
}
void put_str(std::string& out, const std::string& s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

std::string errno_text(int err) {
  return std::strerror(err);
}

}  // namespace

Result<Session> parse_session(std::string_view json_text, const std::string& file_label) {
  Checker ck(file_label);
  if (json_text.size() > kMaxSessionBytes) {
    ck.error("", "session is " + std::to_string(json_text.size()) + " bytes, over the limit of " +
                     std::to_string(kMaxSessionBytes) + " bytes");
    return ck.take();
  }
  Json doc;
  SaxBuilder sax(doc);
  bool parsed = false;
  try {
    parsed = Json::sax_parse(json_text.begin(), json_text.end(), &sax);
  } catch (const std::exception& e) {  // allocation failure on a huge file; nothing else throws
    ck.error("", std::string("cannot parse: ") + e.what());
    return ck.take();
  }
  if (!parsed || sax.failed) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < sax.error_pos && i < json_text.size(); ++i) {
      if (json_text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    ck.error("", "not valid JSON at line " + std::to_string(line) + ", column " +
                     std::to_string(column) + ": " + sax.error_message);
    return ck.take();
  }
  if (!doc.is_object()) {
    ck.error("", "a session must be a JSON object");
    return ck.take();
  }
  ck.only_keys(doc, "",
               {"schema", "scenario_id", "scenario_sha256", "simulator_version", "trainee", "seed",
                "started_at", "initial_tool", "events", "impressions", "recorded", "finished"});
  Session s;
  if (auto it = doc.find("schema"); it == doc.end()) {
    ck.error("", "missing required field 'schema' (\"smp-session/1\")");
  } else if (!it->is_string() || it->get<std::string>() != kSchema) {
    ck.error("/schema", "schema must be \"smp-session/1\"");
  }
  if (auto it = doc.find("scenario_id"); it == doc.end()) {
    ck.error("", "missing required field 'scenario_id'");
  } else if (ck.string(*it, "/scenario_id", s.header.scenario_id, "scenario_id") &&
             s.header.scenario_id.empty()) {
    ck.error("/scenario_id", "scenario_id must not be empty");
  }
  if (auto it = doc.find("scenario_sha256"); it != doc.end()) {
    if (ck.string(*it, "/scenario_sha256", s.header.scenario_sha256, "scenario_sha256") &&
        !s.header.scenario_sha256.empty() && !is_sha256_hex(s.header.scenario_sha256)) {
      ck.error("/scenario_sha256", "scenario_sha256 must be empty or 64 lowercase hex digits");
    }
  }
  if (auto it = doc.find("simulator_version"); it != doc.end()) {
    ck.string(*it, "/simulator_version", s.header.simulator_version, "simulator_version");
  }
  if (auto it = doc.find("trainee"); it != doc.end()) {
    ck.string(*it, "/trainee", s.header.trainee, "trainee");
  }
  if (auto it = doc.find("seed"); it != doc.end()) {
    ck.uinteger(*it, "/seed", 0, std::numeric_limits<std::uint64_t>::max(), s.header.seed, "seed");
  }
  if (auto it = doc.find("started_at"); it != doc.end()) {
    ck.string(*it, "/started_at", s.header.started_at, "started_at");
  }
  if (auto it = doc.find("initial_tool"); it != doc.end()) {
    ToolState t;
    if (parse_tool(ck, *it, "/initial_tool", t)) s.initial_tool = std::move(t);
  }
  if (auto it = doc.find("events"); it != doc.end()) parse_events(ck, *it, s.events);
  if (auto it = doc.find("impressions"); it != doc.end()) parse_impressions(ck, *it, s);
  if (auto it = doc.find("recorded"); it != doc.end()) parse_recorded(ck, *it, s);
  if (auto it = doc.find("finished"); it != doc.end()) {
    ck.boolean(*it, "/finished", s.finished, "finished");
  }
  if (ck.failed()) return ck.take();
  return s;
}

Result<Session> load_session_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Result<Session>::fail({path, "", "cannot open: no such file"});
  if (!fs::is_regular_file(st)) return Result<Session>::fail({path, "", "not a regular file"});
  const auto size = fs::file_size(path, ec);
  if (ec) return Result<Session>::fail({path, "", "cannot read its size: " + ec.message()});
  if (size > kMaxSessionBytes) {
    return Result<Session>::fail({path, "",
                                  "file is " + std::to_string(size) +
                                      " bytes, over the session limit of " +
                                      std::to_string(kMaxSessionBytes) + " bytes"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<Session>::fail({path, "", "cannot open: " + errno_text(errno)});
  std::string text;
  text.resize(static_cast<std::size_t>(size));
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) {
    return Result<Session>::fail({path, "", "cannot read the whole file (it changed while read)"});
  }
  return parse_session(text, path);
}

std::string serialize_session(const Session& s) {
  // Fixed key order and one event per line: diffable, streamable, and identical bytes for
  // identical sessions. Numbers use nlohmann's shortest round-trip form, so parse -> serialize
  // reproduces the text exactly.
  std::string out;
  out.reserve(256 + s.events.size() * 72 + s.impressions.size() * 220);
  auto field = [&](std::string_view key, const Json& v) {
    out += "  \"";
    out += key;
    out += "\": ";
    out += dump(v);
    out += ",\n";
  };
  out += "{\n";
  field("schema", std::string(kSchema));
  field("scenario_id", s.header.scenario_id);
  field("scenario_sha256", s.header.scenario_sha256);
  field("simulator_version", s.header.simulator_version);
  field("trainee", s.header.trainee);
  field("seed", s.header.seed);
  field("started_at", s.header.started_at);
  if (s.initial_tool) field("initial_tool", tool_json(*s.initial_tool));
  out += "  \"events\": [";
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    out += i == 0 ? "\n    " : ",\n    ";
    const SessionEvent& e = s.events[i];
    if (const auto* p = std::get_if<StylusSample>(&e)) {
      Json a = Json::array({p->t_s, p->pos.x_mm, p->pos.y_mm, p->pressure, p->tilt_rad,
                            p->azimuth_rad, p->down ? 1 : 0});
      out += dump(a);
    } else if (const auto* tc = std::get_if<ToolChange>(&e)) {
      Json o;
      o["t_s"] = tc->t_s;
      o["tool"] = tool_json(tc->tool());
      out += dump(o);
    } else if (const auto* u = std::get_if<UndoEvent>(&e)) {
      Json o;
      o["t_s"] = u->t_s;
      o["undo"] = u->count;
      out += dump(o);
    }
  }
  out += s.events.empty() ? "],\n" : "\n  ],\n";
  if (!s.impressions.empty()) {
    out += "  \"impressions\": [";
    for (std::size_t i = 0; i < s.impressions.size(); ++i) {
      const Impression& imp = s.impressions[i];
      const ImpressionFieldsGiven given =
          i < s.impressions_given.size() ? s.impressions_given[i] : ImpressionFieldsGiven{};
      Json o;
      o["x_mm"] = imp.pos.x_mm;
      o["y_mm"] = imp.pos.y_mm;
      o["depth_mm"] = imp.depth_mm;
      if (given.layer) o["layer"] = std::string(layer_name(imp.layer));
      if (given.dose) o["dose"] = imp.dose;
      if (given.fresh_diameter_mm) o["fresh_diameter_mm"] = imp.fresh_diameter_mm;
      if (given.elongation) o["elongation"] = imp.elongation;
      if (given.orientation_rad) o["orientation_rad"] = imp.orientation_rad;
      o["needle"] = imp.needle;
      o["pigment"] = imp.pigment;
      o["dilution"] = imp.dilution;
      o["t_s"] = imp.t_s;
      if (given.scar) o["scar"] = imp.scar;
      out += i == 0 ? "\n    " : ",\n    ";
      out += dump(o);
    }
    out += "\n  ],\n";
  }
  if (s.recorded) {
    Json r;
    r["impression_count"] = s.recorded->impression_count;
    r["impressions_sha256"] = s.recorded->impressions_sha256;
    r["overall"] = s.recorded->overall;
    Json c = Json::object();
    for (const auto& [key, score] : s.recorded->criteria) c[key] = score;
    r["criteria"] = c;
    field("recorded", r);
  }
  out += "  \"finished\": ";
  out += s.finished ? "true" : "false";
  out += "\n}\n";
  return out;
}

Result<bool> write_file_atomic(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& what) { return Result<bool>::fail({path, "", what}); };
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  // A unique temporary name in the same directory, so rename() is atomic (same filesystem).
  std::string tmpl = (dir / (target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    return fail("cannot create a temporary file in " + dir.string() + ": " + errno_text(errno));
  }
  auto abandon = [&](const std::string& what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    return fail(what + ": " + errno_text(err));
  };
  // mkstemp makes 0600; sessions and reports are ordinary documents.
  if (::fchmod(fd, 0644) != 0) return abandon("cannot set permissions of " + tmpl);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return abandon("cannot write " + tmpl);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return abandon("cannot flush " + tmpl + " to disk");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    return fail("cannot close " + tmpl + ": " + errno_text(err));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    return fail("cannot rename the temporary file over it: " + errno_text(err));
  }
  // The rename is durable only once the directory entry is on disk.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return fail("written, but cannot open its directory to flush it: " + errno_text(errno));
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) return fail("written, but flushing its directory failed: " + errno_text(err));
  return true;
}

std::string impressions_hash(const std::vector<Impression>& imps) {
  // Layout (docs/session-format.md, "Impressions hash"): tag, count, then each impression's fields
  // in declaration order, little-endian, doubles as their IEEE-754 bit patterns.
  std::string buf;
  buf.reserve(32 + imps.size() * 112);
  buf += "smp-impressions/1";
  put_u64(buf, imps.size());
  for (const Impression& i : imps) {
    put_u32(buf, i.id);
    put_f64(buf, i.pos.x_mm);
    put_f64(buf, i.pos.y_mm);
    put_f64(buf, i.depth_mm);
    put_u8(buf, static_cast<std::uint8_t>(i.layer));
    put_f64(buf, i.dose);
    put_f64(buf, i.fresh_diameter_mm);
    put_f64(buf, i.elongation);
    put_f64(buf, i.orientation_rad);
    put_str(buf, i.needle);
    put_str(buf, i.pigment);
    put_f64(buf, i.dilution);
    put_f64(buf, i.t_s);
    put_u8(buf, i.scar ? 1 : 0);
  }
  return sha256_hex(buf);
}

}  // namespace smp::sim
