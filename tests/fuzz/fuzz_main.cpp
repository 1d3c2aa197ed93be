// libFuzzer entry point; SMP_FUZZ_TARGET names the body (fuzz_targets.h) this program runs.
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return smp::fuzz::SMP_FUZZ_TARGET(data, size);
}
