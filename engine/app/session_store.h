// Where attempts are autosaved, and what is found there at start (docs/user-guide-trainee.md,
// "Never lose work").
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "smp/sim/result.h"
#include "smp/sim/session.h"

namespace smp::app {

// $XDG_STATE_HOME/smp-trainer, else $HOME/.local/state/smp-trainer, else ./smp-trainer-state.
std::string default_session_dir();
std::string default_session_path(const std::string& scenario_id);

enum class Found { kNothing, kResumable, kFinished, kOtherScenario, kUnreadable };
struct ExistingSession {
  Found found = Found::kNothing;
  std::optional<sim::Session> session;  // kResumable / kFinished / kOtherScenario
  std::string message;                  // kUnreadable: why (file + JSON Pointer)
};
ExistingSession inspect_session_file(const std::string& path, const std::string& scenario_id);

// Moves `path` aside to "<path minus .session.json>.<UTC time>[-n].session.json" so a new attempt
// can start without destroying the old one. Returns the new path.
sim::Result<std::string> set_aside(const std::string& path);

// Removes temporary files a killed save left beside `path` ("NAME.tmp-XXXXXX", see
// sim::write_file_atomic) that are at least `min_age` old. Returns how many went.
int remove_stale_temporaries(const std::string& path, std::chrono::seconds min_age);

// Autosave policy: save when there is something new and `interval_s` of wall-clock time or of
// session time has passed since the last save (headless runs go faster than real time).
class Autosaver {
 public:
  using Clock = std::chrono::steady_clock;
  Autosaver(std::string path, double interval_s)
      : path_(std::move(path)), interval_s_(interval_s) {}
  bool due(Clock::time_point now, double session_t_s, bool dirty) const;
  sim::Result<bool> save(const sim::Session& s, Clock::time_point now, double session_t_s);
  const std::string& path() const { return path_; }
  int saves() const { return saves_; }

 private:
  std::string path_;
  double interval_s_;
  Clock::time_point last_wall_ = Clock::now();
  double last_session_t_ = 0.0;
  int saves_ = 0;
};

std::string utc_now_iso8601();

}  // namespace smp::app
