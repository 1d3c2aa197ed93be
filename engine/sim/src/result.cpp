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

std::string json_pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace smp::sim
