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
  // Gives back spare capacity (impressions and scorer) once a whole session has been replayed.
  void shrink_to_fit();

  const std::vector<Impression>& impressions() const { return impressions_; }
  // Scores the impressions placed before the scenario's time limit (all of them without one);
  // the late ones are impressions().size() - scorer().size() (time_limit.h).
  const Scorer& scorer() const { return scorer_; }
  std::size_t late_impressions() const { return late_; }
  // The scorer's report with the time limit applied: what the trainer, `smp score` and `smp
  // report` show. report_into reuses `out`'s storage (Scorer::report_into).
  ScoreReport report() const;
  void report_into(ScoreReport& out) const;
  const ToolState& tool() const { return tool_; }
  double last_event_time_s() const { return last_t_s_; }

 private:
  // One pen contact (down .. up). A contact starts as a tap; once the pen leaves the needle's
  // footprint around where it went in, the tap is placed and the contact becomes a run.
  struct Contact {
    bool active = false;
    bool run = false;
    double start_t_s = 0.0;  // t0: machine stroke k fires at t0 + k / frequency
    PointMm start_pos;
    double tap_pressure = 0.0;  // deepest push while tapping, with the tilt at that moment
    double tap_tilt_rad = 0.0, tap_azimuth_rad = 0.0;
    StylusSample last;              // last down sample of this contact
    std::uint64_t next_stroke = 1;  // index of the next machine stroke not yet considered
    PointMm last_emit_pos;
    double last_emit_t_s = 0.0;
  };

  double footprint_mm() const;
  double stroke_time_s(std::uint64_t k) const;
  double frequency_hz() const;
  void skip_strokes_to(double t, bool inclusive);
  double next_jitter();
  int emit(PointMm pos, const StylusContact& contact, double t_s);
  int place_tap(double end_t_s);
  int run_segment(const StylusSample& a, const StylusSample& b, bool include_end);
  int end_contact(double t_s);
  int apply_sample(const StylusSample& s);
  void score(const Impression& imp);  // to the scorer, or counted as late (time_limit.h)
  void unscore();                     // undoes the last score()

  const Scenario* scenario_;
  const PigmentCatalogue* catalogue_;
  std::mt19937_64 rng_;
  ToolState tool_;
  Scorer scorer_;
  std::vector<Impression> impressions_;
  std::size_t late_ = 0;  // impressions after the time limit, at the end of impressions_
  double last_t_s_ = 0.0;
  Contact contact_;
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
