// smp-trainer's main loop: wires platform (window, input), physics (picking), render, ui and the
// simulation + session log. Owns nothing but the wiring and the attempt's lifecycle.
#pragma once
#include "options.h"

namespace smp::app {

// Runs the trainer; returns the process exit code (options.h). Never throws.
int run_trainer(const Options& opt);

}  // namespace smp::app
