// Cross-section under a scalp point: the skin layers and the deposits near a short line through
// it (no GL). The Renderer draws it; the UI labels it with the same mm -> pixel transform.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "smp/render/camera.h"
#include "smp/sim/color.h"
#include "smp/sim/impression.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"

namespace smp::render {

// Layer boundaries sampled along the section: depth of the bottom of each layer (mm from the
// surface) at `offset_mm` along the line.
struct LayerProfileSample {
  double offset_mm = 0.0;
  double epidermis_bottom_mm = 0.0;
  double papillary_bottom_mm = 0.0;
  double reticular_bottom_mm = 0.0;
  double subcutis_bottom_mm = 0.0;
  bool scar = false;
};

struct SectionDeposit {
  std::uint32_t impression_id = 0;
  double offset_mm = 0.0;  // along the line, signed, from the centre
  double depth_mm = 0.0;
  double width_mm = 0.0;  // fresh diameter
  sim::Layer layer = sim::Layer::kEpidermis;
  sim::Rgb color;  // deposit colour (pigment over skin), sRGB
  bool in_band = false;
};

struct CrossSection {
  sim::PointMm centre;
  double direction_rad = 0.0;  // of the line in the scalp map, 0 = +x
  double half_length_mm = 0.0;
  double max_depth_mm = 0.0;                    // depth the diagram shows (into the fat)
  double band_min_mm = 0.0, band_max_mm = 0.0;  // target band at the centre (0/0: none)
  std::vector<LayerProfileSample> profile;      // ordered by offset
  std::vector<SectionDeposit> deposits;         // ordered by offset
};

// Deposits within `corridor_mm` of the line are included. Impressions are scanned linearly (fine
// for an on-demand view; ~1 ms per 100,000). `catalogue` (optional) colours the deposits.
CrossSection make_cross_section(const sim::Scenario& scenario,
                                std::span<const sim::Impression> impressions, sim::PointMm centre,
                                double direction_rad = 0.0, double half_length_mm = 4.0,
                                double corridor_mm = 0.6, double max_depth_mm = 2.6,
                                const sim::PigmentCatalogue* catalogue = nullptr);

// Where (offset_mm, depth_mm) of a section lands in a viewport: a margin for labels is left on the
// left (~22% of the width) and at the top (~12% of the height).
struct SectionLayout {
  Viewport plot;  // the rectangle the layers fill
  double px_per_mm_x = 1.0, px_per_mm_y = 1.0;
  void to_pixel(const CrossSection& cs, double offset_mm, double depth_mm, double* px,
                double* py) const;
};
SectionLayout layout_cross_section(const CrossSection& cs, const Viewport& vp);

// Layer fill colours of the diagram (sRGB), by smp::sim::Layer.
sim::Rgb layer_color(sim::Layer layer);

}  // namespace smp::render
