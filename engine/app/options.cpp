#include "options.h"

#include <charconv>

namespace smp::app {
namespace {
template <class T>
bool parse_number(const std::string& s, T& out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}
}  // namespace

const char* usage_text() {
  return "Usage: smp-trainer [--scenario FILE] [--session FILE] [--replay FILE] [--script FILE]\n"
         "                   [--resume | --no-resume] [--frames N] [--screenshot OUT.png]\n"
         "                   [--width W --height H] [--trainee ID] [--seed N] [--autosave-s S]\n"
         "\n"
         "  --scenario FILE    scenario to open (default scenarios/frontal-hairline.json)\n"
         "  --session FILE     where the attempt is autosaved (default\n"
         "                     $XDG_STATE_HOME/smp-trainer/<scenario-id>.session.json)\n"
         "  --replay FILE      replay a recorded session (play/pause/scrub/speed)\n"
         "  --script FILE      feed scripted strokes (docs/script-format.md), then exit\n"
         "  --resume           continue an unfinished autosave without asking\n"
         "  --no-resume        start a new attempt (an unfinished autosave is kept aside)\n"
         "  --frames N         run N frames, then exit (headless runs)\n"
         "  --screenshot FILE  write a PNG of the last frame\n"
         "  --width W, --height H  window size in pixels (default 1280 x 800)\n"
         "  --trainee ID       trainee id written in the session (default $USER)\n"
         "  --seed N           simulation seed for a new attempt (default: 1 for scripts,\n"
         "                     random otherwise)\n"
         "  --autosave-s S     seconds between autosaves, 0.2 to 5 (default 5)\n"
         "  --months M         start in the time-lapse view nearest M months (0 fresh,\n"
         "                     1 healed, 6, 12, 24, 60)\n"
         "  --version, --help\n"
         "\n"
         "Exit codes: 0 ok, 1 bad input file (the message names the file and JSON Pointer),\n"
         "64 bad command line.\n";
}

sim::Result<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  auto fail = [](std::string msg) {
    return sim::Result<Options>::fail({"smp-trainer", "", std::move(msg)});
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--version") {
      o.version = true;
    } else if (a == "--resume") {
      if (o.resume == ResumeChoice::kNoResume) return fail("--resume and --no-resume conflict");
      o.resume = ResumeChoice::kResume;
    } else if (a == "--no-resume") {
      if (o.resume == ResumeChoice::kResume) return fail("--resume and --no-resume conflict");
      o.resume = ResumeChoice::kNoResume;
    } else if (a == "--scenario" || a == "--session" || a == "--replay" || a == "--script" ||
               a == "--screenshot" || a == "--trainee") {
      if (!value(v) || v.empty()) return fail(a + " needs a value");
      if (a == "--scenario") {
        o.scenario = v;
        o.scenario_given = true;
      } else if (a == "--session") {
        o.session = v;
      } else if (a == "--replay") {
        o.replay = v;
      } else if (a == "--script") {
        o.script = v;
      } else if (a == "--screenshot") {
        o.screenshot = v;
      } else {
        o.trainee = v;
      }
    } else if (a == "--frames") {
      std::int64_t n = 0;
      if (!value(v) || !parse_number(v, n) || n < 1 || n > 100000000) {
        return fail("--frames needs a whole number from 1 to 100000000");
      }
      o.frames = n;
    } else if (a == "--width" || a == "--height") {
      int n = 0;
      if (!value(v) || !parse_number(v, n) || n < 64 || n > 16384) {
        return fail(a + " needs a whole number of pixels from 64 to 16384");
      }
      (a == "--width" ? o.width : o.height) = n;
    } else if (a == "--seed") {
      std::uint64_t n = 0;
      if (!value(v) || !parse_number(v, n)) return fail("--seed needs a whole number >= 0");
      o.seed = n;
    } else if (a == "--autosave-s") {
      double s = 0;
      if (!value(v) || !parse_number(v, s) || !(s >= 0.2 && s <= 5.0)) {
        return fail("--autosave-s needs seconds from 0.2 to 5");
      }
      o.autosave_s = s;
    } else if (a == "--months") {
      double m = 0;
      if (!value(v) || !parse_number(v, m) || !(m >= 0.0 && m <= 600.0)) {
        return fail("--months needs a number of months from 0 to 600");
      }
      o.months = m;
    } else {
      return fail("unknown option '" + a + "' (see --help)");
    }
  }
  if (!o.replay.empty() && !o.script.empty()) return fail("--replay and --script conflict");
  if (!o.replay.empty() && !o.session.empty()) {
    return fail("--replay reads a session; --session names where a new attempt is saved");
  }
  return o;
}

}  // namespace smp::app
