// The trainer's wiring and the attempt lifecycle (docs/user-guide-trainee.md).
//
// One frame: script events are pushed as SDL events -> SDL events become plain input
// (platform::InputMapper) -> stylus samples are ray-picked onto the scalp map (physics) ->
// smp::sim::StylusSample -> Simulation + session log -> autosave -> panels (ui) -> renderer.
// Time: a fixed 1/60 s tick. Headless runs advance exactly one tick per frame, so a script gives
// the same session log on every machine; interactive runs advance ticks with real time.
#include "trainer.h"

#include <epoxy/gl.h>
#include <fcntl.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "placement_warning.h"
#include "script.h"
#include "session_store.h"
#include "smp/physics/collision_world.h"
#include "smp/physics/surface.h"
#include "smp/platform/input.h"
#include "smp/platform/pen.h"
#include "smp/platform/window.h"
#include "smp/render/camera.h"
#include "smp/render/cross_section.h"
#include "smp/render/image.h"
#include "smp/render/renderer.h"
#include "smp/sim/healing.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/session.h"
#include "smp/sim/simulation.h"
#include "smp/ui/panels.h"

extern char** environ;

namespace smp::app {
namespace fs = std::filesystem;
namespace {

constexpr double kTickS = 1.0 / 60.0;
constexpr double kFocusDistanceMm = 200.0;  // scripts aim the camera this far from a stroke
constexpr double kBannerSeconds = 8.0;
// Script events get this window id so the UI does not take them for clicks at its own idea of
// the mouse position (SDL does not move its cursor for pushed events); the input mapper ignores
// window ids, so they take exactly the path of real events.
constexpr Uint32 kScriptWindowId = 0x5C819700u;

void print_errors(const std::vector<sim::Error>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "smp-trainer: %s\n", e.to_string().c_str());
}

std::string scenarios_dir() {
  if (const char* d = std::getenv("SMP_SCENARIO_DIR"); d != nullptr && *d != '\0') return d;
  std::error_code ec;
  const fs::path from_assets = fs::path(sim::asset_dir()).parent_path() / "scenarios";
  if (fs::is_directory(from_assets, ec)) return from_assets.string();
  return "scenarios";
}

std::string default_scenario_path() {
  std::error_code ec;
  if (fs::is_regular_file("scenarios/frontal-hairline.json", ec)) {
    return "scenarios/frontal-hairline.json";
  }
  return (fs::path(scenarios_dir()) / "frontal-hairline.json").string();
}

sim::ToolState defaults_of(const sim::Scenario& s) {
  sim::ToolState t;
  t.needle = s.defaults.needle;
  t.machine = s.defaults.machine;
  t.pigment = s.defaults.pigment;
  t.dilution = s.defaults.dilution;
  return t;
}

std::string self_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

// Runs a program and waits; stdout+stderr go to `log_path`.
int run_and_wait(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int nearest_time_step(double months) {
  int best = 0;
  for (int i = 0; i < ui::kTimeStepCount; ++i) {
    if (std::abs(ui::kTimeSteps[i].months - months) <
        std::abs(ui::kTimeSteps[best].months - months)) {
      best = i;
    }
  }
  return best;
}

std::string describe(const sim::ScoreReport& r, const sim::Scenario& s) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "impressions: %zu\noverall: %.4f (pass mark %.0f): %s\n",
                r.impression_count, r.overall, s.pass_overall, r.passed ? "PASSED" : "NOT PASSED");
  out += buf;
  for (const auto& c : r.criteria) {
    std::snprintf(buf, sizeof buf, "  %-9s %8.4f (pass %.0f) %s\n", c.key.c_str(), c.score,
                  c.pass_mark, c.passed ? "ok" : "below");
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "critical errors: %zu\n", r.critical_errors.size());
  out += buf;
  for (const auto& e : r.critical_errors) out += "  - " + e.message + "\n";
  return out;
}

// A scenario's skin surface and the picking world over it (no GL: may be built on any thread).
struct SceneGeometry {
  std::unique_ptr<physics::SkinSurface> surface;
  std::unique_ptr<physics::CollisionWorld> world;
};
SceneGeometry make_geometry(const sim::Scenario& scenario) {
  SceneGeometry g;
  g.surface = std::make_unique<physics::SkinSurface>(physics::SkinSurface::for_scenario(scenario));
  g.world = std::make_unique<physics::CollisionWorld>(*g.surface);
  return g;
}

class Trainer {
 public:
  explicit Trainer(const Options& opt) : opt_(opt) {}
  ~Trainer() { shutdown(); }
  int run();

 private:
  // Setup
  int load_inputs();
  bool open_window();
  bool load_scenario(const std::string& path, bool report_errors);
  void build_scene();
  void list_scenarios();
  void start_session_for_scenario();
  void begin_new_attempt(bool set_aside_old);
  void resume_from(sim::Session s);
  void shutdown();

  // Per frame
  void advance_clock();
  void push_script_events();
  void pump_events();
  void handle_command(platform::Command c);
  void apply_gesture(const platform::CameraGesture& g);
  void handle_samples(const std::vector<platform::StylusSample>& samples);
  void log_and_apply(const sim::SessionEvent& e);
  void refresh_report();
  void update_replay(double frame_dt_s);
  void maybe_autosave(bool force);
  void build_ui();
  void handle_action(const ui::UiAction& a);
  void render_frame();
  bool write_screenshot(const std::string& path);

  // Helpers
  render::Viewport viewport() const;
  double fb_scale() const;
  std::optional<physics::PickHit> pick(double x_logical, double y_logical) const;
  std::optional<std::pair<double, double>> project(sim::PointMm p) const;
  void focus(sim::PointMm p, double distance_mm);
  void frame_work();
  void frame_scenario();
  void set_tool(const sim::ToolState& t);
  void undo();
  void finish(const std::string& why);
  void export_report();
  double session_t() const { return static_cast<double>(tick_) * kTickS; }
  bool accepting_input() const {
    return !paused_ && !finished_ && !replay_mode_ && !resume_offer_.active && sim_ != nullptr;
  }
  const std::vector<sim::Impression>& shown_impressions() const;
  const sim::Scorer* shown_scorer() const;
  void apply_script_action(const ScriptEvent& ev);

  Options opt_;
  bool headless_ = false;
  bool demo_ = false;
  bool running_ = true;
  std::int64_t frame_ = 0;
  std::int64_t frames_limit_ = -1;

  platform::Window window_;
  platform::InputMapper mapper_;
  platform::PenTracker pen_;
  bool imgui_ready_ = false;
  ui::Panels panels_;
  ui::ViewState view_;

  sim::PigmentCatalogue catalogue_;
  std::unique_ptr<sim::Scenario> scenario_;
  std::string scenario_path_;
  std::unique_ptr<physics::SkinSurface> surface_;
  std::unique_ptr<physics::CollisionWorld> world_;
  // The first scene's geometry, built on a worker thread while the window, GL context and shaders
  // come up (start-up to first frame: both are CPU-bound and independent).
  std::future<SceneGeometry> pending_geometry_;
  std::unique_ptr<render::Renderer> renderer_;
  render::OrbitCamera camera_;
  std::vector<ui::ScenarioEntry> scenario_entries_;

  // The attempt.
  std::unique_ptr<sim::Simulation> sim_;
  sim::Session session_;
  std::string session_path_;
  std::unique_ptr<Autosaver> autosaver_;
  bool dirty_ = false;
  std::int64_t tick_ = 0;
  double tick_accum_s_ = 0.0;
  std::uint64_t last_counter_ = 0;
  bool paused_ = false;
  bool finished_ = false;
  bool in_contact_ = false;
  sim::StylusSample last_sent_;
  std::vector<std::size_t> stroke_starts_;  // impression count when each contact began
  ui::ResumeOffer resume_offer_;
  std::optional<sim::Session> pending_resume_;

  sim::ScoreReport report_;
  std::size_t report_count_ = static_cast<std::size_t>(-1);
  std::uint64_t report_generation_ = 0;
  std::size_t critical_seen_ = 0;
  std::string banner_;
  std::uint64_t banner_id_ = 0;
  ui::UiModel::BannerKind banner_kind_ = ui::UiModel::BannerKind::kCritical;
  std::size_t avoid_seen_ = 0;  // impressions already checked for an avoid-region placement
  double banner_until_s_ = 0.0;
  std::string save_status_, export_status_;
  std::chrono::steady_clock::time_point last_save_wall_{};

  // Replay mode.
  bool replay_mode_ = false;
  sim::Session replay_;
  double replay_cursor_s_ = 0.0, replay_end_s_ = 0.0, replay_speed_ = 1.0;
  bool replay_playing_ = false;
  std::size_t replay_applied_ = 0;
  std::optional<sim::ReplayOutput> replay_final_;
  std::unique_ptr<sim::Scorer> replay_final_scorer_;

  // Script.
  std::optional<Script> script_;
  std::optional<ScriptPlayer> player_;
  bool script_done_ = false;
  std::vector<std::string> script_problems_;

  // View.
  std::optional<sim::PointMm> hover_;
  double mouse_x_ = -1, mouse_y_ = -1;
  render::CrossSection section_;
  bool section_valid_ = false;
  std::optional<sim::PointMm> section_centre_;
  std::size_t section_count_ = static_cast<std::size_t>(-1);
};

render::Viewport Trainer::viewport() const {
  int w = 0, h = 0;
  window_.drawable_size(w, h);
  return {0, 0, std::max(1, w), std::max(1, h)};
}

double Trainer::fb_scale() const {
  int lw = 0, lh = 0, dw = 0, dh = 0;
  window_.logical_size(lw, lh);
  window_.drawable_size(dw, dh);
  return lw > 0 ? static_cast<double>(dw) / lw : 1.0;
}

std::optional<physics::PickHit> Trainer::pick(double x, double y) const {
  if (world_ == nullptr) return std::nullopt;
  const double s = fb_scale();
  return world_->pick(camera_.screen_ray(viewport(), x * s, y * s));
}

std::optional<std::pair<double, double>> Trainer::project(sim::PointMm p) const {
  if (surface_ == nullptr) return std::nullopt;
  const physics::SurfacePoint sp = surface_->point(p);
  double x = 0, y = 0;
  if (!camera_.world_to_screen(viewport(), sp.pos, &x, &y)) return std::nullopt;
  const double s = fb_scale();
  x /= s;
  y /= s;
  int lw = 0, lh = 0;
  window_.logical_size(lw, lh);
  if (x < 0 || y < 0 || x >= lw || y >= lh) return std::nullopt;
  // Visible only if the ray through that pixel meets the skin there (not the face in front).
  auto hit = pick(x, y);
  if (!hit || sim::distance_mm(hit->map, p) > 2.0) return std::nullopt;
  // Under a panel a stroke cannot start (as for a hand): report it rather than lose it.
  for (const auto& r : panels_.covered()) {
    if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) return std::nullopt;
  }
  return std::make_pair(x, y);
}

void Trainer::focus(sim::PointMm p, double distance_mm) {
  if (surface_ == nullptr) return;
  camera_.look_at_surface(surface_->point(p), distance_mm);
}

// Looks straight down at the work, from far enough to see all of it (the end of a script or a
// headless replay: the screenshot shows the dots, not the whole head).
void Trainer::frame_work() {
  const auto& imps = shown_impressions();
  if (imps.empty() || surface_ == nullptr) {
    frame_scenario();
    return;
  }
  sim::PointMm lo = imps.front().pos, hi = lo;
  for (const auto& i : imps) {
    lo = {std::min(lo.x_mm, i.pos.x_mm), std::min(lo.y_mm, i.pos.y_mm)};
    hi = {std::max(hi.x_mm, i.pos.x_mm), std::max(hi.y_mm, i.pos.y_mm)};
  }
  const double extent = std::max(hi.x_mm - lo.x_mm, hi.y_mm - lo.y_mm);
  focus({0.5 * (lo.x_mm + hi.x_mm), 0.5 * (lo.y_mm + hi.y_mm)},
        std::clamp(2.4 * extent + 90.0, 140.0, 520.0));
}

// The starting view: the area the scenario asks to work on (treat, scar and transition regions),
// seen straight on, with some skin around it.
void Trainer::frame_scenario() {
  if (surface_ == nullptr) return;
  camera_ = render::OrbitCamera::framing(*surface_);
  bool any = false;
  sim::PointMm lo, hi;
  for (const auto& r : scenario_->regions) {
    if (r.role == sim::RegionRole::kForbidden || r.role == sim::RegionRole::kAvoid) continue;
    const sim::BoxMm b = sim::bounding_box(r.polygon_mm);
    if (!any) {
      lo = b.min;
      hi = b.max;
      any = true;
    }
    lo = {std::min(lo.x_mm, b.min.x_mm), std::min(lo.y_mm, b.min.y_mm)};
    hi = {std::max(hi.x_mm, b.max.x_mm), std::max(hi.y_mm, b.max.y_mm)};
  }
  if (!any || scenario_->surface != sim::Surface::kHead) return;
  const double extent = std::max(hi.x_mm - lo.x_mm, hi.y_mm - lo.y_mm);
  focus({0.5 * (lo.x_mm + hi.x_mm), 0.5 * (lo.y_mm + hi.y_mm)},
        std::clamp(2.6 * extent + 160.0, 260.0, 520.0));
}

int Trainer::load_inputs() {
  auto cat = sim::PigmentCatalogue::load_default();
  if (!cat.ok()) {
    print_errors(cat.errors());
    return kExitBadInput;
  }
  catalogue_ = std::move(cat).value();

  std::string scenario_path = opt_.scenario_given ? opt_.scenario : default_scenario_path();
  if (!opt_.replay.empty()) {
    auto s = sim::load_session_file(opt_.replay);
    if (!s.ok()) {
      print_errors(s.errors());
      return kExitBadInput;
    }
    replay_ = std::move(s).value();
    replay_mode_ = true;
    if (!opt_.scenario_given) {
      // Find the scenario the session was recorded on.
      std::string found;
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(scenarios_dir(), ec)) {
        if (e.path().extension() != ".json") continue;
        auto sc = sim::load_scenario_file(e.path().string());
        if (sc.ok() && sc->id == replay_.header.scenario_id) {
          found = e.path().string();
          break;
        }
      }
      if (found.empty()) {
        std::fprintf(stderr,
                     "smp-trainer: %s: /header/scenario_id: no scenario with id '%s' in %s "
                     "(pass it with --scenario)\n",
                     opt_.replay.c_str(), replay_.header.scenario_id.c_str(),
                     scenarios_dir().c_str());
        return kExitBadInput;
      }
      scenario_path = found;
    }
  }
  if (!load_scenario(scenario_path, true)) return kExitBadInput;
  if (replay_mode_ && replay_.header.scenario_id != scenario_->id) {
    std::fprintf(stderr,
                 "smp-trainer: %s: /header/scenario_id: the session was recorded on '%s', not on "
                 "'%s' (%s)\n",
                 opt_.replay.c_str(), replay_.header.scenario_id.c_str(), scenario_->id.c_str(),
                 scenario_path.c_str());
    return kExitBadInput;
  }
  if (!opt_.script.empty()) {
    auto sc = load_script_file(opt_.script);
    if (!sc.ok()) {
      print_errors(sc.errors());
      return kExitBadInput;
    }
    script_ = std::move(sc).value();
    if (std::abs(script_->fps - 60.0) > 1e-9) {
      std::fprintf(stderr, "smp-trainer: %s: /fps: the trainer's frame clock runs at 60 fps\n",
                   opt_.script.c_str());
      return kExitBadInput;
    }
  }
  return kExitOk;
}

bool Trainer::load_scenario(const std::string& path, bool report_errors) {
  auto sc = sim::load_scenario_file(path);
  if (!sc.ok()) {
    if (report_errors) print_errors(sc.errors());
    if (!sc.errors().empty()) export_status_ = sc.errors().front().to_string();
    return false;
  }
  // The Simulation, renderer and surface hold pointers to the scenario: drop them first.
  sim_.reset();
  scenario_ = std::make_unique<sim::Scenario>(std::move(sc).value());
  scenario_path_ = path;
  return true;
}

bool Trainer::open_window() {
  platform::WindowOptions wo;
  wo.width = opt_.width;
  wo.height = opt_.height;
  wo.vsync = !headless_;
  wo.title = "SMP Trainer";
  if (!window_.open(wo)) {
    std::fprintf(stderr, "smp-trainer: %s\n", window_.error().c_str());
    return false;
  }
  int lw = 0, lh = 0;
  window_.logical_size(lw, lh);
  mapper_.set_window_size(lw, lh);
  if (!pen_.install(window_.sdl_window()) && !headless_) {
    std::printf("smp-trainer: %s\n", pen_.status().c_str());
  }
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  panels_.setup(window_.ui_scale());
  ImGui_ImplSDL2_InitForOpenGL(window_.sdl_window(), window_.gl_context());
  ImGui_ImplOpenGL3_Init("#version 330 core");
  imgui_ready_ = true;
  auto r = render::Renderer::create();
  if (!r.ok()) {
    print_errors(r.errors());
    return false;
  }
  renderer_ = std::move(r).value();
  return true;
}

void Trainer::build_scene() {
  // The renderer (its compiled shaders) is kept; set_scene() below replaces everything it holds
  // of the old scene, and nothing is drawn in between, so it never reads the old surface.
  world_.reset();
  surface_.reset();
  SceneGeometry g = pending_geometry_.valid() ? pending_geometry_.get() : make_geometry(*scenario_);
  surface_ = std::move(g.surface);
  world_ = std::move(g.world);
  if (renderer_ == nullptr) {
    auto r = render::Renderer::create();
    if (r.ok()) renderer_ = std::move(r).value();
  }
  if (renderer_ != nullptr) renderer_->set_scene(*scenario_, *surface_, catalogue_);
  frame_scenario();
  section_valid_ = false;
  section_centre_.reset();
  section_count_ = static_cast<std::size_t>(-1);
  report_count_ = static_cast<std::size_t>(-1);
}

void Trainer::list_scenarios() {
  scenario_entries_.clear();
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(scenarios_dir(), ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    ui::ScenarioEntry en;
    en.path = p.string();
    auto sc = sim::load_scenario_file(en.path);
    if (!sc.ok()) {
      en.error = sc.errors().front().to_string();
    } else {
      en.id = sc->id;
      en.title = sc->title;
      en.description = sc->description;
      en.case_kind = std::string(sim::to_string(sc->case_kind));
      en.technique = std::string(sim::to_string(sc->technique));
      en.mode = std::string(sim::to_string(sc->mode));
      en.surface = std::string(sim::to_string(sc->surface));
      en.level = sc->level;
    }
    scenario_entries_.push_back(std::move(en));
  }
  std::stable_sort(scenario_entries_.begin(), scenario_entries_.end(),
                   [](const auto& a, const auto& b) { return a.level < b.level; });
}

void Trainer::begin_new_attempt(bool set_aside_old) {
  if (set_aside_old) {
    std::error_code ec;
    if (fs::exists(session_path_, ec)) {
      auto moved = set_aside(session_path_);
      if (moved.ok()) {
        std::printf("smp-trainer: the previous attempt was kept as %s\n", moved->c_str());
      } else {
        print_errors(moved.errors());
      }
    }
  }
  std::uint64_t seed = 1;
  if (opt_.seed) {
    seed = *opt_.seed;
  } else if (!headless_) {
    seed = std::random_device{}();
  }
  session_ = sim::Session{};
  session_.header.scenario_id = scenario_->id;
  session_.header.scenario_sha256 = scenario_->content_sha256;
  session_.header.simulator_version = SMP_VERSION_STRING;
  session_.header.trainee = opt_.trainee;
  session_.header.seed = seed;
  session_.header.started_at = utc_now_iso8601();
  session_.initial_tool = defaults_of(*scenario_);
  sim_ = std::make_unique<sim::Simulation>(*scenario_, catalogue_, seed, *session_.initial_tool);
  tick_ = 0;
  tick_accum_s_ = 0.0;
  paused_ = finished_ = in_contact_ = false;
  stroke_starts_.clear();
  critical_seen_ = 0;
  avoid_seen_ = 0;
  banner_.clear();
  report_count_ = static_cast<std::size_t>(-1);
  autosaver_ = std::make_unique<Autosaver>(session_path_, opt_.autosave_s);
  dirty_ = false;
  if (player_) player_->start_at(0);
}

void Trainer::resume_from(sim::Session s) {
  session_ = std::move(s);
  const sim::ToolState initial = session_.initial_tool.value_or(defaults_of(*scenario_));
  sim_ = std::make_unique<sim::Simulation>(*scenario_, catalogue_, session_.header.seed, initial);
  stroke_starts_.clear();
  bool down = false;
  for (const auto& e : session_.events) {
    if (const auto* st = std::get_if<sim::StylusSample>(&e)) {
      if (st->down && !down) stroke_starts_.push_back(sim_->impressions().size());
      down = st->down;
      last_sent_ = *st;
    } else {
      down = false;
    }
    sim_->apply(e);
    while (!stroke_starts_.empty() && stroke_starts_.back() > sim_->impressions().size()) {
      stroke_starts_.pop_back();
    }
  }
  sim_->shrink_to_fit();  // a resumed session arrives at once: no doubling slack to keep
  const double last_t = session_.events.empty() ? 0.0 : sim::event_time_s(session_.events.back());
  tick_ = static_cast<std::int64_t>(std::floor(last_t / kTickS)) + 1;
  tick_accum_s_ = 0.0;
  paused_ = finished_ = false;
  in_contact_ = down;
  autosaver_ = std::make_unique<Autosaver>(session_path_, opt_.autosave_s);
  // Killed with the needle down: the contact ends where the log ends.
  if (in_contact_) {
    sim::StylusSample lift = last_sent_;
    lift.down = false;
    lift.pressure = 0.0;
    log_and_apply(lift);
    in_contact_ = false;
  }
  critical_seen_ = 0;
  avoid_seen_ = sim_->impressions().size();  // old dots do not raise the warning again
  report_count_ = static_cast<std::size_t>(-1);
  refresh_report();
  critical_seen_ = report_.critical_errors.size();  // old errors do not re-open the banner
  if (player_) player_->start_at(tick_);
  std::printf("smp-trainer: resumed %s: %zu events, %zu impressions, %.2f s of work\n",
              session_path_.c_str(), session_.events.size(), sim_->impressions().size(), last_t);
}

void Trainer::start_session_for_scenario() {
  session_path_ = opt_.session.empty() ? default_session_path(scenario_->id) : opt_.session;
  resume_offer_ = {};
  pending_resume_.reset();
  ExistingSession ex = inspect_session_file(session_path_, scenario_->id);
  switch (ex.found) {
    case Found::kNothing:
      begin_new_attempt(false);
      return;
    case Found::kFinished:
      begin_new_attempt(true);
      return;
    case Found::kUnreadable:
      std::fprintf(stderr, "smp-trainer: the saved attempt cannot be read:\n%s",
                   ex.message.c_str());
      begin_new_attempt(true);
      return;
    case Found::kOtherScenario:
      std::fprintf(stderr,
                   "smp-trainer: %s holds an attempt on scenario '%s', not '%s'; it is kept "
                   "aside\n",
                   session_path_.c_str(), ex.session->header.scenario_id.c_str(),
                   scenario_->id.c_str());
      begin_new_attempt(true);
      return;
    case Found::kResumable:
      break;
  }
  if (opt_.resume == ResumeChoice::kResume) {
    resume_from(std::move(*ex.session));
  } else if (opt_.resume == ResumeChoice::kNoResume || headless_) {
    if (opt_.resume == ResumeChoice::kAsk) {
      std::printf(
          "smp-trainer: an unfinished attempt is saved at %s; starting a new one "
          "(use --resume to continue it)\n",
          session_path_.c_str());
    }
    begin_new_attempt(true);
  } else {
    // Ask: start a new attempt in memory, but write nothing until the trainee answers.
    const auto& s = *ex.session;
    resume_offer_.active = true;
    resume_offer_.path = session_path_;
    resume_offer_.events = s.events.size();
    resume_offer_.t_s = s.events.empty() ? 0.0 : sim::event_time_s(s.events.back());
    resume_offer_.started_at = s.header.started_at;
    pending_resume_ = std::move(*ex.session);
    begin_new_attempt(false);  // nothing is saved while the offer is open (maybe_autosave)
  }
}

void Trainer::shutdown() {
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    ImGui::DestroyContext();
    imgui_ready_ = false;
  }
  renderer_.reset();  // needs the GL context
  pen_.uninstall();
  window_.close();
}

void Trainer::advance_clock() {
  const std::uint64_t now = SDL_GetPerformanceCounter();
  const double dt = last_counter_ == 0 ? 0.0
                                       : static_cast<double>(now - last_counter_) /
                                             static_cast<double>(SDL_GetPerformanceFrequency());
  last_counter_ = now;
  if (replay_mode_) {
    update_replay(headless_ ? kTickS : dt);
    return;
  }
  if (paused_ || finished_ || resume_offer_.active || sim_ == nullptr) return;
  if (headless_) {
    ++tick_;
    return;
  }
  // Real time in whole ticks; a long stall (window dragged, debugger) does not jump the clock.
  tick_accum_s_ += std::min(dt, 0.25);
  while (tick_accum_s_ >= kTickS) {
    tick_accum_s_ -= kTickS;
    ++tick_;
  }
}

void Trainer::push_script_events() {
  if (!player_) return;
  if (finished_ && !script_done_) {
    // The attempt ended (a "finish" event, or the time limit): nothing more to feed.
    script_done_ = true;
    frame_work();
  }
  if (!accepting_input()) return;
  ScriptHost host;
  host.project = [this](sim::PointMm p) { return project(p); };
  host.focus = [this](sim::PointMm centre, double extent_mm) {
    // Close enough for ~0.2 mm per pixel, far enough for a long drag to stay in the work area.
    focus(centre, std::clamp(kFocusDistanceMm + 2.0 * extent_mm, kFocusDistanceMm, 520.0));
  };
  host.set_mouse_pressure = [this](double p) { mapper_.set_mouse_pressure(p); };
  window_.logical_size(host.window_w, host.window_h);
  ScriptActions actions;
  auto events = player_->events_for_tick(tick_, host, actions, script_problems_);
  for (auto& e : events) {
    if (e.type == SDL_MOUSEMOTION) {
      e.motion.windowID = kScriptWindowId;
    } else if (e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP) {
      e.button.windowID = kScriptWindowId;
    } else if (e.type == SDL_FINGERDOWN || e.type == SDL_FINGERUP || e.type == SDL_FINGERMOTION) {
      e.tfinger.windowID = kScriptWindowId;
    }
    SDL_PushEvent(&e);
  }
  for (const ScriptEvent* ev : actions.events) apply_script_action(*ev);
  if (player_->finished(tick_) && !script_done_) {
    script_done_ = true;
    frame_work();
  }
}

void Trainer::apply_script_action(const ScriptEvent& ev) {
  switch (ev.kind) {
    case ScriptKind::kTool: {
      sim::ToolState t = sim_->tool();
      if (ev.tool.needle) {
        auto n = sim::parse_needle(*ev.tool.needle);
        if (!n.ok()) {
          script_problems_.push_back(ev.pointer + "/needle: " + n.errors().front().message);
          return;
        }
        t.needle = n.value();
      }
      if (ev.tool.pigment) {
        // A pigment the scenario does not allow may be chosen: the scorer flags it as critical.
        if (catalogue_.find(*ev.tool.pigment) == nullptr) {
          script_problems_.push_back(ev.pointer + "/pigment: unknown pigment '" + *ev.tool.pigment +
                                     "'");
          return;
        }
        t.pigment = *ev.tool.pigment;
      }
      if (ev.tool.dilution) t.dilution = *ev.tool.dilution;
      if (ev.tool.protrusion_mm) t.machine.protrusion_mm = *ev.tool.protrusion_mm;
      if (ev.tool.frequency_hz) t.machine.frequency_hz = *ev.tool.frequency_hz;
      set_tool(t);
      return;
    }
    case ScriptKind::kUndo:
      undo();
      return;
    case ScriptKind::kFinish:
      finish("the script ended the attempt");
      return;
    case ScriptKind::kView: {
      if (ev.view.months) view_.time_step = nearest_time_step(*ev.view.months);
      if (ev.view.heat_map) {
        const std::string& h = *ev.view.heat_map;
        view_.heat_map = h == "depth_error" ? render::HeatMapKind::kDepthError
                         : h == "density"   ? render::HeatMapKind::kDensity
                         : h == "blur_risk" ? render::HeatMapKind::kBlurRisk
                                            : render::HeatMapKind::kNone;
      }
      if (ev.view.cross_section) view_.cross_section = *ev.view.cross_section;
      if (ev.view.regions) view_.show_regions = *ev.view.regions;
      if (ev.view.hairline) view_.show_hairline = *ev.view.hairline;
      return;
    }
    case ScriptKind::kStroke:
      return;
  }
}

void Trainer::pump_events() {
  platform::InputFrame in;
  SDL_Event e;
  const double t = session_t();
  std::vector<platform::RectPx> rects;
  for (const auto& r : panels_.covered()) rects.push_back({r.x, r.y, r.w, r.h});
  mapper_.set_ui_rects(std::move(rects));
  while (SDL_PollEvent(&e) != 0) {
    bool scripted = false;
    if (e.type == SDL_MOUSEMOTION) scripted = e.motion.windowID == kScriptWindowId;
    if (e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP) {
      scripted = e.button.windowID == kScriptWindowId;
    }
    if (e.type == SDL_FINGERDOWN || e.type == SDL_FINGERUP || e.type == SDL_FINGERMOTION) {
      scripted = e.tfinger.windowID == kScriptWindowId;
    }
    if (!scripted && imgui_ready_) ImGui_ImplSDL2_ProcessEvent(&e);
    const bool keyboard = e.type == SDL_KEYDOWN || e.type == SDL_KEYUP;
    if (keyboard && imgui_ready_ && ImGui::GetIO().WantTextInput) continue;
    if (e.type == SDL_MOUSEMOTION) {
      mouse_x_ = e.motion.x;
      mouse_y_ = e.motion.y;
    }
    mapper_.feed(e, t, in);
  }
  mapper_.update_pen(pen_.state(), t, in);
  for (auto c : in.commands) handle_command(c);
  if (in.camera.any()) apply_gesture(in.camera);
  handle_samples(in.samples);
}

void Trainer::handle_command(platform::Command c) {
  switch (c) {
    case platform::Command::kQuit:
      running_ = false;
      return;
    case platform::Command::kUndo:
      undo();
      return;
    case platform::Command::kTogglePause:
      handle_action(ui::TogglePause{});
      return;
    case platform::Command::kToggleCrossSection:
      view_.cross_section = !view_.cross_section;
      return;
    case platform::Command::kResetCamera:
      frame_scenario();
      return;
    case platform::Command::kPressureUp:
    case platform::Command::kPressureDown:
      return;  // the mapper already moved the slider
  }
}

void Trainer::apply_gesture(const platform::CameraGesture& g) {
  const render::Viewport vp = viewport();
  const double s = fb_scale();
  // 0.5 degrees per pixel of drag, the feel of turning a mannequin head by hand.
  camera_.orbit(-g.orbit_dx_px * s * 0.0087 + g.twist_rad, g.orbit_dy_px * s * 0.0087);
  if (g.pan_dx_px != 0.0 || g.pan_dy_px != 0.0) camera_.pan(vp, g.pan_dx_px * s, g.pan_dy_px * s);
  if (g.zoom_factor != 1.0 && g.zoom_factor > 0.0) camera_.zoom(1.0 / g.zoom_factor);
}

void Trainer::handle_samples(const std::vector<platform::StylusSample>& samples) {
  if (samples.empty()) return;
  if (!accepting_input()) {
    if (mapper_.stylus_down()) {
      platform::InputFrame dummy;
      mapper_.cancel_stroke(session_t(), dummy);
    }
    return;
  }
  // One frame may carry many motion events: keep the transitions (down, up) and the last position
  // of each run of motion, all at this tick's time (the frame clock).
  std::vector<sim::StylusSample> out;
  bool contact = in_contact_;
  std::vector<bool> is_motion;
  for (const auto& s : samples) {
    sim::StylusSample m;
    m.t_s = session_t();
    auto hit = s.down ? pick(s.x_px, s.y_px) : std::optional<physics::PickHit>{};
    if (!s.down || !hit || !hit->in_work_area) {
      if (!contact) continue;  // nothing to lift
      m = last_sent_;
      m.t_s = session_t();
      m.down = false;
      m.pressure = 0.0;
      contact = false;
      out.push_back(m);
      is_motion.push_back(false);
      last_sent_ = m;
      continue;
    }
    m.pos = hit->map;
    m.pressure = std::clamp(s.pressure, 0.0, 1.0);
    m.down = true;
    if (s.source == platform::InputSource::kPen) {
      // The pen's tilt from the screen normal stands for the needle's tilt from the skin normal;
      // its lean direction on screen is carried onto the skin's tangent plane.
      const physics::SurfacePoint sp = surface_->point(hit->map);
      const double tx = std::tan(s.tilt_x_rad), ty = std::tan(s.tilt_y_rad);
      const double tilt = std::atan(std::sqrt(tx * tx + ty * ty));
      if (tilt > 1e-6) {
        const physics::Vec3 fwd = physics::normalize(camera_.target - camera_.eye());
        const physics::Vec3 right = physics::normalize(physics::cross(fwd, {0, 1, 0}));
        const physics::Vec3 up = physics::cross(right, fwd);
        const physics::Vec3 lean = right * tx - up * ty;  // screen y points down
        physics::Vec3 lean_t = lean - sp.normal * physics::dot(lean, sp.normal);
        lean_t = physics::normalize(lean_t);
        const physics::Vec3 dir = sp.normal * -std::cos(tilt) - lean_t * std::sin(tilt);
        const physics::NeedleAngles ang = physics::needle_angles(sp, dir);
        m.tilt_rad = ang.tilt_rad;
        m.azimuth_rad = ang.azimuth_rad;
      }
    }
    const bool motion = contact;
    if (motion && !out.empty() && is_motion.back()) {
      out.back() = m;  // coalesce motion within the frame
    } else {
      out.push_back(m);
      is_motion.push_back(motion);
    }
    contact = true;
    last_sent_ = m;
  }
  for (const auto& m : out) {
    if (m.down && !in_contact_) stroke_starts_.push_back(sim_->impressions().size());
    in_contact_ = m.down;
    log_and_apply(m);
  }
}

void Trainer::log_and_apply(const sim::SessionEvent& e) {
  session_.events.push_back(e);
  sim_->apply(e);
  dirty_ = true;
}

void Trainer::set_tool(const sim::ToolState& t) {
  if (sim_ == nullptr || replay_mode_ || finished_ || t == sim_->tool()) return;
  if (in_contact_) {
    platform::InputFrame f;
    mapper_.cancel_stroke(session_t(), f);
    handle_samples(f.samples);
  }
  log_and_apply(sim::ToolChange{session_t(), t});
}

void Trainer::undo() {
  if (sim_ == nullptr || replay_mode_ || finished_ || resume_offer_.active) return;
  if (scenario_->mode != sim::Mode::kPractice) {
    banner_ = "Undo is not available in assessment: every dot placed counts, as on a client.";
    banner_kind_ = ui::UiModel::BannerKind::kNote;
    ++banner_id_;
    banner_until_s_ = session_t() + 3.0;
    return;
  }
  if (in_contact_) {
    platform::InputFrame f;
    mapper_.cancel_stroke(session_t(), f);
    handle_samples(f.samples);
  }
  const std::size_t n = sim_->impressions().size();
  if (n == 0) return;
  // Undo the last stroke (all impressions of the last contact that placed any).
  while (!stroke_starts_.empty() && stroke_starts_.back() >= n) stroke_starts_.pop_back();
  const std::size_t from = stroke_starts_.empty() ? n - 1 : stroke_starts_.back();
  if (!stroke_starts_.empty()) stroke_starts_.pop_back();
  log_and_apply(sim::UndoEvent{session_t(), static_cast<std::uint32_t>(n - from)});
}

void Trainer::finish(const std::string& why) {
  if (finished_ || sim_ == nullptr || replay_mode_) return;
  if (in_contact_) {
    platform::InputFrame f;
    mapper_.cancel_stroke(session_t(), f);
    handle_samples(f.samples);
  }
  finished_ = true;
  session_.finished = true;
  dirty_ = true;
  if (!why.empty()) std::printf("smp-trainer: attempt finished (%s)\n", why.c_str());
  maybe_autosave(true);
}

void Trainer::refresh_report() {
  if (replay_mode_) {
    const std::size_t n = shown_impressions().size();
    const std::uint64_t gen = replay_applied_ + (replay_final_ ? (1ull << 40) : 0);
    if (n == report_count_ && gen == report_generation_) return;
    report_count_ = n;
    report_generation_ = gen;
    if (replay_final_) {
      report_ = replay_final_->report;
    } else {
      sim_->report_into(report_);  // in place: no allocation per frame
    }
    return;
  }
  if (sim_ == nullptr) return;
  // Undo then a new dot keeps the count: the log length tells a change apart.
  const std::size_t n = sim_->impressions().size();
  if (n == report_count_ && session_.events.size() == report_generation_) return;
  report_count_ = n;
  report_generation_ = session_.events.size();
  sim_->report_into(report_);  // in place; the time limit applied (time_limit.h)
  if (report_.critical_errors.size() > critical_seen_) {
    banner_ = report_.critical_errors.back().message;
    banner_kind_ = ui::UiModel::BannerKind::kCritical;
    ++banner_id_;
    banner_until_s_ = session_t() + kBannerSeconds;
  } else if (const std::string w = placement_warning(sim_->scorer(), avoid_seen_, n); !w.empty()) {
    banner_ = w;
    banner_kind_ = ui::UiModel::BannerKind::kWarning;
    ++banner_id_;
    banner_until_s_ = session_t() + kBannerSeconds;
  }
  avoid_seen_ = n;
  critical_seen_ = report_.critical_errors.size();
}

const std::vector<sim::Impression>& Trainer::shown_impressions() const {
  if (replay_final_) return replay_final_->impressions;
  static const std::vector<sim::Impression> kNone;
  return sim_ ? sim_->impressions() : kNone;
}

const sim::Scorer* Trainer::shown_scorer() const {
  if (replay_final_) return replay_final_scorer_.get();
  return sim_ ? &sim_->scorer() : nullptr;
}

void Trainer::update_replay(double frame_dt_s) {
  if (replay_playing_) {
    replay_cursor_s_ = std::min(replay_end_s_, replay_cursor_s_ + frame_dt_s * replay_speed_);
    if (replay_cursor_s_ >= replay_end_s_) replay_playing_ = false;
  }
  // Scrubbing back rebuilds from tick 0 (architecture.md: replays never restore mid-run).
  const bool rebuild = sim_ == nullptr ||
                       (replay_applied_ > 0 &&
                        sim::event_time_s(replay_.events[replay_applied_ - 1]) > replay_cursor_s_);
  if (rebuild || (replay_final_ && replay_cursor_s_ < replay_end_s_)) {
    sim_ =
        std::make_unique<sim::Simulation>(*scenario_, catalogue_, replay_.header.seed,
                                          replay_.initial_tool.value_or(defaults_of(*scenario_)));
    replay_applied_ = 0;
    replay_final_.reset();
    replay_final_scorer_.reset();
  }
  while (replay_applied_ < replay_.events.size() &&
         sim::event_time_s(replay_.events[replay_applied_]) <= replay_cursor_s_) {
    sim_->apply(replay_.events[replay_applied_++]);
  }
  if (replay_cursor_s_ >= replay_end_s_ && !replay_final_) {
    // The end: exactly what `smp score` computes (final lift, interchange impressions).
    auto out = sim::replay_session(replay_, *scenario_, catalogue_);
    if (out.ok()) {
      replay_final_ = std::move(out).value();
      replay_final_scorer_ = std::make_unique<sim::Scorer>(*scenario_, catalogue_);
      // The scored ones only: work after the time limit is not counted (time_limit.h).
      for (std::size_t i = 0; i < replay_final_->report.impression_count; ++i)
        replay_final_scorer_->add(replay_final_->impressions[i]);
    } else {
      print_errors(out.errors());
    }
  }
}

void Trainer::maybe_autosave(bool force) {
  if (replay_mode_ || autosaver_ == nullptr || sim_ == nullptr || resume_offer_.active) return;
  const auto now = Autosaver::Clock::now();
  if (!(force ? dirty_ : autosaver_->due(now, session_t(), dirty_))) return;
  sim::RecordedResult rec;
  rec.impression_count = sim_->impressions().size();
  rec.impressions_sha256 = sim::impressions_hash(sim_->impressions());
  refresh_report();
  rec.overall = report_.overall;
  for (const auto& c : report_.criteria) rec.criteria.emplace_back(c.key, c.score);
  session_.recorded = rec;
  auto r = autosaver_->save(session_, now, session_t());
  if (r.ok()) {
    dirty_ = false;
    last_save_wall_ = now;
    if (headless_) {
      std::printf("autosave: t_s=%.4f events=%zu impressions=%zu path=%s\n", session_t(),
                  session_.events.size(), sim_->impressions().size(), autosaver_->path().c_str());
      std::fflush(stdout);
    }
  } else {
    print_errors(r.errors());
    save_status_ = "NOT SAVED: " + r.errors().front().message;
  }
}

void Trainer::export_report() {
  maybe_autosave(true);
  const std::string smp = (fs::path(self_dir()) / "smp").string();
  const char* key = std::getenv("SMP_ACADEMY_KEY");
  std::error_code ec;
  const std::string cmd_hint = "smp report --scenario " + scenario_path_ + " --session " +
                               session_path_ +
                               " --trainee ID --name \"FULL NAME\" --key KEY --out DIR";
  if (!fs::exists(smp, ec)) {
    export_status_ =
        "The smp command line is not installed next to the trainer. Reports are made "
        "with: " +
        cmd_hint;
    return;
  }
  if (key == nullptr || *key == '\0' || !fs::exists(key, ec)) {
    export_status_ =
        "Reports are signed with your academy's key. Set SMP_ACADEMY_KEY to the key "
        "file (from 'smp keygen'), or ask your instructor to run: " +
        cmd_hint;
    return;
  }
  const std::string out =
      (fs::path(session_path_).parent_path() / (scenario_->id + "-report")).string();
  const std::string log = out + ".log";
  const std::string trainee = opt_.trainee.empty() ? "trainee" : opt_.trainee;
  std::vector<std::string> argv = {
      smp,     "report", "--scenario", scenario_path_, "--session", session_path_, "--trainee",
      trainee, "--name", trainee,      "--key",        key,         "--out",       out};
  // The issuer profile, when the key does not carry one (docs/user-guide-academy.md).
  if (const char* academy = std::getenv("SMP_ACADEMY"); academy != nullptr && *academy != '\0') {
    argv.insert(argv.end(), {"--academy", academy});
  }
  const int rc = run_and_wait(argv, log);
  if (rc == 0) {
    export_status_ = "Report written to " + out + " (report.pdf, report.json)";
    return;
  }
  // Say why: smp's own message is the first line of its output.
  std::ifstream in(log);
  std::string first;
  std::getline(in, first);
  export_status_ = "smp report did not run (exit " + std::to_string(rc) + "): " + first +
                   " (full output: " + log + ")";
}

void Trainer::handle_action(const ui::UiAction& a) {
  std::visit(
      [this](const auto& act) {
        using T = std::decay_t<decltype(act)>;
        if constexpr (std::is_same_v<T, ui::SetTool>) {
          set_tool(act.tool);
        } else if constexpr (std::is_same_v<T, ui::SetMousePressure>) {
          mapper_.set_mouse_pressure(act.pressure);
        } else if constexpr (std::is_same_v<T, ui::Undo>) {
          undo();
        } else if constexpr (std::is_same_v<T, ui::TogglePause>) {
          if (replay_mode_) {
            replay_playing_ = !replay_playing_;
          } else if (!finished_) {
            if (!paused_ && in_contact_) {
              platform::InputFrame f;
              mapper_.cancel_stroke(session_t(), f);
              handle_samples(f.samples);
            }
            paused_ = !paused_;
            if (paused_) maybe_autosave(true);
          }
        } else if constexpr (std::is_same_v<T, ui::FinishAttempt>) {
          finish("");
        } else if constexpr (std::is_same_v<T, ui::NewAttempt>) {
          if (!replay_mode_) {
            maybe_autosave(true);
            begin_new_attempt(true);
          }
        } else if constexpr (std::is_same_v<T, ui::ShowMe>) {
          focus(act.pos, 90.0);
          section_centre_ = act.pos;
          section_count_ = static_cast<std::size_t>(-1);
        } else if constexpr (std::is_same_v<T, ui::ExportReport>) {
          export_report();
        } else if constexpr (std::is_same_v<T, ui::OpenScenario>) {
          if (replay_mode_) return;
          maybe_autosave(true);
          if (load_scenario(act.path, false)) {
            build_scene();
            start_session_for_scenario();
          } else {
            // The current scenario and attempt stay as they were; say why.
            save_status_ = "could not open " + act.path;
          }
        } else if constexpr (std::is_same_v<T, ui::AnswerResume>) {
          if (!resume_offer_.active) return;
          resume_offer_.active = false;
          if (act.resume && pending_resume_) {
            resume_from(std::move(*pending_resume_));
          } else {
            begin_new_attempt(true);
          }
          pending_resume_.reset();
        } else if constexpr (std::is_same_v<T, ui::ReplayPlay>) {
          if (act.playing && replay_cursor_s_ >= replay_end_s_) replay_cursor_s_ = 0.0;
          replay_playing_ = act.playing;
        } else if constexpr (std::is_same_v<T, ui::ReplaySeek>) {
          replay_cursor_s_ = std::clamp(act.t_s, 0.0, replay_end_s_);
        } else if constexpr (std::is_same_v<T, ui::ReplaySpeed>) {
          replay_speed_ = act.speed;
        } else if constexpr (std::is_same_v<T, ui::ResetCamera>) {
          frame_scenario();
        }
      },
      a);
}

void Trainer::build_ui() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  ImGui::NewFrame();
  ui::UiModel m;
  m.scenario = scenario_.get();
  m.catalogue = &catalogue_;
  m.report = &report_;
  m.tool = sim_ ? sim_->tool() : defaults_of(*scenario_);
  m.mouse_pressure = mapper_.mouse_pressure();
  m.session_t_s = replay_mode_ ? replay_cursor_s_ : session_t();
  m.impression_count = shown_impressions().size();
  m.paused = paused_;
  m.finished = finished_;
  m.can_undo = scenario_->mode == sim::Mode::kPractice && !shown_impressions().empty() &&
               !finished_ && !replay_mode_;
  m.input_status =
      pen_.installed() ? std::string("pen: ") + (pen_.state().active ? "in use" : "ready") : "";
  if (!replay_mode_ && autosaver_ && autosaver_->saves() > 0) {
    const double ago =
        std::chrono::duration<double>(Autosaver::Clock::now() - last_save_wall_).count();
    char buf[64];
    std::snprintf(buf, sizeof buf, "saved %.0f s ago", std::floor(ago));
    m.save_status = save_status_.empty() ? buf : save_status_;
  } else {
    m.save_status = save_status_;
  }
  m.scenarios = &scenario_entries_;
  m.replay.active = replay_mode_;
  m.replay.playing = replay_playing_;
  m.replay.cursor_s = replay_cursor_s_;
  m.replay.end_s = replay_end_s_;
  m.replay.speed = replay_speed_;
  m.resume = resume_offer_;
  if (!banner_.empty() && session_t() < banner_until_s_) {
    m.banner = banner_;
    m.banner_id = banner_id_;
    m.banner_kind = banner_kind_;
  }
  m.export_status = export_status_;
  // Cross-section under the newest impression (or where "show me" pointed, or the cursor).
  if (view_.cross_section) {
    const auto& imps = shown_impressions();
    std::optional<sim::PointMm> centre = section_centre_;
    if (!centre && !imps.empty()) centre = imps.back().pos;
    if (!centre) centre = hover_;
    if (centre &&
        (imps.size() != section_count_ || !section_valid_ || !(section_.centre == *centre))) {
      section_ = render::make_cross_section(*scenario_, imps, *centre);
      section_valid_ = true;
      section_count_ = imps.size();
    }
    m.cross_section = section_valid_ ? &section_ : nullptr;
  }
  std::vector<ui::UiAction> actions;
  panels_.draw(m, view_, actions);
  ImGui::Render();
  for (const auto& a : actions) handle_action(a);
}

void Trainer::render_frame() {
  const render::Viewport vp = viewport();
  glViewport(0, 0, vp.width, vp.height);
  if (renderer_ != nullptr) {
    renderer_->sync_dots(shown_impressions(), shown_scorer());
    renderer_->set_time_days(ui::kTimeSteps[view_.time_step].months * sim::kDaysPerMonth);
    render::DrawOptions o;
    o.show_regions = view_.show_regions;
    o.show_hairline = view_.show_hairline;
    o.show_status = view_.show_status && view_.time_step == 0;
    o.heat_map = view_.heat_map;
    o.cursor = accepting_input() ? hover_ : std::nullopt;
    o.cursor_diameter_mm = 1.5;
    renderer_->draw(camera_, vp, vp.height, o);
    if (auto r = panels_.cross_section_rect(); r && view_.cross_section && section_valid_) {
      const double s = fb_scale();
      const render::Viewport cvp{static_cast<int>(r->x * s), static_cast<int>(r->y * s),
                                 static_cast<int>(r->w * s), static_cast<int>(r->h * s)};
      renderer_->draw_cross_section(section_, cvp, vp.height);
    }
  }
  glViewport(0, 0, vp.width, vp.height);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

bool Trainer::write_screenshot(const std::string& path) {
  const render::Viewport vp = viewport();
  glFinish();
  const auto px = render::read_pixels(vp, vp.height);
  auto r = render::write_png(path, vp.width, vp.height, px);
  if (!r.ok()) {
    print_errors(r.errors());
    return false;
  }
  std::printf("screenshot: %s (%dx%d)\n", path.c_str(), vp.width, vp.height);
  return true;
}

int Trainer::run() {
  if (!platform::display_available()) {
    std::printf(
        "smp-trainer: no display found (DISPLAY and WAYLAND_DISPLAY are not set), so "
        "running headless under SDL's offscreen driver.\n");
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    headless_ = true;
    if (opt_.replay.empty() && opt_.script.empty() && !opt_.frames) {
      // Nothing to do without a screen: show what the trainer does with the shipped demo.
      demo_ = true;
      const fs::path dir = fs::path(sim::asset_dir()) / "sessions";
      std::error_code ec;
      // A shipped session of the chosen scenario (file names start with the scenario's name),
      // else of the default scenario.
      const std::string wanted =
          fs::path(opt_.scenario_given ? opt_.scenario : default_scenario_path()).stem().string();
      std::vector<fs::path> found, fallback;
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (!name.ends_with(".session.json")) continue;
        if (name.starts_with(wanted + "-")) found.push_back(e.path());
        if (name.starts_with("frontal-hairline-")) fallback.push_back(e.path());
      }
      if (found.empty()) {
        found = fallback;
        opt_.scenario_given = false;
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        std::fprintf(stderr, "smp-trainer: no demo session for the default scenario in %s\n",
                     dir.c_str());
        return kExitBadInput;
      }
      opt_.replay = found.front().string();
      if (opt_.screenshot.empty()) opt_.screenshot = "smp-trainer-demo.png";
      std::printf("smp-trainer: headless demo: replaying %s\n", opt_.replay.c_str());
    }
  }
  if (opt_.frames || !opt_.script.empty()) headless_ = true;
  if (headless_ && !opt_.frames && opt_.script.empty()) opt_.frames = 3;

  if (const int rc = load_inputs(); rc != kExitOk) return rc;
  pending_geometry_ = std::async(std::launch::async, make_geometry, std::cref(*scenario_));
  if (!open_window()) return kExitBadInput;
  if (opt_.months) view_.time_step = nearest_time_step(*opt_.months);
  list_scenarios();
  build_scene();
  if (script_) player_.emplace(&*script_);

  if (replay_mode_) {
    replay_end_s_ = replay_.events.empty() ? 0.0 : sim::event_time_s(replay_.events.back());
    replay_cursor_s_ = headless_ ? replay_end_s_ : 0.0;
    replay_playing_ = !headless_;
    update_replay(0.0);
    if (headless_) frame_work();
  } else {
    start_session_for_scenario();
  }
  frames_limit_ = opt_.frames ? *opt_.frames : -1;

  while (running_) {
    if (replay_mode_) advance_clock();
    push_script_events();
    pump_events();
    // Hover point for the cursor ring and the cross-section.
    hover_.reset();
    if (mouse_x_ >= 0 && !headless_) {
      if (auto h = pick(mouse_x_, mouse_y_); h && h->in_work_area) hover_ = h->map;
    }
    if (!replay_mode_ && !finished_ && scenario_->time_limit_s &&
        session_t() >= *scenario_->time_limit_s) {
      finish("time is up");
      banner_ = "Time is up: the attempt is finished";
      ++banner_id_;
      banner_until_s_ = session_t() + kBannerSeconds;
    }
    refresh_report();
    maybe_autosave(false);
    build_ui();
    render_frame();
    ++frame_;
    const bool last_frame = (frames_limit_ > 0 && frame_ >= frames_limit_) ||
                            (frames_limit_ < 0 && script_done_ && headless_);
    if (last_frame) {
      if (!opt_.screenshot.empty() && !write_screenshot(opt_.screenshot)) {
        running_ = false;
        window_.swap();
        maybe_autosave(true);
        return kExitBadInput;
      }
      running_ = false;
    }
    window_.swap();
    if (!replay_mode_) advance_clock();  // samples of the next frame get the next tick
  }
  // Leaving: close an open contact and save.
  if (!replay_mode_ && in_contact_ && !finished_) {
    platform::InputFrame f;
    mapper_.cancel_stroke(session_t(), f);
    handle_samples(f.samples);
  }
  maybe_autosave(true);
  for (const auto& p : script_problems_) std::fprintf(stderr, "smp-trainer: %s\n", p.c_str());
  if (headless_) {
    refresh_report();
    std::printf("scenario: %s (%s)\n", scenario_->id.c_str(), scenario_->title.c_str());
    std::printf("%s", describe(report_, *scenario_).c_str());
    if (!replay_mode_) {
      std::printf("session: %s (%s)\n", session_path_.c_str(),
                  finished_ ? "finished" : "unfinished, resumable");
    } else {
      std::printf("replayed: %s\n", opt_.replay.c_str());
    }
  }
  if (!script_problems_.empty()) return kExitBadInput;
  return kExitOk;
}

}  // namespace

int run_trainer(const Options& opt) {
  Trainer t(opt);
  return t.run();
}

}  // namespace smp::app
