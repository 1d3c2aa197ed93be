// Cross-section geometry under a scalp point (docs/rendering.md, "Cross-section").
#include "smp/render/cross_section.h"

#include <algorithm>
#include <cmath>

#include "smp/sim/pigment.h"

namespace smp::render {

CrossSection make_cross_section(const sim::Scenario& scenario,
                                std::span<const sim::Impression> impressions, sim::PointMm centre,
                                double direction_rad, double half_length_mm, double corridor_mm,
                                double max_depth_mm, const sim::PigmentCatalogue* catalogue) {
  CrossSection cs;
  cs.centre = centre;
  cs.direction_rad = direction_rad;
  cs.half_length_mm = half_length_mm;
  cs.max_depth_mm = max_depth_mm;
  const double ux = std::cos(direction_rad), uy = std::sin(direction_rad);

  constexpr int kSamples = 41;
  for (int k = 0; k < kSamples; ++k) {
    const double off = -half_length_mm + 2.0 * half_length_mm * k / (kSamples - 1);
    const sim::SkinSample s =
        sim::skin_at(scenario, {centre.x_mm + ux * off, centre.y_mm + uy * off});
    const sim::SkinLayersMm L = sim::effective_layers(s);
    LayerProfileSample p;
    p.offset_mm = off;
    p.epidermis_bottom_mm = L.epidermis_mm;
    p.papillary_bottom_mm = L.epidermis_mm + L.papillary_mm;
    p.reticular_bottom_mm = L.dermis_bottom_mm();
    p.subcutis_bottom_mm = L.dermis_bottom_mm() + L.subcutis_mm;
    p.scar = s.scar;
    cs.profile.push_back(p);
  }
  for (std::size_t i : sim::regions_at(scenario, centre)) {
    const sim::Region& r = scenario.regions[i];
    if (r.depth_max_mm > r.depth_min_mm) {
      cs.band_min_mm = r.depth_min_mm;
      cs.band_max_mm = r.depth_max_mm;
    }
  }

  const sim::Lab skin = scenario.patient.skin_lab;
  for (const sim::Impression& imp : impressions) {
    const double dx = imp.pos.x_mm - centre.x_mm, dy = imp.pos.y_mm - centre.y_mm;
    const double along = dx * ux + dy * uy;
    const double across = -dx * uy + dy * ux;
    if (std::abs(along) > half_length_mm + imp.fresh_diameter_mm ||
        std::abs(across) > corridor_mm) {
      continue;
    }
    SectionDeposit d;
    d.impression_id = imp.id;
    d.offset_mm = along;
    d.depth_mm = imp.depth_mm;
    d.width_mm = imp.fresh_diameter_mm;
    d.layer = imp.layer;
    // The deposit's mix (pigment + dilution) over the skin; without a catalogue, a neutral ink
    // that lightens with dilution.
    const sim::Pigment* pig = catalogue ? catalogue->find(imp.pigment) : nullptr;
    d.color = pig ? sim::lab_to_srgb(sim::deposit_color(*pig, imp.dilution, skin))
                  : sim::lab_to_srgb(
                        sim::mix({14.0, 0.0, -1.0}, skin, std::clamp(imp.dilution, 0.0, 1.0)));
    double lo = 0, hi = 0;
    bool band = false;
    for (std::size_t i : sim::regions_at(scenario, imp.pos)) {
      const sim::Region& r = scenario.regions[i];
      if (r.depth_max_mm > r.depth_min_mm) {
        lo = r.depth_min_mm;
        hi = r.depth_max_mm;
        band = true;
      }
    }
    d.in_band = band && imp.depth_mm >= lo && imp.depth_mm <= hi;
    cs.deposits.push_back(d);
  }
  std::sort(cs.deposits.begin(), cs.deposits.end(),
            [](const SectionDeposit& a, const SectionDeposit& b) {
              return a.offset_mm != b.offset_mm ? a.offset_mm < b.offset_mm
                                                : a.impression_id < b.impression_id;
            });
  return cs;
}

void SectionLayout::to_pixel(const CrossSection& cs, double offset_mm, double depth_mm, double* px,
                             double* py) const {
  *px = plot.x + (offset_mm + cs.half_length_mm) * px_per_mm_x;
  *py = plot.y + depth_mm * px_per_mm_y;
}

SectionLayout layout_cross_section(const CrossSection& cs, const Viewport& vp) {
  SectionLayout l;
  const int left = int(std::lround(vp.width * 0.22)), top = int(std::lround(vp.height * 0.12));
  const int right = int(std::lround(vp.width * 0.04)), bottom = int(std::lround(vp.height * 0.04));
  l.plot = {vp.x + left, vp.y + top, std::max(1, vp.width - left - right),
            std::max(1, vp.height - top - bottom)};
  l.px_per_mm_x = l.plot.width / std::max(1e-6, 2.0 * cs.half_length_mm);
  l.px_per_mm_y = l.plot.height / std::max(1e-6, cs.max_depth_mm);
  return l;
}

sim::Rgb layer_color(sim::Layer layer) {
  switch (layer) {
    case sim::Layer::kEpidermis:
      return {0.80, 0.62, 0.52};
    case sim::Layer::kPapillaryDermis:
      return {0.93, 0.74, 0.70};
    case sim::Layer::kReticularDermis:
      return {0.86, 0.64, 0.62};
    case sim::Layer::kSubcutis:
      return {0.98, 0.90, 0.62};
  }
  return {0.5, 0.5, 0.5};
}

}  // namespace smp::render
