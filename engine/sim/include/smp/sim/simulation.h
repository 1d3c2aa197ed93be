// The deterministic simulation: stylus events in, impressions and scores out (docs/architecture.md,
// "Determinism"). Replaying a session rebuilds everything from tick 0.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"
#include "smp/sim/session.h"

namespace smp::sim {

class Simulation {
 public:
  // Scenario and catalogue must outlive the Simulation.
  Simulation(const Scenario& scenario, const PigmentCatalogue& catalogue, std::uint64_t seed,
             const ToolState& initial_tool);

  // Events must come in non-decreasing t_s. Returns how many impressions were added (or removed,
  // negative, for an undo) by this event.
  int apply(const SessionEvent& e);
  // Adds an interchange impression as given (id is reassigned to the next index).
  void add_impression(Impression imp);

  const std::vector<Impression>& impressions() const { return impressions_; }
  const Scorer& scorer() const { return scorer_; }
  const ToolState& tool() const { return tool_; }
  double last_event_time_s() const { return last_t_s_; }

 private:
  const Scenario* scenario_;
  const PigmentCatalogue* catalogue_;
  std::mt19937_64 rng_;
  ToolState tool_;
  Scorer scorer_;
  std::vector<Impression> impressions_;
  double last_t_s_ = 0.0;
  // contact tracking (pen down, dwell, last fired position) lives in the implementation
  struct Contact {
    bool active = false;
    double start_t_s = 0.0;
    double last_t_s = 0.0;
    PointMm start_pos, last_pos, last_emit_pos;
    double pressure_max = 0.0;
    double tilt_rad = 0.0, azimuth_rad = 0.0;
    double speed_mm_s = 0.0;
    std::uint64_t strokes_fired = 0;
    bool emitted_here = false;
  } contact_;
};

struct ReplayOutput {
  std::vector<Impression> impressions;
  ScoreReport report;
  std::string impressions_sha256;
};
// Rebuilds a session from tick 0: events through the Simulation, then interchange impressions.
// Fails when the session names another scenario id.
Result<ReplayOutput> replay_session(const Session& session, const Scenario& scenario,
                                    const PigmentCatalogue& catalogue);

}  // namespace smp::sim
