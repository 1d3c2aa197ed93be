// The list of fuzz targets compiled into this binary.
#include "fuzz_targets.h"

namespace smp::fuzz {

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"scenario", &scenario},
      {"session", &session},
      {"replay", &replay},
      {"pigments", &pigments},
#ifdef SMP_FUZZ_HAVE_REPORT
      {"report_verify", &report_verify},
      {"report_inputs", &report_inputs},
#endif
  };
  return all;
}

}  // namespace smp::fuzz
