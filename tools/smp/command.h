// The `smp` command line: each subcommand registers itself from its own cmd_*.cpp file.
#pragma once
#include <string>
#include <vector>

namespace smp::cli {

// Exit codes shared by all subcommands (a subcommand may document more, e.g. `verify`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // invalid / unusable input, or a failed check
inline constexpr int kExitUsage = 64;   // bad command-line usage

using CommandFn = int (*)(const std::vector<std::string>& args);  // args exclude "smp <name>"

struct Command {
  const char* name;     // e.g. "score" or "xapi"
  const char* summary;  // one line for `smp --help`
  CommandFn run;
};

// Called from a static object in each cmd_*.cpp: `static const bool reg = register_command({...});`
bool register_command(const Command& c);

}  // namespace smp::cli
