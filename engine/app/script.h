// Headless scripts ("smp-script/1", docs/script-format.md): synthetic stylus strokes and tool
// changes at given frames. The ScriptPlayer turns them into the SDL events a real mouse or touch
// screen would send, so scripted runs go through the same input path as a person.
#pragma once
#include <SDL.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "smp/sim/geometry.h"
#include "smp/sim/result.h"

namespace smp::app {

inline constexpr std::size_t kMaxScriptBytes = 16u << 20;

enum class ScriptDevice { kMouse, kTouch };

// A position either on the scalp map (mm; projected to the screen when the stroke runs) or in
// window pixels.
struct ScriptPoint {
  bool map_mm = true;
  double x = 0.0, y = 0.0;
};

struct ScriptStroke {
  bool tap = true;                // tap: one point held `hold_frames`; drag: along `path`
  std::vector<ScriptPoint> path;  // tap: one point; drag: >= 2 points, walked at even speed
  int frames = 1;                 // tap: frames held down; drag: frames from first to last point
  double pressure = 0.5;          // 0..1 (mouse: sets the pressure slider first)
  ScriptDevice device = ScriptDevice::kMouse;
};

struct ScriptTool {
  std::optional<std::string> needle, pigment;
  std::optional<double> dilution, protrusion_mm, frequency_hz;
};

struct ScriptView {
  std::optional<double> months;         // time-lapse: 0 fresh, 1 healed, 6, 12, 24, 60
  std::optional<std::string> heat_map;  // none, depth_error, density, blur_risk
  std::optional<bool> cross_section, regions, hairline;
};

enum class ScriptKind { kStroke, kTool, kUndo, kView, kFinish };

struct ScriptEvent {
  std::int64_t frame = 0;  // session tick (frame at 1/fps s) the event starts at
  ScriptKind kind = ScriptKind::kStroke;
  ScriptStroke stroke;
  ScriptTool tool;
  ScriptView view;
  std::string pointer;  // JSON Pointer of the event in the script, for messages
};

struct Script {
  double fps = 60.0;
  std::vector<ScriptEvent> events;  // sorted by frame (stable: file order within a frame)
  std::int64_t last_frame() const;  // the frame after which nothing more happens
};

sim::Result<Script> load_script_file(const std::string& path);
sim::Result<Script> parse_script(std::string_view json_text, const std::string& file_label);

// What the player needs from the app: project a scalp-map point to window pixels (nullopt when it
// cannot be seen), aim the camera at a stroke before it starts, and the window size.
struct ScriptHost {
  std::function<std::optional<std::pair<double, double>>(sim::PointMm)> project;
  // Aim at the middle of a stroke's bounding box; `extent_mm` is its larger side (0 for a tap).
  std::function<void(sim::PointMm centre, double extent_mm)> focus;
  std::function<void(double)> set_mouse_pressure;
  int window_w = 1280, window_h = 800;  // logical pixels (touch events are normalised by them)
};

// Non-stroke script events due this frame, for the app to carry out.
struct ScriptActions {
  std::vector<const ScriptEvent*> events;
};

class ScriptPlayer {
 public:
  explicit ScriptPlayer(const Script* script) : script_(script) {}
  // Session tick of the first frame to run; events that start earlier are skipped (resume).
  void start_at(std::int64_t tick);
  // The SDL events of this tick (already in order) plus the non-stroke actions due. Problems
  // (a point that cannot be seen) are appended to `problems`.
  std::vector<SDL_Event> events_for_tick(std::int64_t tick, const ScriptHost& host,
                                         ScriptActions& actions,
                                         std::vector<std::string>& problems);
  bool finished(std::int64_t tick) const;

 private:
  struct Active {
    const ScriptEvent* ev = nullptr;
    std::int64_t start = 0;
    std::pair<double, double> last_px{0, 0};
  };
  std::optional<std::pair<double, double>> locate(const ScriptPoint& p, const ScriptHost& host,
                                                  const ScriptEvent& ev,
                                                  std::vector<std::string>& problems) const;
  const Script* script_;
  std::size_t next_ = 0;
  std::vector<Active> active_;
};

// Point at fraction u (0..1) of the polyline's length.
ScriptPoint point_along(const std::vector<ScriptPoint>& path, double u);

}  // namespace smp::app
