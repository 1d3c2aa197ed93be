// The scenario's optional "pass_rules" block (docs/scenario-format.md, "Pass rules"): read by
// the scenario loader, kept apart from it so the rules' format lives beside their meaning.
// Internal to engine/sim.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "smp/sim/pass_rules.h"

namespace smp::sim::detail {

// Reads `j` (found at JSON Pointer `pointer`) into `out`, keeping the defaults for keys it does
// not give; reports every problem through `error(pointer, message)`.
void read_pass_rules(const nlohmann::json& j, const std::string& pointer, PassRules& out,
                     const std::function<void(std::string, std::string)>& error);

}  // namespace smp::sim::detail
