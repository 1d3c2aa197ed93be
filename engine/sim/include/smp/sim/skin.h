// Layered skin: the model behind depth, healing and blowout (docs/models.md).
#pragma once
#include <array>
#include <string_view>

namespace smp::sim {

enum class Layer { kEpidermis = 0, kPapillaryDermis, kReticularDermis, kSubcutis };
std::string_view layer_name(Layer l);  // "epidermis", "papillary_dermis", ...

// Thickness of each layer, mm. Defaults: adult scalp, domain.md "Skin layers".
struct SkinLayersMm {
  double epidermis_mm = 0.08;
  double papillary_mm = 0.32;
  double reticular_mm = 1.40;
  double subcutis_mm = 4.0;
  double dermis_bottom_mm() const { return epidermis_mm + papillary_mm + reticular_mm; }
};

// Where a depth (from the skin surface) lands. Depth beyond the subcutis bottom is kSubcutis.
Layer layer_at_depth(const SkinLayersMm& layers, double depth_mm);

// Scar tissue: dense collagen, paler, tougher, takes pigment less reliably (domain.md).
struct ScarTissue {
  double thickness_factor = 0.85;  // dermis thickness relative to normal skin
  double stiffness = 1.6;          // force needed relative to normal skin (>= 1 is tougher)
  double uptake = 0.75;            // fraction of delivered pigment retained (0..1]
  double migration = 0.0;          // 0..1: knotted/keloid tissue makes pigment spread
};

// Everything the needle and healing models need to know about the skin at one point.
struct SkinSample {
  SkinLayersMm layers;
  bool scar = false;
  ScarTissue scar_tissue;  // meaningful only when scar
  double stiffness() const { return scar ? scar_tissue.stiffness : 1.0; }
  double uptake() const { return scar ? scar_tissue.uptake : 1.0; }
};

// The layers the needle and healing models use: `layers`, with the dermis (papillary and
// reticular) scaled by scar_tissue.thickness_factor when `scar`. Callers building a SkinSample pass
// the normal (unscaled) layers; use this for anything that must agree with compute_impression.
SkinLayersMm effective_layers(const SkinSample& s);

}  // namespace smp::sim
