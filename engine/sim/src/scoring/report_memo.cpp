// report()'s analysis-grid memo: holes, clumps, orientation blocks and the running sums over
// cells, re-derived only where a dot changed them.
#include <algorithm>
#include <cmath>
#include <limits>

#include "scoring/state.h"
#include "scoring/sub_scores.h"

namespace smp::sim::scoring {

void State::update_cell(std::size_t p) const {
  GridMemo& g = grid_memo;
  const std::size_t c = static_cast<std::size_t>(layout.target_cells[p]);
  CellMemo& m = g.cell[p];
  const std::int32_t count = cells[c].count;
  if (m.cnt == count) return;
  m.cnt = count;
  const double e = layout.cell_expected[c];
  const double cnt = count;
  const double cov = std::min(cnt, e);
  if (!same_bits(cov, g.cov_term[p])) {
    g.cov_term[p] = cov;
    g.cov_from = std::min(g.cov_from, p);
  }
  if (!g.judged[p]) return;
  const double dev = e * std::fabs(std::log((cnt + 0.5) / (e + 0.5)));
  if (!same_bits(dev, g.dev_term[p])) {
    g.dev_term[p] = dev;
    g.dev_from = std::min(g.dev_from, p);
  }
  std::uint8_t kind = kNoSpot;
  int level = 0;
  const CellDensity density = cell_density(cnt, e);
  if (density == CellDensity::kHole) {
    kind = kHole;
    level = level_of(clamp01(std::log((e + 0.5) / (cnt + 0.5)) / std::log(4.0)));
  } else if (density == CellDensity::kClump) {
    kind = kClump;
    level = level_of(clamp01(std::log((cnt + 0.5) / (e + 0.5)) / std::log(4.0)));
  }
  if (kind == m.kind && level == m.level) return;
  const std::uint32_t pos = static_cast<std::uint32_t>(p);
  if (m.kind != kNoSpot) {
    g.spots.erase(spot_key(m.level, m.kind, pos));
    --(m.kind == kHole ? g.holes : g.clumps);
  }
  if (kind != kNoSpot) {
    g.spots.insert(spot_key(level, kind, pos));
    ++(kind == kHole ? g.holes : g.clumps);
  }
  m.kind = kind;
  m.level = level;
}

void State::update_block(std::size_t bk) const {
  GridMemo& g = grid_memo;
  AnalysisCellSums agg;
  for (std::int32_t c : g.block_cells[bk]) {
    const AnalysisCellSums& ca = cells[static_cast<std::size_t>(c)];
    agg.n_orientations += ca.n_orientations;
    for (std::size_t h = 0; h < 6; ++h) agg.ori[h] += ca.ori[h];
  }
  BlockMemo& bm = g.block[bk];
  if (bm.valid && bm.agg.n_orientations == agg.n_orientations && bm.agg.ori == agg.ori) return;
  bm.agg = agg;
  bm.valid = true;
  // Bond-orientational order: |mean of e^{i k theta}| for k = 2 (rows), 4 (square grid),
  // 6 (hexagonal grid), the largest of the three; random directions give about
  // kOrderNoise / sqrt(n), lattices and rows close to 1. Blocks with too few NN vectors are not
  // judged.
  const bool ordered = agg.n_orientations >= kOrderMinDots;
  double excess = 0.0;
  if (ordered) {
    const double nn = agg.n_orientations;
    double order = 0.0;
    for (std::size_t h = 0; h < 3; ++h) {
      const double cs = from_fixed(agg.ori[2 * h]) / nn, sn = from_fixed(agg.ori[2 * h + 1]) / nn;
      order = std::max(order, std::sqrt(cs * cs + sn * sn));
    }
    excess = std::max(0.0, order - kOrderNoise / std::sqrt(nn));
  }
  if (!same_bits(excess, g.ex_term[bk])) {
    g.ex_term[bk] = excess;
    g.ex_from = std::min(g.ex_from, bk);
  }
  g.ordered += static_cast<int>(ordered) - static_cast<int>(bm.ordered);
  const bool grid_spot = ordered && excess > kOrderSpot;
  const int level = grid_spot ? level_of(clamp01(excess)) : 0;
  if (grid_spot != bm.grid || level != bm.level) {
    const std::uint32_t pos = static_cast<std::uint32_t>(bk);
    if (bm.grid) {
      g.spots.erase(spot_key(bm.level, kGridLike, pos));
      --g.grid;
    }
    if (grid_spot) {
      g.spots.insert(spot_key(level, kGridLike, pos));
      ++g.grid;
    }
  }
  bm.ordered = ordered;
  bm.grid = grid_spot;
  bm.level = level;
  bm.excess = excess;
}

void State::refresh_grid() const {
  GridMemo& g = grid_memo;
  const std::size_t t = layout.target_cells.size();
  const std::size_t bw = static_cast<std::size_t>((layout.analysis_nx + 1) / 2);
  const std::size_t nb = bw * static_cast<std::size_t>((layout.analysis_ny + 1) / 2);
  auto block_of = [&](std::int32_t c) {
    return static_cast<std::size_t>((c / layout.analysis_nx) / 2) * bw +
           static_cast<std::size_t>((c % layout.analysis_nx) / 2);
  };
  auto mark_block = [&](std::size_t bk) {
    if (g.block_dirty[bk]) return;
    g.block_dirty[bk] = 1;
    g.dirty_blocks.push_back(static_cast<std::uint32_t>(bk));
  };
  if (!g.ready) {
    // Layout constants, summed in the same order as the per-cell terms.
    g.pos_of_cell.assign(cells.size(), -1);
    g.block_of_cell.assign(cells.size(), -1);
    g.judged.assign(t, 0);
    g.centre.resize(t);
    g.cell.assign(t, CellMemo{});
    g.cov_term.assign(t, 0.0);
    g.dev_term.assign(t, 0.0);
    g.cov_sum.assign(t + 1, 0.0);
    g.dev_sum.assign(t + 1, 0.0);
    g.block_cells.assign(nb, {});
    g.block.assign(nb, BlockMemo{});
    g.block_dirty.assign(nb, 0);
    g.ex_term.assign(nb, 0.0);
    g.ex_sum.assign(nb + 1, 0.0);
    for (std::size_t p = 0; p < t; ++p) {
      const std::int32_t c = layout.target_cells[p];
      const std::size_t cu = static_cast<std::size_t>(c);
      const double e = layout.cell_expected[cu];
      g.pos_of_cell[cu] = static_cast<std::int32_t>(p);
      g.centre[p] = layout.analysis_cell_centre(c);
      g.total += e;
      if (is_judged_cell(layout.cell_fraction[cu], e)) {
        g.judged[p] = 1;
        ++g.judged_count;
        g.dev_w += e;
      }
      const std::size_t bk = block_of(c);
      g.block_of_cell[cu] = static_cast<std::int32_t>(bk);
      g.block_cells[bk].push_back(c);
    }
    for (std::size_t p = 0; p < t; ++p) update_cell(p);
    for (std::size_t bk = 0; bk < nb; ++bk)
      if (!g.block_cells[bk].empty()) mark_block(bk);
    g.cov_from = g.dev_from = g.ex_from = 0;
    for (std::int32_t c : dirty_cells) cell_dirty[static_cast<std::size_t>(c)] = 0;
    dirty_cells.clear();
    g.ready = true;
  }
  for (std::int32_t c : dirty_cells) {
    const std::size_t cu = static_cast<std::size_t>(c);
    cell_dirty[cu] = 0;
    const std::int32_t p = g.pos_of_cell[cu];
    if (p < 0) continue;  // not a target cell: in no sum and no block
    update_cell(static_cast<std::size_t>(p));
    mark_block(static_cast<std::size_t>(g.block_of_cell[cu]));
  }
  dirty_cells.clear();
  for (std::uint32_t bk : g.dirty_blocks) {
    g.block_dirty[bk] = 0;
    update_block(bk);
  }
  g.dirty_blocks.clear();
  // Running sums from the first changed term on (both chains in one loop: they overlap).
  const std::size_t from = std::min(g.cov_from, g.dev_from);
  if (from < t) {
    double cov = g.cov_sum[from], dev = g.dev_sum[from];
    for (std::size_t p = from; p < t; ++p) {
      cov += g.cov_term[p];
      dev += g.dev_term[p];
      g.cov_sum[p + 1] = cov;
      g.dev_sum[p + 1] = dev;
    }
  }
  if (g.ex_from < nb) {
    double ex = g.ex_sum[g.ex_from];
    for (std::size_t bk = g.ex_from; bk < nb; ++bk) {
      ex += g.ex_term[bk];
      g.ex_sum[bk + 1] = ex;
    }
  }
  g.cov_from = g.dev_from = g.ex_from = std::numeric_limits<std::size_t>::max();
}

}  // namespace smp::sim::scoring
