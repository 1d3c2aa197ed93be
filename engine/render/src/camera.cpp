// Orbit camera math (no GL).
#include "smp/render/camera.h"

#include <algorithm>
#include <cmath>

namespace smp::render {
namespace {

using physics::Vec3;

struct Basis {
  Vec3 forward, right, up;
};
Basis basis_of(const OrbitCamera& c) {
  Basis b;
  b.forward = physics::normalize(c.target - c.eye());
  b.right = physics::normalize(physics::cross(b.forward, Vec3{0, 1, 0}));
  b.up = physics::cross(b.right, b.forward);
  return b;
}

}  // namespace

Vec3 OrbitCamera::eye() const {
  const double cp = std::cos(pitch_rad);
  return target +
         Vec3{cp * std::sin(yaw_rad), std::sin(pitch_rad), cp * std::cos(yaw_rad)} * distance_mm;
}

Mat4 OrbitCamera::view() const {
  const Basis b = basis_of(*this);
  const Vec3 e = eye();
  Mat4 m{};
  m[0] = float(b.right.x);
  m[4] = float(b.right.y);
  m[8] = float(b.right.z);
  m[1] = float(b.up.x);
  m[5] = float(b.up.y);
  m[9] = float(b.up.z);
  m[2] = float(-b.forward.x);
  m[6] = float(-b.forward.y);
  m[10] = float(-b.forward.z);
  m[12] = float(-physics::dot(b.right, e));
  m[13] = float(-physics::dot(b.up, e));
  m[14] = float(physics::dot(b.forward, e));
  m[15] = 1.0f;
  return m;
}

Mat4 OrbitCamera::projection(double aspect) const {
  const double f = 1.0 / std::tan(fov_y_rad / 2);
  Mat4 m{};
  m[0] = float(f / aspect);
  m[5] = float(f);
  m[10] = float((far_mm + near_mm) / (near_mm - far_mm));
  m[11] = -1.0f;
  m[14] = float(2.0 * far_mm * near_mm / (near_mm - far_mm));
  return m;
}

Mat4 OrbitCamera::view_projection(const Viewport& vp) const {
  const Mat4 p = projection(double(vp.width) / std::max(vp.height, 1));
  const Mat4 v = view();
  Mat4 r{};
  for (int c = 0; c < 4; ++c) {
    for (int row = 0; row < 4; ++row) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += double(p[k * 4 + row]) * double(v[c * 4 + k]);
      r[c * 4 + row] = float(s);
    }
  }
  return r;
}

physics::Ray OrbitCamera::screen_ray(const Viewport& vp, double px, double py) const {
  const Basis b = basis_of(*this);
  const double t = std::tan(fov_y_rad / 2);
  const double aspect = double(vp.width) / std::max(vp.height, 1);
  const double nx = 2.0 * (px - vp.x) / vp.width - 1.0;
  const double ny = 1.0 - 2.0 * (py - vp.y) / vp.height;
  return {eye(), physics::normalize(b.forward + b.right * (nx * t * aspect) + b.up * (ny * t))};
}

bool OrbitCamera::world_to_screen(const Viewport& vp, Vec3 w, double* px, double* py) const {
  const Basis b = basis_of(*this);
  const Vec3 rel = w - eye();
  const double z = physics::dot(rel, b.forward);
  if (z <= near_mm) return false;
  const double t = std::tan(fov_y_rad / 2);
  const double aspect = double(vp.width) / std::max(vp.height, 1);
  const double nx = physics::dot(rel, b.right) / (z * t * aspect);
  const double ny = physics::dot(rel, b.up) / (z * t);
  *px = vp.x + (nx + 1.0) * 0.5 * vp.width;
  *py = vp.y + (1.0 - ny) * 0.5 * vp.height;
  return true;
}

double OrbitCamera::mm_per_pixel(const Viewport& vp, double depth_mm) const {
  return 2.0 * depth_mm * std::tan(fov_y_rad / 2) / std::max(vp.height, 1);
}

void OrbitCamera::orbit(double dyaw, double dpitch) {
  yaw_rad = std::remainder(yaw_rad + dyaw, 2.0 * 3.14159265358979323846);
  pitch_rad = std::clamp(pitch_rad + dpitch, -1.45, 1.45);
}

void OrbitCamera::zoom(double factor, double min_mm, double max_mm) {
  if (!(factor > 0)) return;
  distance_mm = std::clamp(distance_mm * factor, min_mm, max_mm);
}

void OrbitCamera::pan(const Viewport& vp, double dx_px, double dy_px) {
  const Basis b = basis_of(*this);
  const double mmpp = mm_per_pixel(vp, distance_mm);
  target = target - b.right * (dx_px * mmpp) + b.up * (dy_px * mmpp);
}

void OrbitCamera::look_at_surface(const physics::SurfacePoint& p, double dist) {
  target = p.pos;
  yaw_rad = std::atan2(p.normal.x, p.normal.z);
  pitch_rad = std::clamp(std::asin(std::clamp(p.normal.y, -1.0, 1.0)), -1.45, 1.45);
  distance_mm = dist;
}

OrbitCamera OrbitCamera::framing(const physics::SkinSurface& surface) {
  OrbitCamera c;
  const Vec3 lo = surface.bounds_min(), hi = surface.bounds_max();
  if (surface.kind() == sim::Surface::kHead) {
    // The scalp (not the neck) in the middle of the view, seen from the front-left, above.
    c.target = {0.0, 30.0, -5.0};
    c.yaw_rad = 0.6;
    c.pitch_rad = 0.38;
    c.distance_mm = 128.0 / std::sin(c.fov_y_rad / 2);
  } else {
    c.target = (lo + hi) * 0.5;
    c.target.y = 0.0;
    c.yaw_rad = 0.0;
    c.pitch_rad = 1.15;
    const double half = 0.5 * std::max(hi.x - lo.x, hi.z - lo.z);
    c.distance_mm = 1.1 * half / std::tan(c.fov_y_rad / 2);
  }
  return c;
}

OrbitCamera OrbitCamera::framing(const physics::SkinSurface& surface, const sim::Scenario& s) {
  sim::PolygonMm pts;
  for (const sim::Region& r : s.regions) {
    if (r.role == sim::RegionRole::kForbidden) continue;  // big "keep out" areas are context only
    pts.insert(pts.end(), r.polygon_mm.begin(), r.polygon_mm.end());
  }
  pts.insert(pts.end(), s.hairline_front_mm.begin(), s.hairline_front_mm.end());
  // A practice pad is small: always show all of it.
  if (pts.empty() || surface.kind() != sim::Surface::kHead) return framing(surface);
  const sim::BoxMm b = sim::bounding_box(pts);
  const sim::PointMm c{0.5 * (b.min.x_mm + b.max.x_mm), 0.5 * (b.min.y_mm + b.max.y_mm)};
  const double extent = std::max({b.max.x_mm - b.min.x_mm, b.max.y_mm - b.min.y_mm, 20.0});
  OrbitCamera cam;
  const double dist = std::clamp(1.1 * extent / std::tan(cam.fov_y_rad / 2), 180.0, 700.0);
  cam.look_at_surface(surface.point(c), dist);
  if (surface.kind() == sim::Surface::kHead) {
    // A little from the front-left and above: the head's shape reads better than head-on.
    cam.yaw_rad += 0.25;
    cam.pitch_rad = std::clamp(cam.pitch_rad + 0.1, -1.2, 1.35);
  }
  return cam;
}

}  // namespace smp::render
