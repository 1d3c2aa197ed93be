// XInput2 pen valuators (pen.h). The pure mapping is always built; the X11 glue only when libXi
// was found (SMP_HAVE_XI).
#include <SDL.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "smp/platform/pen.h"

#if defined(SMP_HAVE_XI)
#include <SDL_syswm.h>
#include <X11/Xlib.h>
#include <X11/extensions/XInput2.h>
#endif

namespace smp::platform {

std::vector<std::pair<int, double>> unpack_valuators(const unsigned char* mask, int mask_len,
                                                     const double* values) {
  std::vector<std::pair<int, double>> out;
  if (mask == nullptr || values == nullptr) return out;
  int k = 0;
  for (int i = 0; i < mask_len * 8; ++i) {
    if ((mask[i >> 3] & (1 << (i & 7))) != 0) out.emplace_back(i, values[k++]);
  }
  return out;
}

namespace {
const double* find_value(const std::vector<std::pair<int, double>>& v, int number) {
  if (number < 0) return nullptr;
  for (const auto& [n, value] : v) {
    if (n == number) return &value;
  }
  return nullptr;
}

double tilt_rad(const ValuatorAxis& axis, double raw) {
  constexpr double kHalfPi = std::numbers::pi / 2.0;
  const double rad = axis.resolution > 0 ? raw / axis.resolution : raw * std::numbers::pi / 180.0;
  return std::clamp(rad, -kHalfPi, kHalfPi);
}
}  // namespace

PenState pen_state_from_valuators(const PenDevice& dev,
                                  const std::vector<std::pair<int, double>>& valuators,
                                  const PenState& previous) {
  PenState s = previous;
  s.active = true;
  if (const double* p = find_value(valuators, dev.pressure.number)) {
    const double span = dev.pressure.max - dev.pressure.min;
    s.pressure = span > 0.0 ? std::clamp((*p - dev.pressure.min) / span, 0.0, 1.0) : 0.0;
  }
  if (const double* tx = find_value(valuators, dev.tilt_x.number)) {
    s.tilt_x_rad = tilt_rad(dev.tilt_x, *tx);
  }
  if (const double* ty = find_value(valuators, dev.tilt_y.number)) {
    s.tilt_y_rad = tilt_rad(dev.tilt_y, *ty);
  }
  return s;
}

void PenTracker::on_raw_event(int source_device_id,
                              const std::vector<std::pair<int, double>>& valuators) {
  for (const auto& pen : pens_) {
    if (pen.device_id == source_device_id) {
      state_ = pen_state_from_valuators(pen, valuators, state_);
      return;
    }
  }
  // Another pointer device (a mouse, a touchpad) moved: it drives the pointer now.
  state_.active = false;
}

PenTracker::~PenTracker() {
  uninstall();
}

#if defined(SMP_HAVE_XI)
namespace {
// SDL frees the XI2 cookie right after delivering SDL_SYSWMEVENT, so the data must be read in the
// event filter, which runs synchronously inside SDL's X11 event dispatch.
int syswm_filter(void* userdata, SDL_Event* event) {
  if (event->type != SDL_SYSWMEVENT) return 1;
  auto* tracker = static_cast<PenTracker*>(userdata);
  const SDL_SysWMmsg* msg = event->syswm.msg;
  if (msg == nullptr || msg->subsystem != SDL_SYSWM_X11) return 0;
  const XEvent& xe = msg->msg.x11.event;
  if (xe.type != GenericEvent) return 0;
  const XGenericEventCookie& cookie = xe.xcookie;
  if (cookie.data == nullptr || cookie.evtype != XI_RawMotion) return 0;
  const auto* raw = static_cast<const XIRawEvent*>(cookie.data);
  // Slave devices only (master copies carry the same data).
  if (raw->deviceid != raw->sourceid) return 0;
  tracker->on_raw_event(
      raw->sourceid,
      unpack_valuators(raw->valuators.mask, raw->valuators.mask_len, raw->valuators.values));
  return 0;  // consumed: keeps the queue free of SYSWM events nobody else reads
}

int g_x_error = 0;
int trap_x_error(Display*, XErrorEvent* e) {
  g_x_error = e->error_code;
  return 0;
}

ValuatorAxis axis_from(const XIValuatorClassInfo* v) {
  ValuatorAxis a;
  a.number = v->number;
  a.min = v->min;
  a.max = v->max;
  a.resolution = v->resolution;
  return a;
}
}  // namespace

bool PenTracker::install(SDL_Window* window) {
  SDL_SysWMinfo info;
  SDL_VERSION(&info.version);
  if (window == nullptr || SDL_GetWindowWMInfo(window, &info) != SDL_TRUE ||
      info.subsystem != SDL_SYSWM_X11) {
    status_ = "not on X11: pen pressure unavailable, mouse input only";
    return false;
  }
  Display* dpy = info.info.x11.display;
  int event = 0, error = 0;
  if (!XQueryExtension(dpy, "XInputExtension", &xi_opcode_, &event, &error)) {
    status_ = "X server has no XInput extension";
    return false;
  }
  // SDL has usually announced its XInput2 version already; asking again with another version is a
  // BadValue protocol error, which Xlib's default handler turns into exit(). Trap it: either way
  // the connection speaks XInput 2 afterwards.
  XSync(dpy, False);
  g_x_error = 0;
  XErrorHandler old_handler = XSetErrorHandler(trap_x_error);
  int major = 2, minor = 2;
  const Status version = XIQueryVersion(dpy, &major, &minor);
  XSync(dpy, False);
  XSetErrorHandler(old_handler);
  if (version != Success && g_x_error == 0) {
    status_ = "X server lacks XInput 2";
    return false;
  }
  const Atom pressure_label = XInternAtom(dpy, "Abs Pressure", True);
  const Atom tilt_x_label = XInternAtom(dpy, "Abs Tilt X", True);
  const Atom tilt_y_label = XInternAtom(dpy, "Abs Tilt Y", True);
  pens_.clear();
  int ndev = 0;
  XIDeviceInfo* devs = XIQueryDevice(dpy, XIAllDevices, &ndev);
  for (int i = 0; i < ndev; ++i) {
    if (devs[i].use != XISlavePointer && devs[i].use != XIFloatingSlave) continue;
    PenDevice pen;
    pen.device_id = devs[i].deviceid;
    pen.name = devs[i].name != nullptr ? devs[i].name : "";
    for (int c = 0; c < devs[i].num_classes; ++c) {
      if (devs[i].classes[c]->type != XIValuatorClass) continue;
      const auto* v = reinterpret_cast<const XIValuatorClassInfo*>(devs[i].classes[c]);
      if (pressure_label != None && v->label == pressure_label) pen.pressure = axis_from(v);
      if (tilt_x_label != None && v->label == tilt_x_label) pen.tilt_x = axis_from(v);
      if (tilt_y_label != None && v->label == tilt_y_label) pen.tilt_y = axis_from(v);
    }
    if (pen.pressure.number >= 0) pens_.push_back(pen);
  }
  XIFreeDeviceInfo(devs);
  if (pens_.empty()) {
    status_ = "no pen device found (XInput2): mouse input only";
    return false;
  }
  // Raw motion from every slave device: pen valuators, and other devices to know which one
  // drives the pointer. Selected on the root window from SDL's own connection; raw events do not
  // take core events away from SDL.
  unsigned char mask[XIMaskLen(XI_LASTEVENT)] = {};
  XISetMask(mask, XI_RawMotion);
  XIEventMask em;
  em.deviceid = XIAllDevices;
  em.mask_len = sizeof(mask);
  em.mask = mask;
  g_x_error = 0;
  old_handler = XSetErrorHandler(trap_x_error);
  XISelectEvents(dpy, DefaultRootWindow(dpy), &em, 1);
  XSync(dpy, False);
  XSetErrorHandler(old_handler);
  if (g_x_error != 0) {
    status_ = "could not listen to XInput2 raw events: mouse input only";
    return false;
  }
  SDL_EventState(SDL_SYSWMEVENT, SDL_ENABLE);
  SDL_SetEventFilter(syswm_filter, this);
  installed_ = true;
  status_ = "pen via XInput2: " + pens_.front().name;
  return true;
}

void PenTracker::uninstall() {
  if (!installed_) return;
  SDL_SetEventFilter(nullptr, nullptr);
  SDL_EventState(SDL_SYSWMEVENT, SDL_DISABLE);
  installed_ = false;
}
#else
bool PenTracker::install(SDL_Window*) {
  status_ = "built without libXi: pen pressure unavailable, mouse input only";
  return false;
}
void PenTracker::uninstall() {
  installed_ = false;
}
#endif

}  // namespace smp::platform
