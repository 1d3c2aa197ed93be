// Small 3D vector and ray types shared by physics and render. World frame, millimetres:
// +X = the patient's left, +Y = up (toward the crown), +Z = forward (the face looks along +Z).
#pragma once
#include <cmath>

namespace smp::physics {

struct Vec3 {
  double x = 0.0, y = 0.0, z = 0.0;
  friend Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
  friend Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
  friend Vec3 operator-(Vec3 a) { return {-a.x, -a.y, -a.z}; }
  friend Vec3 operator*(Vec3 a, double s) { return {a.x * s, a.y * s, a.z * s}; }
  friend Vec3 operator*(double s, Vec3 a) { return a * s; }
  friend Vec3 operator/(Vec3 a, double s) { return {a.x / s, a.y / s, a.z / s}; }
  friend bool operator==(const Vec3&, const Vec3&) = default;
};
inline double dot(Vec3 a, Vec3 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
inline Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double length(Vec3 a) {
  return std::sqrt(dot(a, a));
}
// Unit vector along a; the zero vector stays zero.
inline Vec3 normalize(Vec3 a) {
  const double l = length(a);
  return l > 0.0 ? a / l : a;
}

// A ray in world mm. `dir` need not be unit length (functions normalise it).
struct Ray {
  Vec3 origin;
  Vec3 dir{0.0, 0.0, -1.0};
};

}  // namespace smp::physics
