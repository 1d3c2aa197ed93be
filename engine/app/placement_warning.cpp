#include "placement_warning.h"

#include <algorithm>
#include <cstdint>

namespace smp::app {

std::string placement_warning(const sim::Scorer& scorer, std::size_t from, std::size_t to) {
  std::size_t count = 0;
  for (std::size_t i = from; i < std::min(to, scorer.size()); ++i)
    count += scorer.dot_feedback(static_cast<std::uint32_t>(i)).placement == sim::Placement::kAvoid;
  if (count == 0) return {};
  return count == 1
             ? "a dot went into an area to avoid (red ring): keep off it."
             : std::to_string(count) + " dots went into an area to avoid (red rings): keep off it.";
}

}  // namespace smp::app
