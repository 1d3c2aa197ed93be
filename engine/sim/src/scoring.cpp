// The Scorer facade: forwards to its state (scoring/state.h). The scorer's parts, one concern a
// file, are in scoring/ (docs/scoring.md, "Source files").
#include "smp/sim/scoring.h"

#include <algorithm>
#include <memory>

#include "scoring/state.h"

namespace smp::sim {

Scorer::Scorer(const Scenario& scenario, const PigmentCatalogue& catalogue)
    : s_(std::make_unique<State>(scenario, catalogue)) {}
Scorer::~Scorer() = default;
Scorer::Scorer(Scorer&&) noexcept = default;
Scorer& Scorer::operator=(Scorer&&) noexcept = default;

void Scorer::add(const Impression& imp) {
  s_->add(imp);
}
void Scorer::pop_back() {
  s_->pop();
}
std::size_t Scorer::size() const {
  return s_->dots.size();
}
void Scorer::shrink_to_fit() {
  s_->dots.shrink_to_fit();
  s_->undo.shrink_to_fit();
  s_->fixed_findings.shrink_to_fit();
}
ScoreReport Scorer::report() const {
  ScoreReport rep;
  s_->report_into(rep);
  return rep;
}
void Scorer::report_into(ScoreReport& out) const {
  s_->report_into(out);
}
Scorer::NeighbourDebug Scorer::neighbour_debug(std::uint32_t i) const {
  using scoring::GridCell, scoring::GridEntry;
  NeighbourDebug out;
  if (i >= s_->dots.size()) return out;
  const auto& d = s_->dots[i];
  out.nn_mm = d.nn_mm;
  out.nn_id = d.nn_id;
  const GridCell& home = s_->grid.cells[s_->grid.cell_of(d.pos)];
  for (std::uint32_t q = 0; q < home.n; ++q) {
    const GridEntry& e = s_->grid.pool[home.begin + q];
    if (e.idx == i) out.touch_count = e.touches;
  }
  out.radius_mm = d.radius_mm;
  out.cap_mm = d.cap_mm();
  out.expected_nn_mm = d.expected_nn_mm;
  out.reach_mm = std::max(s_->layout.cap_global_mm, d.radius_mm + s_->max_radius_before(i));
  return out;
}
DepthStatus Scorer::depth_status(std::uint32_t impression_id) const {
  if (impression_id >= s_->dots.size()) return DepthStatus::kInBand;
  return s_->dots[impression_id].status();
}
DotFeedback Scorer::dot_feedback(std::uint32_t impression_id) const {
  return s_->dot_feedback(impression_id);
}
void Scorer::density_cells(std::vector<DensityCell>& out) const {
  s_->density_cells(out);
}

}  // namespace smp::sim
