// GLSL 3.30 core sources of the renderer (docs/rendering.md explains the shading).
#pragma once

namespace smp::render::shaders {

// Shared lighting: a camera-relative key and fill light with per-channel wrap (red light wraps
// further round the terminator: the cheap stand-in for subsurface scattering that keeps skin warm
// instead of grey in shadow), a sky/ground hemisphere ambient, and a broad, weak sheen instead of
// a specular highlight.
#define SMP_GLSL_LIGHTING                                                                      \
  "uniform vec3 uKeyDir;\n"                                                                    \
  "uniform vec3 uFillDir;\n"                                                                   \
  "vec3 wrap_diffuse(vec3 n, vec3 l) {\n"                                                      \
  "  const vec3 w = vec3(0.50, 0.32, 0.26);\n"                                                 \
  "  return clamp((vec3(dot(n, l)) + w) / (1.0 + w), 0.0, 1.0);\n"                             \
  "}\n"                                                                                        \
  "vec3 skin_light(vec3 n) {\n"                                                                \
  "  vec3 hemi = mix(vec3(0.20, 0.18, 0.17), vec3(0.34, 0.36, 0.40), 0.5 + 0.5 * n.y);\n"      \
  "  return 0.92 * wrap_diffuse(n, uKeyDir) + 0.30 * wrap_diffuse(n, uFillDir) + hemi;\n"      \
  "}\n"                                                                                        \
  "vec3 to_srgb(vec3 c) {\n"                                                                   \
  "  c = clamp(c, 0.0, 1.0);\n"                                                                \
  "  return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));\n"    \
  "}\n"                                                                                        \
  "vec3 to_srgb_fast(vec3 c) {  /* sqrt-based fit, within ~0.5/255 of to_srgb */\n"            \
  "  c = clamp(c, 0.0, 1.0);\n"                                                                \
  "  vec3 s1 = sqrt(c), s2 = sqrt(s1), s3 = sqrt(s2);\n"                                       \
  "  return clamp(0.662002687 * s1 + 0.684122060 * s2 - 0.323583601 * s3 - 0.0225411470 * c, " \
  "0.0, 1.0);\n"                                                                               \
  "}\n"

// dot_paint(): a dot's paint at `local` (mm from its centre), before its status ring: the
// slightly irregular outline (a few low harmonics with per-dot phases), denser pigment in the
// centre, and while fresh a faint red halo (erythema, a little blood) out to ~2.7 radii; rgb
// premultiplied. Shared by the dots drawn one by one (kDotFs) and the dots splatted into the
// scalp-map texture (kSplatFs), so the near and far views cannot drift apart.
#define SMP_GLSL_DOT_PAINT                                                                      \
  "vec4 dot_paint(vec2 local, vec4 shape, vec4 color, float fresh) {\n"                         \
  "  float seed = shape.w;\n"                                                                   \
  "  float ang = atan(local.y, local.x);\n"                                                     \
  "  float irr = 1.0 + 0.045 * sin(3.0 * ang + 6.283 * seed) + 0.035 * sin(5.0 * ang + 17.0 * " \
  "seed)\n"                                                                                     \
  "                  + 0.03 * sin(2.0 * ang + 29.0 * seed) + 0.02 * sin(7.0 * ang + 41.0 * "    \
  "seed);\n"                                                                                    \
  "  float rho = length(vec2(local.x / shape.x, local.y / shape.y));\n"                         \
  "  float edge_mm = (rho - irr) * shape.y;\n"                                                  \
  "  float core = 1.0 - smoothstep(-shape.z, shape.z, edge_mm);\n"                              \
  "  float a_dot = core * (0.82 + 0.18 * (1.0 - clamp(rho / irr, 0.0, 1.0))) * color.a;\n"      \
  "  float h = fresh * 0.40 * (1.0 - smoothstep(0.6, 2.7, rho));\n"                             \
  "  return vec4(color.rgb * a_dot + vec3(0.58, 0.09, 0.08) * h * (1.0 - a_dot),\n"             \
  "              a_dot + h * (1.0 - a_dot));\n"                                                 \
  "}\n"

inline constexpr const char* kBackgroundVs = R"(#version 330 core
out float vT;
void main() {
  vec2 p = vec2((gl_VertexID == 1) ? 3.0 : -1.0, (gl_VertexID == 2) ? 3.0 : -1.0);
  vT = 0.5 + 0.5 * p.y;
  gl_Position = vec4(p, 0.999, 1.0);
}
)";
inline constexpr const char* kBackgroundFs = R"(#version 330 core
in float vT;
uniform vec3 uTop;
uniform vec3 uBottom;
out vec4 oColor;
void main() { oColor = vec4(mix(uBottom, uTop, clamp(vT, 0.0, 1.0)), 1.0); }
)";

inline constexpr const char* kSkinVs = R"(#version 330 core
layout(location = 0) in vec3 aPos;
layout(location = 1) in vec3 aNormal;
layout(location = 2) in vec2 aMap;
uniform mat4 uVP;
out vec3 vPos;
out vec3 vNormal;
out vec2 vMap;
void main() {
  vPos = aPos;
  vNormal = aNormal;
  vMap = aMap;
  gl_Position = uVP * vec4(aPos, 1.0);
}
)";

// Compiled in variants (Renderer::Impl::skin_program): SMP_DOTS (composite the dot layer),
// SMP_HEAT (a heat map): llvmpipe runs both sides of a branch, so
// what a frame does not show is left out of the program rather than skipped at run time.
inline constexpr const char* kSkinFsBody = SMP_GLSL_LIGHTING R"(
in vec3 vPos;
in vec3 vNormal;
in vec2 vMap;
uniform vec3 uEye;
uniform vec3 uSkin;        // linear albedo of the patient's skin
uniform vec3 uScar;        // linear albedo of scar tissue
uniform vec3 uLesion;      // linear albedo of a mole / freckle ("avoid" regions)
uniform sampler2D uMask;   // r: scar, g: forbidden, b: avoid coverage
uniform vec4 uMaskRect;    // min x, min y (mm), 1 / width, 1 / height (1/mm)
uniform sampler2D uHeat;   // sRGB colour + alpha over the scalp map
uniform vec4 uHeatRect;
uniform float uHeatOpacity;
uniform float uShowRegions;
uniform vec3 uForbiddenTint;
uniform sampler2D uDots;   // dots, fresh halos, status rings splatted over the map: premultiplied
uniform vec4 uDotRect;     // min x, min y (mm), 1 / width, 1 / height (1/mm)
uniform sampler2D uNoise;  // tiling noise: r mottling, g red variation (256 mm), b pores (27 mm)
out vec4 oColor;

void main() {
  vec3 n = normalize(vNormal);
  vec3 v = normalize(uEye - vPos);
  vec4 mask = texture(uMask, (vMap - uMaskRect.xy) * uMaskRect.zw);
  float scar = mask.r;
  // Mottling at two scales (17, 5.5 mm) with a faint red variation (9 mm), and fine pores, all in
  // scalp-map millimetres so they stay put on the skin; scar tissue is smoother (no pores, less
  // mottling). Baked once (Renderer::create): two fetches instead of sixteen hashes a fragment.
  // The mottling is smooth (level 0, no derivatives needed); the pores are mipmapped so distant
  // skin does not alias into speckle.
  vec2 mottle = textureLod(uNoise, vMap * (1.0 / 256.0), 0.0).rg;
  float pores = texture(uNoise, vMap * (1.0 / (0.42 * 64.0))).b;
  float blot = mottle.r;
  float smooth_k = 1.0 - 0.8 * scar;
  vec3 albedo = uSkin * (1.0 + smooth_k * (0.10 * (blot - 0.5) + 0.05 * (pores - 0.5)));
  albedo *= vec3(1.0 + 0.035 * (mottle.g - 0.5), 1.0, 1.0);
  albedo = mix(albedo, uScar, scar);
  albedo = mix(albedo, uLesion * (0.9 + 0.2 * pores), 0.85 * mask.b);

  vec3 light = skin_light(n);
  vec3 col = albedo * light;
  // Subsurface warmth where the key light grazes: a little red scattered back out.
  float ndl = dot(n, uKeyDir);
  col += albedo * vec3(0.10, 0.025, 0.01) * (1.0 - abs(ndl)) * step(-0.3, ndl);
  // Broad, weak sheen (skin oil), a bit more on smooth scar tissue; never a sharp highlight.
  vec3 h = normalize(uKeyDir + v);
  float nh = max(dot(n, h), 0.0), nh2 = nh * nh, nh4 = nh2 * nh2;  // pow(nh, 10), pow(rim, 4)
  float rim = 1.0 - max(dot(n, v), 0.0), rim2 = rim * rim;
  col += vec3(0.020 + 0.025 * scar) * (nh4 * nh4 * nh2);
  col += vec3(0.025) * (rim2 * rim2);

  col = mix(col, uForbiddenTint * light, 0.22 * mask.g * uShowRegions);
#if SMP_HEAT
  {
    vec4 heat = texture(uHeat, (vMap - uHeatRect.xy) * uHeatRect.zw);
    // Mostly flat colour (legible against the legend), with a little shading to keep the form.
    col = mix(col, heat.rgb * (0.75 + 0.25 * clamp(light, 0.0, 1.0)), heat.a * uHeatOpacity);
  }
#endif
  vec3 srgb = to_srgb_fast(col);
#if SMP_DOTS
  {
    // The same composite the instanced dots get from blending: the lit colour of the dots (and
    // rings) over the skin, in sRGB. The mipmaps average coverage, so distant work reads
    // as an even stubble tone.
    vec2 duv = (vMap - uDotRect.xy) * uDotRect.zw;
    vec4 d = texture(uDots, duv);
    srgb = mix(srgb, to_srgb_fast(d.rgb / max(d.a, 1e-4) * light), d.a);
  }
#endif
  oColor = vec4(srgb, 1.0);
}
)";

// Dots: one instanced quad per impression, in the skin's tangent plane.
inline constexpr const char* kDotVs = "#version 330 core\n" SMP_GLSL_LIGHTING R"(
layout(location = 0) in vec2 aCorner;
layout(location = 1) in vec3 iPos;
layout(location = 2) in vec3 iNormal;
layout(location = 3) in vec3 iAxis;     // unit, major axis direction
layout(location = 4) in vec4 iShape;    // major radius, minor radius, blur (mm), seed
layout(location = 5) in vec4 iColor;    // linear rgb, opacity
layout(location = 6) in vec2 iExtra;    // fresh halo 0..1, status (0 none, 1..4)
uniform mat4 uVP;
uniform vec3 uEye;
uniform float uPxScale;    // mm per pixel per mm of distance
uniform float uShowStatus;
uniform vec3 uStatusColors[4];
out vec2 vLocal;           // mm in the dot's frame (major, minor)
out vec4 vShape;           // drawn major, minor radius, soft edge (mm), seed
out vec4 vColor;           // lit linear colour, opacity * coverage
out vec4 vRing;            // ring colour, ring radius (mm; 0 = none)
out vec2 vMisc;            // halo, mm per pixel
void main() {
  // Dots on the far side of the head are dropped before any further work (degenerate quad).
  if (dot(iNormal, uEye - iPos) < 0.0) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
    vLocal = vec2(0.0); vShape = vec4(1.0); vColor = vec4(0.0); vRing = vec4(0.0); vMisc = vec2(0.0);
    return;
  }
  float mmpp = uPxScale * length(uEye - iPos);
  // Dots smaller than a pixel are drawn one pixel wide with their coverage kept (alpha scaled by
  // the area ratio), so distant work reads as a fine stubble tone, not as shimmering specks.
  float minr = 0.6 * mmpp;
  float rmaj = max(iShape.x, minr), rmin = max(iShape.y, minr);
  float cover = (iShape.x * iShape.y) / (rmaj * rmin);
  float soft = max(iShape.z, 0.45 * mmpp);
  int status = int(iExtra.y + 0.5);
  float ring = (uShowStatus > 0.5 && status > 0) ? max(rmaj * 1.7, 3.0 * mmpp) : 0.0;
  float ext = max(rmaj + 2.0 * soft, rmaj * (1.0 + 1.8 * iExtra.x));
  ext = max(ext, ring + 1.5 * mmpp);
  vec3 minor_axis = cross(iNormal, iAxis);
  vec3 p = iPos + iNormal * (0.02 + 0.25 * mmpp) + (iAxis * aCorner.x + minor_axis * aCorner.y) * ext;
  vLocal = aCorner * ext;
  vShape = vec4(rmaj, rmin, soft, iShape.w);
  vColor = vec4(iColor.rgb * skin_light(iNormal), iColor.a * cover);
  vRing = vec4(status > 0 ? uStatusColors[clamp(status - 1, 0, 3)] : vec3(0.0), ring);
  vMisc = vec2(iExtra.x, mmpp);
  gl_Position = uVP * vec4(p, 1.0);
}
)";

inline constexpr const char* kDotFs = "#version 330 core\n" SMP_GLSL_LIGHTING SMP_GLSL_DOT_PAINT R"(
in vec2 vLocal;
in vec4 vShape;
in vec4 vColor;
in vec4 vRing;
in vec2 vMisc;
out vec4 oColor;
void main() {
  vec4 paint = dot_paint(vLocal, vShape, vColor, vMisc.x);
  vec3 c = paint.rgb;
  float a = paint.a;
  if (vRing.w > 0.0) {
    float d = abs(length(vLocal) - vRing.w);
    float r = 0.85 * (1.0 - smoothstep(0.45 * vMisc.y, 1.1 * vMisc.y, d));
    c = vRing.rgb * r + c * (1.0 - r);
    a = r + a * (1.0 - r);
  }
  if (a < 0.002) discard;
  oColor = vec4(to_srgb(c / a), a);
}
)";

// Dot layers: one instanced quad per dot, drawn into a scalp-map texture (premultiplied linear
// colour; sRGB storage) instead of the screen. The shape is the instanced dots' (kDotFs), with the
// texel standing in for the pixel.
inline constexpr const char* kSplatVs = R"(#version 330 core
layout(location = 0) in vec2 aCorner;
layout(location = 1) in vec2 iMap;      // map mm
layout(location = 2) in vec4 iFrame;    // dot frame (major, minor mm) -> map mm, column-major 2x2
layout(location = 3) in vec4 iShape;    // major radius, minor radius, blur (mm), seed
layout(location = 4) in vec4 iColor;    // linear rgb, opacity
layout(location = 5) in vec2 iExtra;    // fresh halo 0..1, status (0 none, 1..4)
uniform vec4 uRect;        // the texture's map rect: min x, min y, 1 / width, 1 / height
uniform float uTexelMm;
uniform int uRings;        // 1: each dot's status ring over it
uniform vec3 uStatusColors[4];
out vec2 vLocal;
out vec4 vShape;
out vec4 vColor;
out vec4 vRing;
out vec2 vMisc;
void main() {
  float minr = 0.6 * uTexelMm;
  float rmaj = max(iShape.x, minr), rmin = max(iShape.y, minr);
  float cover = (iShape.x * iShape.y) / (rmaj * rmin);
  float soft = max(iShape.z, 0.45 * uTexelMm);
  int status = int(iExtra.y + 0.5);
  float ext = max(rmaj + 2.0 * soft, rmaj * (1.0 + 1.8 * iExtra.x));
  float ring = (uRings == 1 && status > 0) ? max(rmaj * 1.7, 3.0 * uTexelMm) : 0.0;
  if (ring > 0.0) ext = max(ext, ring + 2.0 * uTexelMm);
  vRing = vec4(status > 0 ? uStatusColors[clamp(status - 1, 0, 3)] : vec3(0.0), ring);
  vec2 local = aCorner * ext;
  vec2 map = iMap + mat2(iFrame.xy, iFrame.zw) * local;
  vLocal = local;
  vShape = vec4(rmaj, rmin, soft, iShape.w);
  vColor = vec4(iColor.rgb, iColor.a * cover);
  vMisc = vec2(iExtra.x, uTexelMm);
  gl_Position = vec4((map - uRect.xy) * uRect.zw * 2.0 - 1.0, 0.0, 1.0);
}
)";
inline constexpr const char* kSplatFs = "#version 330 core\n" SMP_GLSL_DOT_PAINT R"(
in vec2 vLocal;
in vec4 vShape;
in vec4 vColor;
in vec4 vRing;
in vec2 vMisc;
out vec4 oColor;
void main() {
  vec4 paint = dot_paint(vLocal, vShape, vColor, vMisc.x);
  vec3 c = paint.rgb;
  float a = paint.a;
  if (vRing.w > 0.0) {
    // The ring over the dot, as kDotFs; a little wider than its ~1 px: the texture filter
    // spreads it.
    float d = abs(length(vLocal) - vRing.w);
    float r = 0.9 * (1.0 - smoothstep(0.6 * vMisc.y, 1.4 * vMisc.y, d));
    c = vRing.rgb * r + c * (1.0 - r);
    a = r + a * (1.0 - r);
  }
  if (a < 0.002) discard;
  oColor = vec4(c, a);  // premultiplied: blended with (ONE, ONE_MINUS_SRC_ALPHA)
}
)";

// One mip level of a dot layer from the level above: the exact 2 x 2 mean (texelFetch, no
// filtering rules), so partial updates of a dirty rectangle equal a full rebuild bit for bit.
inline constexpr const char* kDownVs = R"(#version 330 core
void main() {
  vec2 p = vec2((gl_VertexID == 1) ? 3.0 : -1.0, (gl_VertexID == 2) ? 3.0 : -1.0);
  gl_Position = vec4(p, 0.0, 1.0);
}
)";
inline constexpr const char* kDownFs = R"(#version 330 core
uniform sampler2D uSrc;
uniform int uLevel;        // the source level
out vec4 oColor;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy) * 2;
  oColor = 0.25 * (texelFetch(uSrc, p, uLevel) + texelFetch(uSrc, p + ivec2(1, 0), uLevel) +
                   texelFetch(uSrc, p + ivec2(0, 1), uLevel) + texelFetch(uSrc, p + ivec2(1, 1), uLevel));
}
)";

// Screen-space ribbons for guides (outlines, hairline, cursor): one instanced quad per segment.
inline constexpr const char* kLineVs = R"(#version 330 core
layout(location = 0) in vec2 aCorner;   // x: 0 = start, 1 = end; y: side -1 / +1
layout(location = 1) in vec3 iP0;
layout(location = 2) in vec3 iP1;
layout(location = 3) in vec4 iColor;    // sRGB + alpha
layout(location = 4) in float iWidth;   // pixels
uniform mat4 uVP;
uniform vec2 uHalfViewport;
out vec4 vColor;
out float vSide;
out float vWidth;
void main() {
  vec4 c0 = uVP * vec4(iP0, 1.0), c1 = uVP * vec4(iP1, 1.0);
  if (c0.w <= 0.0 || c1.w <= 0.0) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); return; }
  vec2 s0 = c0.xy / c0.w * uHalfViewport, s1 = c1.xy / c1.w * uHalfViewport;
  vec2 d = s1 - s0;
  d = length(d) > 1e-4 ? normalize(d) : vec2(1.0, 0.0);
  vec2 nrm = vec2(-d.y, d.x);
  float w = iWidth + 1.0;  // one extra pixel for the anti-aliased edge
  vec4 c = aCorner.x < 0.5 ? c0 : c1;
  vec2 off = nrm * aCorner.y * 0.5 * w + d * (aCorner.x * 2.0 - 1.0) * 0.5 * iWidth;
  c.xy += off / uHalfViewport * c.w;
  vColor = iColor;
  vSide = aCorner.y * 0.5 * w;
  vWidth = iWidth;
  gl_Position = c;
}
)";
inline constexpr const char* kLineFs = R"(#version 330 core
in vec4 vColor;
in float vSide;
in float vWidth;
out vec4 oColor;
void main() {
  float a = clamp(0.5 * vWidth - abs(vSide) + 0.5, 0.0, 1.0);
  oColor = vec4(vColor.rgb, vColor.a * a);
}
)";

// Existing hairs: a short curved strand per hair (triangle strip of kHairSegments).
inline constexpr const char* kHairVs = "#version 330 core\n" SMP_GLSL_LIGHTING R"(
layout(location = 0) in vec3 iRoot;
layout(location = 1) in vec3 iNormal;
layout(location = 2) in vec3 iDir;      // unit tangent, growth direction
layout(location = 3) in vec4 iParams;   // length mm, diameter mm, seed, unused
uniform mat4 uVP;
uniform vec3 uEye;
uniform float uPxScale;
uniform vec2 uHalfViewport;
uniform vec3 uHairColor;   // linear
uniform int uSegments;
out vec4 vColor;
out float vSide;
out float vWidth;
void main() {
  int seg = gl_VertexID / 2;
  float side = (gl_VertexID % 2 == 0) ? -1.0 : 1.0;
  float s = float(seg) / float(uSegments);
  float L = iParams.x;
  // Leaves the skin at ~25 degrees, then droops with gravity/combing.
  float rise = 0.47 - 0.55 * s;
  vec3 p = iRoot + (iDir * s + iNormal * (0.47 * s - 0.275 * s * s)) * L;
  vec3 t = normalize(iDir + iNormal * rise);
  vec4 c = uVP * vec4(p, 1.0);
  vec4 c2 = uVP * vec4(p + t * 0.2, 1.0);
  vec2 d = c2.xy / c2.w - c.xy / c.w;
  d = length(d) > 1e-7 ? normalize(d * uHalfViewport) : vec2(1.0, 0.0);
  vec2 nrm = vec2(-d.y, d.x);
  float mmpp = uPxScale * length(uEye - p);
  float true_px = iParams.y * (1.0 - 0.55 * s) / mmpp;
  float w = max(true_px, 1.0);
  c.xy += nrm * side * 0.5 * (w + 1.0) / uHalfViewport * c.w;
  float shade = 0.75 + 0.25 * dot(skin_light(normalize(iNormal + t)), vec3(0.333));
  vColor = vec4(uHairColor * shade, min(1.0, true_px / w) * (1.0 - 0.4 * s * s));
  vSide = side * 0.5 * (w + 1.0);
  vWidth = w;
  gl_Position = c;
}
)";
inline constexpr const char* kHairFs = "#version 330 core\n" SMP_GLSL_LIGHTING R"(
in vec4 vColor;
in float vSide;
in float vWidth;
out vec4 oColor;
void main() {
  float a = clamp(0.5 * vWidth - abs(vSide) + 0.5, 0.0, 1.0) * vColor.a;
  if (a < 0.003) discard;
  oColor = vec4(to_srgb(vColor.rgb), a);
}
)";

// Flat 2D triangles in window pixels (the cross-section diagram).
inline constexpr const char* kFlatVs = R"(#version 330 core
layout(location = 0) in vec2 aPos;
layout(location = 1) in vec4 aColor;
uniform vec2 uFramebuffer;
out vec4 vColor;
void main() {
  vColor = aColor;
  gl_Position = vec4(aPos.x / uFramebuffer.x * 2.0 - 1.0, 1.0 - aPos.y / uFramebuffer.y * 2.0, 0.0, 1.0);
}
)";
inline constexpr const char* kFlatFs = R"(#version 330 core
in vec4 vColor;
out vec4 oColor;
void main() { oColor = vColor; }
)";

}  // namespace smp::render::shaders
