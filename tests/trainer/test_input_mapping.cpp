// Input mapping without a window: synthetic SDL events and XInput2 valuators become the expected
// stylus samples (pressure scaling, tilt, palm rejection, UI areas, gestures).
#include <SDL.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "smp/platform/input.h"
#include "smp/platform/pen.h"

using namespace smp::platform;

namespace {
SDL_Event mouse_button(Uint32 type, Uint8 button, int x, int y, Uint32 which = 0) {
  SDL_Event e{};
  e.type = type;
  e.button.button = button;
  e.button.x = x;
  e.button.y = y;
  e.button.which = which;
  return e;
}
SDL_Event mouse_motion(int x, int y, int xrel = 0, int yrel = 0) {
  SDL_Event e{};
  e.type = SDL_MOUSEMOTION;
  e.motion.x = x;
  e.motion.y = y;
  e.motion.xrel = xrel;
  e.motion.yrel = yrel;
  return e;
}
SDL_Event wheel(int y) {
  SDL_Event e{};
  e.type = SDL_MOUSEWHEEL;
  e.wheel.y = y;
  e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
  return e;
}
SDL_Event key(Uint32 type, SDL_Keycode sym, Uint16 mod = KMOD_NONE) {
  SDL_Event e{};
  e.type = type;
  e.key.keysym.sym = sym;
  e.key.keysym.mod = mod;
  return e;
}
SDL_Event finger(Uint32 type, SDL_FingerID id, float x, float y, float pressure,
                 SDL_TouchID touch = 7) {
  SDL_Event e{};
  e.type = type;
  e.tfinger.touchId = touch;
  e.tfinger.fingerId = id;
  e.tfinger.x = x;
  e.tfinger.y = y;
  e.tfinger.pressure = pressure;
  return e;
}
PenDevice wacom() {
  PenDevice d;
  d.device_id = 12;
  d.name = "Wacom Intuos Pen stylus";
  d.pressure = {2, 0.0, 2047.0, 0};
  d.tilt_x = {3, -64.0, 63.0, 57};  // libinput: 57 units per radian (about one per degree)
  d.tilt_y = {4, -64.0, 63.0, 57};
  return d;
}
}  // namespace

TEST(MouseInput, LeftDragIsAStrokeAtTheSliderPressure) {
  InputMapper m;
  m.set_mouse_pressure(0.35);
  InputFrame f;
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, 100, 200), 1.0, f);
  m.feed(mouse_motion(110, 205), 1.5, f);
  m.feed(mouse_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 112, 206), 2.0, f);
  ASSERT_EQ(f.samples.size(), 3u);
  EXPECT_TRUE(f.samples[0].down);
  EXPECT_EQ(f.samples[0].x_px, 100);
  EXPECT_EQ(f.samples[0].y_px, 200);
  EXPECT_DOUBLE_EQ(f.samples[0].pressure, 0.35);
  EXPECT_EQ(f.samples[0].source, InputSource::kMouse);
  EXPECT_EQ(f.samples[0].tilt_x_rad, 0.0);
  EXPECT_TRUE(f.samples[1].down);
  EXPECT_EQ(f.samples[1].x_px, 110);
  EXPECT_DOUBLE_EQ(f.samples[1].t_s, 1.5);
  EXPECT_FALSE(f.samples[2].down);
  EXPECT_EQ(f.samples[2].x_px, 112);
  EXPECT_FALSE(m.stylus_down());
}

TEST(MouseInput, HoverWithoutButtonGivesNoSamples) {
  InputMapper m;
  InputFrame f;
  m.feed(mouse_motion(10, 10), 0.0, f);
  EXPECT_TRUE(f.samples.empty());
}

TEST(MouseInput, ShiftWheelStepsThePressureSliderPlainWheelZooms) {
  InputMapper m;
  m.set_mouse_pressure(0.5);
  InputFrame f;
  m.feed(key(SDL_KEYDOWN, SDLK_LSHIFT), 0.0, f);
  m.feed(wheel(2), 0.0, f);
  EXPECT_NEAR(m.mouse_pressure(), 0.6, 1e-12);
  EXPECT_TRUE(f.pressure_changed);
  EXPECT_EQ(f.camera.zoom_factor, 1.0);
  m.feed(wheel(-30), 0.0, f);  // clamped at 0
  EXPECT_EQ(m.mouse_pressure(), 0.0);
  m.feed(key(SDL_KEYUP, SDLK_LSHIFT), 0.0, f);
  InputFrame g;
  m.feed(wheel(1), 0.0, g);
  EXPECT_FALSE(g.pressure_changed);
  EXPECT_NEAR(g.camera.zoom_factor, 1.1, 1e-12);
  EXPECT_EQ(m.mouse_pressure(), 0.0);
}

TEST(MouseInput, BracketKeysStepPressureAndCtrlZIsUndo) {
  InputMapper m;
  m.set_mouse_pressure(0.5);
  InputFrame f;
  m.feed(key(SDL_KEYDOWN, SDLK_RIGHTBRACKET), 0.0, f);
  m.feed(key(SDL_KEYDOWN, SDLK_RIGHTBRACKET), 0.0, f);
  m.feed(key(SDL_KEYDOWN, SDLK_LEFTBRACKET), 0.0, f);
  EXPECT_NEAR(m.mouse_pressure(), 0.55, 1e-12);
  m.feed(key(SDL_KEYDOWN, SDLK_z, KMOD_LCTRL), 0.0, f);
  m.feed(key(SDL_KEYDOWN, SDLK_z), 0.0, f);  // plain z does nothing
  m.feed(key(SDL_KEYDOWN, SDLK_SPACE), 0.0, f);
  ASSERT_EQ(f.commands.size(), 5u);
  EXPECT_EQ(f.commands[3], Command::kUndo);
  EXPECT_EQ(f.commands[4], Command::kTogglePause);
}

TEST(MouseInput, StrokesDoNotStartOnUiPanelsButFinishAnywhere) {
  InputMapper m;
  m.set_ui_rects({{0, 0, 80, 600}});
  InputFrame f;
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, 40, 300), 0.0, f);
  m.feed(mouse_motion(45, 300), 0.1, f);
  m.feed(mouse_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 45, 300), 0.2, f);
  EXPECT_TRUE(f.samples.empty());
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, 300, 300), 1.0, f);
  m.feed(mouse_motion(50, 300), 1.1, f);  // drags over the panel: still the same stroke
  m.feed(mouse_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 50, 300), 1.2, f);
  ASSERT_EQ(f.samples.size(), 3u);
  EXPECT_EQ(f.samples[1].x_px, 50);
  EXPECT_FALSE(f.samples[2].down);
}

TEST(MouseInput, RightDragOrbitsMiddleDragPans) {
  InputMapper m;
  InputFrame f;
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_RIGHT, 300, 300), 0.0, f);
  m.feed(mouse_motion(310, 295, 10, -5), 0.0, f);
  m.feed(mouse_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_RIGHT, 310, 295), 0.0, f);
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_MIDDLE, 300, 300), 0.0, f);
  m.feed(mouse_motion(303, 304, 3, 4), 0.0, f);
  EXPECT_TRUE(f.samples.empty());
  EXPECT_EQ(f.camera.orbit_dx_px, 10);
  EXPECT_EQ(f.camera.orbit_dy_px, -5);
  EXPECT_EQ(f.camera.pan_dx_px, 3);
  EXPECT_EQ(f.camera.pan_dy_px, 4);
}

TEST(MouseInput, SdlTouchEmulationCopiesAreIgnored) {
  InputMapper m;
  InputFrame f;
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, 100, 100, 0xFFFFFFFFu), 0.0, f);
  m.feed(finger(SDL_FINGERDOWN, 1, 0.5f, 0.5f, 0.5f, -1), 0.0, f);
  EXPECT_TRUE(f.samples.empty());
  EXPECT_FALSE(m.stylus_down());
}

TEST(TouchInput, OneFingerWorksTheNeedleWithItsPressure) {
  InputMapper m;
  m.set_window_size(800, 600);
  InputFrame f;
  m.feed(finger(SDL_FINGERDOWN, 5, 0.25f, 0.5f, 0.7f), 0.0, f);
  m.feed(finger(SDL_FINGERMOTION, 5, 0.5f, 0.5f, 0.6f), 0.1, f);
  m.feed(finger(SDL_FINGERUP, 5, 0.5f, 0.5f, 0.0f), 0.2, f);
  ASSERT_EQ(f.samples.size(), 3u);
  EXPECT_EQ(f.samples[0].source, InputSource::kTouch);
  EXPECT_DOUBLE_EQ(f.samples[0].x_px, 200.0);
  EXPECT_DOUBLE_EQ(f.samples[0].y_px, 300.0);
  EXPECT_NEAR(f.samples[0].pressure, 0.7, 1e-6);
  EXPECT_NEAR(f.samples[1].pressure, 0.6, 1e-6);
  EXPECT_DOUBLE_EQ(f.samples[1].x_px, 400.0);
  EXPECT_FALSE(f.samples[2].down);
}

TEST(TouchInput, ScreensWithoutPressureUseTheSlider) {
  EXPECT_DOUBLE_EQ(touch_pressure(1.0f, 0.45), 0.45);
  EXPECT_DOUBLE_EQ(touch_pressure(0.0f, 0.45), 0.45);
  EXPECT_NEAR(touch_pressure(0.3f, 0.45), 0.3, 1e-6);
  InputMapper m;
  m.set_mouse_pressure(0.4);
  InputFrame f;
  m.feed(finger(SDL_FINGERDOWN, 1, 0.5f, 0.5f, 1.0f), 0.0, f);
  ASSERT_EQ(f.samples.size(), 1u);
  EXPECT_DOUBLE_EQ(f.samples[0].pressure, 0.4);
}

TEST(TouchInput, SecondFingerLiftsTheNeedleAndPinchZooms) {
  InputMapper m;
  m.set_window_size(1000, 1000);
  InputFrame f;
  m.feed(finger(SDL_FINGERDOWN, 1, 0.4f, 0.5f, 0.5f), 0.0, f);
  m.feed(finger(SDL_FINGERDOWN, 2, 0.6f, 0.5f, 0.5f), 0.1, f);
  ASSERT_EQ(f.samples.size(), 2u);
  EXPECT_TRUE(f.samples[0].down);
  EXPECT_FALSE(f.samples[1].down);  // the needle lifted when the gesture began
  EXPECT_FALSE(m.stylus_down());
  InputFrame g;
  // Spread from 200 px to 400 px apart: zoom x2; centroid unchanged.
  m.feed(finger(SDL_FINGERMOTION, 1, 0.3f, 0.5f, 0.5f), 0.2, g);
  m.feed(finger(SDL_FINGERMOTION, 2, 0.7f, 0.5f, 0.5f), 0.2, g);
  EXPECT_TRUE(g.samples.empty());
  EXPECT_NEAR(g.camera.zoom_factor, 2.0, 1e-5);
  EXPECT_NEAR(g.camera.orbit_dx_px, 0.0, 1e-4);
  // Twist finger 2 around finger 1 by 90 degrees (screen y down: up on screen is CCW).
  InputFrame h;
  m.feed(finger(SDL_FINGERMOTION, 2, 0.3f, 0.1f, 0.5f), 0.3, h);
  EXPECT_NEAR(h.camera.twist_rad, std::numbers::pi / 2, 1e-5);
  // Lifting one finger ends the gesture; the remaining finger must not start a stroke.
  m.feed(finger(SDL_FINGERUP, 1, 0.3f, 0.5f, 0.0f), 0.4, h);
  m.feed(finger(SDL_FINGERMOTION, 2, 0.35f, 0.15f, 0.5f), 0.5, h);
  EXPECT_TRUE(h.samples.empty());
  m.feed(finger(SDL_FINGERUP, 2, 0.35f, 0.15f, 0.0f), 0.6, h);
  InputFrame k;
  m.feed(finger(SDL_FINGERDOWN, 3, 0.5f, 0.5f, 0.5f), 1.0, k);
  ASSERT_EQ(k.samples.size(), 1u);  // a fresh finger works the needle again
  EXPECT_TRUE(k.samples[0].down);
}

TEST(TouchInput, TwoFingerDragOrbits) {
  InputMapper m;
  m.set_window_size(1000, 1000);
  InputFrame f;
  m.feed(finger(SDL_FINGERDOWN, 1, 0.4f, 0.5f, 0.5f), 0.0, f);
  m.feed(finger(SDL_FINGERDOWN, 2, 0.6f, 0.5f, 0.5f), 0.0, f);
  InputFrame g;
  m.feed(finger(SDL_FINGERMOTION, 1, 0.4f, 0.6f, 0.5f), 0.1, g);
  m.feed(finger(SDL_FINGERMOTION, 2, 0.6f, 0.6f, 0.5f), 0.1, g);
  EXPECT_NEAR(g.camera.orbit_dy_px, 100.0, 1e-3);
  EXPECT_NEAR(g.camera.zoom_factor, 1.0, 1e-3);
}

TEST(PenInput, ValuatorMaskUnpacksInBitOrder) {
  // Bits 0, 2, 3 set: values come packed in that order.
  const unsigned char mask[2] = {0b00001101, 0};
  const double values[3] = {11.0, 22.0, 33.0};
  const auto v = unpack_valuators(mask, 2, values);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], (std::pair<int, double>{0, 11.0}));
  EXPECT_EQ(v[1], (std::pair<int, double>{2, 22.0}));
  EXPECT_EQ(v[2], (std::pair<int, double>{3, 33.0}));
  EXPECT_TRUE(unpack_valuators(nullptr, 0, nullptr).empty());
}

TEST(PenInput, PressureScalesOverTheAxisRangeAndTiltBecomesRadians) {
  const PenDevice pen = wacom();
  // x, y, pressure 1535.25 of 0..2047, tilt x +30 units (res 57/rad), tilt y -57 units (1 rad).
  const auto s = pen_state_from_valuators(
      pen, {{0, 5000.0}, {1, 4000.0}, {2, 1535.25}, {3, 30.0}, {4, -57.0}}, PenState{});
  EXPECT_TRUE(s.active);
  EXPECT_NEAR(s.pressure, 0.75, 1e-12);
  EXPECT_NEAR(s.tilt_x_rad, 30.0 / 57.0, 1e-12);
  EXPECT_NEAR(s.tilt_y_rad, -1.0, 1e-12);
  // Only pressure changed: tilt keeps its previous value; out-of-range pressure clamps.
  const auto t = pen_state_from_valuators(pen, {{2, 4000.0}}, s);
  EXPECT_EQ(t.pressure, 1.0);
  EXPECT_EQ(t.tilt_x_rad, s.tilt_x_rad);
  // No resolution given: tilt units are degrees.
  PenDevice deg = pen;
  deg.tilt_x.resolution = 0;
  const auto u = pen_state_from_valuators(deg, {{3, 45.0}}, PenState{});
  EXPECT_NEAR(u.tilt_x_rad, std::numbers::pi / 4, 1e-12);
}

TEST(PenInput, TrackerFollowsWhichDeviceMovedLast) {
  PenTracker tracker;
  tracker.set_pens_for_test({wacom()});
  tracker.on_raw_event(12, {{2, 1023.5}});
  EXPECT_TRUE(tracker.state().active);
  EXPECT_NEAR(tracker.state().pressure, 0.5, 1e-12);
  tracker.on_raw_event(9, {{0, 1.0}, {1, 2.0}});  // a mouse moved
  EXPECT_FALSE(tracker.state().active);
}

TEST(PenInput, PenStrokeCarriesPressureAndTiltAndUpdatesWithoutMotion) {
  InputMapper m;
  m.set_mouse_pressure(0.5);
  InputFrame f;
  PenState pen{true, 0.3, 0.2, -0.1};
  m.update_pen(pen, 0.0, f);
  EXPECT_TRUE(f.samples.empty());  // not down yet
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, 50, 60), 0.1, f);
  pen.pressure = 0.8;
  m.update_pen(pen, 0.2, f);  // pressing harder without moving
  m.feed(mouse_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 50, 60), 0.3, f);
  ASSERT_EQ(f.samples.size(), 3u);
  EXPECT_EQ(f.samples[0].source, InputSource::kPen);
  EXPECT_DOUBLE_EQ(f.samples[0].pressure, 0.3);
  EXPECT_DOUBLE_EQ(f.samples[0].tilt_x_rad, 0.2);
  EXPECT_DOUBLE_EQ(f.samples[0].tilt_y_rad, -0.1);
  EXPECT_DOUBLE_EQ(f.samples[1].pressure, 0.8);
  EXPECT_EQ(f.samples[1].x_px, 50);
  EXPECT_TRUE(f.samples[1].down);
  EXPECT_FALSE(f.samples[2].down);
}

TEST(PalmRejection, TouchesWhileThePenIsDownAreIgnoredUntilLifted) {
  InputMapper m;
  m.set_window_size(1000, 1000);
  InputFrame f;
  m.update_pen(PenState{true, 0.6, 0.0, 0.0}, 0.0, f);
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, 500, 500), 0.0, f);
  ASSERT_TRUE(m.pen_down());
  const std::size_t before = f.samples.size();
  m.feed(finger(SDL_FINGERDOWN, 1, 0.9f, 0.9f, 0.9f), 0.1, f);  // the palm lands
  m.feed(finger(SDL_FINGERMOTION, 1, 0.8f, 0.9f, 0.9f), 0.2, f);
  EXPECT_EQ(f.samples.size(), before);
  EXPECT_EQ(f.camera.zoom_factor, 1.0);
  m.feed(mouse_button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 500, 500), 0.3, f);
  const std::size_t after_pen = f.samples.size();
  // The palm stays on the glass after the pen lifts: still ignored.
  m.feed(finger(SDL_FINGERMOTION, 1, 0.7f, 0.9f, 0.9f), 0.4, f);
  EXPECT_EQ(f.samples.size(), after_pen);
  m.feed(finger(SDL_FINGERUP, 1, 0.7f, 0.9f, 0.0f), 0.5, f);
  EXPECT_EQ(f.samples.size(), after_pen);
}

TEST(Stroke, CancelEmitsALiftOnce) {
  InputMapper m;
  InputFrame f;
  m.feed(mouse_button(SDL_MOUSEBUTTONDOWN, SDL_BUTTON_LEFT, 10, 20), 0.0, f);
  m.cancel_stroke(0.5, f);
  m.cancel_stroke(0.6, f);
  ASSERT_EQ(f.samples.size(), 2u);
  EXPECT_FALSE(f.samples[1].down);
  EXPECT_EQ(f.samples[1].x_px, 10);
  EXPECT_DOUBLE_EQ(f.samples[1].t_s, 0.5);
}
