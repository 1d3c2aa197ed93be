// `smp`: headless command line for instructors and academies. Subcommands live in cmd_*.cpp.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "command.h"

namespace smp::cli {
namespace {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace

bool register_command(const Command& c) {
  registry().push_back(c);
  return true;
}
}  // namespace smp::cli

namespace {
void print_help() {
  std::printf(
      "smp - SMP Trainer command line (%s)\n\n"
      "Usage: smp <command> [options]\n       smp <command> --help\n\nCommands:\n",
      SMP_VERSION_STRING);
  auto cmds = smp::cli::registry();
  std::sort(cmds.begin(), cmds.end(),
            [](const auto& a, const auto& b) { return std::strcmp(a.name, b.name) < 0; });
  for (const auto& c : cmds) std::printf("  %-13s %s\n", c.name, c.summary);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    print_help();
    return argc < 2 ? smp::cli::kExitUsage : smp::cli::kExitOk;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("%s\n", SMP_VERSION_STRING);
    return 0;
  }
  for (const auto& c : smp::cli::registry()) {
    if (std::strcmp(c.name, argv[1]) == 0) {
      std::vector<std::string> args(argv + 2, argv + argc);
      return c.run(args);
    }
  }
  std::fprintf(stderr, "smp: unknown command '%s' (see 'smp --help')\n", argv[1]);
  return smp::cli::kExitUsage;
}
