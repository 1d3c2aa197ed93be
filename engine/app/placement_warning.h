// The live warning for dots placed where they should not be but that are no critical error
// (avoid regions: a freckle, a mole): one banner the moment it happens (issue 10, section 3).
#pragma once
#include <cstddef>
#include <string>

#include "smp/sim/scoring.h"

namespace smp::app {

// The banner text when one of the impressions [from, to) lies in an avoid region (their rings
// take the critical colour, sim::ring_status), else empty. From the scorer's own verdict
// (Scorer::dot_feedback), so the warning and the score agree.
std::string placement_warning(const sim::Scorer& scorer, std::size_t from, std::size_t to);

}  // namespace smp::app
