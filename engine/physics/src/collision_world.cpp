// Bullet collision world: one static btBvhTriangleMeshShape over the skin mesh, ray picking.
#include "smp/physics/collision_world.h"

#include <btBulletCollisionCommon.h>

#include <algorithm>
#include <cmath>

namespace smp::physics {

struct CollisionWorld::Bullet {
  btTriangleIndexVertexArray mesh_array;
  std::unique_ptr<btBvhTriangleMeshShape> shape;
  btCollisionObject object;
  btDefaultCollisionConfiguration config;
  btCollisionDispatcher dispatcher{&config};
  btDbvtBroadphase broadphase;
  btCollisionWorld world{&dispatcher, &broadphase, &config};
  ~Bullet() { world.removeCollisionObject(&object); }
};

namespace {

// Keeps the closest hit and the triangle Bullet reports for it.
struct ClosestTriangleCallback : btCollisionWorld::RayResultCallback {
  btVector3 from, to;
  btScalar fraction = 1;
  int triangle = -1;
  ClosestTriangleCallback(const btVector3& f, const btVector3& t) : from(f), to(t) {}
  btScalar addSingleResult(btCollisionWorld::LocalRayResult& r, bool /*normal_in_world*/) override {
    if (r.m_hitFraction < fraction) {
      fraction = r.m_hitFraction;
      triangle = r.m_localShapeInfo ? r.m_localShapeInfo->m_triangleIndex : -1;
      m_closestHitFraction = fraction;
      m_collisionObject = r.m_collisionObject;
    }
    return m_closestHitFraction;
  }
};

Vec3 vtx(const SurfaceMesh& m, std::uint32_t i) {
  const MeshVertex& v = m.vertices[i];
  return {v.pos[0], v.pos[1], v.pos[2]};
}

// Barycentric coordinates of p (assumed in the triangle's plane) in triangle abc.
void barycentric(Vec3 a, Vec3 b, Vec3 c, Vec3 p, double out[3]) {
  const Vec3 v0 = b - a, v1 = c - a, v2 = p - a;
  const double d00 = dot(v0, v0), d01 = dot(v0, v1), d11 = dot(v1, v1);
  const double d20 = dot(v2, v0), d21 = dot(v2, v1);
  const double den = d00 * d11 - d01 * d01;
  if (std::abs(den) < 1e-30) {
    out[0] = 1.0;
    out[1] = out[2] = 0.0;
    return;
  }
  const double v = (d11 * d20 - d01 * d21) / den;
  const double w = (d00 * d21 - d01 * d20) / den;
  out[0] = 1.0 - v - w;
  out[1] = v;
  out[2] = w;
}

}  // namespace

NeedleAngles needle_angles(const SurfacePoint& at, Vec3 needle_dir) {
  const Vec3 n = at.normal;
  const Vec3 axis = normalize(-needle_dir);  // from the skin back toward the grip
  NeedleAngles out;
  out.tilt_rad = std::acos(std::clamp(dot(axis, n), -1.0, 1.0));
  // The grip leans away from the normal along `lean`; express it in the tangent frame.
  const Vec3 lean = axis - n * dot(axis, n);
  if (length(lean) > 1e-9)
    out.azimuth_rad = std::atan2(dot(lean, at.tangent_y), dot(lean, at.tangent_x));
  return out;
}

CollisionWorld::CollisionWorld(const SkinSurface& surface)
    : surface_(&surface), bt_(std::make_unique<Bullet>()) {
  const SurfaceMesh& m = surface.mesh();
  btIndexedMesh im;
  im.m_numTriangles = int(m.indices.size() / 3);
  im.m_triangleIndexBase = reinterpret_cast<const unsigned char*>(m.indices.data());
  im.m_triangleIndexStride = 3 * sizeof(std::uint32_t);
  im.m_numVertices = int(m.vertices.size());
  im.m_vertexBase = reinterpret_cast<const unsigned char*>(m.vertices.data());
  im.m_vertexStride = sizeof(MeshVertex);
  im.m_indexType = PHY_INTEGER;
  im.m_vertexType = PHY_FLOAT;
  bt_->mesh_array.addIndexedMesh(im, PHY_INTEGER);
  bt_->shape = std::make_unique<btBvhTriangleMeshShape>(&bt_->mesh_array, true, true);
  bt_->object.setCollisionShape(bt_->shape.get());
  bt_->world.addCollisionObject(&bt_->object);
  bt_->world.updateAabbs();
}

CollisionWorld::~CollisionWorld() = default;

std::optional<PickHit> CollisionWorld::pick(const Ray& ray, double max_distance_mm) const {
  const Vec3 d = normalize(ray.dir);
  if (length(d) == 0.0) return std::nullopt;
  const Vec3 end = ray.origin + d * max_distance_mm;
  const btVector3 from(btScalar(ray.origin.x), btScalar(ray.origin.y), btScalar(ray.origin.z));
  const btVector3 to(btScalar(end.x), btScalar(end.y), btScalar(end.z));
  ClosestTriangleCallback cb(from, to);
  bt_->world.rayTest(from, to, cb);
  if (!cb.hasHit() || cb.triangle < 0) return std::nullopt;

  const SurfaceMesh& m = surface_->mesh();
  PickHit hit;
  hit.triangle = cb.triangle;
  const std::uint32_t* tri = &m.indices[std::size_t(cb.triangle) * 3];
  const Vec3 a = vtx(m, tri[0]), b = vtx(m, tri[1]), c = vtx(m, tri[2]);
  // Recompute the mesh hit in double precision (Bullet works in float).
  const Vec3 n_tri = cross(b - a, c - a);
  const double denom = dot(n_tri, d);
  double t_mesh = double(cb.fraction) * max_distance_mm;
  if (std::abs(denom) > 1e-12) t_mesh = dot(n_tri, a - ray.origin) / denom;
  barycentric(a, b, c, ray.origin + d * t_mesh, hit.barycentric);

  // Move from the chordal mesh onto the exact surface, then map back analytically.
  const std::optional<double> t_exact = surface_->refine_ray_hit(ray, t_mesh);
  const sim::BoxMm wb = surface_->map_bounds();
  bool on_surface = true;
  if (t_exact) {
    hit.distance_mm = *t_exact;
    hit.point = ray.origin + d * *t_exact;
    hit.map = surface_->map_point(hit.point);
    hit.normal = surface_->point(hit.map).normal;
  } else {
    // Grazing rays on the head, or the pad's sides: interpolate the vertices' map coordinates
    // and normals instead.
    hit.distance_mm = t_mesh;
    hit.point = ray.origin + d * t_mesh;
    double mx = 0, my = 0;
    Vec3 n;
    for (int k = 0; k < 3; ++k) {
      const MeshVertex& v = m.vertices[tri[k]];
      mx += hit.barycentric[k] * double(v.map_mm[0]);
      my += hit.barycentric[k] * double(v.map_mm[1]);
      n = n + Vec3{v.normal[0], v.normal[1], v.normal[2]} * hit.barycentric[k];
    }
    hit.map = {mx, my};
    hit.normal = normalize(n);
    // Only a hit on the working face itself can be worked (not the side of a pad).
    on_surface = length(surface_->point(hit.map).pos - hit.point) < 0.5;
  }
  hit.incidence_rad = std::acos(std::clamp(dot(-d, hit.normal), -1.0, 1.0));
  hit.in_work_area = on_surface && hit.map.x_mm >= wb.min.x_mm && hit.map.x_mm <= wb.max.x_mm &&
                     hit.map.y_mm >= wb.min.y_mm && hit.map.y_mm <= wb.max.y_mm;
  return hit;
}

}  // namespace smp::physics
