// The skin surface the trainee works on: the procedural head or the flat practice pad, with the
// exact mapping between the scalp map (smp/sim/geometry.h, mm along the skin) and the 3D world
// (vec.h frame, mm). docs/rendering.md, "Head parametrisation", defines the mapping.
//
// Head: a star-shaped surface around the origin, P(a, b) = r(d) d with
//   d(a, b) = (sin b, cos b sin a, cos b cos a)
// a = angle around the left-right (X) axis (0 = forward, pi/2 = up, pi = back), b = angle toward
// the patient's left. The scalp map is y = arc length along the midline (b = 0) from the front
// hairline midpoint (a = a_hairline), x = arc length along the coronal arc (fixed a) from the
// midline. Both are tabulated once and interpolated; point() and map_point() use the same tables,
// so they are exact inverses of each other (to ~1e-9 mm), whatever the tabulation error.
// Pad: a flat slab, top face at world y = 0; world = (x_mm, 0, -y_mm).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "smp/physics/vec.h"
#include "smp/sim/geometry.h"
#include "smp/sim/scenario.h"

namespace smp::physics {

// A point of the skin with its local frame. tangent_x / tangent_y are unit vectors along +x / +y
// of the scalp map (orthogonalised against the normal; tangent_y = normal x tangent_x).
struct SurfacePoint {
  Vec3 pos;     // world mm
  Vec3 normal;  // unit, outward
  Vec3 tangent_x;
  Vec3 tangent_y;
};

// One render/collision vertex. `map_mm` holds the vertex's scalp-map (x, y) (defined over the whole
// head, meaningful inside map_bounds()).
struct MeshVertex {
  float pos[3];
  float normal[3];
  float map_mm[2];
};

// Indexed triangle list, counter-clockwise seen from outside.
struct SurfaceMesh {
  std::vector<MeshVertex> vertices;
  std::vector<std::uint32_t> indices;
  // Head: the (a, b) grid behind the vertices ((grid_a + 1) x (grid_b + 1), b fastest), so the
  // renderer can draw a coarser level of detail from the same vertices. 0 for the pad.
  int grid_a = 0, grid_b = 0;
};

class SkinSurface {
 public:
  // The procedural head (skull length 200 mm, width ~150 mm, with face, ears and neck stub).
  // The tables behind it are built once per process (~0.2 s) and shared.
  static SkinSurface head();
  // A practice pad covering `extent` plus `margin_mm` on every side.
  static SkinSurface pad(sim::BoxMm extent, double margin_mm = 15.0);
  // The surface a scenario asks for: the head, or the 100 x 100 mm pad (map 0..100 mm both ways).
  static SkinSurface for_scenario(const sim::Scenario& scenario);

  ~SkinSurface();
  SkinSurface(SkinSurface&&) noexcept;
  SkinSurface& operator=(SkinSurface&&) noexcept;
  SkinSurface(const SkinSurface&);
  SkinSurface& operator=(const SkinSurface&);

  sim::Surface kind() const;
  // Where the scalp map is drawn and worked: head x in [-110, 110], y in [-60, 290] (brow to
  // nape);
  // pad: its extent (without the margin the slab adds).
  sim::BoxMm map_bounds() const;

  // Scalp map -> world. Defined for any map point on the head (points far outside map_bounds()
  // are clamped to the parametrised domain); on the pad any point of the plane.
  SurfacePoint point(sim::PointMm p) const;
  // World -> scalp map: the map point whose surface point lies on the line from the head centre
  // through `world` (head) or straight below/above it (pad). Exact inverse of point() for points
  // on the surface.
  sim::PointMm map_point(Vec3 world) const;
  // Where a ray first meets the exact smooth surface, searched near `t_guess` (distance along the
  // normalised ray, e.g. from a hit on the triangle mesh). nullopt if the search fails.
  std::optional<double> refine_ray_hit(const Ray& ray, double t_guess) const;

  // How the map stretches on the skin at p: skin mm per map mm along +x and +y, and the angle
  // between the two map directions on the skin (pi/2 = orthogonal). Head: x_scale = 1 and, on the
  // midline, y_scale = 1 exactly; off the midline the coronal arcs converge toward the ears, so
  // y_scale < 1 (0.90 at |x| = 40 mm, 0.65 at |x| = 75 mm: docs/rendering.md). Pad: 1, 1, pi/2.
  struct MapMetric {
    double x_scale = 1.0;
    double y_scale = 1.0;
    double angle_rad = 1.5707963267948966;
  };
  MapMetric metric(sim::PointMm p) const;

  // Render/collision mesh, built on first use and cached (vertex spacing ~2 mm on the scalp).
  const SurfaceMesh& mesh() const;
  // Axis-aligned bounds of the mesh, world mm.
  Vec3 bounds_min() const;
  Vec3 bounds_max() const;

 private:
  struct Impl;
  explicit SkinSurface(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;  // immutable after construction, shared by copies
};

}  // namespace smp::physics
