#include "smp/sim/result.h"

namespace smp::sim {

std::string Error::to_string() const {
  std::string out = file;
  out += ": ";
  if (!pointer.empty()) {
    out += pointer;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace smp::sim
