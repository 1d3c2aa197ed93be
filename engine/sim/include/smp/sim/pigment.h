// Pigment catalogue (assets/pigments.json): named pigments with colour and particle class.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "smp/sim/color.h"
#include "smp/sim/result.h"

namespace smp::sim {

enum class ParticleClass { kPermanent, kTemporary };

struct Pigment {
  std::string id;    // stable key used by scenarios and sessions, e.g. "carbon-black-neat"
  std::string name;  // display name
  Lab color;         // undiluted, as a dense film (CIELAB D65)
  double carbon_black_fraction = 0.0;  // 0..1
  ParticleClass particle = ParticleClass::kPermanent;
  double particle_size_um = 0.0;       // mean; temporary pigments < 15 um (domain.md)
};

class PigmentCatalogue {
 public:
  // Loads and validates assets/pigments.json (schema "smp-pigments/1"); every error with its pointer.
  static Result<PigmentCatalogue> load_file(const std::string& path);
  static Result<PigmentCatalogue> parse(std::string_view json_text, const std::string& file_label);
  // The catalogue shipped in assets/ (path resolved from SMP_ASSET_DIR or the build's asset dir).
  static Result<PigmentCatalogue> load_default();

  const Pigment* find(std::string_view id) const;  // nullptr when unknown
  const std::vector<Pigment>& all() const { return pigments_; }

 private:
  std::vector<Pigment> pigments_;
};

// Dilution: 0 = neat pigment, 1 = pure diluent (water). Returns the colour of a deposit of this
// mix seen through skin of colour `skin` (dilution moves the deposit toward the skin colour).
Lab deposit_color(const Pigment& p, double dilution, const Lab& skin);

// Directory holding the shipped assets: $SMP_ASSET_DIR if set, else the source tree's assets/.
std::string asset_dir();

}  // namespace smp::sim
