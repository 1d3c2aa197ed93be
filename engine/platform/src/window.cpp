// SDL2 window + OpenGL 3.3 core context.
#include "smp/platform/window.h"

#include <SDL.h>
#include <epoxy/gl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace smp::platform {

bool display_available() {
  const char* driver = std::getenv("SDL_VIDEODRIVER");
  if (driver != nullptr && *driver != '\0') return true;  // the user chose (offscreen, x11, ...)
  const char* x = std::getenv("DISPLAY");
  const char* w = std::getenv("WAYLAND_DISPLAY");
  return (x != nullptr && *x != '\0') || (w != nullptr && *w != '\0');
}

Window::~Window() {
  close();
}

bool Window::open(const WindowOptions& opt) {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
    error_ = std::string("SDL_Init failed: ") + SDL_GetError();
    return false;
  }
  sdl_inited_ = true;
  // Touch and mouse stay separate: the input mapper handles both and ignores SDL's copies.
  SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, SDL_GL_CONTEXT_FORWARD_COMPATIBLE_FLAG);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 24);
  SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 8);
  const Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  window_ = SDL_CreateWindow(opt.title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                             std::max(64, opt.width), std::max(64, opt.height), flags);
  if (window_ == nullptr) {
    error_ = std::string("could not open a window: ") + SDL_GetError();
    close();
    return false;
  }
  context_ = SDL_GL_CreateContext(window_);
  if (context_ == nullptr) {
    error_ = std::string("could not create an OpenGL 3.3 core context: ") + SDL_GetError();
    close();
    return false;
  }
  SDL_GL_MakeCurrent(window_, context_);
  SDL_GL_SetSwapInterval(opt.vsync ? 1 : 0);
  if (epoxy_gl_version() < 33) {
    error_ = "OpenGL 3.3 is required, the driver offers " +
             std::to_string(epoxy_gl_version() / 10) + "." +
             std::to_string(epoxy_gl_version() % 10);
    close();
    return false;
  }
  return true;
}

void Window::close() {
  if (context_ != nullptr) SDL_GL_DeleteContext(context_);
  context_ = nullptr;
  if (window_ != nullptr) SDL_DestroyWindow(window_);
  window_ = nullptr;
  if (sdl_inited_) SDL_Quit();
  sdl_inited_ = false;
}

void Window::swap() {
  if (window_ == nullptr) return;
  SDL_GL_SwapWindow(window_);
  // Under SDL's offscreen driver the swap is a pbuffer no-op that never waits for a frame: Mesa's
  // threaded llvmpipe then keeps every frame's binned scene, ~5 MB a frame at 1280x800, without
  // bound (glFlush is not enough). Waiting for the frame ends that; a real window's swap
  // throttles by itself, so only the offscreen driver pays for the wait.
  if (std::strcmp(video_driver(), "offscreen") == 0) glFinish();
}

const char* Window::video_driver() const {
  const char* d = SDL_GetCurrentVideoDriver();
  return d != nullptr ? d : "none";
}

void Window::logical_size(int& w, int& h) const {
  w = h = 0;
  if (window_ != nullptr) SDL_GetWindowSize(window_, &w, &h);
}

void Window::drawable_size(int& w, int& h) const {
  w = h = 0;
  if (window_ != nullptr) SDL_GL_GetDrawableSize(window_, &w, &h);
}

double Window::ui_scale() const {
  if (const char* env = std::getenv("SMP_UI_SCALE")) {
    const double v = std::strtod(env, nullptr);
    if (v >= 0.5 && v <= 4.0) return v;
  }
  double scale = 1.0;
  if (window_ != nullptr) {
    float ddpi = 0.0f;
    const int display = SDL_GetWindowDisplayIndex(window_);
    if (display >= 0 && SDL_GetDisplayDPI(display, &ddpi, nullptr, nullptr) == 0 && ddpi > 0.0f) {
      scale = static_cast<double>(ddpi) / 96.0;
    }
    int lw = 0, lh = 0, dw = 0, dh = 0;
    logical_size(lw, lh);
    drawable_size(dw, dh);
    // HiDPI backends (Wayland, macOS) report logical points: drawable/logical is the scale.
    if (lw > 0 && dw > lw) scale = std::max(scale, static_cast<double>(dw) / lw);
  }
  return std::clamp(scale, 1.0, 4.0);
}

}  // namespace smp::platform
