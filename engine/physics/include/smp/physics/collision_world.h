// Bullet collision world holding the skin mesh: ray picking of stylus/mouse samples onto the skin.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>

#include "smp/physics/surface.h"
#include "smp/physics/vec.h"
#include "smp/sim/geometry.h"

namespace smp::physics {

struct PickHit {
  Vec3 point;                  // world mm, on the exact smooth surface (refined from the mesh hit)
  Vec3 normal;                 // unit outward surface normal at `point`
  double distance_mm = 0;      // along the normalised ray
  double incidence_rad = 0;    // angle between the reversed ray and the normal (0 = head-on)
  std::int32_t triangle = -1;  // index of the mesh triangle Bullet hit (indices[3*triangle..])
  double barycentric[3] = {0, 0, 0};  // of the mesh hit within that triangle
  sim::PointMm map;                   // scalp map point of `point`
  bool in_work_area = false;          // map inside surface.map_bounds()
};

// Needle orientation relative to the skin, in the terms smp::sim::StylusSample uses.
struct NeedleAngles {
  double tilt_rad = 0.0;     // between the needle axis and the skin normal
  double azimuth_rad = 0.0;  // scalp-map direction the needle leans toward, 0 = +x
};
// `needle_dir` points from the grip toward the skin (e.g. a view ray direction).
NeedleAngles needle_angles(const SurfacePoint& at, Vec3 needle_dir);

// Owns the Bullet objects. The SkinSurface passed in must outlive the CollisionWorld (its mesh
// arrays are referenced by Bullet, not copied).
class CollisionWorld {
 public:
  explicit CollisionWorld(const SkinSurface& surface);
  ~CollisionWorld();
  CollisionWorld(const CollisionWorld&) = delete;
  CollisionWorld& operator=(const CollisionWorld&) = delete;

  // First hit of the ray on the skin within max_distance_mm, or nullopt.
  std::optional<PickHit> pick(const Ray& ray, double max_distance_mm = 5000.0) const;

  const SkinSurface& surface() const { return *surface_; }

 private:
  struct Bullet;
  const SkinSurface* surface_;
  std::unique_ptr<Bullet> bt_;
};

}  // namespace smp::physics
