// Pen tablets through XInput2 (docs/user-guide-trainee.md, "Devices"). SDL2 reports a Wacom-style
// pen as the mouse pointer without pressure or tilt; the X server still sends XInput2 raw events
// carrying the pen's valuators. We read them through SDL_SYSWMEVENT (the cookie data is only valid
// inside SDL's event filter, so it is read there) and turn them into PenState. Everything else
// (compiled without libXi, Wayland, offscreen, no pen plugged in) falls back to mouse input.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "smp/platform/input.h"

struct SDL_Window;

namespace smp::platform {

// One valuator axis of an XInput2 device: its index and range as XIQueryDevice reports them.
struct ValuatorAxis {
  int number = -1;  // -1: the device has no such axis
  double min = 0.0, max = 0.0;
  int resolution = 0;  // units per radian for tilt axes when > 0 (libinput reports 57)
};

// A pen-like device: it has an axis labelled "Abs Pressure" (X server label atoms).
struct PenDevice {
  int device_id = -1;
  std::string name;
  ValuatorAxis pressure, tilt_x, tilt_y;
};

// Unpacks XIValuatorState: bit i of `mask` set means valuator i is present, and `values` holds
// the present ones in increasing i. Returns (valuator number, value) pairs.
std::vector<std::pair<int, double>> unpack_valuators(const unsigned char* mask, int mask_len,
                                                     const double* values);

// New pen state from one event's valuators. Axes absent from the event keep `previous` values
// (X sends only changed valuators). Pressure is scaled to 0..1 over the axis range; tilt to
// radians (resolution units per radian, or degrees when the device gives no resolution),
// clamped to +-90 degrees.
PenState pen_state_from_valuators(const PenDevice& dev,
                                  const std::vector<std::pair<int, double>>& valuators,
                                  const PenState& previous);

// Listens to XInput2 raw motion on X11. install() is safe to call anywhere: it returns false (and
// the app keeps plain mouse input) when not on X11, when libXi was absent at build time, or when
// no pen device exists. Must outlive nothing; call uninstall() before destroying the window.
class PenTracker {
 public:
  PenTracker() = default;
  ~PenTracker();
  PenTracker(const PenTracker&) = delete;
  PenTracker& operator=(const PenTracker&) = delete;

  bool install(SDL_Window* window);
  void uninstall();
  bool installed() const { return installed_; }
  const std::vector<PenDevice>& pens() const { return pens_; }
  // The latest state; `active` is true when the last pointer device that moved was a pen.
  const PenState& state() const { return state_; }
  // Why install() returned false, for the log line at start-up.
  const std::string& status() const { return status_; }

  // Feeds one raw event (device that sent it + its valuators); public for tests.
  void on_raw_event(int source_device_id, const std::vector<std::pair<int, double>>& valuators);
  void set_pens_for_test(std::vector<PenDevice> pens) { pens_ = std::move(pens); }

 private:
  bool installed_ = false;
  std::vector<PenDevice> pens_;
  PenState state_;
  std::string status_ = "not installed";
  int xi_opcode_ = -1;
};

}  // namespace smp::platform
