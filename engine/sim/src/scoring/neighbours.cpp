// The neighbour grid's upkeep (its cell size, rebuilds) and the batch path's all-dots
// neighbour pass.
#include <algorithm>
#include <atomic>
#include <cmath>

#include "scoring/parallel.h"
#include "scoring/state.h"

namespace smp::sim::scoring {

// Neighbour grid cells sized for about kGridCellDots dots each over the treat area: the scan then
// reads a few cells of a few entries. Rebuilt when the session has doubled since the last look
// (amortised O(1) per add); never coarsened, so pop_back() cannot make add() rebuild again.
constexpr double kGridCellDots = 3.0;
constexpr double kGridMinCellMm = 0.5;
constexpr std::size_t kGridFirstLook = 1024;

void State::regrid() {
  const std::size_t n = dots.size();
  regrid_at = std::max(kGridFirstLook, 2 * n);
  double cell = layout.neighbour_first_cell_mm;
  if (!grid.cells.empty()) {
    cell = grid_cell_for(n);
    if (!(cell < grid.cell / 1.4)) return;
  } else {
    while (layout.neighbour_width_mm / cell > 2048.0 || layout.neighbour_height_mm / cell > 2048.0)
      cell *= 2.0;
  }
  // The touch counts live only in the entries: carried over by index.
  std::vector<std::uint32_t> touches(n, 0);
  for (const GridCell& h : grid.cells)
    for (std::uint32_t q = 0; q < h.n; ++q) {
      const GridEntry& e = grid.begin(h)[q];
      touches[e.idx] = e.touches;
    }
  grid = empty_grid(cell);
  for (std::uint32_t k = 0; k < n; ++k) ++grid.cells[grid.cell_of(dots[k].pos)].n;
  lay_out_runs(grid);
  for (std::uint32_t k = 0; k < n; ++k) {
    const Dot& d = dots[k];
    grid.push(grid.cell_of(d.pos),
              GridEntry{d.pos.x_mm, d.pos.y_mm, d.nn_mm, d.radius_mm, k, touches[k]}, d.nn_mm);
  }
}

// Every dot's neighbour facts with the whole session in: what add() one by one leaves behind.
// A dot's final NN is the nearest other dot closer than its cap, ties to the lower index: add()
// takes the nearest earlier dot (ties lower), and a later dot replaces it only when strictly
// nearer, so the earliest of the nearest wins. Touches are symmetric; a repeated pass needs an
// earlier dot. Distances and radius sums use add()'s arithmetic (squares of differences, a + b),
// so every comparison has the same bits. The dots are read from a grid of exact runs in row
// order, cells split between the threads.
void State::final_neighbours(std::span<const Prepared> prep, std::span<FinalNeighbours> out,
                             unsigned threads) const {
  const std::size_t n = prep.size();
  NeighbourGrid G = empty_grid(
      std::min(layout.neighbour_first_cell_mm, grid_cell_for(std::max<std::size_t>(n, 1))));
  double max_radius_mm = 0.0;
  for (const Prepared& p : prep) {
    ++G.cells[G.cell_of(p.pos)].n;
    max_radius_mm = std::max(max_radius_mm, p.radius_mm);
  }
  lay_out_runs(G, false);
  for (std::uint32_t k = 0; k < n; ++k) {
    const Prepared& p = prep[k];
    G.push(G.cell_of(p.pos), GridEntry{p.pos.x_mm, p.pos.y_mm, 0.0, p.radius_mm, k, 0}, 0.0);
  }
  auto one = [&](const GridEntry& me) {
    const std::uint32_t k = me.idx;
    FinalNeighbours& f = out[k];
    const double px = me.x, py = me.y, r = me.radius_mm;
    const double cap = nn_cap_mm(expected_nn_for(prep[k].loc.density_mm2));
    std::construct_at(&f);
    f.nn_mm = cap;
    const bool tracked = cap > 0.0;
    // Pass 1: every dot that can touch this one (nearer than r + the largest radius); NN
    // candidates too. Pass 2 (tracked, NN not yet within pass 1's reach): out to the NN so far.
    const double touch_mm = r + max_radius_mm;
    // Another dot at distance dd as an NN candidate: nearer, or as near with a lower index.
    auto nn_candidate = [&](const GridEntry& e, double dd) {
      if (dd < f.nn_mm || (dd == f.nn_mm && f.nn_id != kNone && e.idx < f.nn_id)) {
        f.nn_mm = dd;
        f.nn_id = e.idx;
      }
    };
    auto distance = [&](const GridEntry& e) {
      const double ex = e.x - px, ey = e.y - py;
      return std::sqrt(ex * ex + ey * ey);
    };
    auto visit = [&](const GridEntry& e) {
      if (e.idx == k) return;
      const double dd = distance(e);
      if (tracked) nn_candidate(e, dd);
      const double rsum = e.idx < k ? r + e.radius_mm : e.radius_mm + r;
      if (dd < rsum) {
        ++f.touches;
        if (e.idx < k) {
          ++f.earlier_touches;
          if (dd < kRepeatFraction * rsum) f.repeat = true;
        }
      }
    };
    const int i0 = G.col(px - touch_mm), i1 = G.col(px + touch_mm);
    const int j0 = G.row(py - touch_mm), j1 = G.row(py + touch_mm);
    const double t2 = touch_mm * touch_mm;
    for (int j = j0; j <= j1; ++j) {
      const double gy = G.gap_y(j, py);
      for (int i = i0; i <= i1; ++i) {
        const double gx = G.gap_x(i, px);
        if (gx * gx + gy * gy > t2) continue;
        const GridCell& h = G.cells[G.index(i, j)];
        const GridEntry* run = G.pool.data() + h.begin;
        for (std::uint32_t q = 0; q < h.n; ++q) visit(run[q]);
      }
    }
    if (!tracked || f.nn_mm <= touch_mm) return;
    // Every dot nearer than the NN so far lies in this window; the cells of pass 1 are done.
    const double w = f.nn_mm;
    const int k0 = G.col(px - w), k1 = G.col(px + w);
    const int l0 = G.row(py - w), l1 = G.row(py + w);
    for (int j = l0; j <= l1; ++j) {
      const double gy = G.gap_y(j, py);
      for (int i = k0; i <= k1; ++i) {
        const double gx = G.gap_x(i, px);
        const double g2 = gx * gx + gy * gy;
        if (j >= j0 && j <= j1 && i >= i0 && i <= i1 && !(g2 > t2)) continue;
        if (g2 > f.nn_mm * f.nn_mm) continue;
        const GridCell& h = G.cells[G.index(i, j)];
        const GridEntry* run = G.pool.data() + h.begin;
        for (std::uint32_t q = 0; q < h.n; ++q)
          if (run[q].idx != k) nn_candidate(run[q], distance(run[q]));
      }
    }
  };
  // Rows in chunks, claimed in turn: the threads share the work even when one core is busy.
  constexpr int kRows = 8;
  std::atomic<int> next{0};
  auto work = [&] {
    for (;;) {
      const int j0 = next.fetch_add(kRows, std::memory_order_relaxed);
      if (j0 >= G.ny) return;
      const int j1 = std::min(G.ny, j0 + kRows);
      for (int j = j0; j < j1; ++j)
        for (int i = 0; i < G.nx; ++i) {
          const GridCell& h = G.cells[G.index(i, j)];
          for (std::uint32_t q = 0; q < h.n; ++q) one(G.pool[h.begin + q]);
        }
    }
  };
  run_parallel(threads, work);
}

double State::grid_cell_for(std::size_t n) const {
  const double area = layout.target_area_mm2 > 0.0
                          ? layout.target_area_mm2
                          : layout.neighbour_width_mm * layout.neighbour_height_mm;
  const double cell = std::sqrt(kGridCellDots * area / static_cast<double>(n));
  // at most ~2 cells per dot and 2048 per side
  return std::max({cell, kGridMinCellMm,
                   std::sqrt(layout.neighbour_width_mm * layout.neighbour_height_mm /
                             (2.0 * static_cast<double>(n))),
                   layout.neighbour_width_mm / 2048.0, layout.neighbour_height_mm / 2048.0});
}

NeighbourGrid State::empty_grid(double cell) const {
  NeighbourGrid g;
  g.x0 = layout.neighbour_x0;
  g.y0 = layout.neighbour_y0;
  g.cell = cell;
  g.nx = std::max(1, static_cast<int>(std::ceil(layout.neighbour_width_mm / cell)));
  g.ny = std::max(1, static_cast<int>(std::ceil(layout.neighbour_height_mm / cell)));
  // Cell edges and a point's cell are computed with a few roundings at the grid's magnitude: the
  // 1e-9 relative margin dwarfs them, so the bound never exceeds a true distance.
  g.slack = 1e-9 * (1.0 + std::fabs(g.x0) + std::fabs(g.y0) + layout.neighbour_width_mm +
                    layout.neighbour_height_mm);
  const std::size_t ncells = static_cast<std::size_t>(g.nx) * static_cast<std::size_t>(g.ny);
  g.cells.resize(ncells);
  g.bound.assign(ncells, 0.0F);
  g.level_mm = layout.cap_global_mm / NeighbourGrid::kLevelsOfBound;
  return g;
}

// Runs in row order sized for the counts in GridCell::n (with room for `room` more each), emptied.
void State::lay_out_runs(NeighbourGrid& g, bool room) {
  std::size_t at = 0;
  for (GridCell& h : g.cells) {
    h.begin = static_cast<std::uint32_t>(at);
    h.cap = h.n == 0 ? 0 : h.n + (room ? std::max<std::uint32_t>(4, h.n / 4) : 0);
    h.n = 0;
    at += h.cap;
  }
  g.pool.assign(at, GridEntry{});
}

double State::max_radius_before(std::uint32_t k) const {
  // the last step before k (add() and pop() ask for the newest dot: at most one step to skip)
  std::size_t m = max_radius_steps.size();
  while (m > 0 && max_radius_steps[m - 1].first >= k) --m;
  return m > 0 ? max_radius_steps[m - 1].second : 0.0;
}

}  // namespace smp::sim::scoring
