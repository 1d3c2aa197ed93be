// The deterministic simulation: stylus samples -> taps and runs -> impressions -> scorer.
// The rules (contacts, machine strokes, jitter, undo) are in docs/architecture.md, "Determinism"
// and "From stylus to impressions".
#include "smp/sim/simulation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <variant>

#include "smp/sim/time_limit.h"

namespace smp::sim {

namespace {

// Width of a round-liner cluster in needle diameters: the smallest circle enclosing n equal
// circles (optimal packings for n = 1, 3, 5, 7; best known for 9), as in the needle model.
double cluster_width(int needle_count) {
  constexpr std::array<std::pair<int, double>, 5> kWidths = {
      {{1, 1.0}, {3, 2.1547}, {5, 2.7013}, {7, 3.0}, {9, 3.6131}}};
  for (const auto& [n, w] : kWidths) {
    if (n == needle_count) return w;
  }
  return 1.0;
}

ToolState defaults_of(const Scenario& s) {
  ToolState t;
  t.needle = s.defaults.needle;
  t.machine = s.defaults.machine;
  t.pigment = s.defaults.pigment;
  t.dilution = s.defaults.dilution;
  return t;
}

// Interchange impressions may omit everything but position, depth and tool: layer and scar come
// from the scenario skin, the deposit's shape and dose from the needle model for a clean
// perpendicular tap whose pressure reaches the given depth (docs/session-format.md).
Impression derive_missing(Impression imp, const ImpressionFieldsGiven& given,
                          const Scenario& scenario) {
  const SkinSample skin = skin_at(scenario, imp.pos);
  if (!given.layer) imp.layer = layer_at_depth(effective_layers(skin), imp.depth_mm);
  if (!given.scar) imp.scar = skin.scar;
  if (given.dose && given.fresh_diameter_mm && given.elongation && given.orientation_rad) {
    return imp;
  }
  auto needle = parse_needle(imp.needle);
  const NeedleConfig n = needle.ok() ? needle.value() : scenario.defaults.needle;
  const MachineSetting& machine = scenario.defaults.machine;
  StylusContact c;
  c.pos = imp.pos;
  auto at = [&](double pressure) {
    c.pressure = pressure;
    return compute_impression(c, n, machine, skin, 0.0);
  };
  // Depth grows monotonically with pressure: bisect for the pressure that reaches imp.depth_mm
  // (a fixed 60 halvings, so the result does not depend on a tolerance test).
  double lo = 0.0, hi = 1.0;
  if (at(hi).depth_mm > imp.depth_mm) {
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      if (at(mid).depth_mm < imp.depth_mm) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
  }
  const NeedleOutcome o = at(hi);
  if (!given.dose) imp.dose = o.dose;
  if (!given.fresh_diameter_mm) imp.fresh_diameter_mm = o.fresh_diameter_mm;
  if (!given.elongation) imp.elongation = o.elongation;
  if (!given.orientation_rad) imp.orientation_rad = o.orientation_rad;
  return imp;
}

}  // namespace

Simulation::Simulation(const Scenario& scenario, const PigmentCatalogue& catalogue,
                       std::uint64_t seed, const ToolState& initial_tool)
    : scenario_(&scenario),
      catalogue_(&catalogue),
      rng_(seed),
      tool_(initial_tool),
      scorer_(scenario, catalogue) {}

double Simulation::footprint_mm() const {
  return cluster_width(tool_.needle.needle_count) * tool_.needle.needle_diameter_mm;
}

// Stroke times come from the integer stroke index, never from an accumulated time: summing 1/f
// would drift and make results depend on how the log was chunked.
double Simulation::stroke_time_s(std::uint64_t k) const {
  return contact_.start_t_s + static_cast<double>(k) / frequency_hz();
}

// The machine frequency as the needle model reads it: at least 1 Hz, 120 Hz if not a number
// (session files are validated; this guards a live caller's bad value against endless loops).
double Simulation::frequency_hz() const {
  const double f = tool_.machine.frequency_hz;
  return std::isfinite(f) ? std::max(1.0, f) : 120.0;
}

// Moves next_stroke past every stroke at or before t (before t when !inclusive). Starts from the
// closed-form estimate and corrects it with the exact stroke_time_s() comparison, so a long still
// hold costs O(1) and the result equals stepping one stroke at a time.
void Simulation::skip_strokes_to(double t, bool inclusive) {
  auto passed = [&](std::uint64_t k) {
    const double ts = stroke_time_s(k);
    return inclusive ? ts <= t : ts < t;
  };
  const double est = std::floor((t - contact_.start_t_s) * frequency_hz());
  if (est > static_cast<double>(contact_.next_stroke) && est < 1e15) {
    std::uint64_t k = static_cast<std::uint64_t>(est);
    while (k > contact_.next_stroke && !passed(k - 1)) --k;
    contact_.next_stroke = k;
  }
  while (passed(contact_.next_stroke)) ++contact_.next_stroke;
}

// Jitter in [-1, 1): the top 53 bits of one mt19937_64 draw, u, give u * 2^-52 - 1. Both steps
// are exact in IEEE double, so the value is the same on every platform (unlike
// std::uniform_real_distribution, whose algorithm the standard leaves open).
double Simulation::next_jitter() {
  const std::uint64_t u = rng_() >> 11;
  return static_cast<double>(u) * 0x1.0p-52 - 1.0;
}

int Simulation::emit(PointMm pos, const StylusContact& contact, double t_s) {
  const SkinSample skin = skin_at(*scenario_, pos);
  const NeedleOutcome o =
      compute_impression(contact, tool_.needle, tool_.machine, skin, next_jitter());
  Impression imp;
  imp.id = static_cast<std::uint32_t>(impressions_.size());
  imp.pos = pos;
  imp.depth_mm = o.depth_mm;
  imp.layer = o.layer;
  imp.dose = o.dose;
  imp.fresh_diameter_mm = o.fresh_diameter_mm;
  imp.elongation = o.elongation;
  imp.orientation_rad = o.orientation_rad;
  imp.needle = needle_to_string(tool_.needle);
  imp.pigment = tool_.pigment;
  imp.dilution = tool_.dilution;
  imp.t_s = t_s;
  imp.scar = skin.scar;
  score(imp);
  impressions_.push_back(std::move(imp));
  return 1;
}

void Simulation::score(const Impression& imp) {
  // Once one impression is late, all that follow are too: the scorer holds the prefix in time.
  if (late_ > 0 || after_time_limit(*scenario_, imp.t_s)) {
    ++late_;
  } else {
    scorer_.add(imp);
  }
}

void Simulation::unscore() {
  if (late_ > 0) {
    --late_;
  } else {
    scorer_.pop_back();
  }
}

void Simulation::report_into(ScoreReport& out) const {
  scorer_.report_into(out);
  apply_time_limit(*scenario_, late_, out);
}

ScoreReport Simulation::report() const {
  ScoreReport out;
  report_into(out);
  return out;
}

int Simulation::place_tap(double end_t_s) {
  StylusContact c;
  c.pos = contact_.start_pos;
  c.pressure = contact_.tap_pressure;
  c.tilt_rad = contact_.tap_tilt_rad;
  c.azimuth_rad = contact_.tap_azimuth_rad;
  c.dwell_s = end_t_s - contact_.start_t_s;
  return emit(contact_.start_pos, c, end_t_s);
}

// Machine strokes between samples a and b (pen position linear in time between them). A stroke
// places an impression when the pen is at least one footprint from the last one placed.
int Simulation::run_segment(const StylusSample& a, const StylusSample& b, bool include_end) {
  auto in_segment = [&](std::uint64_t k) {
    const double t = stroke_time_s(k);
    return include_end ? t <= b.t_s : t < b.t_s;
  };
  const double fp = footprint_mm();
  int placed = 0;
  // Distance to a fixed point is convex along a segment: if both ends are inside the footprint,
  // no stroke in between can place anything (keeps long still holds cheap).
  if (distance_mm(a.pos, contact_.last_emit_pos) < fp &&
      distance_mm(b.pos, contact_.last_emit_pos) < fp) {
    skip_strokes_to(b.t_s, include_end);
    return 0;
  }
  const double dt = b.t_s - a.t_s;
  const double dx = b.pos.x_mm - a.pos.x_mm, dy = b.pos.y_mm - a.pos.y_mm;
  const double speed = dt > 0.0 ? std::sqrt(dx * dx + dy * dy) / dt : 0.0;
  const double dir = std::atan2(dy, dx);
  for (; in_segment(contact_.next_stroke); ++contact_.next_stroke) {
    const double t = stroke_time_s(contact_.next_stroke);
    if (t <= a.t_s) continue;  // already considered with the previous segment
    const double u = dt > 0.0 ? (t - a.t_s) / dt : 1.0;
    const PointMm pos{a.pos.x_mm + u * dx, a.pos.y_mm + u * dy};
    if (distance_mm(pos, contact_.last_emit_pos) < fp) continue;
    StylusContact c;
    c.pos = pos;
    c.pressure = a.pressure + u * (b.pressure - a.pressure);
    c.tilt_rad = b.tilt_rad;
    c.azimuth_rad = b.azimuth_rad;
    c.speed_mm_s = speed;
    c.motion_dir_rad = dir;
    c.dwell_s = t - contact_.last_emit_t_s;
    placed += emit(pos, c, t);
    contact_.last_emit_pos = pos;
    contact_.last_emit_t_s = t;
  }
  return placed;
}

int Simulation::end_contact(double t_s) {
  if (!contact_.active) return 0;
  int placed = 0;
  if (contact_.run) {
    // Between the last down sample and the lift the pen is taken to be still.
    StylusSample held = contact_.last;
    held.t_s = t_s;
    placed = run_segment(contact_.last, held, /*include_end=*/false);
  } else {
    placed = place_tap(t_s);
  }
  contact_.active = false;
  return placed;
}

int Simulation::apply_sample(const StylusSample& s) {
  if (!s.down) return end_contact(s.t_s);
  if (!contact_.active) {
    contact_ = Contact{};
    contact_.active = true;
    contact_.start_t_s = s.t_s;
    contact_.start_pos = s.pos;
    contact_.tap_pressure = s.pressure;
    contact_.tap_tilt_rad = s.tilt_rad;
    contact_.tap_azimuth_rad = s.azimuth_rad;
    contact_.last = s;
    return 0;
  }
  int placed = 0;
  if (!contact_.run) {
    if (distance_mm(s.pos, contact_.start_pos) <= footprint_mm()) {
      if (s.pressure > contact_.tap_pressure) {
        contact_.tap_pressure = s.pressure;
        contact_.tap_tilt_rad = s.tilt_rad;
        contact_.tap_azimuth_rad = s.azimuth_rad;
      }
      contact_.last = s;
      return 0;
    }
    // Moving away ends the tap (placed where the needle went in, dwell up to the last sample
    // inside the footprint); the rest of the contact is a run starting from that dot.
    placed += place_tap(contact_.last.t_s);
    contact_.run = true;
    contact_.last_emit_pos = contact_.start_pos;
    contact_.last_emit_t_s = contact_.last.t_s;
    skip_strokes_to(contact_.last.t_s, /*inclusive=*/true);
  }
  placed += run_segment(contact_.last, s, /*include_end=*/true);
  contact_.last = s;
  return placed;
}

int Simulation::apply(const SessionEvent& e) {
  // Out-of-order events are a caller bug; clamping keeps the state consistent (and replay
  // inputs are validated non-decreasing at load).
  const double et = event_time_s(e);
  const double t = std::isfinite(et) ? std::max(et, last_t_s_) : last_t_s_;
  int delta = 0;
  if (const auto* s = std::get_if<StylusSample>(&e)) {
    StylusSample sample = *s;
    sample.t_s = t;
    // A sample without a usable position (caller bug) is dropped rather than placed at NaN.
    if (std::isfinite(sample.pos.x_mm) && std::isfinite(sample.pos.y_mm)) {
      delta = apply_sample(sample);
    }
  } else if (const auto* tc = std::get_if<ToolChange>(&e)) {
    delta = end_contact(t);
    tool_ = tc->tool();
  } else if (const auto* u = std::get_if<UndoEvent>(&e)) {
    delta = end_contact(t);
    // Assessment attempts cannot undo; replay_session refuses such logs, the live trainer never
    // sends them, and a stray one is ignored here.
    if (scenario_->mode == Mode::kPractice) {
      const std::size_t n = std::min<std::size_t>(u->count, impressions_.size());
      for (std::size_t i = 0; i < n; ++i) {
        impressions_.pop_back();
        unscore();
      }
      delta -= static_cast<int>(n);
    }
  }
  last_t_s_ = t;
  return delta;
}

void Simulation::add_impression(Impression imp) {
  imp.id = static_cast<std::uint32_t>(impressions_.size());
  score(imp);
  impressions_.push_back(std::move(imp));
}

void Simulation::shrink_to_fit() {
  impressions_.shrink_to_fit();
  scorer_.shrink_to_fit();
}

Result<ReplayOutput> replay_session(const Session& session, const Scenario& scenario,
                                    const PigmentCatalogue& catalogue) {
  // Errors name "<session>": the caller knows the session's path and substitutes it.
  const std::string label = "<session>";
  std::vector<Error> errors;
  if (session.header.scenario_id != scenario.id) {
    errors.push_back({label, "/scenario_id",
                      "the session was recorded on scenario '" + session.header.scenario_id +
                          "', not '" + scenario.id + "'"});
    return errors;
  }
  if (scenario.mode == Mode::kAssessment) {
    for (std::size_t i = 0; i < session.events.size(); ++i) {
      if (std::holds_alternative<UndoEvent>(session.events[i])) {
        errors.push_back({label, "/events/" + std::to_string(i),
                          "undo is not allowed in assessment scenario '" + scenario.id + "'"});
      }
    }
  }
  double prev_t = 0.0;
  for (std::size_t i = 0; i < session.events.size(); ++i) {
    const double t = event_time_s(session.events[i]);
    if (!(t >= prev_t)) {
      errors.push_back({label, "/events/" + std::to_string(i), "t_s goes back in time"});
    } else {
      prev_t = t;
    }
  }
  if (!errors.empty()) return errors;

  Simulation sim(scenario, catalogue, session.header.seed,
                 session.initial_tool.value_or(defaults_of(scenario)));
  // A few bytes of log can ask for millions of machine strokes: stop at the session limit (one
  // event adds at most ~57,000 impressions, so the overshoot is bounded too).
  auto too_many = [&](const std::string& pointer) {
    return Result<ReplayOutput>::fail({label, pointer,
                                       "the session places more than " +
                                           std::to_string(kMaxSessionImpressions) +
                                           " impressions (the limit per session)"});
  };
  for (std::size_t i = 0; i < session.events.size(); ++i) {
    sim.apply(session.events[i]);
    if (sim.impressions().size() > kMaxSessionImpressions) {
      return too_many("/events/" + std::to_string(i));
    }
  }
  // A log that ends with the pen down is closed at its last event time.
  StylusSample lift;
  lift.t_s = sim.last_event_time_s();
  sim.apply(lift);
  if (sim.impressions().size() + session.impressions.size() > kMaxSessionImpressions) {
    return too_many("/impressions");
  }
  for (std::size_t i = 0; i < session.impressions.size(); ++i) {
    const ImpressionFieldsGiven given = i < session.impressions_given.size()
                                            ? session.impressions_given[i]
                                            : ImpressionFieldsGiven{};
    sim.add_impression(derive_missing(session.impressions[i], given, scenario));
  }
  ReplayOutput out;
  out.impressions = sim.impressions();
  out.report = sim.report();
  out.impressions_sha256 = impressions_hash(out.impressions);
  return out;
}

}  // namespace smp::sim
