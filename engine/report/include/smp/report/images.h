// Pictures of the work for the certification report (docs/report-pdf.md, "Pictures of the work"):
// a top-down scalp-map view of the treated area at a point in time (fresh, healed, aged), drawn
// offscreen with cairo's software rasteriser. Same inputs give the same pixels and PNG bytes.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smp/report/record.h"
#include "smp/sim/geometry.h"
#include "smp/sim/impression.h"
#include "smp/sim/pigment.h"
#include "smp/sim/result.h"
#include "smp/sim/scenario.h"

// cairo_t without cairo's include path (identical to cairo.h's own typedef).
typedef struct _cairo cairo_t;

namespace smp::report {

// One picture in the standard set.
struct WorkImageSpec {
  std::string key;    // "fresh", "healed", "aged": file "<key>.png", record role "image-<key>"
  std::string label;  // caption, e.g. "Healed (30 days)"
  double t_days = 0.0;
};
// Fresh (t = 0), healed (30 days: the epidermis has renewed, domain.md) and aged (24 months).
std::vector<WorkImageSpec> standard_work_images();

// The part of the scalp map a picture shows and at what scale. The picture is seen from above,
// front (y = 0 side) at the top; +x (the patient's left) is drawn on the left, as when looking
// down on the head from above with the face at the top.
struct WorkView {
  sim::BoxMm box;  // scalp-map area shown
  double px_per_mm = 0.0;
  int width_px = 0, height_px = 0;
};

struct ImageOptions {
  double max_px_per_mm = 24.0;  // a 0.15 mm healed dot is ~3.6 px across at full scale
  double min_px_per_mm = 6.0;   // below this a 0.15 mm dot vanishes: the view is cropped instead
  int max_side_px = 2400;
  double margin_mm = 3.0;
  bool scale_bar = true;  // a labelled millimetre bar in the lower corner
};

// The bounding box of the treated regions (treat, scar, hairline transition) and of the
// impressions, plus a margin; when that would need fewer than min_px_per_mm, a window of the
// largest size that fits, centred on the impressions' centroid. Never empty (10 mm square at the
// origin when there is nothing to show).
WorkView choose_work_view(const sim::Scenario& scenario,
                          std::span<const sim::Impression> impressions,
                          const ImageOptions& options = {});

// Draws the picture into `cr`, whose user space must already map scalp-map millimetres of
// `view.box` onto the target (work_view_transform does this for a w x h target). Skin of the
// patient (scar regions paler), existing hairs, the impressions as appearance_at() shows them at
// `t_days`, faint region outlines. Fails when an impression names a pigment the catalogue lacks.
sim::Result<bool> draw_work(cairo_t* cr, const sim::Scenario& scenario,
                            const sim::PigmentCatalogue& catalogue,
                            std::span<const sim::Impression> impressions, double t_days,
                            const WorkView& view);
// Sets `cr`'s matrix so scalp-map mm of view.box fill a target of view.width_px x view.height_px
// units whose top-left is the current origin (x mirrored, see WorkView).
void work_view_transform(cairo_t* cr, const WorkView& view);

struct RenderedImage {
  std::string png;     // PNG file bytes (cairo's PNG writer)
  std::string sha256;  // sim::sha256_hex(png)
  WorkView view;
};
// Renders one picture into an RGB image surface and encodes it as PNG.
sim::Result<RenderedImage> render_work_png(const sim::Scenario& scenario,
                                           const sim::PigmentCatalogue& catalogue,
                                           std::span<const sim::Impression> impressions,
                                           double t_days, const WorkView& view,
                                           const ImageOptions& options = {});

// A decoded picture (cairo's PNG reader), for checks and for re-use in documents.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // row-major, 3 bytes per pixel
  std::array<std::uint8_t, 3> at(int x, int y) const {
    const auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                    static_cast<std::size_t>(x)) *
                   3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};
sim::Result<RgbImage> decode_png(std::string_view png);
// Where a scalp-map point lands in a picture of `view`, in pixels (x mirrored, see WorkView).
struct PixelPos {
  double x = 0.0, y = 0.0;
};
PixelPos to_pixel(const WorkView& view, sim::PointMm p);

// Renders the standard set into `dir` (fresh.png, healed.png, aged.png; atomic writes) and
// returns one FileRef per picture (role "image-<key>", media type image/png, SHA-256, size) for
// the record, in the order of standard_work_images().
sim::Result<std::vector<FileRef>> write_work_images(const std::string& dir,
                                                    const sim::Scenario& scenario,
                                                    const sim::PigmentCatalogue& catalogue,
                                                    std::span<const sim::Impression> impressions,
                                                    const ImageOptions& options = {});

}  // namespace smp::report
