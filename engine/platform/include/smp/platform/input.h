// Input becomes data at the edge (docs/architecture.md): every SDL mouse, touch, keyboard and pen
// event is turned into plain structs here. Nothing in this header knows about the scalp, the camera
// or the simulation; the app ray-picks StylusSample screen positions onto the scalp map.
#pragma once
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

union SDL_Event;

namespace smp::platform {

enum class InputSource { kMouse, kTouch, kPen };
const char* to_string(InputSource s);

// One stylus moment in window coordinates (logical pixels, origin top-left).
struct StylusSample {
  double t_s = 0.0;  // session clock, supplied by the caller (frame clock)
  double x_px = 0.0, y_px = 0.0;
  double pressure = 0.0;    // 0..1
  double tilt_x_rad = 0.0;  // pen tilt toward +x of the screen, 0 = perpendicular to the screen
  double tilt_y_rad = 0.0;  // pen tilt toward +y (down) of the screen
  bool down = false;        // needle in contact / machine firing
  InputSource source = InputSource::kMouse;
  friend bool operator==(const StylusSample&, const StylusSample&) = default;
};

// Camera gestures accumulated over one frame (mouse right/middle drag and wheel, touch pinch and
// two-finger drag/twist). Applied by the app to the render camera.
struct CameraGesture {
  double orbit_dx_px = 0.0, orbit_dy_px = 0.0;  // rotate the head
  double pan_dx_px = 0.0, pan_dy_px = 0.0;      // move the view
  double zoom_factor = 1.0;                     // > 1 closer
  double twist_rad = 0.0;                       // two-finger twist (counter-clockwise positive)
  bool any() const {
    return orbit_dx_px != 0.0 || orbit_dy_px != 0.0 || pan_dx_px != 0.0 || pan_dy_px != 0.0 ||
           zoom_factor != 1.0 || twist_rad != 0.0;
  }
};

// Keyboard shortcuts (docs/user-guide-trainee.md, "Controls").
enum class Command {
  kUndo,                // Ctrl+Z (practice mode only; the app refuses it in assessment mode)
  kTogglePause,         // Space
  kToggleCrossSection,  // X
  kResetCamera,         // Home or R
  kPressureUp,          // ] (mouse pressure slider +0.05)
  kPressureDown,        // [ (mouse pressure slider -0.05)
  kQuit,                // window close
};

// The latest pen state read from XInput2 valuators (pen.h). `active` means the pen drives the
// pointer right now (its last XI2 event is newer than any other pointer device's).
struct PenState {
  bool active = false;
  double pressure = 0.0;  // 0..1
  double tilt_x_rad = 0.0, tilt_y_rad = 0.0;
  friend bool operator==(const PenState&, const PenState&) = default;
};

struct RectPx {
  double x = 0, y = 0, w = 0, h = 0;
  bool contains(double px, double py) const {
    return px >= x && py >= y && px < x + w && py < y + h;
  }
};

struct InputFrame {
  std::vector<StylusSample> samples;  // in event order
  CameraGesture camera;
  std::vector<Command> commands;
  bool pressure_changed = false;  // the mouse pressure slider moved (Shift+wheel, [ ])
};

// Pure event -> data mapping with a little state (buttons held, fingers down, pen down). No window
// is needed: tests feed synthetic SDL_Events.
class InputMapper {
 public:
  static constexpr double kPressureStep = 0.05;  // per wheel notch or [ ] key
  static constexpr double kDefaultMousePressure = 0.5;

  // Window size in logical pixels; touch events carry 0..1 coordinates scaled by it.
  void set_window_size(int w, int h);
  // Screen areas covered by UI panels: a stroke or gesture may not START there.
  void set_ui_rects(std::vector<RectPx> rects) { ui_rects_ = std::move(rects); }
  // The pressure used for mouse input, and for touch screens that report no pressure.
  void set_mouse_pressure(double p);
  double mouse_pressure() const { return mouse_pressure_; }

  void feed(const SDL_Event& e, double t_s, InputFrame& out);
  // Pen valuators changed (XInput2). While the pen is down a pressure/tilt change without motion
  // still yields a sample at the last position.
  void update_pen(const PenState& pen, double t_s, InputFrame& out);
  // Ends any stroke in progress (e.g. when the session pauses): emits an up sample if needed.
  void cancel_stroke(double t_s, InputFrame& out);

  bool stylus_down() const { return stroke_ != Stroke::kNone; }
  bool pen_down() const { return stroke_ == Stroke::kPen; }
  const PenState& pen() const { return pen_; }

 private:
  enum class Stroke { kNone, kMouse, kPen, kTouch };
  bool over_ui(double x, double y) const;
  StylusSample pointer_sample(double t_s, double x, double y, bool down) const;
  void touch_gesture(InputFrame& out);

  int win_w_ = 1280, win_h_ = 800;
  std::vector<RectPx> ui_rects_;
  double mouse_pressure_ = kDefaultMousePressure;
  PenState pen_;
  Stroke stroke_ = Stroke::kNone;
  double last_x_ = 0.0, last_y_ = 0.0;
  bool orbiting_ = false, panning_ = false, shift_ = false;
  // Touch: fingers by id (ordered map: deterministic iteration). Ignored fingers are palms (landed
  // while the pen was down), fingers that landed on UI, or fingers of a finished gesture.
  struct Finger {
    double x = 0, y = 0;
    bool ignored = false;
  };
  std::map<std::int64_t, Finger> fingers_;
  std::int64_t needle_finger_ = -1;  // the finger working the needle, -1 none
  bool gesture_ = false;             // two or more fingers: camera gesture until all lift
  double g_dist_ = 0, g_angle_ = 0, g_cx_ = 0, g_cy_ = 0;
};

// Touch pressure: devices without a pressure sensor report exactly 1 (X11) or 0; those get the
// mouse pressure slider's value instead of slamming the needle to full depth.
double touch_pressure(float reported, double fallback);

}  // namespace smp::platform
