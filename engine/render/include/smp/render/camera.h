// Orbit camera: yaw/pitch/distance around a pan target, with screen <-> world helpers.
// Pure math (no GL), so the platform/UI layers and tests can use it headless.
#pragma once
#include <array>

#include "smp/physics/surface.h"
#include "smp/physics/vec.h"
#include "smp/sim/scenario.h"

namespace smp::render {

using Mat4 = std::array<float, 16>;  // column-major, as glUniformMatrix4fv(..., GL_FALSE, ...)

// A rectangle of the framebuffer in pixels, origin top-left (window coordinates, like SDL).
struct Viewport {
  int x = 0, y = 0, width = 1, height = 1;
};

struct OrbitCamera {
  // The eye sits at target + distance * (cos(pitch) sin(yaw), sin(pitch), cos(pitch) cos(yaw)):
  // yaw 0 / pitch 0 looks at the face from the front; positive pitch looks down from above.
  double yaw_rad = 0.0;
  double pitch_rad = 0.5;
  double distance_mm = 600.0;
  physics::Vec3 target;
  double fov_y_rad = 0.45;  // a longer lens: less perspective distortion of the scalp
  double near_mm = 10.0;
  double far_mm = 5000.0;

  physics::Vec3 eye() const;
  Mat4 view() const;
  Mat4 projection(double aspect) const;
  Mat4 view_projection(const Viewport& vp) const;

  // Ray from the eye through pixel (px, py) of the viewport (px, py in window pixels, top-left).
  physics::Ray screen_ray(const Viewport& vp, double px, double py) const;
  // Window pixel of a world point; false when it is behind the camera.
  bool world_to_screen(const Viewport& vp, physics::Vec3 world, double* px, double* py) const;
  // World millimetres covered by one pixel at distance `depth_mm` from the eye.
  double mm_per_pixel(const Viewport& vp, double depth_mm) const;

  // Gestures. Pitch is clamped to (-1.45, 1.45) rad, distance to [min, max].
  void orbit(double dyaw_rad, double dpitch_rad);
  void zoom(double factor, double min_mm = 40.0, double max_mm = 1500.0);  // factor < 1 zooms in
  void pan(const Viewport& vp, double dx_px, double dy_px);  // drags the scene with the pointer

  // Looks at `point` along -normal from `distance_mm` away ("show me" buttons).
  void look_at_surface(const physics::SurfacePoint& point, double distance_mm);
  // The default view of a surface: the whole head from the front-top-left, or the pad from above.
  static OrbitCamera framing(const physics::SkinSurface& surface);
  // The view a scenario opens with: its regions and hairline centred and filling most of the
  // view (head: looking along the skin normal at their centre, tilted a little toward the face
  // side); a pad is always shown whole, from above.
  static OrbitCamera framing(const physics::SkinSurface& surface, const sim::Scenario& scenario);
};

}  // namespace smp::render
