// The trainer's Dear ImGui panels (docs/user-guide-trainee.md; design: ui.md). The panels read a
// snapshot of the trainer (UiModel), edit the view settings in place (ViewState) and report what
// the trainee asked for as UiActions; they never touch the simulation or the session log.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "smp/render/cross_section.h"
#include "smp/render/overlays.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"
#include "smp/sim/session.h"

namespace smp::ui {

// Time-lapse steps of the bottom strip: fresh, healed (~1 month), then 6..60 months.
struct TimeStep {
  const char* label;
  double months;
};
inline constexpr TimeStep kTimeSteps[] = {{"Fresh", 0.0},      {"Healed", 1.0},
                                          {"6 months", 6.0},   {"12 months", 12.0},
                                          {"24 months", 24.0}, {"60 months", 60.0}};
inline constexpr int kTimeStepCount = 6;

struct ViewState {
  bool show_regions = false;
  bool show_hairline = false;
  bool show_status = true;  // ring per dot: in band / too shallow / too deep / critical
  render::HeatMapKind heat_map = render::HeatMapKind::kNone;
  bool cross_section = false;
  int time_step = 0;  // index into kTimeSteps
  bool show_scenario_browser = false;
};

struct ScenarioEntry {
  std::string path;
  std::string id, title, description;
  std::string case_kind, technique, mode, surface;
  int level = 1;
  std::string error;  // non-empty: the file did not load (shown, not startable)
};

struct ReplayInfo {
  bool active = false;
  bool playing = false;
  double cursor_s = 0.0, end_s = 0.0;
  double speed = 1.0;
};

struct ResumeOffer {
  bool active = false;
  std::string path;
  std::size_t events = 0;
  double t_s = 0.0;
  std::string started_at;
};

// A snapshot of the trainer for one frame. Pointers must stay valid during draw().
struct UiModel {
  const sim::Scenario* scenario = nullptr;
  const sim::PigmentCatalogue* catalogue = nullptr;
  const sim::ScoreReport* report = nullptr;
  sim::ToolState tool;
  double mouse_pressure = 0.5;
  double session_t_s = 0.0;
  std::size_t impression_count = 0;
  bool paused = false;
  bool finished = false;     // the attempt was ended: the summary shows
  bool can_undo = false;     // practice mode and something to undo
  std::string input_status;  // e.g. "mouse", "pen (XInput2)"
  std::string save_status;   // e.g. "saved 3 s ago"
  const std::vector<ScenarioEntry>* scenarios = nullptr;
  ReplayInfo replay;
  ResumeOffer resume;
  // The critical error to show in the banner (newest), empty: none. `banner_id` changes with each
  // new error so the banner re-opens after being closed.
  std::string banner;
  std::uint64_t banner_id = 0;
  // What the banner is: a critical error (red), a warning (an avoid-region dot, amber) or a
  // calm note (e.g. undo is not available in assessment).
  enum class BannerKind { kCritical, kWarning, kNote };
  BannerKind banner_kind = BannerKind::kCritical;
  const render::CrossSection* cross_section = nullptr;  // the section being shown, if any
  std::string export_status;                            // result of the last "export report"
};

struct SetTool {
  sim::ToolState tool;
};
struct SetMousePressure {
  double pressure;
};
struct Undo {};
struct TogglePause {};
struct FinishAttempt {};
struct NewAttempt {};
struct ShowMe {
  sim::PointMm pos;
};
struct ExportReport {};
struct OpenScenario {
  std::string path;
};
struct AnswerResume {
  bool resume;
};
struct ReplayPlay {
  bool playing;
};
struct ReplaySeek {
  double t_s;
};
struct ReplaySpeed {
  double speed;
};
struct ResetCamera {};
using UiAction = std::variant<SetTool, SetMousePressure, Undo, TogglePause, FinishAttempt,
                              NewAttempt, ShowMe, ExportReport, OpenScenario, AnswerResume,
                              ReplayPlay, ReplaySeek, ReplaySpeed, ResetCamera>;

struct RectPx {
  double x = 0, y = 0, w = 0, h = 0;
};

class Panels {
 public:
  // `scale`: DPI factor; touch targets are kTouchTargetPx * scale.
  static constexpr double kTouchTargetPx = 44.0;
  // Sets up fonts and style for `scale`. Call once after ImGui::CreateContext(), before the first
  // frame.
  void setup(double scale);
  // Builds all panels for this frame (between ImGui::NewFrame() and ImGui::Render()).
  void draw(const UiModel& model, ViewState& view, std::vector<UiAction>& actions);
  // Screen areas covered by panels this frame: strokes may not start there.
  const std::vector<RectPx>& covered() const { return covered_; }
  // Where the cross-section diagram goes this frame (the renderer draws it there before ImGui's
  // draw data; the labels are drawn on top). Empty when hidden.
  std::optional<RectPx> cross_section_rect() const { return section_rect_; }
  double scale() const { return scale_; }

 private:
  void top_bar(const UiModel& m, ViewState& v, std::vector<UiAction>& a);
  void tool_rail(const UiModel& m, std::vector<UiAction>& a);
  void score_panel(const UiModel& m, std::vector<UiAction>& a);
  void bottom_strip(const UiModel& m, ViewState& v, std::vector<UiAction>& a);
  void banner(const UiModel& m);
  void summary(const UiModel& m, std::vector<UiAction>& a);
  void scenario_browser(const UiModel& m, ViewState& v, std::vector<UiAction>& a);
  void resume_dialog(const UiModel& m, std::vector<UiAction>& a);
  void cross_section_panel(const UiModel& m, const ViewState& v);
  void heat_legend(const ViewState& v);
  void record_window();

  double scale_ = 1.0;
  std::vector<RectPx> covered_;
  std::optional<RectPx> section_rect_;
  float top_h_ = 0, bottom_h_ = 0, rail_w_ = 0, score_w_ = 0;
  std::uint64_t banner_closed_id_ = 0;
  int selected_scenario_ = -1;
  bool summary_open_ = true;
  // Slider edits in progress: logged once when released, not every frame of the drag.
  sim::ToolState editing_;
  bool editing_active_ = false;
};

// Crops one-line text to `max_chars` with an ellipsis (scores' "why" lines).
std::string one_line(const std::string& text, std::size_t max_chars);
// "mm:ss" (or "h:mm:ss").
std::string format_clock(double seconds);

}  // namespace smp::ui
