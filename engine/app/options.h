// smp-trainer's command line (docs/user-guide-trainee.md, "Command line").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smp/sim/result.h"

namespace smp::app {

enum class ResumeChoice { kAsk, kResume, kNoResume };

struct Options {
  std::string scenario;  // empty: the default scenario
  bool scenario_given = false;
  std::string session;  // empty: the default autosave path for the scenario
  std::string replay;   // session file to replay
  std::string script;   // headless script
  ResumeChoice resume = ResumeChoice::kAsk;
  std::optional<std::int64_t> frames;  // run this many frames, then exit (headless)
  std::string screenshot;              // PNG written after the last frame
  int width = 1280, height = 800;
  std::string trainee;
  std::optional<std::uint64_t> seed;
  double autosave_s = 5.0;       // at most 5 s between autosaves (never more)
  std::optional<double> months;  // time-lapse view to start in (0 fresh, 1 healed, 6..60)
  bool help = false, version = false;
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;
inline constexpr int kExitUsage = 64;

// Parses argv (without argv[0]). Errors name the option.
sim::Result<Options> parse_options(const std::vector<std::string>& args);
const char* usage_text();

}  // namespace smp::app
