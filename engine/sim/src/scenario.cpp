// Scenario format v1 loader (docs/scenario-format.md). One pass over the parsed JSON collects every
// problem with its JSON Pointer; a Scenario is returned only when there is none (nothing
// half-loaded).
#include "smp/sim/scenario.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "scenario_rules.h"
#include "smp/sim/pigment.h"

namespace smp::sim {

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<unsigned long long>(bytes.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

namespace {

using json = nlohmann::json;

// Limits (docs/scenario-format.md, "Limits"). They keep loading and per-impression look-ups cheap
// and turn absurd input into a clear message instead of a stall.
constexpr std::size_t kMaxErrors = 100;
constexpr std::size_t kMaxNesting = 64;
constexpr std::size_t kMaxRegions = 5000;
constexpr std::size_t kMaxPolygonVertices = 10000;
constexpr std::size_t kMaxTotalVertices = 100000;
constexpr std::size_t kMaxHairs = 200000;
constexpr std::size_t kMaxIdChars = 64;
constexpr std::size_t kMaxTitleChars = 120;
constexpr std::size_t kMaxDescriptionChars = 8000;
constexpr double kMinPolygonAreaMm2 = 0.01;
constexpr double kMaxDepthMm = 6.0;
constexpr double kMinBandWidthMm = 0.05;
constexpr double kMaxDensityPerCm2 = 150.0;

struct MapBounds {
  const char* name;
  double x_min, x_max, y_min, y_max;
};
// The head map covers forehead (y < 0) to the occipital scar line; a pad is a 100 mm square.
constexpr MapBounds kHeadBounds{"head map", -75.0, 75.0, -40.0, 190.0};
constexpr MapBounds kPadBounds{"practice pad", 0.0, 100.0, 0.0, 100.0};

constexpr std::array<std::pair<std::string_view, CaseKind>, 3> kCaseNames{{
    {"shaved_look", CaseKind::kShavedLook},
    {"scar", CaseKind::kScar},
    {"thinning", CaseKind::kThinning},
}};
constexpr std::array<std::pair<std::string_view, Technique>, 2> kTechniqueNames{{
    {"permanent", Technique::kPermanent},
    {"temporary", Technique::kTemporary},
}};
constexpr std::array<std::pair<std::string_view, Surface>, 2> kSurfaceNames{{
    {"head", Surface::kHead},
    {"practice_pad", Surface::kPracticePad},
}};
constexpr std::array<std::pair<std::string_view, Mode>, 2> kModeNames{{
    {"practice", Mode::kPractice},
    {"assessment", Mode::kAssessment},
}};
constexpr std::array<std::pair<std::string_view, RegionRole>, 5> kRoleNames{{
    {"treat", RegionRole::kTreat},
    {"scar", RegionRole::kScar},
    {"hairline_transition", RegionRole::kHairlineTransition},
    {"forbidden", RegionRole::kForbidden},
    {"avoid", RegionRole::kAvoid},
}};
constexpr std::array<std::pair<std::string_view, HairColor>, 8> kHairNames{{
    {"black", HairColor::kBlack},
    {"dark_brown", HairColor::kDarkBrown},
    {"brown", HairColor::kBrown},
    {"light_brown", HairColor::kLightBrown},
    {"blond", HairColor::kBlond},
    {"red", HairColor::kRed},
    {"grey", HairColor::kGrey},
    {"white", HairColor::kWhite},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<std::string_view, E>, N>& table, E e) {
  for (const auto& [name, value] : table) {
    if (value == e) return name;
  }
  return "unknown";
}

// Typical CIELAB of natural hair by colour name: rounded model values in the range reported for
// hair colorimetry (dark hair L* ~15-25, blond ~50-60), docs/scenario-format.md "Hair colour".
// A scenario that needs a precise colour gives "hair_lab".
Lab hair_lab_for(HairColor c) {
  switch (c) {
    case HairColor::kBlack:
      return {16.0, 1.0, 2.0};
    case HairColor::kDarkBrown:
      return {22.0, 3.0, 6.0};
    case HairColor::kBrown:
      return {30.0, 5.0, 10.0};
    case HairColor::kLightBrown:
      return {40.0, 6.0, 14.0};
    case HairColor::kBlond:
      return {58.0, 5.0, 20.0};
    case HairColor::kRed:
      return {38.0, 18.0, 24.0};
    case HairColor::kGrey:
      return {60.0, 0.0, 4.0};
    case HairColor::kWhite:
      return {80.0, 0.0, 6.0};
  }
  return {22.0, 3.0, 6.0};
}

// ---- JSON Pointer and message helpers ----

std::string child(const std::string& ptr, std::string_view key) {
  return ptr + "/" + json_pointer_token(key);
}
std::string child(const std::string& ptr, std::size_t index) {
  return ptr + "/" + std::to_string(index);
}

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string in_quotes(std::string_view s) {
  // Keep messages one line and short even for hostile keys.
  std::string out = "\"";
  for (char c : s.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  if (s.size() > 80) out += "...";
  out += "\"";
  return out;
}

std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
    }
  }
  return row[b.size()];
}

// ---- SAX parse into a DOM, catching duplicate keys and absurd nesting with their pointers ----

class DomBuilder final : public nlohmann::json_sax<json> {
 public:
  json root;
  std::vector<std::pair<std::string, std::string>> problems;  // pointer, message
  bool syntax_error = false;
  bool no_location = false;    // the message carries no useful position
  std::size_t error_byte = 0;  // offset of the byte where parsing stopped
  std::string error_detail;

  bool null() override { return put(json(nullptr)) != nullptr; }
  bool boolean(bool v) override { return put(json(v)) != nullptr; }
  bool number_integer(number_integer_t v) override { return put(json(v)) != nullptr; }
  bool number_unsigned(number_unsigned_t v) override { return put(json(v)) != nullptr; }
  bool number_float(number_float_t v, const string_t& /*text*/) override {
    return put(json(v)) != nullptr;
  }
  bool string(string_t& v) override { return put(json(std::move(v))) != nullptr; }
  bool binary(binary_t& /*v*/) override { return false; }  // never produced by JSON text
  bool start_object(std::size_t /*elements*/) override { return open(json::object()); }
  bool start_array(std::size_t /*elements*/) override { return open(json::array()); }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool key(string_t& k) override {
    Frame& f = stack_.back();
    if (!f.keys.insert(k).second && problems.size() <= kMaxErrors) {
      problems.emplace_back(child(f.pointer, k),
                            "duplicate key " + in_quotes(k) + " (each field may appear only once)");
    }
    f.pending_key = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) override {
    syntax_error = true;
    // `position` counts the bytes read: the last one is where the parser gave up (the end of the
    // offending token). nlohmann's token text is not reliable enough to find the token's start.
    error_byte = position > 0 ? position - 1 : 0;
    no_location = position == 0;
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 1, column 2: why".
    std::string what = ex.what();
    const std::size_t col = what.find("column ");
    const std::size_t colon = col == std::string::npos ? col : what.find(": ", col);
    error_detail = colon == std::string::npos ? what : what.substr(colon + 2);
    // The "last read" excerpt can hold the offending raw bytes: keep the message printable ASCII.
    for (char& ch : error_detail) {
      if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7F) ch = '?';
    }
    return false;
  }

 private:
  struct Frame {
    json* node;
    std::string pointer;
    std::set<std::string> keys;
    std::string pending_key;
  };
  std::vector<Frame> stack_;

  // Places a value under the current container; returns where it now lives.
  json* put(json&& v, std::string* pointer = nullptr) {
    if (stack_.empty()) {
      root = std::move(v);
      if (pointer) *pointer = "";
      return &root;
    }
    Frame& f = stack_.back();
    if (f.node->is_object()) {
      if (pointer) *pointer = child(f.pointer, f.pending_key);
      json& slot = (*f.node)[f.pending_key];
      slot = std::move(v);
      return &slot;
    }
    if (pointer) *pointer = child(f.pointer, f.node->size());
    f.node->push_back(std::move(v));
    return &f.node->back();
  }
  bool open(json&& container) {
    if (stack_.size() >= kMaxNesting) {
      syntax_error = true;
      no_location = true;
      error_detail = "nested deeper than " + std::to_string(kMaxNesting) + " levels";
      return false;
    }
    std::string pointer;
    json* node = put(std::move(container), &pointer);
    stack_.push_back(Frame{node, std::move(pointer), {}, {}});
    return true;
  }
};

// ---- Validation context ----

class Check {
 public:
  explicit Check(std::string file) : file_(std::move(file)) {}
  void err(std::string pointer, std::string message) {
    if (errors_.size() < kMaxErrors) {
      errors_.push_back(Error{file_, std::move(pointer), std::move(message)});
    } else {
      ++dropped_;
    }
  }
  bool any() const { return !errors_.empty(); }
  std::size_t count() const { return errors_.size() + dropped_; }
  std::vector<Error> take() {
    if (dropped_ > 0) {
      errors_.push_back(Error{file_, "",
                              "and " + std::to_string(dropped_) +
                                  " more errors not listed (only the first " +
                                  std::to_string(kMaxErrors) + " are shown)"});
      dropped_ = 0;
    }
    return std::move(errors_);
  }

 private:
  std::string file_;
  std::vector<Error> errors_;
  std::size_t dropped_ = 0;
};

// Reads the fields of one JSON object; remembers which keys were asked for so that every other key
// can be reported (a typo must not pass silently).
class Obj {
 public:
  Obj(Check& c, const json& j, std::string pointer) : c_(c), j_(j), ptr_(std::move(pointer)) {}
  const json* opt(const std::string& key) {
    known_.push_back(key);
    const auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  const json* req(const std::string& key) {
    const json* v = opt(key);
    if (v == nullptr) c_.err(ptr_, "missing required field " + in_quotes(key));
    return v;
  }
  std::string at(const std::string& key) const { return child(ptr_, key); }
  const std::string& pointer() const { return ptr_; }
  void reject_unknown() {
    for (const auto& [key, value] : j_.items()) {
      if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
      std::string msg = "unknown field " + in_quotes(key);
      std::string best;
      std::size_t best_d = 3;  // suggest only close spellings
      for (const auto& k : known_) {
        const std::size_t d = edit_distance(key, k);
        if (d < best_d) {
          best_d = d;
          best = k;
        }
      }
      if (!best.empty()) msg += " (did you mean " + in_quotes(best) + "?)";
      c_.err(child(ptr_, key), msg);
    }
  }

 private:
  Check& c_;
  const json& j_;
  std::string ptr_;
  std::vector<std::string> known_;
};

struct Range {
  double lo, hi;
  bool lo_open = false;  // lo itself not allowed
};

std::string range_text(const Range& r) {
  if (r.lo_open) return "greater than " + num(r.lo) + " and at most " + num(r.hi);
  return "between " + num(r.lo) + " and " + num(r.hi);
}

bool is_object(Check& c, const json& j, const std::string& ptr) {
  if (j.is_object()) return true;
  c.err(ptr, "expected an object, got " + type_name(j));
  return false;
}
bool is_array(Check& c, const json& j, const std::string& ptr) {
  if (j.is_array()) return true;
  c.err(ptr, "expected an array, got " + type_name(j));
  return false;
}

std::optional<double> number(Check& c, const json* j, const std::string& ptr, Range r) {
  if (j == nullptr) return std::nullopt;
  if (!j->is_number()) {
    c.err(ptr, "expected a number, got " + type_name(*j));
    return std::nullopt;
  }
  const double v = j->get<double>();
  if (!std::isfinite(v)) {
    c.err(ptr, "must be a finite number");
    return std::nullopt;
  }
  if (v < r.lo || v > r.hi || (r.lo_open && v == r.lo)) {
    c.err(ptr, "must be " + range_text(r) + " (got " + num(v) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<long long> integer(Check& c, const json* j, const std::string& ptr, long long lo,
                                 long long hi) {
  if (j == nullptr) return std::nullopt;
  if (!j->is_number()) {
    c.err(ptr, "expected an integer, got " + type_name(*j));
    return std::nullopt;
  }
  double as_double = j->get<double>();
  if (j->is_number_float() && (!std::isfinite(as_double) || std::floor(as_double) != as_double)) {
    c.err(ptr, "expected an integer, got " + num(as_double));
    return std::nullopt;
  }
  if (as_double < static_cast<double>(lo) || as_double > static_cast<double>(hi)) {
    c.err(ptr, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                   " (got " + num(as_double) + ")");
    return std::nullopt;
  }
  return j->is_number_float() ? static_cast<long long>(as_double) : j->get<long long>();
}

std::optional<std::uint64_t> seed_value(Check& c, const json* j, const std::string& ptr) {
  if (j == nullptr) return std::nullopt;
  if (j->is_number_unsigned()) return j->get<std::uint64_t>();
  if (j->is_number_integer() && j->get<long long>() >= 0) {
    return static_cast<std::uint64_t>(j->get<long long>());
  }
  c.err(ptr, "must be an integer from 0 to 18446744073709551615 (got " +
                 (j->is_number() ? j->dump() : type_name(*j)) + ")");
  return std::nullopt;
}

std::optional<std::string> text(Check& c, const json* j, const std::string& ptr,
                                std::size_t max_chars) {
  if (j == nullptr) return std::nullopt;
  if (!j->is_string()) {
    c.err(ptr, "expected a string, got " + type_name(*j));
    return std::nullopt;
  }
  const std::string& s = j->get_ref<const std::string&>();
  const bool blank = std::all_of(s.begin(), s.end(), [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
  });
  if (blank) {
    c.err(ptr, "must not be empty");
    return std::nullopt;
  }
  if (s.size() > max_chars) {
    c.err(ptr,
          "too long: " + std::to_string(s.size()) + " bytes, at most " + std::to_string(max_chars));
    return std::nullopt;
  }
  return s;
}

// Slug: lowercase letters and digits in groups joined by single hyphens ("frontal-hairline").
std::optional<std::string> slug(Check& c, const json* j, const std::string& ptr) {
  auto s = text(c, j, ptr, kMaxIdChars);
  if (!s) return std::nullopt;
  bool ok = s->front() != '-' && s->back() != '-';
  for (std::size_t i = 0; ok && i < s->size(); ++i) {
    const char ch = (*s)[i];
    const bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (ch == '-') {
      ok = (*s)[i - 1] != '-';
    } else {
      ok = alnum;
    }
  }
  if (!ok) {
    c.err(ptr, "must be a slug: lowercase letters and digits joined by single hyphens (got " +
                   in_quotes(*s) + ")");
    return std::nullopt;
  }
  return s;
}

template <class E, std::size_t N>
std::optional<E> enumeration(Check& c, const json* j, const std::string& ptr,
                             const std::array<std::pair<std::string_view, E>, N>& table) {
  if (j == nullptr) return std::nullopt;
  std::string choices;
  for (const auto& [name, value] : table) {
    if (!choices.empty()) choices += ", ";
    choices += in_quotes(name);
  }
  if (!j->is_string()) {
    c.err(ptr, "expected one of " + choices + ", got " + type_name(*j));
    return std::nullopt;
  }
  const std::string& s = j->get_ref<const std::string&>();
  for (const auto& [name, value] : table) {
    if (name == s) return value;
  }
  c.err(ptr, "must be one of " + choices + " (got " + in_quotes(s) + ")");
  return std::nullopt;
}

std::optional<PointMm> point(Check& c, const json& j, const std::string& ptr,
                             const MapBounds* bounds) {
  if (!j.is_array() || j.size() != 2) {
    c.err(ptr, "expected a point [x_mm, y_mm], got " +
                   (j.is_array() ? "an array of " + std::to_string(j.size()) : type_name(j)));
    return std::nullopt;
  }
  const auto x = number(c, &j[0], child(ptr, std::size_t{0}), Range{-1e6, 1e6});
  const auto y = number(c, &j[1], child(ptr, std::size_t{1}), Range{-1e6, 1e6});
  if (!x || !y) return std::nullopt;
  if (bounds != nullptr &&
      (*x < bounds->x_min || *x > bounds->x_max || *y < bounds->y_min || *y > bounds->y_max)) {
    c.err(ptr, "point (" + num(*x) + ", " + num(*y) + ") lies outside the " + bounds->name +
                   " (x " + num(bounds->x_min) + " to " + num(bounds->x_max) + " mm, y " +
                   num(bounds->y_min) + " to " + num(bounds->y_max) + " mm)");
    return std::nullopt;
  }
  return PointMm{*x, *y};
}

// A list of points; nullopt when any is bad (each bad one reported).
std::optional<std::vector<PointMm>> points(Check& c, const json& j, const std::string& ptr,
                                           const MapBounds* bounds, std::size_t min_count,
                                           std::size_t max_count, const char* what) {
  if (!is_array(c, j, ptr)) return std::nullopt;
  if (j.size() < min_count) {
    c.err(ptr, std::string(what) + " needs at least " + std::to_string(min_count) +
                   " points, got " + std::to_string(j.size()));
    return std::nullopt;
  }
  if (j.size() > max_count) {
    c.err(ptr, std::string(what) + " has " + std::to_string(j.size()) + " points, at most " +
                   std::to_string(max_count) + " allowed");
    return std::nullopt;
  }
  std::vector<PointMm> out;
  out.reserve(j.size());
  bool ok = true;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto p = point(c, j[i], child(ptr, i), bounds);
    if (p) {
      out.push_back(*p);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Lab> lab(Check& c, const json* j, const std::string& ptr) {
  if (j == nullptr) return std::nullopt;
  if (!j->is_array() || j->size() != 3) {
    c.err(ptr, "expected a CIELAB colour [L, a, b], got " +
                   (j->is_array() ? "an array of " + std::to_string(j->size()) : type_name(*j)));
    return std::nullopt;
  }
  const auto L = number(c, &(*j)[0], child(ptr, std::size_t{0}), Range{0.0, 100.0});
  const auto a = number(c, &(*j)[1], child(ptr, std::size_t{1}), Range{-128.0, 127.0});
  const auto b = number(c, &(*j)[2], child(ptr, std::size_t{2}), Range{-128.0, 127.0});
  if (!L || !a || !b) return std::nullopt;
  return Lab{*L, *a, *b};
}

// Skin layer thicknesses: each key optional, overriding `base`.
std::optional<SkinLayersMm> layers(Check& c, const json& j, const std::string& ptr,
                                   SkinLayersMm base) {
  if (!is_object(c, j, ptr)) return std::nullopt;
  Obj o(c, j, ptr);
  const std::size_t before = c.count();
  if (auto v = number(c, o.opt("epidermis_mm"), o.at("epidermis_mm"), Range{0.02, 0.3})) {
    base.epidermis_mm = *v;
  }
  if (auto v = number(c, o.opt("papillary_mm"), o.at("papillary_mm"), Range{0.05, 1.0})) {
    base.papillary_mm = *v;
  }
  if (auto v = number(c, o.opt("reticular_mm"), o.at("reticular_mm"), Range{0.2, 4.0})) {
    base.reticular_mm = *v;
  }
  if (auto v = number(c, o.opt("subcutis_mm"), o.at("subcutis_mm"), Range{0.5, 10.0})) {
    base.subcutis_mm = *v;
  }
  o.reject_unknown();
  if (c.count() != before) return std::nullopt;
  return base;
}

std::optional<ScarTissue> scar_tissue(Check& c, const json& j, const std::string& ptr) {
  if (!is_object(c, j, ptr)) return std::nullopt;
  Obj o(c, j, ptr);
  const std::size_t before = c.count();
  ScarTissue t;
  if (auto v = number(c, o.opt("thickness_factor"), o.at("thickness_factor"), Range{0.3, 1.5})) {
    t.thickness_factor = *v;
  }
  if (auto v = number(c, o.opt("stiffness"), o.at("stiffness"), Range{1.0, 4.0})) t.stiffness = *v;
  if (auto v = number(c, o.opt("uptake"), o.at("uptake"), Range{0.0, 1.0, true})) t.uptake = *v;
  if (auto v = number(c, o.opt("migration"), o.at("migration"), Range{0.0, 1.0})) t.migration = *v;
  o.reject_unknown();
  if (c.count() != before) return std::nullopt;
  return t;
}

// ---- Polygon sanity ----

double cross(PointMm o, PointMm a, PointMm b) {
  return (a.x_mm - o.x_mm) * (b.y_mm - o.y_mm) - (a.y_mm - o.y_mm) * (b.x_mm - o.x_mm);
}
int sign(double v) {
  return (v > 0.0) - (v < 0.0);
}
bool on_segment(PointMm a, PointMm b, PointMm p) {  // p collinear with ab
  return std::min(a.x_mm, b.x_mm) <= p.x_mm && p.x_mm <= std::max(a.x_mm, b.x_mm) &&
         std::min(a.y_mm, b.y_mm) <= p.y_mm && p.y_mm <= std::max(a.y_mm, b.y_mm);
}
bool segments_touch(PointMm a, PointMm b, PointMm c, PointMm d) {
  const int d1 = sign(cross(c, d, a)), d2 = sign(cross(c, d, b));
  const int d3 = sign(cross(a, b, c)), d4 = sign(cross(a, b, d));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 == 0 && on_segment(c, d, a)) || (d2 == 0 && on_segment(c, d, b)) ||
         (d3 == 0 && on_segment(a, b, c)) || (d4 == 0 && on_segment(a, b, d));
}

// Finds one pair of edges of a closed polygon that cross or touch (other than neighbours sharing
// their common vertex). Returns {i, j} edge indices (edge i runs from vertex i to vertex i + 1).
// Broad phase: each edge is entered into the grid cells it passes through (conservatively: the
// cells under short pieces of it), so two edges that meet share a cell. When the cells are so
// crowded that this would test more pairs than all of them, plain all-pairs is used instead; a
// 10,000-vertex polygon costs at most that (n^2 / 2 segment tests).
std::optional<std::pair<std::size_t, std::size_t>> self_intersection(const PolygonMm& poly) {
  const std::size_t n = poly.size();
  auto edge_a = [&](std::size_t i) { return poly[i]; };
  auto edge_b = [&](std::size_t i) { return poly[(i + 1) % n]; };
  auto neighbours = [&](std::size_t i, std::size_t j) {
    return j == i + 1 || i == j + 1 || (i == 0 && j == n - 1) || (j == 0 && i == n - 1);
  };
  // Neighbouring edges share a vertex; they are bad only when the second folds back onto the first.
  for (std::size_t i = 0; i < n; ++i) {
    const PointMm a = edge_a(i), b = edge_b(i), c2 = edge_b((i + 1) % n);
    const double dot =
        (b.x_mm - a.x_mm) * (c2.x_mm - b.x_mm) + (b.y_mm - a.y_mm) * (c2.y_mm - b.y_mm);
    if (cross(a, b, c2) == 0.0 && dot < 0.0) return std::make_pair(i, (i + 1) % n);
  }
  auto test = [&](std::size_t i, std::size_t j) {
    return !neighbours(i, j) && segments_touch(edge_a(i), edge_b(i), edge_a(j), edge_b(j));
  };

  const BoxMm box = bounding_box(poly);
  const std::size_t g = std::clamp<std::size_t>(
      static_cast<std::size_t>(2.0 * std::sqrt(static_cast<double>(n))), 1, 512);
  const double cell = std::max({box.max.x_mm - box.min.x_mm, box.max.y_mm - box.min.y_mm, 1e-9}) /
                      static_cast<double>(g);
  auto cell_of = [&](double v, double lo) {
    return std::min(g - 1, static_cast<std::size_t>(std::max(0.0, (v - lo) / cell)));
  };
  std::vector<std::vector<std::uint32_t>> cells(g * g);
  for (std::size_t i = 0; i < n; ++i) {
    const PointMm a = edge_a(i), b = edge_b(i);
    const double len = distance_mm(a, b);
    const auto pieces = static_cast<std::size_t>(std::ceil(len / (0.5 * cell))) + 1;
    for (std::size_t k = 0; k < pieces; ++k) {
      // Piece k covers t in [k, k+1] / pieces; the cells under its bounding box hold all of it.
      const double t0 = static_cast<double>(k) / static_cast<double>(pieces);
      const double t1 = static_cast<double>(k + 1) / static_cast<double>(pieces);
      const PointMm p{a.x_mm + (b.x_mm - a.x_mm) * t0, a.y_mm + (b.y_mm - a.y_mm) * t0};
      const PointMm q{a.x_mm + (b.x_mm - a.x_mm) * t1, a.y_mm + (b.y_mm - a.y_mm) * t1};
      const std::size_t x0 = cell_of(std::min(p.x_mm, q.x_mm), box.min.x_mm);
      const std::size_t x1 = cell_of(std::max(p.x_mm, q.x_mm), box.min.x_mm);
      const std::size_t y0 = cell_of(std::min(p.y_mm, q.y_mm), box.min.y_mm);
      const std::size_t y1 = cell_of(std::max(p.y_mm, q.y_mm), box.min.y_mm);
      for (std::size_t y = y0; y <= y1; ++y) {
        for (std::size_t x = x0; x <= x1; ++x) {
          auto& list = cells[y * g + x];
          // Pieces of one edge are entered one after another: a repeat is always the last entry.
          if (list.empty() || list.back() != i) list.push_back(static_cast<std::uint32_t>(i));
        }
      }
    }
  }
  double grid_pairs = 0.0;
  for (const auto& list : cells) {
    grid_pairs += 0.5 * static_cast<double>(list.size()) * static_cast<double>(list.size());
  }
  if (grid_pairs > 0.5 * static_cast<double>(n) * static_cast<double>(n)) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 2; j < n; ++j) {
        if (test(i, j)) return std::make_pair(i, j);
      }
    }
    return std::nullopt;
  }
  for (const auto& list : cells) {
    for (std::size_t p = 0; p < list.size(); ++p) {
      for (std::size_t q = p + 1; q < list.size(); ++q) {
        if (test(list[p], list[q])) {
          return std::make_pair(std::min<std::size_t>(list[p], list[q]),
                                std::max<std::size_t>(list[p], list[q]));
        }
      }
    }
  }
  return std::nullopt;
}

// ---- Existing hairs ----

// SplitMix64 (Steele, Lea & Flood 2014; Vigna's reference code): a tiny, fully specified
// generator, so generated hairs are identical on every platform and standard library.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

// Dart throwing with a minimum spacing (docs/scenario-format.md, "Existing hairs").
std::vector<PointMm> generate_hairs(const PolygonMm& poly, double density_per_cm2,
                                    std::uint64_t seed) {
  const double area_mm2 = polygon_area_mm2(poly);
  const auto target = static_cast<std::size_t>(std::llround(density_per_cm2 * area_mm2 / 100.0));
  const double min_spacing_mm = 0.5 * std::sqrt(100.0 / density_per_cm2);
  const double min_d2 = min_spacing_mm * min_spacing_mm;
  const BoxMm box = bounding_box(poly);
  const double w = box.max.x_mm - box.min.x_mm, h = box.max.y_mm - box.min.y_mm;
  const auto gx = static_cast<std::size_t>(w / min_spacing_mm) + 1;
  const auto gy = static_cast<std::size_t>(h / min_spacing_mm) + 1;
  std::vector<std::int32_t> head(gx * gy, -1), next;
  std::vector<PointMm> hairs;
  hairs.reserve(target);
  SplitMix64 rng(seed);
  const std::size_t max_candidates = 30 * target + 100;
  for (std::size_t k = 0; k < max_candidates && hairs.size() < target; ++k) {
    const double ux = rng.unit();
    const double uy = rng.unit();
    const PointMm p{box.min.x_mm + ux * w, box.min.y_mm + uy * h};
    if (!point_in_polygon(poly, p)) continue;
    const auto cx =
        std::min(gx - 1, static_cast<std::size_t>((p.x_mm - box.min.x_mm) / min_spacing_mm));
    const auto cy =
        std::min(gy - 1, static_cast<std::size_t>((p.y_mm - box.min.y_mm) / min_spacing_mm));
    bool clear = true;
    for (std::size_t y = cy > 0 ? cy - 1 : 0; clear && y <= std::min(gy - 1, cy + 1); ++y) {
      for (std::size_t x = cx > 0 ? cx - 1 : 0; clear && x <= std::min(gx - 1, cx + 1); ++x) {
        for (std::int32_t i = head[y * gx + x]; i >= 0; i = next[static_cast<std::size_t>(i)]) {
          const PointMm q = hairs[static_cast<std::size_t>(i)];
          const double dx = q.x_mm - p.x_mm, dy = q.y_mm - p.y_mm;
          if (dx * dx + dy * dy < min_d2) {
            clear = false;
            break;
          }
        }
      }
    }
    if (!clear) continue;
    next.push_back(head[cy * gx + cx]);
    head[cy * gx + cx] = static_cast<std::int32_t>(hairs.size());
    hairs.push_back(p);
  }
  return hairs;
}

// ---- The document ----

struct HairSpec {
  std::vector<PointMm> positions;  // explicit form
  bool generated = false;
  double density_per_cm2 = 0.0;
  std::string region;
  std::string region_ptr, density_ptr;
  std::uint64_t seed = 0;
};

bool treated(RegionRole r) {
  return r == RegionRole::kTreat || r == RegionRole::kScar || r == RegionRole::kHairlineTransition;
}

void read_patient(Check& c, const json& j, const std::string& ptr, const MapBounds* bounds,
                  Patient& p, std::optional<HairSpec>& hairs) {
  if (!is_object(c, j, ptr)) return;
  Obj o(c, j, ptr);
  if (auto v = integer(c, o.req("fitzpatrick"), o.at("fitzpatrick"), 1, 6)) {
    p.fitzpatrick = static_cast<int>(*v);
  }
  if (auto v = enumeration(c, o.req("hair_color"), o.at("hair_color"), kHairNames)) {
    p.hair_color = *v;
  }
  p.hair_lab = hair_lab_for(p.hair_color);
  p.skin_lab = skin_lab_for_fitzpatrick(p.fitzpatrick);
  if (auto v = lab(c, o.opt("hair_lab"), o.at("hair_lab"))) p.hair_lab = *v;
  if (auto v = lab(c, o.opt("skin_lab"), o.at("skin_lab"))) p.skin_lab = *v;
  if (const json* eh = o.opt("existing_hairs")) {
    const std::string eptr = o.at("existing_hairs");
    if (is_object(c, *eh, eptr)) {
      Obj h(c, *eh, eptr);
      HairSpec spec;
      const json* pos = h.opt("positions_mm");
      const json* dens = h.opt("density_per_cm2");
      const json* region = h.opt("region");
      const json* seed = h.opt("seed");
      if (auto v = number(c, h.opt("diameter_mm"), h.at("diameter_mm"), Range{0.03, 0.2})) {
        p.hair_diameter_mm = *v;
      }
      bool ok = true;
      if (pos != nullptr && (dens != nullptr || region != nullptr || seed != nullptr)) {
        c.err(eptr,
              "give either \"positions_mm\" or \"density_per_cm2\" + \"region\" + \"seed\", "
              "not both");
        ok = false;
      } else if (pos != nullptr) {
        if (auto pts =
                points(c, *pos, h.at("positions_mm"), bounds, 1, kMaxHairs, "positions_mm")) {
          spec.positions = std::move(*pts);
        } else {
          ok = false;
        }
      } else if (dens != nullptr || region != nullptr || seed != nullptr) {
        spec.generated = true;
        spec.density_ptr = h.at("density_per_cm2");
        spec.region_ptr = h.at("region");
        auto d = number(c, h.req("density_per_cm2"), spec.density_ptr,
                        Range{0.0, kMaxDensityPerCm2, true});
        auto r = slug(c, h.req("region"), spec.region_ptr);
        auto s = seed_value(c, h.req("seed"), h.at("seed"));
        ok = d && r && s;
        if (ok) {
          spec.density_per_cm2 = *d;
          spec.region = *r;
          spec.seed = *s;
        }
      } else {
        c.err(eptr, "needs \"positions_mm\", or \"density_per_cm2\" + \"region\" + \"seed\"");
        ok = false;
      }
      h.reject_unknown();
      if (ok) hairs = std::move(spec);
    }
  }
  o.reject_unknown();
}

void read_marks(Check& c, const json& j, const std::string& ptr, bool with_overall, Range r,
                double fallback, double* overall, CriterionMarks& out) {
  if (!is_object(c, j, ptr)) return;
  Obj o(c, j, ptr);
  double base = fallback;
  if (with_overall) {
    if (auto v = number(c, o.opt("overall"), o.at("overall"), r)) base = *v;
    *overall = base;
  }
  auto one = [&](const char* key, double& field) {
    field = base;
    if (auto v = number(c, o.opt(key), o.at(key), r)) field = *v;
  };
  one("depth", out.depth);
  one("spacing", out.spacing);
  one("blurring", out.blurring);
  one("color", out.color);
  one("case", out.case_goal);
  o.reject_unknown();
}

Result<Scenario> validate(const json& root, const std::string& file, std::string_view bytes) {
  Check c(file);
  if (!root.is_object()) {
    c.err("", "expected a JSON object at the top level, got " + type_name(root));
    return c.take();
  }
  Obj o(c, root, "");
  Scenario s;

  // A wrong "schema" means this is not a v1 scenario at all: other complaints would be noise.
  if (const json* sch = o.req("schema")) {
    if (!sch->is_string()) {
      c.err("/schema", "expected the string \"smp-scenario/1\", got " + type_name(*sch));
      return c.take();
    }
    const std::string& v = sch->get_ref<const std::string&>();
    if (v != "smp-scenario/1") {
      if (v == "smp-session/1") {
        c.err("/schema", "this is a session log (smp-session/1), not a scenario");
      } else if (v.rfind("smp-scenario/", 0) == 0) {
        c.err("/schema", "unsupported scenario format " + in_quotes(v) +
                             ": this version of SMP Trainer reads \"smp-scenario/1\"");
      } else {
        c.err("/schema", "must be \"smp-scenario/1\" (got " + in_quotes(v) + ")");
      }
      return c.take();
    }
  }

  if (auto v = slug(c, o.req("id"), "/id")) s.id = *v;
  if (auto v = integer(c, o.req("version"), "/version", 1, 2147483647)) {
    s.version = static_cast<int>(*v);
  }
  if (auto v = text(c, o.req("title"), "/title", kMaxTitleChars)) s.title = *v;
  if (auto v = text(c, o.req("description"), "/description", kMaxDescriptionChars)) {
    s.description = *v;
  }
  if (auto v = integer(c, o.req("level"), "/level", 1, 5)) s.level = static_cast<int>(*v);
  const auto case_kind = enumeration(c, o.req("case"), "/case", kCaseNames);
  if (case_kind) s.case_kind = *case_kind;
  const auto technique = enumeration(c, o.req("technique"), "/technique", kTechniqueNames);
  if (technique) s.technique = *technique;
  const auto surface = enumeration(c, o.req("surface"), "/surface", kSurfaceNames);
  if (surface) s.surface = *surface;
  if (auto v = enumeration(c, o.opt("mode"), "/mode", kModeNames)) s.mode = *v;
  // Without a valid surface the map bounds are unknown: coordinates are then only checked as
  // numbers.
  const MapBounds* bounds = !surface                     ? nullptr
                            : *surface == Surface::kHead ? &kHeadBounds
                                                         : &kPadBounds;

  std::optional<HairSpec> hair_spec;
  const json* patient = o.req("patient");
  if (patient) read_patient(c, *patient, "/patient", bounds, s.patient, hair_spec);

  if (const json* skin = o.opt("skin")) {
    if (auto v = layers(c, *skin, "/skin", SkinLayersMm{})) s.skin = *v;
  }

  // Regions.
  std::map<std::string, std::size_t> region_index;  // id -> index in file order
  std::vector<bool> region_ok;
  bool regions_ok = false;
  if (const json* regions = o.req("regions"); regions && is_array(c, *regions, "/regions")) {
    regions_ok = true;
    if (regions->empty()) {
      c.err("/regions", "needs at least one region");
      regions_ok = false;
    } else if (regions->size() > kMaxRegions) {
      c.err("/regions", "has " + std::to_string(regions->size()) + " regions, at most " +
                            std::to_string(kMaxRegions) + " allowed");
      regions_ok = false;
    }
    std::size_t total_vertices = 0;
    bool vertex_limit_reported = false;
    for (std::size_t i = 0; regions_ok && i < regions->size(); ++i) {
      const std::string rptr = child("/regions", i);
      const json& rj = (*regions)[i];
      Region r;
      bool ok = true;
      if (!is_object(c, rj, rptr)) {
        region_ok.push_back(false);
        s.regions.emplace_back();  // keeps s.regions aligned with the file's indices
        continue;
      }
      Obj ro(c, rj, rptr);
      const std::size_t before = c.count();
      if (auto v = slug(c, ro.req("id"), ro.at("id"))) {
        r.id = *v;
        const auto [it, inserted] = region_index.emplace(r.id, i);
        if (!inserted) {
          c.err(ro.at("id"), "duplicate region id " + in_quotes(r.id) +
                                 " (already used by /regions/" + std::to_string(it->second) + ")");
        }
      }
      const auto role = enumeration(c, ro.req("role"), ro.at("role"), kRoleNames);
      if (role) r.role = *role;
      if (const json* poly = ro.req("polygon_mm")) {
        const std::string pptr = ro.at("polygon_mm");
        if (auto pts = points(c, *poly, pptr, bounds, 3, kMaxPolygonVertices, "a polygon")) {
          r.polygon_mm = std::move(*pts);
          total_vertices += r.polygon_mm.size();
          // Past the total limit, shape checks stop: they are what a hostile file would make slow.
          bool shape_ok = total_vertices <= kMaxTotalVertices;
          if (!shape_ok && !vertex_limit_reported) {
            c.err(pptr, "the polygons so far have " + std::to_string(total_vertices) +
                            " vertices in total, at most " + std::to_string(kMaxTotalVertices) +
                            " allowed");
            vertex_limit_reported = true;
          }
          const std::size_t n = r.polygon_mm.size();
          for (std::size_t k = 0; k < n; ++k) {
            if (r.polygon_mm[k] == r.polygon_mm[(k + 1) % n]) {
              c.err(child(pptr, k + 1 == n ? k : k + 1),
                    (k + 1 == n) ? "repeats the first vertex: polygons close by themselves, leave "
                                   "the closing vertex out"
                                 : "repeats the previous vertex");
              shape_ok = false;
              break;
            }
          }
          // A crossing first: a symmetric bow-tie also has zero signed area, and "crosses" is
          // the useful message.
          if (shape_ok) {
            if (auto x = self_intersection(r.polygon_mm)) {
              c.err(pptr, "the polygon crosses itself: the edge from vertex " +
                              std::to_string(x->first) + " meets the edge from vertex " +
                              std::to_string(x->second));
              shape_ok = false;
            }
          }
          if (shape_ok && polygon_area_mm2(r.polygon_mm) < kMinPolygonAreaMm2) {
            c.err(pptr, "encloses " + num(polygon_area_mm2(r.polygon_mm)) +
                            " mm^2: a region needs at least " + num(kMinPolygonAreaMm2) + " mm^2");
          }
        }
      }
      const json* density = ro.opt("density_per_cm2");
      const json* depth = ro.opt("depth_mm");
      if (role && treated(*role)) {
        if (density == nullptr) {
          c.err(rptr, "missing required field \"density_per_cm2\" (a " +
                          std::string(name_of(kRoleNames, *role)) + " region is worked on)");
        }
        if (depth == nullptr) {
          c.err(rptr, "missing required field \"depth_mm\" (a " +
                          std::string(name_of(kRoleNames, *role)) + " region is worked on)");
        }
      } else if (role) {
        const std::string why = *role == RegionRole::kForbidden
                                    ? " (a forbidden region takes no pigment at all)"
                                    : " (an avoid region should stay empty)";
        if (density != nullptr) c.err(ro.at("density_per_cm2"), "not allowed here" + why);
        if (depth != nullptr) c.err(ro.at("depth_mm"), "not allowed here" + why);
        density = depth = nullptr;
      }
      if (auto v =
              number(c, density, ro.at("density_per_cm2"), Range{0.0, kMaxDensityPerCm2, true})) {
        r.density_per_cm2 = *v;
      }
      if (depth != nullptr) {
        const std::string dptr = ro.at("depth_mm");
        if (!depth->is_array() || depth->size() != 2) {
          c.err(dptr, "expected a depth band [min_mm, max_mm], got " +
                          (depth->is_array() ? "an array of " + std::to_string(depth->size())
                                             : type_name(*depth)));
        } else {
          const auto lo =
              number(c, &(*depth)[0], child(dptr, std::size_t{0}), Range{0.0, kMaxDepthMm});
          const auto hi =
              number(c, &(*depth)[1], child(dptr, std::size_t{1}), Range{0.0, kMaxDepthMm});
          if (lo && hi) {
            if (*hi - *lo < kMinBandWidthMm) {
              c.err(dptr, "the band must be at least " + num(kMinBandWidthMm) +
                              " mm wide with min < max (got " + num(*lo) + " to " + num(*hi) + ")");
            } else {
              r.depth_min_mm = *lo;
              r.depth_max_mm = *hi;
            }
          }
        }
      }
      if (const json* lj = ro.opt("layers")) {
        if (auto v = layers(c, *lj, ro.at("layers"), s.skin)) r.layers = *v;
      }
      if (const json* sj = ro.opt("scar")) {
        if (role && *role != RegionRole::kScar) {
          c.err(ro.at("scar"), "only a region with role \"scar\" has scar tissue");
        } else if (auto v = scar_tissue(c, *sj, ro.at("scar"))) {
          r.scar = *v;
        }
      }
      if (role && *role == RegionRole::kScar && !r.scar) r.scar = ScarTissue{};
      ro.reject_unknown();
      ok = c.count() == before;
      // A band reaching into the fat would make in-band work a critical error ("pigment_in_fat").
      if (ok && treated(r.role)) {
        SkinSample here;
        here.layers = r.layers ? *r.layers : s.skin;
        here.scar = r.scar.has_value();
        if (r.scar) here.scar_tissue = *r.scar;
        const SkinLayersMm L = effective_layers(here);
        if (r.depth_max_mm > L.dermis_bottom_mm()) {
          c.err(child(ro.at("depth_mm"), std::size_t{1}),
                "the band ends at " + num(r.depth_max_mm) +
                    " mm, below the dermis (which ends at " + num(L.dermis_bottom_mm()) +
                    " mm in this region): in-band work would land in fat");
          ok = false;
        }
      }
      region_ok.push_back(ok);
      s.regions.push_back(std::move(r));
    }
  }

  if (const json* hl = o.opt("hairline_front_mm")) {
    if (auto pts =
            points(c, *hl, "/hairline_front_mm", bounds, 2, kMaxPolygonVertices, "the hairline")) {
      s.hairline_front_mm = std::move(*pts);
    }
  }

  // Pigments: ids must exist in the shipped catalogue and suit the technique.
  bool pigments_ok = false;
  if (const json* pa = o.req("pigments_allowed"); pa && is_array(c, *pa, "/pigments_allowed")) {
    const std::size_t before = c.count();
    if (pa->empty()) c.err("/pigments_allowed", "needs at least one pigment id");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < pa->size(); ++i) {
      const std::string iptr = child("/pigments_allowed", i);
      if (auto id = text(c, &(*pa)[i], iptr, kMaxIdChars)) {
        if (!seen.insert(*id).second) {
          c.err(iptr, "pigment " + in_quotes(*id) + " is listed twice");
        } else {
          s.pigments_allowed.push_back(*id);
        }
      }
    }
    pigments_ok = c.count() == before;
    if (pigments_ok) {
      const auto cat = PigmentCatalogue::load_default();
      if (!cat.ok()) {
        c.err("/pigments_allowed",
              "cannot check the pigment ids: the pigment catalogue did not load (" +
                  (cat.errors().empty() ? std::string("unknown error")
                                        : cat.errors().front().to_string()) +
                  ")");
        pigments_ok = false;
      } else {
        for (std::size_t i = 0; i < s.pigments_allowed.size(); ++i) {
          const std::string iptr = child("/pigments_allowed", i);
          const Pigment* pg = cat.value().find(s.pigments_allowed[i]);
          if (pg == nullptr) {
            c.err(iptr, "unknown pigment " + in_quotes(s.pigments_allowed[i]) +
                            " (not in the pigment catalogue, assets/pigments.json)");
            pigments_ok = false;
          } else if (technique) {
            const bool want_temporary = *technique == Technique::kTemporary;
            if ((pg->particle == ParticleClass::kTemporary) != want_temporary) {
              c.err(iptr, "pigment " + in_quotes(pg->id) + " is a " +
                              (want_temporary ? "permanent" : "temporary") + " pigment; a " +
                              std::string(name_of(kTechniqueNames, *technique)) +
                              "-technique scenario allows only " +
                              (want_temporary ? "temporary" : "permanent") + " pigments");
              pigments_ok = false;
            }
          }
        }
      }
    }
  }

  if (const json* tc = o.opt("target_color")) s.target_color = lab(c, tc, "/target_color");

  // Tool defaults: what the trainer hands the trainee at the start.
  if (!s.pigments_allowed.empty()) s.defaults.pigment = s.pigments_allowed.front();
  if (const json* d = o.opt("defaults"); d && is_object(c, *d, "/defaults")) {
    Obj dobj(c, *d, "/defaults");
    if (const json* nj = dobj.opt("needle")) {
      if (auto v = text(c, nj, "/defaults/needle", 32)) {
        auto needle = parse_needle(*v);
        if (needle.ok()) {
          s.defaults.needle = needle.value();
        } else {
          c.err("/defaults/needle", needle.errors().empty() ? "not a needle: " + in_quotes(*v)
                                                            : needle.errors().front().message);
        }
      }
    }
    if (const json* pj = dobj.opt("pigment")) {
      if (auto v = text(c, pj, "/defaults/pigment", kMaxIdChars)) {
        if (pigments_ok && std::find(s.pigments_allowed.begin(), s.pigments_allowed.end(), *v) ==
                               s.pigments_allowed.end()) {
          c.err("/defaults/pigment",
                "pigment " + in_quotes(*v) + " is not in \"pigments_allowed\"");
        }
        s.defaults.pigment = *v;
      }
    }
    if (auto v = number(c, dobj.opt("dilution"), "/defaults/dilution", Range{0.0, 0.95})) {
      s.defaults.dilution = *v;
    }
    if (const json* mj = dobj.opt("machine"); mj && is_object(c, *mj, "/defaults/machine")) {
      Obj m(c, *mj, "/defaults/machine");
      if (auto v = number(c, m.opt("protrusion_mm"), m.at("protrusion_mm"), Range{0.2, 4.0})) {
        s.defaults.machine.protrusion_mm = *v;
      }
      if (auto v = number(c, m.opt("frequency_hz"), m.at("frequency_hz"), Range{50.0, 200.0})) {
        s.defaults.machine.frequency_hz = *v;
      }
      m.reject_unknown();
    }
    dobj.reject_unknown();
  }

  CriterionMarks pass_marks{s.pass_overall, s.pass_overall, s.pass_overall, s.pass_overall,
                            s.pass_overall};
  if (const json* pj = o.opt("pass")) {
    read_marks(c, *pj, "/pass", true, Range{0.0, 100.0}, s.pass_overall, &s.pass_overall,
               pass_marks);
  }
  s.pass = pass_marks;
  if (const json* wj = o.opt("weights")) {
    read_marks(c, *wj, "/weights", false, Range{0.0, 100.0}, 1.0, nullptr, s.weights);
    const auto& w = s.weights;
    if (w.depth + w.spacing + w.blurring + w.color + w.case_goal <= 0.0) {
      c.err("/weights", "at least one weight must be above 0");
    }
  }
  if (auto v = number(c, o.opt("time_limit_s"), "/time_limit_s", Range{0.0, 86400.0, true})) {
    s.time_limit_s = *v;
  }
  if (const json* rj = o.opt("pass_rules")) {
    detail::read_pass_rules(*rj, "/pass_rules", s.pass_rules,
                            [&](std::string at, std::string msg) { c.err(at, msg); });
  }
  o.reject_unknown();

  // Cross-field rules.
  if (regions_ok && !s.regions.empty()) {
    const bool any_treated = std::any_of(s.regions.begin(), s.regions.end(),
                                         [](const Region& r) { return treated(r.role); });
    if (!any_treated) {
      c.err("/regions",
            "no region to work on: at least one region needs role \"treat\", \"scar\" "
            "or \"hairline_transition\"");
    }
    if (case_kind == CaseKind::kScar &&
        std::none_of(s.regions.begin(), s.regions.end(),
                     [](const Region& r) { return r.role == RegionRole::kScar; })) {
      c.err("/regions", "a scar case needs at least one region with role \"scar\"");
    }
    const bool has_transition =
        std::any_of(s.regions.begin(), s.regions.end(),
                    [](const Region& r) { return r.role == RegionRole::kHairlineTransition; });
    if (has_transition && o.opt("hairline_front_mm") == nullptr) {
      c.err("",
            "missing required field \"hairline_front_mm\" (a hairline_transition region ramps "
            "down toward this designed front edge)");
    }
  }
  if (case_kind == CaseKind::kThinning && patient && patient->is_object() &&
      !patient->contains("existing_hairs")) {
    c.err("/patient",
          "missing required field \"existing_hairs\" (a thinning case is worked "
          "between the patient's own hairs)");
  }
  if (hair_spec) {
    if (!hair_spec->generated) {
      s.patient.hairs_mm = std::move(hair_spec->positions);
    } else if (regions_ok) {
      const auto it = region_index.find(hair_spec->region);
      if (it == region_index.end()) {
        c.err(hair_spec->region_ptr, "no region with id " + in_quotes(hair_spec->region));
      } else if (region_ok[it->second]) {
        const Region& r = s.regions[it->second];
        const double expected = hair_spec->density_per_cm2 * polygon_area_mm2(r.polygon_mm) / 100.0;
        if (expected > static_cast<double>(kMaxHairs)) {
          c.err(hair_spec->density_ptr, "would make " + num(std::round(expected)) +
                                            " hairs in region " + in_quotes(r.id) + ", at most " +
                                            std::to_string(kMaxHairs) + " allowed");
        } else if (!c.any()) {
          s.patient.hairs_mm =
              generate_hairs(r.polygon_mm, hair_spec->density_per_cm2, hair_spec->seed);
        }
      }
    }
  }

  if (c.any()) return c.take();
  s.content_sha256 = sha256_hex(bytes);
  s.source_path = "<memory>";
  return s;
}

std::string too_large_message(std::size_t bytes) {
  return "file is " + std::to_string(bytes) + " bytes; a scenario may be at most " +
         std::to_string(kMaxScenarioBytes) + " bytes (4 MiB)";
}

}  // namespace

Result<Scenario> parse_scenario(std::string_view json_text, const std::string& file_label) {
  if (json_text.size() > kMaxScenarioBytes) {
    return Result<Scenario>::fail(Error{file_label, "", too_large_message(json_text.size())});
  }
  DomBuilder dom;
  // sax_parse never throws for malformed input when the handler returns false from parse_error;
  // the catch is for allocation failure only.
  try {
    json::sax_parse(json_text, &dom, json::input_format_t::json, true);
  } catch (const std::exception& e) {
    return Result<Scenario>::fail(Error{file_label, "", std::string("cannot parse: ") + e.what()});
  }
  if (dom.syntax_error) {
    const std::size_t at = std::min(dom.error_byte, json_text.size());
    std::size_t line = 1, col = 1;  // both 1-based; columns count bytes
    for (std::size_t i = 0; i < at; ++i) {
      if (json_text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string msg = "malformed JSON";
    if (!dom.no_location && !json_text.empty()) {
      msg += " at line " + std::to_string(line) + ", column " + std::to_string(col) +
             " (byte offset " + std::to_string(at) + ")";
    }
    msg += ": " + dom.error_detail;
    return Result<Scenario>::fail(Error{file_label, "", msg});
  }
  auto result = validate(dom.root, file_label, json_text);
  if (dom.problems.empty()) return result;
  // Duplicate keys first (found while parsing), then whatever validation found; the same cap on
  // the number of listed errors as for validation alone.
  std::vector<Error> errors;
  for (auto& [ptr, msg] : dom.problems) errors.push_back(Error{file_label, ptr, msg});
  if (!result.ok()) errors.insert(errors.end(), result.errors().begin(), result.errors().end());
  if (errors.size() > kMaxErrors + 1) {
    const std::size_t more = errors.size() - kMaxErrors;
    errors.resize(kMaxErrors);
    errors.push_back(Error{file_label, "",
                           "and at least " + std::to_string(more) +
                               " more errors not listed (only the first " +
                               std::to_string(kMaxErrors) + " are shown)"});
  }
  return errors;
}

Result<Scenario> load_scenario_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return Result<Scenario>::fail(Error{path, "", "cannot open: no such file"});
  }
  if (fs::is_directory(st)) {
    return Result<Scenario>::fail(Error{path, "", "cannot open: is a directory, not a file"});
  }
  if (fs::is_regular_file(st)) {
    const auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxScenarioBytes) {
      return Result<Scenario>::fail(Error{path, "", too_large_message(size)});
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Result<Scenario>::fail(
        Error{path, "", std::string("cannot open: ") + std::strerror(errno)});
  }
  // Read at most one byte past the limit, so a pipe or a growing file is refused too.
  std::string bytes;
  char buf[65536];
  while (in && bytes.size() <= kMaxScenarioBytes) {
    in.read(buf, sizeof buf);
    bytes.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return Result<Scenario>::fail(Error{path, "", "cannot read the file"});
  if (bytes.size() > kMaxScenarioBytes) {
    return Result<Scenario>::fail(Error{path, "", too_large_message(bytes.size())});
  }
  auto r = parse_scenario(bytes, path);
  if (r.ok()) r.value().source_path = path;
  return r;
}

SkinSample skin_at(const Scenario& s, PointMm p) {
  SkinSample out;
  out.layers = s.skin;
  const ScarTissue* scar = nullptr;
  for (const Region& r : s.regions) {
    if (!point_in_polygon(r.polygon_mm, p)) continue;
    if (r.layers) out.layers = *r.layers;
    if (r.role == RegionRole::kScar) {
      static const ScarTissue kDefaultScar{};
      scar = r.scar ? &*r.scar : &kDefaultScar;  // the loader always sets it; hand-built may not
    }
  }
  if (scar != nullptr) {
    // Layers stay unscaled: effective_layers() applies the scar's thickness_factor (skin.h).
    out.scar = true;
    out.scar_tissue = *scar;
  }
  return out;
}

std::vector<std::size_t> regions_at(const Scenario& s, PointMm p) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    if (point_in_polygon(s.regions[i].polygon_mm, p)) out.push_back(i);
  }
  return out;
}

Lab target_color(const Scenario& s) {
  if (s.target_color) return *s.target_color;
  // Shaved stubble reads as a grey between the hair and the skin (domain.md "Colour"): mix hair
  // toward skin, keep a quarter of the chroma (half in thinning cases, where the dots sit among
  // the patient's own coloured hairs), stay visibly darker than the skin.
  // Constants and worked examples: docs/scenario-format.md, "Target colour".
  const Lab& hair = s.patient.hair_lab;
  const Lab& skin = s.patient.skin_lab;
  const Lab stubble = mix(hair, skin, 0.45);
  const double chroma = s.case_kind == CaseKind::kThinning ? 0.5 : 0.25;
  double L = std::min(stubble.L, skin.L - 8.0);
  L = std::clamp(L, 20.0, 75.0);
  return Lab{L, chroma * stubble.a, chroma * stubble.b};
}

std::string_view to_string(CaseKind v) {
  return name_of(kCaseNames, v);
}
std::string_view to_string(Technique v) {
  return name_of(kTechniqueNames, v);
}
std::string_view to_string(Surface v) {
  return name_of(kSurfaceNames, v);
}
std::string_view to_string(Mode v) {
  return name_of(kModeNames, v);
}
std::string_view to_string(RegionRole v) {
  return name_of(kRoleNames, v);
}
std::string_view to_string(HairColor v) {
  return name_of(kHairNames, v);
}

}  // namespace smp::sim
