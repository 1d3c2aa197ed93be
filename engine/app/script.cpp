// smp-script/1 parsing (every error with file + JSON Pointer) and playback as SDL events.
#include "script.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace smp::app {
namespace {

using Json = nlohmann::json;
constexpr std::string_view kSchema = "smp-script/1";
constexpr std::size_t kMaxEvents = 200000;
constexpr std::size_t kMaxPathPoints = 10000;
constexpr std::int64_t kMaxFrame = 100000000;  // ~19 days at 60 fps
constexpr int kMaxStrokeFrames = 1000000;
constexpr double kMaxCoordMm = 1000.0;
constexpr double kMaxCoordPx = 100000.0;

class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}
  void error(const std::string& ptr, std::string msg) {
    if (errors_.size() < 100) errors_.push_back({file_, ptr, std::move(msg)});
  }
  std::vector<sim::Error> take() { return std::move(errors_); }
  bool failed() const { return !errors_.empty(); }

  std::optional<double> number(const Json& j, const std::string& ptr, double lo, double hi) {
    if (!j.is_number()) {
      error(ptr, "expected a number");
      return std::nullopt;
    }
    const double v = j.get<double>();
    if (!std::isfinite(v) || v < lo || v > hi) {
      std::ostringstream ss;
      ss << "must be between " << lo << " and " << hi << " (got " << v << ")";
      error(ptr, ss.str());
      return std::nullopt;
    }
    return v;
  }
  std::optional<std::int64_t> integer(const Json& j, const std::string& ptr, std::int64_t lo,
                                      std::int64_t hi) {
    if (!j.is_number_integer()) {
      error(ptr, "expected a whole number");
      return std::nullopt;
    }
    const std::int64_t v = j.get<std::int64_t>();
    if (v < lo || v > hi) {
      error(ptr, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
                     std::to_string(v) + ")");
      return std::nullopt;
    }
    return v;
  }
  std::optional<std::string> string(const Json& j, const std::string& ptr) {
    if (!j.is_string()) {
      error(ptr, "expected a string");
      return std::nullopt;
    }
    return j.get<std::string>();
  }
  std::optional<bool> boolean(const Json& j, const std::string& ptr) {
    if (!j.is_boolean()) {
      error(ptr, "expected true or false");
      return std::nullopt;
    }
    return j.get<bool>();
  }
  std::optional<ScriptPoint> point(const Json& j, const std::string& ptr, bool mm) {
    if (!j.is_array() || j.size() != 2) {
      error(ptr, mm ? "expected [x_mm, y_mm]" : "expected [x_px, y_px]");
      return std::nullopt;
    }
    const double lim = mm ? kMaxCoordMm : kMaxCoordPx;
    auto x = number(j[0], ptr + "/0", mm ? -lim : 0.0, lim);
    auto y = number(j[1], ptr + "/1", mm ? -lim : 0.0, lim);
    if (!x || !y) return std::nullopt;
    return ScriptPoint{mm, *x, *y};
  }

 private:
  std::string file_;
  std::vector<sim::Error> errors_;
};

void check_keys(Checker& c, const Json& obj, const std::string& ptr,
                std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::none_of(allowed.begin(), allowed.end(),
                     [&](const char* k) { return it.key() == k; })) {
      c.error(ptr + "/" + it.key(), "unknown field '" + it.key() + "'");
    }
  }
}

void parse_stroke(Checker& c, const Json& e, const std::string& ptr, bool tap, ScriptEvent& ev) {
  ScriptStroke& s = ev.stroke;
  s.tap = tap;
  check_keys(c, e, ptr,
             {"frame", "type", "at_mm", "at_px", "path_mm", "path_px", "hold_frames", "frames",
              "pressure", "device"});
  if (tap) {
    const bool mm = e.contains("at_mm"), px = e.contains("at_px");
    if (mm == px) {
      c.error(ptr, "a tap needs exactly one of \"at_mm\" or \"at_px\"");
    } else if (auto p = c.point(e[mm ? "at_mm" : "at_px"], ptr + (mm ? "/at_mm" : "/at_px"), mm)) {
      s.path.push_back(*p);
    }
    s.frames = 1;
    if (e.contains("hold_frames")) {
      if (auto v = c.integer(e["hold_frames"], ptr + "/hold_frames", 1, kMaxStrokeFrames)) {
        s.frames = static_cast<int>(*v);
      }
    }
  } else {
    const bool mm = e.contains("path_mm"), px = e.contains("path_px");
    const std::string key = mm ? "path_mm" : "path_px";
    if (mm == px) {
      c.error(ptr, "a drag needs exactly one of \"path_mm\" or \"path_px\"");
    } else if (!e[key].is_array() || e[key].size() < 2 || e[key].size() > kMaxPathPoints) {
      c.error(ptr + "/" + key,
              "expected an array of 2 to " + std::to_string(kMaxPathPoints) + " points");
    } else {
      for (std::size_t i = 0; i < e[key].size(); ++i) {
        if (auto p = c.point(e[key][i], ptr + "/" + key + "/" + std::to_string(i), mm)) {
          s.path.push_back(*p);
        }
      }
    }
    if (!e.contains("frames")) {
      c.error(ptr, "a drag needs \"frames\" (how many frames from the first to the last point)");
    } else if (auto v = c.integer(e["frames"], ptr + "/frames", 1, kMaxStrokeFrames)) {
      s.frames = static_cast<int>(*v);
    }
  }
  if (e.contains("pressure")) {
    if (auto v = c.number(e["pressure"], ptr + "/pressure", 0.0, 1.0)) s.pressure = *v;
  }
  if (e.contains("device")) {
    if (auto d = c.string(e["device"], ptr + "/device")) {
      if (*d == "mouse") {
        s.device = ScriptDevice::kMouse;
      } else if (*d == "touch") {
        s.device = ScriptDevice::kTouch;
      } else {
        c.error(ptr + "/device", "must be \"mouse\" or \"touch\" (got \"" + *d + "\")");
      }
    }
  }
}

}  // namespace

std::int64_t Script::last_frame() const {
  std::int64_t last = 0;
  for (const auto& e : events) {
    const std::int64_t end = e.kind == ScriptKind::kStroke ? e.frame + e.stroke.frames : e.frame;
    last = std::max(last, end);
  }
  return last;
}

sim::Result<Script> parse_script(std::string_view json_text, const std::string& file_label) {
  Checker c(file_label);
  if (json_text.size() > kMaxScriptBytes) {
    return sim::Result<Script>::fail(
        {file_label, "", "file is larger than " + std::to_string(kMaxScriptBytes >> 20) + " MiB"});
  }
  Json root;
  try {
    root = Json::parse(json_text);
  } catch (const Json::parse_error& e) {
    return sim::Result<Script>::fail({file_label, "", std::string("not valid JSON: ") + e.what()});
  }
  if (!root.is_object()) return sim::Result<Script>::fail({file_label, "", "expected an object"});
  Script script;
  check_keys(c, root, "", {"schema", "fps", "events", "description"});
  if (!root.contains("schema") || !root["schema"].is_string() || root["schema"] != kSchema) {
    c.error("/schema", "must be \"" + std::string(kSchema) + "\"");
  }
  if (root.contains("fps")) {
    if (auto v = c.number(root["fps"], "/fps", 10.0, 240.0)) script.fps = *v;
  }
  if (!root.contains("events") || !root["events"].is_array()) {
    c.error("/events", "expected an array of events");
    return c.take();
  }
  const Json& evs = root["events"];
  if (evs.size() > kMaxEvents) {
    c.error("/events", "more than " + std::to_string(kMaxEvents) + " events");
    return c.take();
  }
  for (std::size_t i = 0; i < evs.size(); ++i) {
    const std::string ptr = "/events/" + std::to_string(i);
    const Json& e = evs[i];
    if (!e.is_object()) {
      c.error(ptr, "expected an object");
      continue;
    }
    ScriptEvent ev;
    ev.pointer = ptr;
    if (!e.contains("frame")) {
      c.error(ptr, "missing \"frame\"");
    } else if (auto f = c.integer(e["frame"], ptr + "/frame", 0, kMaxFrame)) {
      ev.frame = *f;
    }
    auto type = e.contains("type") ? c.string(e["type"], ptr + "/type") : std::nullopt;
    if (!e.contains("type")) c.error(ptr, "missing \"type\"");
    if (!type) continue;
    if (*type == "tap" || *type == "drag") {
      ev.kind = ScriptKind::kStroke;
      parse_stroke(c, e, ptr, *type == "tap", ev);
    } else if (*type == "tool") {
      ev.kind = ScriptKind::kTool;
      check_keys(
          c, e, ptr,
          {"frame", "type", "needle", "pigment", "dilution", "protrusion_mm", "frequency_hz"});
      if (e.contains("needle")) ev.tool.needle = c.string(e["needle"], ptr + "/needle");
      if (e.contains("pigment")) ev.tool.pigment = c.string(e["pigment"], ptr + "/pigment");
      if (e.contains("dilution"))
        ev.tool.dilution = c.number(e["dilution"], ptr + "/dilution", 0, 1);
      if (e.contains("protrusion_mm")) {
        ev.tool.protrusion_mm = c.number(e["protrusion_mm"], ptr + "/protrusion_mm", 0.1, 4.0);
      }
      if (e.contains("frequency_hz")) {
        ev.tool.frequency_hz = c.number(e["frequency_hz"], ptr + "/frequency_hz", 20.0, 250.0);
      }
    } else if (*type == "undo") {
      ev.kind = ScriptKind::kUndo;
      check_keys(c, e, ptr, {"frame", "type"});
    } else if (*type == "finish") {
      ev.kind = ScriptKind::kFinish;
      check_keys(c, e, ptr, {"frame", "type"});
    } else if (*type == "view") {
      ev.kind = ScriptKind::kView;
      check_keys(c, e, ptr,
                 {"frame", "type", "months", "heat_map", "cross_section", "regions", "hairline"});
      if (e.contains("months")) ev.view.months = c.number(e["months"], ptr + "/months", 0, 600);
      if (e.contains("heat_map")) {
        ev.view.heat_map = c.string(e["heat_map"], ptr + "/heat_map");
        const auto& h = ev.view.heat_map;
        if (h && *h != "none" && *h != "depth_error" && *h != "density" && *h != "blur_risk") {
          c.error(ptr + "/heat_map",
                  "must be none, depth_error, density or blur_risk (got \"" + *h + "\")");
        }
      }
      if (e.contains("cross_section")) {
        ev.view.cross_section = c.boolean(e["cross_section"], ptr + "/cross_section");
      }
      if (e.contains("regions")) ev.view.regions = c.boolean(e["regions"], ptr + "/regions");
      if (e.contains("hairline")) ev.view.hairline = c.boolean(e["hairline"], ptr + "/hairline");
    } else {
      c.error(ptr + "/type",
              "unknown event type \"" + *type + "\" (tap, drag, tool, undo, view, finish)");
      continue;
    }
    script.events.push_back(std::move(ev));
  }
  std::stable_sort(script.events.begin(), script.events.end(),
                   [](const ScriptEvent& a, const ScriptEvent& b) { return a.frame < b.frame; });
  // One hand: a mouse stroke may not start while another mouse stroke is still down.
  std::int64_t mouse_busy_until = -1;
  std::string busy_ptr;
  for (const auto& ev : script.events) {
    if (ev.kind != ScriptKind::kStroke || ev.stroke.device != ScriptDevice::kMouse) continue;
    if (ev.frame <= mouse_busy_until) {
      c.error(ev.pointer + "/frame", "starts while the mouse stroke at " + busy_ptr +
                                         " is still down (until frame " +
                                         std::to_string(mouse_busy_until) + ")");
    }
    mouse_busy_until = ev.frame + ev.stroke.frames;
    busy_ptr = ev.pointer;
  }
  if (c.failed()) return c.take();
  return script;
}

sim::Result<Script> load_script_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return sim::Result<Script>::fail({path, "", "no such file"});
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxScriptBytes) {
    return sim::Result<Script>::fail(
        {path, "", ec ? "cannot read the file" : "file is larger than 16 MiB"});
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return sim::Result<Script>::fail({path, "", "cannot open the file"});
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_script(ss.str(), path);
}

ScriptPoint point_along(const std::vector<ScriptPoint>& path, double u) {
  if (path.empty()) return {};
  if (path.size() == 1 || u <= 0.0) return path.front();
  double total = 0.0;
  for (std::size_t i = 1; i < path.size(); ++i) {
    total += std::hypot(path[i].x - path[i - 1].x, path[i].y - path[i - 1].y);
  }
  if (u >= 1.0 || total <= 0.0) return path.back();
  double want = u * total;
  for (std::size_t i = 1; i < path.size(); ++i) {
    const double seg = std::hypot(path[i].x - path[i - 1].x, path[i].y - path[i - 1].y);
    if (want <= seg && seg > 0.0) {
      const double f = want / seg;
      return {path[i].map_mm, path[i - 1].x + f * (path[i].x - path[i - 1].x),
              path[i - 1].y + f * (path[i].y - path[i - 1].y)};
    }
    want -= seg;
  }
  return path.back();
}

void ScriptPlayer::start_at(std::int64_t tick) {
  active_.clear();
  next_ = 0;
  while (next_ < script_->events.size() && script_->events[next_].frame < tick) ++next_;
}

bool ScriptPlayer::finished(std::int64_t tick) const {
  return next_ >= script_->events.size() && active_.empty() && tick > script_->last_frame();
}

std::optional<std::pair<double, double>> ScriptPlayer::locate(
    const ScriptPoint& p, const ScriptHost& host, const ScriptEvent& ev,
    std::vector<std::string>& problems) const {
  if (!p.map_mm) return std::make_pair(p.x, p.y);
  auto px = host.project ? host.project({p.x, p.y}) : std::nullopt;
  if (!px) {
    problems.push_back(ev.pointer + ": scalp point (" + std::to_string(p.x) + ", " +
                       std::to_string(p.y) +
                       ") mm is not visible on screen (off the work area, hidden, or under a "
                       "panel)");
  }
  return px;
}

namespace {
SDL_Event mouse_event(Uint32 type, double x, double y, double lx, double ly) {
  SDL_Event e{};
  e.type = type;
  if (type == SDL_MOUSEMOTION) {
    e.motion.x = static_cast<Sint32>(std::lround(x));
    e.motion.y = static_cast<Sint32>(std::lround(y));
    e.motion.xrel = static_cast<Sint32>(std::lround(x - lx));
    e.motion.yrel = static_cast<Sint32>(std::lround(y - ly));
    e.motion.state = SDL_BUTTON_LMASK;
  } else {
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.clicks = 1;
    e.button.x = static_cast<Sint32>(std::lround(x));
    e.button.y = static_cast<Sint32>(std::lround(y));
  }
  return e;
}
SDL_Event finger_event(Uint32 type, std::int64_t id, double x, double y, double pressure,
                       const ScriptHost& host) {
  SDL_Event e{};
  e.type = type;
  e.tfinger.touchId = 1;
  e.tfinger.fingerId = id;
  e.tfinger.x = static_cast<float>(x / std::max(1, host.window_w));
  e.tfinger.y = static_cast<float>(y / std::max(1, host.window_h));
  e.tfinger.pressure = static_cast<float>(pressure);
  return e;
}
}  // namespace

std::vector<SDL_Event> ScriptPlayer::events_for_tick(std::int64_t tick, const ScriptHost& host,
                                                     ScriptActions& actions,
                                                     std::vector<std::string>& problems) {
  std::vector<SDL_Event> out;
  // Strokes in progress first: their motion and lift belong to this tick.
  for (auto it = active_.begin(); it != active_.end();) {
    const ScriptEvent& ev = *it->ev;
    const ScriptStroke& s = ev.stroke;
    const std::int64_t k = tick - it->start;
    const bool last = k >= s.frames;
    const std::int64_t finger = (&ev - script_->events.data()) + 1;  // distinct per stroke
    std::pair<double, double> px = it->last_px;
    if (!s.tap) {
      const double u = std::min(1.0, static_cast<double>(k) / s.frames);
      if (auto p = locate(point_along(s.path, u), host, ev, problems)) px = *p;
      if (s.device == ScriptDevice::kMouse) {
        out.push_back(mouse_event(SDL_MOUSEMOTION, px.first, px.second, it->last_px.first,
                                  it->last_px.second));
      } else {
        out.push_back(
            finger_event(SDL_FINGERMOTION, finger, px.first, px.second, s.pressure, host));
      }
    }
    if (last) {
      if (s.device == ScriptDevice::kMouse) {
        out.push_back(mouse_event(SDL_MOUSEBUTTONUP, px.first, px.second, px.first, px.second));
      } else {
        out.push_back(finger_event(SDL_FINGERUP, finger, px.first, px.second, 0.0, host));
      }
      it = active_.erase(it);
    } else {
      it->last_px = px;
      ++it;
    }
  }
  while (next_ < script_->events.size() && script_->events[next_].frame <= tick) {
    const ScriptEvent& ev = script_->events[next_++];
    if (ev.kind != ScriptKind::kStroke) {
      actions.events.push_back(&ev);
      continue;
    }
    const ScriptStroke& s = ev.stroke;
    const ScriptPoint start = s.path.front();
    if (start.map_mm && host.focus) {
      double x0 = start.x, x1 = start.x, y0 = start.y, y1 = start.y;
      for (const auto& p : s.path) {
        x0 = std::min(x0, p.x);
        x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y);
        y1 = std::max(y1, p.y);
      }
      host.focus({0.5 * (x0 + x1), 0.5 * (y0 + y1)}, std::max(x1 - x0, y1 - y0));
    }
    auto px = locate(start, host, ev, problems);
    if (!px) continue;
    if (s.device == ScriptDevice::kMouse) {
      if (host.set_mouse_pressure) host.set_mouse_pressure(s.pressure);
      out.push_back(mouse_event(SDL_MOUSEBUTTONDOWN, px->first, px->second, px->first, px->second));
    } else {
      const std::int64_t finger = (&ev - script_->events.data()) + 1;
      out.push_back(finger_event(SDL_FINGERDOWN, finger, px->first, px->second, s.pressure, host));
    }
    active_.push_back({&ev, tick, *px});
  }
  return out;
}

}  // namespace smp::app
