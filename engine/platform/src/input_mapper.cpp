// SDL events -> plain input data. Pure: state lives in the mapper, time comes from the caller.
#include <SDL.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "smp/platform/input.h"

namespace smp::platform {

const char* to_string(InputSource s) {
  switch (s) {
    case InputSource::kMouse:
      return "mouse";
    case InputSource::kTouch:
      return "touch";
    case InputSource::kPen:
      return "pen";
  }
  return "?";
}

double touch_pressure(float reported, double fallback) {
  const double p = static_cast<double>(reported);
  // X11 reports exactly 1.0 for every touch (no sensor), other drivers 0: neither is a reading.
  if (!(p > 0.0) || p >= 1.0) return std::clamp(fallback, 0.0, 1.0);
  return p;
}

void InputMapper::set_window_size(int w, int h) {
  win_w_ = std::max(1, w);
  win_h_ = std::max(1, h);
}

void InputMapper::set_mouse_pressure(double p) {
  mouse_pressure_ = std::clamp(p, 0.0, 1.0);
  // Keep the slider on the 0.05 grid the wheel uses, so wheel steps and typed values agree.
  mouse_pressure_ = std::round(mouse_pressure_ * 1000.0) / 1000.0;
}

bool InputMapper::over_ui(double x, double y) const {
  return std::any_of(ui_rects_.begin(), ui_rects_.end(),
                     [&](const RectPx& r) { return r.contains(x, y); });
}

StylusSample InputMapper::pointer_sample(double t_s, double x, double y, bool down) const {
  StylusSample s;
  s.t_s = t_s;
  s.x_px = x;
  s.y_px = y;
  s.down = down;
  if (stroke_ == Stroke::kPen || (stroke_ == Stroke::kNone && pen_.active)) {
    s.source = InputSource::kPen;
    s.pressure = pen_.pressure;
    s.tilt_x_rad = pen_.tilt_x_rad;
    s.tilt_y_rad = pen_.tilt_y_rad;
  } else {
    s.source = InputSource::kMouse;
    s.pressure = mouse_pressure_;
  }
  return s;
}

namespace {
// SDL's macros for these use C casts; same values, warning-free.
constexpr Uint32 kTouchMouseId = 0xFFFFFFFFu;  // SDL_TOUCH_MOUSEID: a mouse event made from touch
constexpr SDL_TouchID kMouseTouchId = -1;      // SDL_MOUSE_TOUCHID: a touch event made from mouse

double wrap_angle(double a) {
  constexpr double kPi = std::numbers::pi;
  while (a > kPi) a -= 2.0 * kPi;
  while (a <= -kPi) a += 2.0 * kPi;
  return a;
}
}  // namespace

void InputMapper::touch_gesture(InputFrame& out) {
  // The first two live fingers (by id: deterministic) drive the gesture.
  const Finger* f[2] = {nullptr, nullptr};
  int n = 0;
  for (const auto& [id, fi] : fingers_) {
    if (fi.ignored) continue;
    if (n < 2) f[n] = &fi;
    ++n;
  }
  if (n < 2) return;
  const double dx = f[1]->x - f[0]->x, dy = f[1]->y - f[0]->y;
  const double dist = std::hypot(dx, dy);
  const double angle = std::atan2(dy, dx);
  const double cx = 0.5 * (f[0]->x + f[1]->x), cy = 0.5 * (f[0]->y + f[1]->y);
  if (g_dist_ > 1e-6 && dist > 1e-6) out.camera.zoom_factor *= dist / g_dist_;
  // Screen y points down, so a visually counter-clockwise twist decreases atan2.
  out.camera.twist_rad -= wrap_angle(angle - g_angle_);
  out.camera.orbit_dx_px += cx - g_cx_;
  out.camera.orbit_dy_px += cy - g_cy_;
  g_dist_ = dist;
  g_angle_ = angle;
  g_cx_ = cx;
  g_cy_ = cy;
}

void InputMapper::feed(const SDL_Event& e, double t_s, InputFrame& out) {
  switch (e.type) {
    case SDL_MOUSEBUTTONDOWN: {
      if (e.button.which == kTouchMouseId) return;  // SDL's copy of a touch: handled as touch
      const double x = e.button.x, y = e.button.y;
      if (e.button.button == SDL_BUTTON_LEFT) {
        if (stroke_ != Stroke::kNone || over_ui(x, y)) return;
        stroke_ = pen_.active ? Stroke::kPen : Stroke::kMouse;
        last_x_ = x;
        last_y_ = y;
        out.samples.push_back(pointer_sample(t_s, x, y, true));
      } else if (e.button.button == SDL_BUTTON_RIGHT && !over_ui(x, y)) {
        orbiting_ = true;
      } else if (e.button.button == SDL_BUTTON_MIDDLE && !over_ui(x, y)) {
        panning_ = true;
      }
      return;
    }
    case SDL_MOUSEMOTION: {
      if (e.motion.which == kTouchMouseId) return;
      if (orbiting_) {
        out.camera.orbit_dx_px += e.motion.xrel;
        out.camera.orbit_dy_px += e.motion.yrel;
      }
      if (panning_) {
        out.camera.pan_dx_px += e.motion.xrel;
        out.camera.pan_dy_px += e.motion.yrel;
      }
      if (stroke_ == Stroke::kMouse || stroke_ == Stroke::kPen) {
        last_x_ = e.motion.x;
        last_y_ = e.motion.y;
        out.samples.push_back(pointer_sample(t_s, last_x_, last_y_, true));
      }
      return;
    }
    case SDL_MOUSEBUTTONUP: {
      if (e.button.which == kTouchMouseId) return;
      if (e.button.button == SDL_BUTTON_LEFT &&
          (stroke_ == Stroke::kMouse || stroke_ == Stroke::kPen)) {
        last_x_ = e.button.x;
        last_y_ = e.button.y;
        out.samples.push_back(pointer_sample(t_s, last_x_, last_y_, false));
        stroke_ = Stroke::kNone;
      } else if (e.button.button == SDL_BUTTON_RIGHT) {
        orbiting_ = false;
      } else if (e.button.button == SDL_BUTTON_MIDDLE) {
        panning_ = false;
      }
      return;
    }
    case SDL_MOUSEWHEEL: {
      if (e.wheel.which == kTouchMouseId) return;
      int steps = e.wheel.y;
      if (e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED) steps = -steps;
      if (steps == 0) return;
      if (shift_) {
        set_mouse_pressure(mouse_pressure_ + kPressureStep * steps);
        out.pressure_changed = true;
      } else {
        out.camera.zoom_factor *= std::pow(1.1, steps);
      }
      return;
    }
    case SDL_FINGERDOWN: {
      if (e.tfinger.touchId == kMouseTouchId) return;  // SDL's copy of the mouse
      Finger f;
      f.x = static_cast<double>(e.tfinger.x) * win_w_;
      f.y = static_cast<double>(e.tfinger.y) * win_h_;
      const std::int64_t id = e.tfinger.fingerId;
      if (stroke_ == Stroke::kPen || stroke_ == Stroke::kMouse || over_ui(f.x, f.y)) {
        f.ignored = true;  // palm rejection while the pen works; UI touches go to ImGui
        fingers_[id] = f;
        return;
      }
      const bool others_live = std::any_of(fingers_.begin(), fingers_.end(),
                                           [](const auto& kv) { return !kv.second.ignored; });
      fingers_[id] = f;
      if (!others_live && !gesture_) {
        needle_finger_ = id;
        stroke_ = Stroke::kTouch;
        StylusSample s;
        s.t_s = t_s;
        s.x_px = f.x;
        s.y_px = f.y;
        s.pressure = touch_pressure(e.tfinger.pressure, mouse_pressure_);
        s.down = true;
        s.source = InputSource::kTouch;
        out.samples.push_back(s);
        return;
      }
      // A second finger: the needle lifts and a camera gesture starts.
      if (needle_finger_ >= 0) {
        const Finger& nf = fingers_[needle_finger_];
        StylusSample s;
        s.t_s = t_s;
        s.x_px = nf.x;
        s.y_px = nf.y;
        s.pressure = 0.0;
        s.down = false;
        s.source = InputSource::kTouch;
        out.samples.push_back(s);
        needle_finger_ = -1;
        stroke_ = Stroke::kNone;
      }
      gesture_ = true;
      // Reset the baseline without producing motion.
      InputFrame scratch;
      g_dist_ = 0.0;
      touch_gesture(scratch);
      return;
    }
    case SDL_FINGERMOTION: {
      if (e.tfinger.touchId == kMouseTouchId) return;
      auto it = fingers_.find(e.tfinger.fingerId);
      if (it == fingers_.end() || it->second.ignored) return;
      it->second.x = static_cast<double>(e.tfinger.x) * win_w_;
      it->second.y = static_cast<double>(e.tfinger.y) * win_h_;
      if (it->first == needle_finger_) {
        StylusSample s;
        s.t_s = t_s;
        s.x_px = it->second.x;
        s.y_px = it->second.y;
        s.pressure = touch_pressure(e.tfinger.pressure, mouse_pressure_);
        s.down = true;
        s.source = InputSource::kTouch;
        out.samples.push_back(s);
      } else if (gesture_) {
        touch_gesture(out);
      }
      return;
    }
    case SDL_FINGERUP: {
      if (e.tfinger.touchId == kMouseTouchId) return;
      auto it = fingers_.find(e.tfinger.fingerId);
      if (it == fingers_.end()) return;
      if (it->first == needle_finger_) {
        StylusSample s;
        s.t_s = t_s;
        s.x_px = static_cast<double>(e.tfinger.x) * win_w_;
        s.y_px = static_cast<double>(e.tfinger.y) * win_h_;
        s.pressure = 0.0;
        s.down = false;
        s.source = InputSource::kTouch;
        out.samples.push_back(s);
        needle_finger_ = -1;
        stroke_ = Stroke::kNone;
      }
      fingers_.erase(it);
      if (gesture_) {
        int live = 0;
        for (const auto& kv : fingers_) live += kv.second.ignored ? 0 : 1;
        if (live < 2) {
          // The last finger of a gesture never starts a needle stroke.
          for (auto& kv : fingers_) kv.second.ignored = true;
          gesture_ = false;
        }
      }
      return;
    }
    case SDL_KEYDOWN: {
      const SDL_Keycode k = e.key.keysym.sym;
      if (k == SDLK_LSHIFT || k == SDLK_RSHIFT) {
        shift_ = true;
        return;
      }
      if (e.key.repeat != 0 && k != SDLK_LEFTBRACKET && k != SDLK_RIGHTBRACKET) return;
      const bool ctrl = (e.key.keysym.mod & KMOD_CTRL) != 0;
      if (k == SDLK_z && ctrl) {
        out.commands.push_back(Command::kUndo);
      } else if (k == SDLK_SPACE) {
        out.commands.push_back(Command::kTogglePause);
      } else if (k == SDLK_x && !ctrl) {
        out.commands.push_back(Command::kToggleCrossSection);
      } else if (k == SDLK_HOME || (k == SDLK_r && !ctrl)) {
        out.commands.push_back(Command::kResetCamera);
      } else if (k == SDLK_RIGHTBRACKET) {
        set_mouse_pressure(mouse_pressure_ + kPressureStep);
        out.pressure_changed = true;
        out.commands.push_back(Command::kPressureUp);
      } else if (k == SDLK_LEFTBRACKET) {
        set_mouse_pressure(mouse_pressure_ - kPressureStep);
        out.pressure_changed = true;
        out.commands.push_back(Command::kPressureDown);
      }
      return;
    }
    case SDL_KEYUP: {
      const SDL_Keycode k = e.key.keysym.sym;
      if (k == SDLK_LSHIFT || k == SDLK_RSHIFT) shift_ = false;
      return;
    }
    case SDL_WINDOWEVENT: {
      if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
        set_window_size(e.window.data1, e.window.data2);
      } else if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST) {
        shift_ = false;
        orbiting_ = panning_ = false;
      } else if (e.window.event == SDL_WINDOWEVENT_CLOSE) {
        out.commands.push_back(Command::kQuit);
      }
      return;
    }
    case SDL_QUIT:
      out.commands.push_back(Command::kQuit);
      return;
    default:
      return;
  }
}

void InputMapper::update_pen(const PenState& pen, double t_s, InputFrame& out) {
  const bool changed = !(pen == pen_);
  pen_ = pen;
  if (changed && stroke_ == Stroke::kPen) {
    out.samples.push_back(pointer_sample(t_s, last_x_, last_y_, true));
  }
}

void InputMapper::cancel_stroke(double t_s, InputFrame& out) {
  if (stroke_ == Stroke::kNone) return;
  StylusSample s;
  if (stroke_ == Stroke::kTouch) {
    auto it = fingers_.find(needle_finger_);
    if (it != fingers_.end()) {
      s.x_px = it->second.x;
      s.y_px = it->second.y;
      it->second.ignored = true;
    }
    s.source = InputSource::kTouch;
    needle_finger_ = -1;
  } else {
    s = pointer_sample(t_s, last_x_, last_y_, false);
  }
  s.t_s = t_s;
  s.down = false;
  s.pressure = 0.0;
  out.samples.push_back(s);
  stroke_ = Stroke::kNone;
}

}  // namespace smp::platform
