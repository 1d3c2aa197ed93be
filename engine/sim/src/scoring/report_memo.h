// report()'s memos: what it derived from the analysis grid, the critical errors and the spot
// findings, kept between calls so a refresh re-derives only what changed (speed only).
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "scoring/finding_codes.h"
#include "smp/sim/geometry.h"

namespace smp::sim::scoring {

struct AnalysisCellSums {
  std::int32_t count = 0;
  std::int32_t n_orientations = 0;
  std::array<std::int64_t, 6> ori{};  // sums of cos/sin of 2, 4, 6 x the NN angle (fixed-point)
};

// A 10 mm block's orientation sums and what report() derived from them: functions of the
// integer sums, so a reused value is the same bits as a fresh one.
struct BlockMemo {
  AnalysisCellSums agg;
  bool valid = false;
  bool ordered = false;  // enough NN vectors to be judged
  bool grid = false;     // ordered enough for a grid_like spot
  int level = 0;         // the spot's severity level
  double excess = 0.0;   // order excess (0 when not judged)
};

constexpr std::uint8_t kNoSpot = 0xff;

// What report() derives from one target cell's count: the hole/clump class, its severity level
// and its message, pure functions of (count, expected), so a reused value is the same bits.
struct CellMemo {
  std::int32_t cnt = -1;        // count the figures below belong to (-1: none yet)
  std::uint8_t kind = kNoSpot;  // kHole, kClump or kNoSpot
  int level = 0;
  std::int32_t msg_cnt = -1;  // count the message belongs to (formatted only when listed)
  std::string msg;
};

// report()'s running view of the analysis grid (speed only, never results). Between two reports
// only the cells a new or removed dot touched change (State::mark_cell lists them), so only those
// are re-derived. The floating sums over cells keep their order: they are running sums in
// layout.target_cells order, recomputed from the first position whose term changed (a term that did
// not change leaves the sums alone), so they are the same bits as one pass over all cells.
struct GridMemo {
  bool ready = false;
  std::vector<std::int32_t> pos_of_cell;  // analysis cell -> position in layout.target_cells, or -1
  std::vector<std::int32_t> block_of_cell;
  std::vector<std::uint8_t> judged;  // per position
  std::vector<PointMm> centre;       // per position
  std::vector<CellMemo> cell;        // per position
  // Per position: min(count, expected), and expected x |ln ratio| for judged cells (0 for the
  // others: adding +0.0 leaves a sum of non-negative terms unchanged).
  std::vector<double> cov_term, dev_term;
  std::vector<double> cov_sum, dev_sum;    // [p]: the sum of the terms before p
  std::size_t cov_from = 0, dev_from = 0;  // first position whose running sum is stale
  double total = 0.0, dev_w = 0.0;         // fixed by the layout
  int judged_count = 0, holes = 0, clumps = 0;
  std::vector<std::vector<std::int32_t>> block_cells;  // target cells of each 10 mm block
  std::vector<BlockMemo> block;
  std::vector<std::uint8_t> block_dirty;
  std::vector<std::uint32_t> dirty_blocks;
  std::vector<double> ex_term, ex_sum;  // order excess per block (0 when not judged), running
  std::size_t ex_from = 0;
  int ordered = 0, grid = 0;
  // Hole, clump and grid_like spots by packed key (spot_key): the list's order, kept sorted.
  std::set<std::uint64_t> spots;
};

// Spot order: most severe first, then code, then the spot's position in its own generation loop
// (analysis cells in layout.target_cells order, 10 mm blocks by index, hairline pieces, scar cells,
// scars: every code has one loop). One integer compare.
inline std::uint64_t spot_key(int level, std::uint8_t code, std::uint32_t pos) {
  return (static_cast<std::uint64_t>(kLevels - level) << 40) |
         (static_cast<std::uint64_t>(code) << 32) | pos;
}
inline int spot_level(std::uint64_t key) {
  return kLevels - static_cast<int>(key >> 40);
}
inline std::uint8_t spot_code(std::uint64_t key) {
  return static_cast<std::uint8_t>((key >> 32) & 0xffu);
}
inline bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// The other spot findings (hairline gaps, straight hairline, scars): few, generated per report.
// The message is formatted only if the spot makes the list, from its figures.
struct SpotFigures {
  double offset_sd_mm = 0.0;  // straight hairline: spread of the front-most dots' offsets
  double inside_ratio = 0.0;  // scar border: density inside the scar, as a share of target
  double border_ratio = 0.0;  // ... and in the ring around it
};
struct Spot {
  std::uint64_t key;
  PointMm pos;
  SpotFigures figures;
};

// A critical error's messages, with the inputs they are a function of.
struct CritMemo {
  std::int64_t ext_id = -1;
  double depth_mm = 0.0;
  std::uint32_t flags = 0;
  bool valid = false;
  std::string fat, region, pigment;
};

}  // namespace smp::sim::scoring
