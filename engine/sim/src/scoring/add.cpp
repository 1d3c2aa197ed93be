// add(): one impression's facts (prepare) and their entry into the running state (commit).
#include <algorithm>
#include <array>
#include <cmath>

#include "scoring/state.h"
#include "scoring/sub_scores.h"

namespace smp::sim::scoring {

State::State(const Scenario& s, const PigmentCatalogue& c)
    : scenario(&s), catalogue(&c), layout(build_layout(s)) {
  regrid();
  cells.resize(layout.cell_expected.size());
  cell_dirty.assign(cells.size(), 0);
  seg_min_fx.assign(static_cast<std::size_t>(layout.segments), kNoSegment);
  buckets.resize(static_cast<std::size_t>(kCodeCount) * (kLevels + 1));
  level_count.assign(kLevels + 1, 0);
  scar_in.assign(layout.scars.size(), 0);
  scar_ring.assign(layout.scars.size(), 0);
  for (const auto& sc_ : layout.scars) scar_cells.emplace_back(sc_.cell_in.size(), 0);
  // The layout knows how many dots the scenario expects: reserve for them up front.
  const std::size_t expect =
      static_cast<std::size_t>(std::min(4.0e6, 1.25 * layout.total_expected)) + 1024;
  dots.reserve(expect);
}

constexpr std::size_t kMaxDeposits = 64;

// Index into `deposits`, or kNone (not cached: prepare() computes it).
std::uint32_t State::deposit(std::uint32_t pigment, const Impression& imp) {
  const Pigment* pg = pigments[pigment].pigment;
  if (pg == nullptr) return kNone;
  const double dilution = healing_dilution(imp);
  for (std::size_t i = 0; i < deposits.size(); ++i)
    if (deposits[i].pigment == pigment && deposits[i].dilution == dilution)
      return static_cast<std::uint32_t>(i);
  if (deposits.size() >= kMaxDeposits) return kNone;
  deposits.push_back(
      Deposit{pigment, dilution, deposit_color(*pg, dilution, scenario->patient.skin_lab)});
  return static_cast<std::uint32_t>(deposits.size() - 1);
}

std::uint32_t State::facts(const std::string& id) {
  for (std::size_t i = 0; i < pigments.size(); ++i)
    if (pigments[i].id == id) return static_cast<std::uint32_t>(i);
  PigmentFacts f;
  f.id = id;
  f.pigment = catalogue->find(id);
  f.allowed = f.pigment != nullptr &&
              (scenario->pigments_allowed.empty() ||
               std::find(scenario->pigments_allowed.begin(), scenario->pigments_allowed.end(),
                         id) != scenario->pigments_allowed.end());
  pigments.push_back(std::move(f));
  return static_cast<std::uint32_t>(pigments.size() - 1);
}

void State::push_finding(Dot& d, std::uint32_t idx, Code code, int level) {
  const std::uint32_t b =
      static_cast<std::uint32_t>(code * (kLevels + 1) + std::clamp(level, 1, kLevels));
  fixed_findings.push_back(b);
  ++d.finding_count;
  buckets[b].push_back(idx);
  ++level_count[b % (kLevels + 1)];
}

void State::apply_mut(std::uint32_t j, const PointMm* nn_pos) {
  Dot& d = dots[j];
  if (d.expected_nn_mm > 0.0) {
    const double q = std::min(d.nn_mm, d.cap_mm()) / d.expected_nn_mm;
    d.nn_ratio_fx = to_fixed32(q);
    d.nn_ratio_sq_fx = to_fixed32(q * q);
    nn_ratio_sum += d.nn_ratio_fx;
    nn_ratio_sq_sum += d.nn_ratio_sq_fx;
    ++n_nn;
    d.nn_applied = true;
    d.crowded = q < kCrowdedRatio;
    if (d.crowded) ++n_crowded;
    if (d.nn_id != kNone && d.analysis_cell >= 0) {
      const PointMm o = nn_pos != nullptr ? *nn_pos : dots[d.nn_id].pos;
      const double dx = o.x_mm - d.pos.x_mm, dy = o.y_mm - d.pos.y_mm;
      const double len = std::sqrt(dx * dx + dy * dy);
      if (len > 0.0) {
        // Undirected NN orientation: harmonics 2, 4, 6 of the angle without trigonometry.
        const double ux = dx / len, uy = dy / len;
        const double c2 = ux * ux - uy * uy, s2 = 2.0 * ux * uy;
        const double c4 = c2 * c2 - s2 * s2, s4 = 2.0 * c2 * s2;
        const double c6 = c4 * c2 - s4 * s2, s6 = s4 * c2 + c4 * s2;
        d.orientation_fx = {to_fixed32(c2), to_fixed32(s2), to_fixed32(c4),
                            to_fixed32(s4), to_fixed32(c6), to_fixed32(s6)};
        AnalysisCellSums& cell = cells[static_cast<std::size_t>(d.analysis_cell)];
        for (std::size_t k = 0; k < 6; ++k) cell.ori[k] += d.orientation_fx[k];
        ++cell.n_orientations;
        mark_cell(d.analysis_cell);
        d.ori_applied = true;
      }
    }
  }
  apply_risk(d);
}

// The touching state and the blur risk that depends on it, applied to and retracted from the
// sums.
void State::apply_risk(Dot& d) {
  if (d.touching) ++n_touching;
  const double risk = 1.0 - (1.0 - d.base_risk) * (1.0 - (d.touching ? kRiskOverlap : 0.0));
  d.risk_fx = to_fixed32(risk);
  risk_sum += d.risk_fx;
  d.risky = risk >= kRiskyDot;
  if (d.risky) ++n_risky;
  if (d.risk_fx > 0) ++n_some_risk;
}
void State::retract_risk(Dot& d) {
  if (d.touching) --n_touching;
  risk_sum -= d.risk_fx;
  if (d.risky) --n_risky;
  if (d.risk_fx > 0) --n_some_risk;
}

// A dot starts or stops touching while its NN stays: only the touch-dependent part changes
// (retract_mut + apply_mut would put back the same NN contributions).
void State::set_touching(std::uint32_t j, bool touching) {
  Dot& d = dots[j];
  if (d.touching == touching) return;
  retract_risk(d);
  d.touching = touching;
  apply_risk(d);
  sync_touching(j);
}

void State::retract_mut(std::uint32_t j) {
  Dot& d = dots[j];
  if (d.nn_applied) {
    nn_ratio_sum -= d.nn_ratio_fx;
    nn_ratio_sq_sum -= d.nn_ratio_sq_fx;
    --n_nn;
    if (d.crowded) --n_crowded;
    d.nn_applied = false;
  }
  if (d.ori_applied) {
    AnalysisCellSums& cell = cells[static_cast<std::size_t>(d.analysis_cell)];
    for (std::size_t k = 0; k < 6; ++k) cell.ori[k] -= d.orientation_fx[k];
    --cell.n_orientations;
    mark_cell(d.analysis_cell);
    d.ori_applied = false;
  }
  retract_risk(d);
}

void State::sync_touching(std::uint32_t j) {
  const Dot& d = dots[j];
  if (d.touching == d.touch_listed) return;
  if (d.touching) {
    touching_set.insert(j);
  } else {
    touching_set.erase(j);
  }
  dots[j].touch_listed = d.touching;
}

namespace {
// Non-finite numbers (a corrupt interchange file) must not reach the integer state: a position
// becomes a point far outside every region, the other fields their neutral values.
// Whether sanitized(in) would change nothing (the usual case: no copy needed).
bool is_sane(const Impression& in) {
  auto ok = [](double v) { return std::isfinite(v); };
  return ok(in.pos.x_mm) && ok(in.pos.y_mm) && std::fabs(in.pos.x_mm) <= 1e9 &&
         std::fabs(in.pos.y_mm) <= 1e9 && ok(in.depth_mm) && ok(in.dose) &&
         ok(in.fresh_diameter_mm) && ok(in.elongation) && ok(in.dilution);
}

Impression sanitized(const Impression& in) {
  Impression imp = in;
  auto finite = [](double v) { return std::isfinite(v); };
  if (!finite(imp.pos.x_mm) || !finite(imp.pos.y_mm)) imp.pos = PointMm{1e9, 1e9};
  imp.pos.x_mm = std::clamp(imp.pos.x_mm, -1e9, 1e9);
  imp.pos.y_mm = std::clamp(imp.pos.y_mm, -1e9, 1e9);
  if (!finite(imp.depth_mm)) imp.depth_mm = 0.0;
  if (!finite(imp.dose)) imp.dose = 0.0;
  if (!finite(imp.fresh_diameter_mm)) imp.fresh_diameter_mm = 0.0;
  if (!finite(imp.elongation)) imp.elongation = 1.0;
  if (!finite(imp.dilution)) imp.dilution = 0.0;
  return imp;
}
}  // namespace

void State::prepare(const Impression& raw, std::uint32_t pigment, std::uint32_t dep,
                    Prepared& p) const {
  Impression fixed;
  const Impression& imp = is_sane(raw) ? raw : (fixed = sanitized(raw));
  p.pos = imp.pos;
  p.id = imp.id;
  p.depth_mm = imp.depth_mm;
  p.dose = imp.dose;
  p.layer = imp.layer;
  p.pigment = pigment;
  p.loc = layout.regions_with_skin(imp.pos, p.skin);
  // The hairline distance is read for a transition dot (its density ramp and hairline piece)
  // and a dot outside every target region (in front of the line?); for the others commit()
  // never reads it, and skipping it saves a pass over the hairline.
  const int tr = p.loc.target_region;
  if (layout.front.size() >= 2 && (tr < 0 || scenario->regions[static_cast<std::size_t>(tr)].role ==
                                                 RegionRole::kHairlineTransition))
    p.front_dist_mm = layout.front_distance(imp.pos, &p.front_arc_mm, &p.front_side_mm);
  layout.finish_loc(p.loc, imp.pos, &p.front_dist_mm);
  const PigmentFacts& pf = pigments[pigment];

  // Healed look (cached: colour and size never change after placement).
  double healed_d = imp.fresh_diameter_mm;
  double healed_e = std::max(1.0, imp.elongation);
  if (pf.pigment != nullptr) {
    const Lab& skin_lab = scenario->patient.skin_lab;
    const Appearance a =
        dep != kNone
            ? appearance_at(imp, p.skin, *pf.pigment, skin_lab, kHealedDays, deposits[dep].color)
            : appearance_at(imp, p.skin, *pf.pigment, skin_lab, kHealedDays);
    healed_d = a.diameter_mm;
    healed_e = std::max(1.0, a.elongation);
    p.delta_e = ciede2000(a.color, layout.target);
    p.dot_l = a.color.L;
  }
  // Equal-area radius of the healed oval.
  p.radius_mm = std::min(kMaxRadiusMm, 0.5 * std::max(0.0, healed_d) * std::sqrt(healed_e));
  p.under_hair = scenario->case_kind == CaseKind::kThinning &&
                 layout.under_hair(imp.pos, layout.hair_r_mm + p.radius_mm);
}

// Starts fetching the neighbour grid's cell headers around p: prepare() then computes while they
// arrive (the scan in commit() is bound by memory latency).
void State::prefetch_window(PointMm p) const {
  const NeighbourGrid& G = grid;
  const double reach = layout.cap_global_mm;
  const int i0 = G.col(p.x_mm - reach), i1 = G.col(p.x_mm + reach);
  const int j0 = G.row(p.y_mm - reach), j1 = G.row(p.y_mm + reach);
  const int hi = G.col(p.x_mm), hj = G.row(p.y_mm);
  for (int j = j0; j <= j1; ++j) {
    const float* b = G.bound.data() + G.index(0, j);
    for (int i = i0; i <= i1; i += 16) __builtin_prefetch(b + i);
    __builtin_prefetch(b + i1);
    if (j >= hj - 1 && j <= hj + 1)
      __builtin_prefetch(G.cells.data() + G.index(std::max(0, hi - 1), j));
  }
}

void State::add(const Impression& raw) {
  prefetch_window(raw.pos);
  Prepared p;
  const std::uint32_t pigment = facts(raw.pigment);
  prepare(raw, pigment, deposit(pigment, raw), p);
  commit(p);
}

void State::commit(const Prepared& p, const FinalNeighbours* fin) {
  const std::uint32_t k = static_cast<std::uint32_t>(dots.size());
  dots.emplace_back();
  Dot& d = dots.back();
  d.pos = p.pos;
  d.ext_id = p.id;
  d.depth_mm = p.depth_mm;
  d.dose = p.dose;
  d.finding_begin = static_cast<std::uint32_t>(fixed_findings.size());
  d.undo_begin = static_cast<std::uint32_t>(undo.size());

  const PointFacts& loc = p.loc;
  const SkinSample& skin = p.skin;
  const PigmentFacts* pf = &pigments[p.pigment];
  if (pf->pigment != nullptr) {
    d.delta_e = p.delta_e;
    d.dot_l = p.dot_l;
  } else {
    d.flags |= kFlagUnknownPigment;
  }
  d.radius_mm = p.radius_mm;

  // ---- depth ----
  const SkinLayersMm& lay = skin.layers;
  double bmin = lay.epidermis_mm, bmax = lay.epidermis_mm + lay.papillary_mm;
  if (loc.target_region >= 0) {
    const Region& r = scenario->regions[static_cast<std::size_t>(loc.target_region)];
    if (r.depth_max_mm > r.depth_min_mm) {
      bmin = r.depth_min_mm;
      bmax = r.depth_max_mm;
    }
  }
  d.band_min_mm = bmin;
  d.band_max_mm = bmax;
  const bool fat =
      p.layer == Layer::kSubcutis || layer_at_depth(lay, p.depth_mm) == Layer::kSubcutis;
  // Too deep: the score falls to 0 one band width below the band. Too shallow: it falls to 0 at
  // the skin surface (or one band width above the band, if that comes first).
  const double width = std::max(kMinBandWidthMm, bmax - bmin);
  const double deep_scale = kDepthZeroBandWidths * width;
  const double shallow_scale = std::max(kMinBandWidthMm, std::min(deep_scale, bmin));
  const double err = p.depth_mm < bmin   ? bmin - p.depth_mm
                     : p.depth_mm > bmax ? p.depth_mm - bmax
                                         : 0.0;
  const double depth_score =
      fat ? 0.0 : clamp01(1.0 - err / (p.depth_mm < bmin ? shallow_scale : deep_scale));
  d.depth_fx = to_fixed32(depth_score);
  depth_sum += d.depth_fx;
  d.err_fx = to_fixed32(std::min(err, kMaxDepthErrorMm));
  depth_err_sum_fx += d.err_fx;
  if (fat) {
    d.flags |= kFlagFat;
    d.set_status(DepthStatus::kCritical);
    ++n_fat;
    ++n_crit_fat;
    push_finding(d, k, kPigmentInFat, kSevCritical);
  } else if (p.depth_mm < bmin) {
    d.set_status(DepthStatus::kTooShallow);
    ++n_shallow;
    push_finding(d, k, kTooShallow, level_of(1.0 - depth_score));
  } else if (p.depth_mm > bmax) {
    d.set_status(DepthStatus::kTooDeep);
    ++n_deep;
    push_finding(d, k, kTooDeep, level_of(1.0 - depth_score));
  } else {
    ++n_in_band;
  }

  // ---- placement: regions, hairline, hairs, scars ----
  if (loc.forbidden_region >= 0) {
    d.flags |= kFlagForbidden;
    ++n_crit_region;
    push_finding(d, k, kForbiddenRegion, kSevCritical);
  } else if (loc.avoid) {
    d.flags |= kFlagAvoid;
    ++n_avoid;
    push_finding(d, k, kAvoidRegion, kSevAvoid);
  }
  if (loc.density_mm2 > 0.0) {
    ++n_target;
    d.expected_nn_mm = expected_nn_for(loc.density_mm2);
    d.analysis_cell = layout.analysis_cell_of(p.pos);
    if (d.analysis_cell >= 0) ++cells[static_cast<std::size_t>(d.analysis_cell)].count;
    mark_cell(d.analysis_cell);
    if (loc.band >= 0) {
      d.band = loc.band;
      ++band_count[static_cast<std::size_t>(loc.band)];
    }
  }
  if (layout.front.size() >= 2) {
    const double arc = p.front_arc_mm, side = p.front_side_mm;
    const double fd = p.front_dist_mm;
    d.front_dist_mm = fd;
    if (loc.transition) {
      d.seg = std::min(layout.segments - 1,
                       static_cast<int>(arc / layout.front_length_mm * layout.segments));
      if (!(d.seg >= 0)) d.seg = 0;
      std::int64_t& m = seg_min_fx[static_cast<std::size_t>(d.seg)];
      d.seg_prev_fx = m;
      m = std::min(m, to_fixed(fd));
    } else if (loc.target_region < 0 && side > kFrontToleranceMm &&
               (fd <= kFrontReachMm || loc.forbidden_region >= 0)) {
      // In front of the designed line. A dot in the forbidden forehead counts here too (the
      // hairline is too low), but its finding is the critical one.
      d.flags |= kFlagFront;
      ++n_front;
      if (loc.forbidden_region < 0) push_finding(d, k, kInFrontOfHairline, kSevFront);
    }
  }
  if (loc.target_region < 0 && loc.forbidden_region < 0 && !loc.avoid && !(d.flags & kFlagFront)) {
    d.flags |= kFlagOutside;
    ++n_outside;
    push_finding(d, k, kOutsideTreatArea, kSevOutside);
  }
  if (p.under_hair) {
    d.flags |= kFlagUnderHair;
    ++n_under_hair;
    push_finding(d, k, kUnderHair, kSevUnderHair);
  }
  if (loc.scar_region >= 0) {
    for (std::size_t s = 0; s < layout.scars.size(); ++s) {
      if (layout.scars[s].region != loc.scar_region) continue;
      const auto& S = layout.scars[s];
      d.scar = static_cast<std::int32_t>(s);
      ++scar_in[s];
      const int ci = cell_or_none((p.pos.x_mm - S.cell_x0) / S.cell_mm, S.cell_nx);
      const int cj = cell_or_none((p.pos.y_mm - S.cell_y0) / S.cell_mm, S.cell_ny);
      if (ci >= 0 && cj >= 0) {
        d.scar_cell = cj * S.cell_nx + ci;
        ++scar_cells[s][static_cast<std::size_t>(d.scar_cell)];
      }
    }
  } else if (loc.density_mm2 > 0.0) {
    for (std::size_t s = 0; s < layout.scars.size(); ++s) {
      const auto& S = layout.scars[s];
      if (!S.ring_box.contains(p.pos)) continue;
      const auto& poly = scenario->regions[static_cast<std::size_t>(S.region)].polygon_mm;
      if (distance_to_boundary_mm(poly, p.pos) <= kScarRingMm) ++scar_ring[s];
    }
  }

  // ---- colour ----
  if (!pf->allowed) {
    d.flags |= kFlagBadPigment;
    ++n_crit_pigment;
    push_finding(d, k, kForbiddenPigment, kSevCritical);
  }
  double color_score = 0.0;
  if (pf->pigment != nullptr) {
    ++n_color;
    delta_e_sum_fx += to_fixed(d.delta_e);
    color_score = clamp01(1.0 - (d.delta_e - kColorTolerance) / (kColorZero - kColorTolerance));
    if (color_score < 1.0)
      push_finding(d, k, kColorOff, level_of(kColorOffSeverity * (1.0 - color_score)));
    if (scenario->technique == Technique::kTemporary && pf->pigment->carbon_black_fraction > 0.0) {
      d.flags |= kFlagBlackTemp;
      ++n_black_temp;
      color_score = 0.0;
      push_finding(d, k, kBlackInTemporary, kSevBlackTemporary);
    }
    if (scenario->case_kind == CaseKind::kThinning) {
      const double darker = scenario->patient.hair_lab.L - d.dot_l - kHairDarkTolerance;
      if (darker > 0.0) {
        d.flags |= kFlagDarkHair;
        ++n_dark_hair;
        const double f = clamp01(1.0 - darker / kHairDarkZero);
        color_score *= f;
        push_finding(d, k, kDarkerThanHair, level_of(0.4 + 0.6 * (1.0 - f)));
      }
    }
  }
  if (!pf->allowed) color_score = 0.0;
  d.color_fx = to_fixed32(color_score);
  color_sum += d.color_fx;

  // ---- neighbours: NN, touching, repeated passes ----
  // Every dot within `reach` is a candidate, as in a full scan; the grid only skips cells that
  // can hold no dot that (a) is nearer than the best own NN so far (ties: lower index), (b) would
  // take the new dot as its NN (nearer than its cell's nn bound) or (c) touches it (nearer than
  // r + the largest radius). The skip tests use a distance bound below every true distance, so
  // the result is that of the full scan, bit for bit.
  if (fin != nullptr) {
    d.nn_mm = d.expected_nn_mm > 0.0 ? fin->nn_mm : 0.0;
    d.nn_id = d.expected_nn_mm > 0.0 ? fin->nn_id : kNone;
    d.touching = fin->touches > 0;
    touch_pairs += fin->earlier_touches;
    if (fin->repeat) d.flags |= kFlagRepeat;
    commit_blur(p, d, k, fat);
    return;
  }
  const double max_radius_mm = max_radius_before(k);
  if (d.radius_mm > max_radius_mm) max_radius_steps.emplace_back(k, d.radius_mm);
  d.nn_mm = d.cap_mm();
  d.nn_id = kNone;
  const double reach = std::max(layout.cap_global_mm, d.radius_mm + max_radius_mm);
  const double touch_mm =
      d.radius_mm + max_radius_mm;  // no pair at or beyond this distance touches
  std::uint32_t own_touches = 0;
  PointMm nn_pos{};  // the position of d.nn_id
  {
    NeighbourGrid& G = grid;
    // Clamping is monotone, so every dot within `reach` lies in a cell of this range (also for
    // points outside the grid, which live in the border cells).
    const double px = p.pos.x_mm, py = p.pos.y_mm;
    const int i0 = G.col(px - reach), i1 = G.col(px + reach);
    const int j0 = G.row(py - reach), j1 = G.row(py + reach);
    const int hi = G.col(px), hj = G.row(py);
    const double reach2 = reach * reach, touch2 = touch_mm * touch_mm;
    const bool tracked = d.expected_nn_mm > 0.0;
    // The squared gap of each column of the window, computed once (a window is at most a few
    // dozen columns wide: grid_cell_for() keeps cells >= kGridMinCellMm).
    constexpr int kMaxCols = 64;
    std::array<double, kMaxCols> gx2{};
    const bool cols_cached = i1 - i0 < kMaxCols;
    if (cols_cached)
      for (int i = i0; i <= i1; ++i) {
        const double gx = G.gap_x(i, px);
        gx2[static_cast<std::size_t>(i - i0)] = gx * gx;
      }
    auto scan = [&](std::size_t c) {
      GridCell& h = G.cells[c];
      double bound = 0.0;
      GridEntry* const run = G.begin(h);
      for (std::uint32_t q = 0; q < h.n; ++q) {
        GridEntry& e = run[q];
        const double ex = e.x - px, ey = e.y - py;
        const double dd2 = ex * ex + ey * ey;
        if (dd2 > reach2) {
          bound = std::max(bound, e.nn_mm);
          continue;
        }
        const std::uint32_t o = e.idx;
        const double dd = std::sqrt(dd2);
        if (tracked && (dd < d.nn_mm || (dd == d.nn_mm && d.nn_id != kNone && o < d.nn_id))) {
          d.nn_mm = dd;
          d.nn_id = o;
          nn_pos = PointMm{e.x, e.y};
        }
        // Untracked dots keep nn_mm = 0, so they never change here.
        const bool nn_change = dd < e.nn_mm;
        const double rsum = d.radius_mm + e.radius_mm;
        const bool touch = dd < rsum;
        if (!nn_change && !touch) {
          bound = std::max(bound, e.nn_mm);
          continue;
        }
        if (touch) {
          if (dd < kRepeatFraction * rsum) d.flags |= kFlagRepeat;
          ++own_touches;
          ++touch_pairs;
        }
        // A neighbour's contributions change only with its NN or its first touch. Logging NN
        // changes alone (a handful per add) keeps the undo log O(N) even when thousands of
        // dots pile up on one spot, where every add touches every earlier dot.
        if (!nn_change && e.touches > 0) {
          ++e.touches;
          bound = std::max(bound, e.nn_mm);
          continue;
        }
        if (touch) ++e.touches;
        if (!nn_change) {  // its first touch
          set_touching(o, true);
          bound = std::max(bound, e.nn_mm);
          continue;
        }
        Dot& n = dots[o];
        undo.push_back(NnUndo{n.nn_mm, o, n.nn_id});
        retract_mut(o);
        n.nn_mm = dd;
        n.nn_id = k;
        e.nn_mm = dd;
        n.touching = e.touches > 0;
        apply_mut(o, &p.pos);
        sync_touching(o);
        bound = std::max(bound, e.nn_mm);
      }
      // Every entry was read: the bound is tight again.
      G.set_bound(c, float_up(bound));
    };
    // The home block first, so the own-NN bound is small before the outer cells are tested.
    const int bi0 = std::max(i0, hi - 1), bi1 = std::min(i1, hi + 1);
    const int bj0 = std::max(j0, hj - 1), bj1 = std::min(j1, hj + 1);
    // The scan is bound by memory latency: fetch the block's runs at once (the window's bounds
    // and headers were prefetched before prepare()).
    for (int j = bj0; j <= bj1; ++j)
      for (int i = bi0; i <= bi1; ++i) {
        const GridCell& h = G.cells[G.index(i, j)];
        if (h.n > 0) __builtin_prefetch(G.begin(h));
      }
    // Reads the cells (a..b, j) that can hold a dot the add needs: within the reach, and nearer
    // than the own NN so far, the touch reach or the cell's NN bound (its bound is read first,
    // its header only if that passes). Inlined: called from three places, GCC kept it out of
    // line, which cost 2% of an add's instructions.
    auto scan_cols = [&](int j, int a, int b) __attribute__((always_inline)) {
      const double gy = G.gap_y(j, py), gy2 = gy * gy;
      if (gy2 > reach2) return;  // every cell of the row is beyond the reach
      const std::size_t base = G.index(0, j);
      for (int i = a; i <= b; ++i) {
        double gx2i;
        if (cols_cached) {
          gx2i = gx2[static_cast<std::size_t>(i - i0)];
        } else {
          const double gx = G.gap_x(i, px);
          gx2i = gx * gx;
        }
        const double g2 = gx2i + gy2;
        if (g2 > reach2) continue;
        const std::size_t c = base + static_cast<std::size_t>(i);
        if (!(tracked && !(g2 > d.nn_mm * d.nn_mm)) && !(g2 < touch2)) {
          const double nb = G.bound[c];
          if (!(g2 < nb * nb)) continue;
        }
        if (G.cells[c].n > 0) scan(c);
      }
    };
    for (int j = bj0; j <= bj1; ++j) scan_cols(j, bi0, bi1);
    // The rest of the window. A dot that matters lies within max(own NN so far, touch reach,
    // every cell's bound) of the new one: the window shrinks to that (every dot that near lies
    // in its cells, as above).
    const double near = std::max({tracked ? d.nn_mm : 0.0, touch_mm, G.bound_ceiling()});
    const int w0 = std::max(i0, G.col(px - near)), w1 = std::min(i1, G.col(px + near));
    const int v0 = std::max(j0, G.row(py - near)), v1 = std::min(j1, G.row(py + near));
    for (int j = v0; j <= v1; ++j) {
      if (j >= bj0 && j <= bj1) {
        scan_cols(j, w0, bi0 - 1);
        scan_cols(j, bi1 + 1, w1);
      } else {
        scan_cols(j, w0, w1);
      }
    }
  }
  // NN ties were resolved to the lower index above, so the result does not depend on the scan
  // order. (A tie with the cap keeps "no neighbour".)
  {
    grid.push(grid.cell_of(p.pos),
              GridEntry{p.pos.x_mm, p.pos.y_mm, d.nn_mm, d.radius_mm, k, own_touches}, d.nn_mm);
  }
  d.touching = own_touches > 0;
  commit_blur(p, d, k, fat);
  apply_mut(k, &nn_pos);
  sync_touching(k);
  if (dots.size() >= regrid_at) regrid();
}

// The blur risk fixed at placement (depth, dose, scar, repeated pass), its findings, and the
// critical-error list: the last part of commit(), after the neighbour facts are known.
void State::commit_blur(const Prepared& p, Dot& d, std::uint32_t k, bool fat) {
  const SkinLayersMm& lay = p.skin.layers;
  const SkinSample& skin = p.skin;
  const double bmax = d.band_max_mm;
  const double pap_bottom = std::max(bmax, lay.epidermis_mm + lay.papillary_mm);
  double r_depth = 0.0;
  if (fat) {
    r_depth = 1.0;
  } else if (p.depth_mm > pap_bottom) {
    r_depth =
        clamp01((p.depth_mm - pap_bottom) / std::max(kMinBandWidthMm, 0.5 * lay.reticular_mm));
    ++n_reticular;
    d.flags |= kFlagReticular;
  }
  const double r_dose = clamp01((p.dose - kDoseSafe) / (kDoseFull - kDoseSafe));
  if (r_dose > 0.0) {
    d.flags |= kFlagHeavyDose;
    ++n_heavy;
    push_finding(d, k, kHeavyDose, level_of(0.3 + 0.5 * r_dose));
  }
  const double r_scar = skin.scar ? clamp01(skin.scar_tissue.migration) : 0.0;
  if (r_scar > 0.0) {
    d.flags |= kFlagScarMigration;
    push_finding(d, k, kScarMigration, level_of(0.3 + 0.5 * r_scar));
  }
  double r_repeat = 0.0;
  if (d.flags & kFlagRepeat) {
    r_repeat = kRiskRepeat;
    ++n_repeat;
    push_finding(d, k, kRepeatPass, kSevRepeat);
  }
  d.base_risk = 1.0 - (1.0 - r_depth) * (1.0 - r_dose) * (1.0 - r_scar) * (1.0 - r_repeat);

  if (d.flags & (kFlagFat | kFlagForbidden | kFlagBadPigment)) criticals.push_back(k);
}

}  // namespace smp::sim::scoring
