// Skin layers (docs/models.md, "Skin model").
#include "smp/sim/skin.h"

namespace smp::sim {

std::string_view layer_name(Layer l) {
  switch (l) {
    case Layer::kEpidermis:
      return "epidermis";
    case Layer::kPapillaryDermis:
      return "papillary_dermis";
    case Layer::kReticularDermis:
      return "reticular_dermis";
    case Layer::kSubcutis:
      return "subcutis";
  }
  return "unknown";
}

Layer layer_at_depth(const SkinLayersMm& layers, double depth_mm) {
  // Each layer owns [top, bottom): a deposit exactly on a boundary has crossed into the deeper
  // layer. Negative depths (above the surface) count as epidermis; anything past the dermis is fat.
  const double epidermis_bottom = layers.epidermis_mm;
  const double papillary_bottom = epidermis_bottom + layers.papillary_mm;
  const double dermis_bottom = papillary_bottom + layers.reticular_mm;
  if (depth_mm < epidermis_bottom) return Layer::kEpidermis;
  if (depth_mm < papillary_bottom) return Layer::kPapillaryDermis;
  if (depth_mm < dermis_bottom) return Layer::kReticularDermis;
  return Layer::kSubcutis;
}

SkinLayersMm effective_layers(const SkinSample& s) {
  SkinLayersMm l = s.layers;
  if (s.scar) {
    // Scar replaces dermis with denser, usually thinner collagen (domain.md "Scar tissue"); the
    // epidermis over it is kept (flattened, not thinner, in the model).
    l.papillary_mm *= s.scar_tissue.thickness_factor;
    l.reticular_mm *= s.scar_tissue.thickness_factor;
  }
  return l;
}

}  // namespace smp::sim
