#include "session_store.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace smp::app {
namespace fs = std::filesystem;

std::string default_session_dir() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x == '/') {
    return (fs::path(x) / "smp-trainer").string();
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    return (fs::path(h) / ".local" / "state" / "smp-trainer").string();
  }
  return "smp-trainer-state";
}

std::string default_session_path(const std::string& scenario_id) {
  return (fs::path(default_session_dir()) / (scenario_id + ".session.json")).string();
}

ExistingSession inspect_session_file(const std::string& path, const std::string& scenario_id) {
  ExistingSession r;
  std::error_code ec;
  if (!fs::exists(path, ec)) return r;
  auto loaded = sim::load_session_file(path);
  if (!loaded.ok()) {
    r.found = Found::kUnreadable;
    for (const auto& e : loaded.errors()) r.message += e.to_string() + "\n";
    return r;
  }
  r.session = std::move(loaded).value();
  if (r.session->header.scenario_id != scenario_id) {
    r.found = Found::kOtherScenario;
  } else {
    r.found = r.session->finished ? Found::kFinished : Found::kResumable;
  }
  return r;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

sim::Result<std::string> set_aside(const std::string& path) {
  std::string stem = path;
  const std::string suffix = ".session.json";
  if (stem.size() > suffix.size() && stem.ends_with(suffix)) {
    stem.resize(stem.size() - suffix.size());
  }
  std::string stamp = utc_now_iso8601();
  for (char& c : stamp) {
    if (c == ':') c = '-';
  }
  std::error_code ec;
  for (int n = 0; n < 1000; ++n) {
    const std::string target = stem + "." + stamp + (n > 0 ? "-" + std::to_string(n) : "") + suffix;
    if (fs::exists(target, ec)) continue;
    fs::rename(path, target, ec);
    if (ec) {
      return sim::Result<std::string>::fail(
          {path, "", "could not move the old attempt aside: " + ec.message()});
    }
    return target;
  }
  return sim::Result<std::string>::fail({path, "", "could not find a free name to move it to"});
}

bool Autosaver::due(Clock::time_point now, double session_t_s, bool dirty) const {
  if (!dirty) return false;
  const double wall = std::chrono::duration<double>(now - last_wall_).count();
  return wall >= interval_s_ || session_t_s - last_session_t_ >= interval_s_;
}

int remove_stale_temporaries(const std::string& path, std::chrono::seconds min_age) {
  const fs::path target(path);
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = target.filename().string() + ".tmp-";
  const auto now = fs::file_time_type::clock::now();
  int removed = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    // Exactly write_file_atomic's "NAME.tmp-XXXXXX" (mkstemp's six characters).
    if (name.size() != prefix.size() + 6 || !name.starts_with(prefix)) continue;
    std::error_code e2;
    if (!e.is_regular_file(e2)) continue;
    const auto mtime = e.last_write_time(e2);
    if (e2 || now - mtime < min_age) continue;  // may be another writer's save in progress
    if (fs::remove(e.path(), e2)) ++removed;
  }
  return removed;
}

sim::Result<bool> Autosaver::save(const sim::Session& s, Clock::time_point now,
                                  double session_t_s) {
  std::error_code ec;
  const fs::path dir = fs::path(path_).parent_path();
  if (!dir.empty()) fs::create_directories(dir, ec);
  // A save killed half-way (power cut, SIGKILL) leaves its temporary file; the first save of the
  // next run clears those, so they do not pile up beside the attempt.
  if (saves_ == 0) remove_stale_temporaries(path_, std::chrono::seconds(60));
  auto r = sim::write_file_atomic(path_, sim::serialize_session(s));
  if (r.ok()) {
    last_wall_ = now;
    last_session_t_ = session_t_s;
    ++saves_;
  }
  return r;
}

}  // namespace smp::app
