// pop(): undoes the last add() exactly (practice mode's undo).
#include <cassert>
#include <cmath>

#include "scoring/state.h"

namespace smp::sim::scoring {

void State::pop() {
  if (dots.empty()) return;
  const std::uint32_t k = static_cast<std::uint32_t>(dots.size() - 1);
  Dot& d = dots.back();
  retract_mut(k);
  // Touches: the dots this one touched, found exactly as add() found them (same reach, same
  // arithmetic), lose one touch each. Cells beyond touching reach are skipped.
  const double max_radius_mm = max_radius_before(k);
  {
    NeighbourGrid& G = grid;
    const double reach = std::max(layout.cap_global_mm, d.radius_mm + max_radius_mm);
    const double touch_mm = d.radius_mm + max_radius_mm;
    const double px = d.pos.x_mm, py = d.pos.y_mm;
    const int i0 = G.col(px - reach), i1 = G.col(px + reach);
    const int j0 = G.row(py - reach), j1 = G.row(py + reach);
    const double reach2 = reach * reach, touch2 = touch_mm * touch_mm;
    for (int j = j0; j <= j1; ++j) {
      const double gy = G.gap_y(j, py);
      for (int i = i0; i <= i1; ++i) {
        const double gx = G.gap_x(i, px);
        if (!(gx * gx + gy * gy < touch2)) continue;
        const std::size_t c = static_cast<std::size_t>(j) * static_cast<std::size_t>(G.nx) +
                              static_cast<std::size_t>(i);
        const GridCell& h = G.cells[c];
        GridEntry* const run = G.begin(h);
        for (std::uint32_t q = 0; q < h.n; ++q) {
          GridEntry& e = run[q];
          if (e.idx == k) continue;
          const double ex = e.x - px, ey = e.y - py;
          const double dd2 = ex * ex + ey * ey;
          if (dd2 > reach2) continue;
          const double dd = std::sqrt(dd2);
          if (!(dd < d.radius_mm + e.radius_mm)) continue;
          --touch_pairs;
          if (e.touches > 1) {
            --e.touches;
            continue;
          }
          e.touches = 0;
          set_touching(e.idx, false);
        }
      }
    }
  }
  // Nearest neighbours: restored in reverse order of their changes.
  for (std::size_t u = undo.size(); u-- > d.undo_begin;) {
    const NnUndo& rec = undo[u];
    Dot& n = dots[rec.j];
    retract_mut(rec.j);
    if (n.nn_mm != rec.nn_mm) {
      const std::size_t c = grid.cell_of(n.pos);
      GridCell& h = grid.cells[c];
      GridEntry* const run = grid.begin(h);
      for (std::uint32_t q = 0; q < h.n; ++q)
        if (run[q].idx == rec.j) run[q].nn_mm = rec.nn_mm;
      const float b = float_up(rec.nn_mm);
      if (b > grid.bound[c]) grid.set_bound(c, b);
    }
    n.nn_mm = rec.nn_mm;
    n.nn_id = rec.nn_id;
    apply_mut(rec.j);
    sync_touching(rec.j);
  }
  undo.resize(d.undo_begin);
  GridCell& home = grid.cells[grid.cell_of(d.pos)];
  assert(home.n > 0 && grid.begin(home)[home.n - 1].idx == k);
  --home.n;
  if (!max_radius_steps.empty() && max_radius_steps.back().first == k) max_radius_steps.pop_back();
  for (std::uint32_t f = d.finding_begin; f < d.finding_begin + d.finding_count; ++f) {
    auto& b = buckets[fixed_findings[f]];
    --level_count[fixed_findings[f] % (kLevels + 1)];
    assert(!b.empty() && b.back() == k);
    b.pop_back();
  }
  fixed_findings.resize(d.finding_begin);
  if (d.touch_listed) touching_set.erase(k);
  if (!criticals.empty() && criticals.back() == k) criticals.pop_back();

  depth_sum -= d.depth_fx;
  color_sum -= d.color_fx;
  depth_err_sum_fx -= d.err_fx;
  switch (d.status()) {
    case DepthStatus::kCritical:
      --n_fat;
      --n_crit_fat;
      break;
    case DepthStatus::kTooShallow:
      --n_shallow;
      break;
    case DepthStatus::kTooDeep:
      --n_deep;
      break;
    case DepthStatus::kInBand:
      --n_in_band;
      break;
  }
  if (d.flags & kFlagForbidden) --n_crit_region;
  if (d.flags & kFlagAvoid) --n_avoid;
  if (d.flags & kFlagFront) --n_front;
  if (d.flags & kFlagOutside) --n_outside;
  if (d.flags & kFlagUnderHair) --n_under_hair;
  if (d.flags & kFlagBadPigment) --n_crit_pigment;
  if (d.flags & kFlagBlackTemp) --n_black_temp;
  if (d.flags & kFlagDarkHair) --n_dark_hair;
  if (d.flags & kFlagHeavyDose) --n_heavy;
  if (d.flags & kFlagRepeat) --n_repeat;
  if (!(d.flags & kFlagUnknownPigment)) {
    --n_color;
    delta_e_sum_fx -= to_fixed(d.delta_e);
  }
  if (d.flags & kFlagReticular) --n_reticular;
  if (d.expected_nn_mm > 0.0) {
    --n_target;
    if (d.analysis_cell >= 0) --cells[static_cast<std::size_t>(d.analysis_cell)].count;
    mark_cell(d.analysis_cell);
    if (d.band >= 0) --band_count[static_cast<std::size_t>(d.band)];
  }
  if (d.seg >= 0) seg_min_fx[static_cast<std::size_t>(d.seg)] = d.seg_prev_fx;
  if (d.scar >= 0) {
    --scar_in[static_cast<std::size_t>(d.scar)];
    if (d.scar_cell >= 0)
      --scar_cells[static_cast<std::size_t>(d.scar)][static_cast<std::size_t>(d.scar_cell)];
  } else if (d.expected_nn_mm > 0.0) {
    for (std::size_t s = 0; s < layout.scars.size(); ++s) {
      const auto& S = layout.scars[s];
      if (!S.ring_box.contains(d.pos)) continue;
      const auto& poly = scenario->regions[static_cast<std::size_t>(S.region)].polygon_mm;
      if (distance_to_boundary_mm(poly, d.pos) <= kScarRingMm) --scar_ring[s];
    }
  }
  dot_msg_memo.erase(dot_msg_memo.lower_bound(std::uint64_t{k} * kCodeCount),
                     dot_msg_memo.lower_bound(std::uint64_t{k + 1} * kCodeCount));
  dots.pop_back();
}

}  // namespace smp::sim::scoring
