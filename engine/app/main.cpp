// smp-trainer: the real-time SMP trainer (docs/user-guide-trainee.md).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "options.h"
#include "trainer.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opt = smp::app::parse_options(args);
  if (!opt.ok()) {
    for (const auto& e : opt.errors()) std::fprintf(stderr, "smp-trainer: %s\n", e.message.c_str());
    std::fprintf(stderr, "%s", smp::app::usage_text());
    return smp::app::kExitUsage;
  }
  if (opt->help) {
    std::printf("smp-trainer - real-time scalp micropigmentation trainer\n\n%s",
                smp::app::usage_text());
    return smp::app::kExitOk;
  }
  if (opt->version) {
    std::printf("%s\n", SMP_VERSION_STRING);
    return smp::app::kExitOk;
  }
  try {
    return smp::app::run_trainer(opt.value());
  } catch (const std::exception& e) {
    // Last line of defence: a bug must not lose the trainee's work silently.
    std::fprintf(stderr, "smp-trainer: internal error: %s\n", e.what());
    return 70;
  }
}
