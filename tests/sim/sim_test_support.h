// Fixtures shared by the sim suites: the default pigment catalogue and shipped scenarios, loaded
// once or failing the test binary loudly (a missing asset is a broken checkout, not a test result).
#pragma once
#include <stdexcept>
#include <string>

#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"

namespace smp::sim::test {

inline const PigmentCatalogue& catalogue() {
  static const PigmentCatalogue cat = [] {
    auto r = PigmentCatalogue::load_default();
    if (!r.ok()) throw std::runtime_error("pigment catalogue: " + r.errors().front().to_string());
    return r.value();
  }();
  return cat;
}

// `path` relative to the source tree, e.g. "scenarios/frontal-hairline.json".
inline Scenario load_scenario(const std::string& path) {
  auto r = load_scenario_file(std::string(SMP_SOURCE_DIR) + "/" + path);
  if (!r.ok()) throw std::runtime_error(path + ": " + r.errors().front().to_string());
  return std::move(r).value();
}

}  // namespace smp::sim::test
