// The scorer's running state and the operations on it. Each group of members and functions is
// defined in the file named beside it.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "scoring/dot.h"
#include "scoring/finding_codes.h"
#include "scoring/index_set.h"
#include "scoring/layout.h"
#include "scoring/neighbour_grid.h"
#include "scoring/report_memo.h"
#include "smp/sim/scoring.h"

namespace smp::sim::scoring {

// Scorer::State (scoring.cpp) is this struct; score_batch() (batch.cpp) drives it directly.
struct State {
  const Scenario* scenario;
  const PigmentCatalogue* catalogue;
  ScenarioLayout layout;
  std::vector<PigmentFacts> pigments;
  // deposit_color() per (pigment, dilution) seen: a session uses a handful, and it is a third of
  // an add's fixed cost.
  struct Deposit {
    std::uint32_t pigment;
    double dilution;
    Lab color;
  };
  std::vector<Deposit> deposits;
  std::vector<Dot> dots;
  NeighbourGrid grid;
  std::size_t regrid_at = 0;  // size() at which regrid() next looks at the cell size
  // (k, r): dot k raised the largest radius so far to r. The largest radius before dot k is what
  // add() searched with; pop() needs it back.
  std::vector<std::pair<std::uint32_t, double>> max_radius_steps;
  std::vector<NnUndo> undo;
  std::vector<std::uint32_t> fixed_findings;  // bucket index of each immutable finding, stacked
  std::vector<std::vector<std::uint32_t>> buckets;  // [code * (kLevels + 1) + level] -> dot indices
  std::vector<std::uint32_t>
      level_count;                       // immutable findings per level: report() skips empty ones
  IndexSet touching_set;                 // dots that touch another (the one mutable finding)
  std::vector<std::uint32_t> criticals;  // dot indices with a critical error, in order
  std::vector<AnalysisCellSums> cells;
  // report() memos (speed only, never results): the analysis grid's derived figures, the
  // message of each listed (dot, code) and of each critical error, formatted once. A dot's
  // message depends only on what add() fixed, so pop() forgets the popped index. report() is
  // const: the mutex keeps concurrent calls safe.
  mutable std::mutex memo_mu;
  mutable GridMemo grid_memo;
  mutable std::map<std::uint64_t, std::string> dot_msg_memo;  // index * kCodeCount + code
  mutable std::vector<CritMemo> crit_memo;                    // per entry of `criticals`
  mutable std::vector<Spot> spot_buf;                         // reused so they keep their capacity
  mutable std::vector<std::pair<std::uint32_t, std::uint8_t>> level_buf;
  // Analysis cells whose count or orientation sums changed since the last report().
  mutable std::vector<std::int32_t> dirty_cells;
  mutable std::vector<std::uint8_t> cell_dirty;
  void mark_cell(std::int32_t c) {
    if (c < 0 || cell_dirty[static_cast<std::size_t>(c)]) return;
    cell_dirty[static_cast<std::size_t>(c)] = 1;
    dirty_cells.push_back(c);
  }

  // depth
  std::int64_t depth_sum = 0, n_in_band = 0, n_shallow = 0, n_deep = 0, n_fat = 0;
  std::int64_t depth_err_sum_fx = 0;  // mm outside the band, summed
  // spacing
  std::int64_t n_nn = 0, nn_ratio_sum = 0, nn_ratio_sq_sum = 0, n_crowded = 0;
  std::int64_t n_touching = 0, touch_pairs = 0;
  std::int64_t n_target = 0;  // dots inside the treat area
  // blurring
  std::int64_t risk_sum = 0, n_risky = 0, n_some_risk = 0, n_repeat = 0, n_heavy = 0,
               n_reticular = 0;
  // colour
  std::int64_t color_sum = 0, delta_e_sum_fx = 0, n_color = 0, n_black_temp = 0, n_dark_hair = 0;
  // case
  std::int64_t n_front = 0, n_outside = 0, n_avoid = 0, n_under_hair = 0;
  std::array<std::int64_t, kRampBands> band_count{};
  std::vector<std::int64_t> seg_min_fx;
  std::vector<std::int64_t> scar_in, scar_ring;
  std::vector<std::vector<std::int32_t>> scar_cells;
  // critical
  std::int64_t n_crit_fat = 0, n_crit_region = 0, n_crit_pigment = 0;

  // ---- add.cpp: one impression in ----
  State(const Scenario& s, const PigmentCatalogue& c);
  std::uint32_t facts(const std::string& id);
  std::uint32_t deposit(std::uint32_t pigment, const Impression& imp);
  void prepare(const Impression& raw, std::uint32_t pigment, std::uint32_t deposit,
               Prepared& out) const;
  void prefetch_window(PointMm p) const;
  void add(const Impression& imp);
  // fin: the dot's final neighbour facts (score_batch()): no neighbour scan and no grid entry;
  // the caller applies the mutable contributions once every dot is in (apply_mut, sync_touching).
  void commit(const Prepared& p, const FinalNeighbours* fin = nullptr);
  void commit_blur(const Prepared& p, Dot& d, std::uint32_t k, bool fat);
  void push_finding(Dot& d, std::uint32_t idx, Code code, int level);
  // nn_pos: the position of j's NN when the caller has it at hand (saves a cache miss)
  void apply_mut(std::uint32_t j, const PointMm* nn_pos = nullptr);
  void retract_mut(std::uint32_t j);
  void apply_risk(Dot& d);
  void retract_risk(Dot& d);
  void set_touching(std::uint32_t j, bool touching);
  void sync_touching(std::uint32_t j);

  // ---- undo.cpp ----
  void pop();

  // ---- neighbours.cpp: the neighbour grid's upkeep, the batch's neighbour pass ----
  double max_radius_before(std::uint32_t k) const;
  void regrid();
  double grid_cell_for(std::size_t n) const;
  NeighbourGrid empty_grid(double cell) const;
  static void lay_out_runs(NeighbourGrid& g, bool room = true);
  void final_neighbours(std::span<const Prepared> prep, std::span<FinalNeighbours> out,
                        unsigned threads) const;

  // ---- feedback.cpp: per-dot values for the trainer ----
  DotFeedback dot_feedback(std::uint32_t i) const;
  DensityStatus cell_density_status(std::int32_t cell) const;
  void density_cells(std::vector<DensityCell>& out) const;

  // ---- report.cpp, report_memo.cpp, criterion_*.cpp, findings.cpp: the report ----
  void report_into(ScoreReport& rep) const;
  void refresh_grid() const;
  void update_cell(std::size_t p) const;
  void update_block(std::size_t bk) const;
  void report_depth(CriterionScore& criterion) const;
  void report_spacing(CriterionScore& criterion) const;
  void report_blurring(CriterionScore& criterion) const;
  void report_color(CriterionScore& criterion) const;
  void report_case(CriterionScore& criterion) const;
  void add_spot(Code code, double severity, PointMm pos, SpotFigures figures = {}) const;
  void report_critical_errors(ScoreReport& rep) const;
  void report_findings(ScoreReport& rep) const;
};

}  // namespace smp::sim::scoring

namespace smp::sim {
struct Scorer::State : scoring::State {
  using scoring::State::State;
};
}  // namespace smp::sim
