// Pigment catalogue loader and the dilution model (docs/models.md, "Pigment model").
#include "smp/sim/pigment.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>

namespace smp::sim {
namespace {

using nlohmann::json;

constexpr std::string_view kSchema = "smp-pigments/1";
// A catalogue is a few kilobytes; refuse anything absurd before reading it into memory.
constexpr std::uintmax_t kMaxCatalogueBytes = 1u << 20;
constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxNameLength = 200;
constexpr double kTemporaryMaxParticleUm = 15.0;  // domain.md: temporary particles < 15 um
constexpr double kMaxParticleUm = 1000.0;


class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void fail(std::string pointer, std::string message) {
    errors_.push_back(Error{file_, std::move(pointer), std::move(message)});
  }
  std::vector<Error>& errors() { return errors_; }

  // Reports keys outside `allowed` (typos would otherwise be silently ignored).
  void only_keys(const json& obj, const std::string& ptr,
                 std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(ptr + "/" + json_pointer_token(key), "unknown key \"" + key + "\"");
      }
    }
  }

  const json* member(const json& obj, const std::string& ptr, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
      fail(ptr, std::string("missing required key \"") + key + "\"");
      return nullptr;
    }
    return &*it;
  }

  bool string(const json& obj, const std::string& ptr, const char* key, std::size_t max_len,
              std::string& out) {
    const json* v = member(obj, ptr, key);
    if (v == nullptr) return false;
    const std::string p = ptr + "/" + key;
    if (!v->is_string()) {
      fail(p, std::string("expected a string, got ") + v->type_name());
      return false;
    }
    out = v->get<std::string>();
    if (out.empty()) {
      fail(p, "must not be empty");
      return false;
    }
    if (out.size() > max_len) {
      fail(p, "longer than " + std::to_string(max_len) + " characters");
      return false;
    }
    return true;
  }

  bool number(const json& v, const std::string& p, double lo, double hi, double& out) {
    if (!v.is_number()) {
      fail(p, std::string("expected a number, got ") + v.type_name());
      return false;
    }
    out = v.get<double>();
    if (!std::isfinite(out) || out < lo || out > hi) {
      std::ostringstream msg;
      msg << "out of range: " << v.dump() << " (allowed " << lo << " to " << hi << ")";
      fail(p, msg.str());
      return false;
    }
    return true;
  }

  bool number(const json& obj, const std::string& ptr, const char* key, double lo, double hi,
              double& out) {
    const json* v = member(obj, ptr, key);
    return v != nullptr && number(*v, ptr + "/" + key, lo, hi, out);
  }

 private:
  std::string file_;
  std::vector<Error> errors_;
};

// A short description of a value for messages: the value itself when it is a scalar (strings cut
// to 60 characters), else its type. Never dumps containers: they can be huge or deeply nested.
std::string describe(const json& v) {
  if (v.is_string()) {
    const std::string& str = v.get_ref<const std::string&>();
    // Cutting may split a UTF-8 sequence: replace it rather than let dump() throw.
    const std::string cut =
        json(str.substr(0, 60)).dump(-1, ' ', false, json::error_handler_t::replace);
    return str.size() <= 60 ? cut : cut + "...";
  }
  if (v.is_primitive()) return v.dump();
  return std::string("an ") + v.type_name();
}

bool valid_id(std::string_view id) {
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

void parse_pigment(Checker& ck, const json& e, const std::string& ptr, Pigment& p, bool& ok) {
  ok = false;
  if (!e.is_object()) {
    ck.fail(ptr, std::string("expected an object, got ") + e.type_name());
    return;
  }
  const std::size_t before = ck.errors().size();
  ck.only_keys(
      e, ptr,
      {"id", "name", "lab", "carbon_black_fraction", "particle", "particle_size_um", "note"});
  if (ck.string(e, ptr, "id", kMaxIdLength, p.id) && !valid_id(p.id)) {
    ck.fail(ptr + "/id", "\"" + p.id + "\" may only use a-z, 0-9, '-', '_' and '.'");
  }
  ck.string(e, ptr, "name", kMaxNameLength, p.name);
  if (const json* lab = ck.member(e, ptr, "lab"); lab != nullptr) {
    const std::string lp = ptr + "/lab";
    if (!lab->is_object()) {
      ck.fail(lp, std::string("expected an object {\"L\", \"a\", \"b\"}, got ") + lab->type_name());
    } else {
      ck.only_keys(*lab, lp, {"L", "a", "b"});
      ck.number(*lab, lp, "L", 0.0, 100.0, p.color.L);
      ck.number(*lab, lp, "a", -128.0, 128.0, p.color.a);
      ck.number(*lab, lp, "b", -128.0, 128.0, p.color.b);
    }
  }
  ck.number(e, ptr, "carbon_black_fraction", 0.0, 1.0, p.carbon_black_fraction);
  std::string particle;
  bool particle_ok = false;
  if (const json* v = ck.member(e, ptr, "particle"); v != nullptr) {
    if (v->is_string() && v->get<std::string>() == "permanent") {
      p.particle = ParticleClass::kPermanent;
      particle_ok = true;
    } else if (v->is_string() && v->get<std::string>() == "temporary") {
      p.particle = ParticleClass::kTemporary;
      particle_ok = true;
    } else {
      ck.fail(ptr + "/particle", "expected \"permanent\" or \"temporary\", got " + describe(*v));
    }
  }
  if (ck.number(e, ptr, "particle_size_um", 0.0, kMaxParticleUm, p.particle_size_um)) {
    if (p.particle_size_um <= 0.0) {
      ck.fail(ptr + "/particle_size_um", "must be greater than 0");
    } else if (particle_ok && p.particle == ParticleClass::kTemporary &&
               p.particle_size_um >= kTemporaryMaxParticleUm) {
      ck.fail(ptr + "/particle_size_um",
              "a temporary pigment clears because its particles are smaller than 15 um; got " +
                  e.at("particle_size_um").dump());
    }
  }
  if (const auto it = e.find("note"); it != e.end() && !it->is_string()) {
    ck.fail(ptr + "/note", std::string("expected a string, got ") + it->type_name());
  }
  ok = ck.errors().size() == before;
}

}  // namespace

Result<PigmentCatalogue> PigmentCatalogue::parse(std::string_view json_text,
                                                 const std::string& file_label) {
  Checker ck(file_label);
  if (json_text.size() > kMaxCatalogueBytes) {
    ck.fail("", "text is " + std::to_string(json_text.size()) +
                    " bytes; a pigment catalogue may be at most " +
                    std::to_string(kMaxCatalogueBytes) + " bytes");
    return Result<PigmentCatalogue>(std::move(ck.errors()));
  }
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {
    // parse_error for syntax, out_of_range.406 for numbers that overflow a double. nlohmann's
    // message starts with "[json.exception.parse_error.101] "; keep the plain part.
    std::string what = e.what();
    if (const std::size_t close = what.find("] "); close != std::string::npos) {
      what = what.substr(close + 2);
    }
    ck.fail("", "not valid JSON: " + what);
    return Result<PigmentCatalogue>(std::move(ck.errors()));
  }
  if (!doc.is_object()) {
    ck.fail("", std::string("expected a JSON object, got ") + doc.type_name());
    return Result<PigmentCatalogue>(std::move(ck.errors()));
  }
  ck.only_keys(doc, "", {"schema", "description", "pigments"});
  if (const json* schema = ck.member(doc, "", "schema"); schema != nullptr) {
    if (!schema->is_string() || schema->get<std::string>() != kSchema) {
      ck.fail("/schema", "expected \"" + std::string(kSchema) + "\", got " + describe(*schema));
    }
  }
  if (const auto it = doc.find("description"); it != doc.end() && !it->is_string()) {
    ck.fail("/description", std::string("expected a string, got ") + it->type_name());
  }
  PigmentCatalogue cat;
  if (const json* list = ck.member(doc, "", "pigments"); list != nullptr) {
    if (!list->is_array()) {
      ck.fail("/pigments", std::string("expected an array, got ") + list->type_name());
    } else if (list->empty()) {
      ck.fail("/pigments", "must list at least one pigment");
    } else {
      std::map<std::string, std::size_t> first_index;
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string ptr = "/pigments/" + std::to_string(i);
        Pigment p;
        bool ok = false;
        parse_pigment(ck, (*list)[i], ptr, p, ok);
        if (!p.id.empty()) {
          const auto [it, inserted] = first_index.emplace(p.id, i);
          if (!inserted) {
            ck.fail(ptr + "/id", "duplicate id \"" + p.id + "\" (first at /pigments/" +
                                     std::to_string(it->second) + ")");
            ok = false;
          }
        }
        if (ok) cat.pigments_.push_back(std::move(p));
      }
    }
  }
  if (!ck.errors().empty()) return Result<PigmentCatalogue>(std::move(ck.errors()));
  return cat;
}

Result<PigmentCatalogue> PigmentCatalogue::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Result<PigmentCatalogue>::fail(Error{path, "", "cannot open file"});
  const std::streamoff size = in.tellg();
  if (size < 0) return Result<PigmentCatalogue>::fail(Error{path, "", "cannot read file"});
  if (static_cast<std::uintmax_t>(size) > kMaxCatalogueBytes) {
    return Result<PigmentCatalogue>::fail(Error{path, "",
                                                "file is " + std::to_string(size) +
                                                    " bytes; a pigment catalogue may be at most " +
                                                    std::to_string(kMaxCatalogueBytes) + " bytes"});
  }
  in.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), size)) {
    return Result<PigmentCatalogue>::fail(Error{path, "", "cannot read file"});
  }
  return parse(text, path);
}

Result<PigmentCatalogue> PigmentCatalogue::load_default() {
  return load_file(asset_dir() + "/pigments.json");
}

const Pigment* PigmentCatalogue::find(std::string_view id) const {
  for (const Pigment& p : pigments_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::string asset_dir() {
  if (const char* env = std::getenv("SMP_ASSET_DIR"); env != nullptr && env[0] != '\0') {
    return env;
  }
  return SMP_SOURCE_ASSET_DIR;
}

namespace {

// Linear-light sRGB reflectance of a Lab colour, kept strictly positive for the logarithm of
// Beer-Lambert mixing (a perfectly black channel would otherwise be log(0)).
constexpr double kMinReflectance = 1e-4;

}  // namespace

Lab deposit_color(const Pigment& p, double dilution, const Lab& skin) {
  // Beer-Lambert: the pigment's optical density over the skin scales with its concentration
  // c = 1 - dilution, so each linear channel is R = R_skin * (R_pigment / R_skin)^c.
  // c = 1 gives the neat pigment colour, c = 0 the bare skin (docs/models.md, "Dilution").
  const double c = 1.0 - std::clamp(std::isfinite(dilution) ? dilution : 0.0, 0.0, 1.0);
  if (c == 1.0) return p.color;
  if (c == 0.0) return skin;
  const Rgb ps = lab_to_srgb(p.color);
  const Rgb ss = lab_to_srgb(skin);
  auto lin = [](double v) {
    const double l = v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    return std::max(l, kMinReflectance);
  };
  auto enc = [](double l) {
    return l <= 0.0031308 ? l * 12.92 : 1.055 * std::pow(l, 1.0 / 2.4) - 0.055;
  };
  auto channel = [&](double pv, double sv) {
    const double rp = lin(pv), rs = lin(sv);
    return enc(rs * std::pow(rp / rs, c));
  };
  return srgb_to_lab(Rgb{channel(ps.r, ss.r), channel(ps.g, ss.g), channel(ps.b, ss.b)});
}

}  // namespace smp::sim
