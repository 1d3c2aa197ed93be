// SDL2 window with an OpenGL 3.3 core context (epoxy loads the functions). DPI-aware: ui_scale()
// is the factor panels and touch targets are scaled by.
#pragma once
#include <string>

struct SDL_Window;

namespace smp::platform {

struct WindowOptions {
  std::string title = "SMP Trainer";
  int width = 1280, height = 800;  // logical pixels
  bool vsync = true;
};

// Is there a display to open a window on? False when no DISPLAY/WAYLAND_DISPLAY is set and
// SDL_VIDEODRIVER is not set to something that works without one (offscreen).
bool display_available();

class Window {
 public:
  Window() = default;
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // Creates the window and GL context and makes it current. On failure returns false and
  // error() says why (SDL's message).
  bool open(const WindowOptions& opt);
  void close();
  void swap();

  SDL_Window* sdl_window() const { return window_; }
  void* gl_context() const { return context_; }
  const std::string& error() const { return error_; }
  const char* video_driver() const;
  void logical_size(int& w, int& h) const;
  void drawable_size(int& w, int& h) const;  // framebuffer pixels (HiDPI may double them)
  // 1.0 at 96 dpi; from the display DPI and the drawable/logical ratio, clamped to 1..4.
  // $SMP_UI_SCALE overrides it (e.g. 1.5 on a tablet whose DPI SDL misreports).
  double ui_scale() const;

 private:
  SDL_Window* window_ = nullptr;
  void* context_ = nullptr;
  std::string error_;
  bool sdl_inited_ = false;
};

}  // namespace smp::platform
