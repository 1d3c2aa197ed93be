// The neighbour grid: uniform cells of dot entries with per-cell NN bounds (docs/scoring.md,
// "Neighbour search").
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "scoring/numeric.h"

namespace smp::sim::scoring {

// A float no smaller than v (a conservative bound in half the space).
inline float float_up(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

// A dot as the neighbour grid sees it: everything the neighbour scan reads or counts, kept next
// to the position so the scan reads one contiguous run per cell (40 bytes) and goes to the
// (much larger, colder) Dot only when a neighbour's NN changes or it is touched for the first
// time: a dense session touches many dots per add, and a Dot read was a cache miss each.
struct GridEntry {
  double x, y;
  double nn_mm;      // mirror of Dot::nn_mm (0 when NN is not tracked)
  double radius_mm;  // mirror of Dot::radius_mm
  std::uint32_t idx;
  std::uint32_t touches;  // how many dots this one touches (the only copy)
};

// The neighbour grid: uniform cells, each with its entries in index order and an upper bound of
// their nn_mm, so a query skips every cell that can hold nothing it needs (docs/scoring.md,
// "Neighbour search"). The cell size only changes speed, never a result.
// Cells keep their entries in runs of one pool (a vector per cell cost a heap block and a cache
// miss each): a full run moves to the pool's end at twice the size, and the pool is compacted in
// row order when half of it is abandoned runs, so neighbouring cells sit next to each other.
struct GridCell {
  std::uint32_t begin = 0, n = 0, cap = 0;
};
struct NeighbourGrid {
  double x0 = 0, y0 = 0, cell = 1.0;
  double slack = 0;  // rounding margin of a cell's distance bound
  int nx = 1, ny = 1;
  std::vector<GridCell> cells;
  // Per cell, >= every entry's nn_mm (raised on insert and undo, exact after a scan). Apart from
  // the headers: a query tests a whole window of bounds, four to a header's cache line.
  std::vector<float> bound;
  // How many cells have a bound above level k, for k * level_mm (k = 1..kLevelsOfBound): no
  // dot anywhere can take a new dot farther than the lowest empty level as its NN, so a query
  // reads only cells that near (in a dense session every bound is small).
  static constexpr int kLevelsOfBound = 8;
  std::array<std::int32_t, kLevelsOfBound> above{};
  double level_mm = 0.0;
  void set_bound(std::size_t c, float b) {
    const double was = bound[c], now = b;
    bound[c] = b;
    for (int k = 0; k < kLevelsOfBound; ++k) {
      const double t = (k + 1) * level_mm;
      above[static_cast<std::size_t>(k)] += static_cast<int>(now > t) - static_cast<int>(was > t);
    }
  }
  // Every cell's bound is at most this (beyond the levels: +inf).
  double bound_ceiling() const {
    for (int k = 0; k < kLevelsOfBound; ++k)
      if (above[static_cast<std::size_t>(k)] == 0) return (k + 1) * level_mm;
    return std::numeric_limits<double>::infinity();
  }
  std::vector<GridEntry> pool;
  std::size_t abandoned = 0;  // pool entries in runs no cell uses any more

  GridEntry* begin(const GridCell& c) { return pool.data() + c.begin; }
  void push(std::size_t c, const GridEntry& e, double nn_mm) {
    GridCell& h = cells[c];
    if (h.n == h.cap && abandoned + h.cap > pool.size() / 2 && pool.size() > 4096) compact();
    if (h.n == h.cap) {
      const std::uint32_t cap = std::max<std::uint32_t>(4, 2 * h.cap);
      const std::size_t at = pool.size();
      pool.resize(at + cap);
      std::copy_n(pool.begin() + h.begin, h.n, pool.begin() + static_cast<std::ptrdiff_t>(at));
      abandoned += h.cap;
      h.begin = static_cast<std::uint32_t>(at);
      h.cap = cap;
    }
    pool[h.begin + h.n++] = e;
    const float b = float_up(nn_mm);
    if (b > bound[c]) set_bound(c, b);
  }
  // Rewrites the pool in row order, each run with room for 25% more (at least 4).
  void compact() {
    std::size_t total = 0;
    for (const GridCell& h : cells)
      total += h.n == 0 ? 0 : h.n + std::max<std::uint32_t>(4, h.n / 4);
    std::vector<GridEntry> np(total);
    std::size_t at = 0;
    for (GridCell& h : cells) {
      if (h.n == 0) {
        h.begin = h.cap = 0;
        continue;
      }
      std::copy_n(pool.begin() + h.begin, h.n, np.begin() + static_cast<std::ptrdiff_t>(at));
      h.begin = static_cast<std::uint32_t>(at);
      h.cap = h.n + std::max<std::uint32_t>(4, h.n / 4);
      at += h.cap;
    }
    pool = std::move(np);
    abandoned = 0;
  }
  std::size_t index(int i, int j) const {
    return static_cast<std::size_t>(j) * static_cast<std::size_t>(nx) + static_cast<std::size_t>(i);
  }
  int col(double x) const { return cell_clamp((x - x0) / cell, nx); }
  int row(double y) const { return cell_clamp((y - y0) / cell, ny); }
  std::size_t cell_of(PointMm p) const {
    return static_cast<std::size_t>(row(p.y_mm)) * static_cast<std::size_t>(nx) +
           static_cast<std::size_t>(col(p.x_mm));
  }
  // A lower bound (minus the slack) of |x - anything in column i|; 0 for the border columns,
  // which also hold the points beyond the grid.
  double gap_x(int i, double x) const {
    if (i == 0 || i == nx - 1) return 0.0;
    const double c0 = x0 + i * cell;
    return std::max(0.0, std::max(c0 - x, x - (c0 + cell)) - slack);
  }
  double gap_y(int j, double y) const {
    if (j == 0 || j == ny - 1) return 0.0;
    const double c0 = y0 + j * cell;
    return std::max(0.0, std::max(c0 - y, y - (c0 + cell)) - slack);
  }
};

}  // namespace smp::sim::scoring
