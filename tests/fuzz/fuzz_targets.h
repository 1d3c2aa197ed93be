// Fuzz target bodies, shared by the libFuzzer programs (SMP_FUZZ) and the GoogleTest that replays
// tests/fuzz/regressions/<target>/ in every normal build (docs/performance.md, "Fuzzing").
// Each body returns 0 and aborts (std::abort) only when an invariant of the code under test breaks;
// bad input must give errors, never a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace smp::fuzz {

using TargetFn = int (*)(const std::uint8_t* data, std::size_t size);

struct Target {
  const char* name;  // also the directory name under tests/fuzz/regressions/
  TargetFn fn;
};

// Every target compiled into this binary (the report ones only when engine/report is built).
const std::vector<Target>& targets();

int scenario(const std::uint8_t* data, std::size_t size);  // parse_scenario + Scorer on it
int session(const std::uint8_t* data, std::size_t size);   // parse_session, serialize round trip
int replay(const std::uint8_t* data, std::size_t size);    // parse_session + replay + score
int pigments(const std::uint8_t* data, std::size_t size);  // PigmentCatalogue::parse + colours
#ifdef SMP_FUZZ_HAVE_REPORT
int report_verify(const std::uint8_t* data, std::size_t size);  // report.json + .sig -> verify
int report_inputs(const std::uint8_t* data, std::size_t size);  // key, trusted keys, academy, xAPI
#endif

// Where the shipped files live (scenarios/, assets/), for targets that need a fixed context.
std::string source_dir();

}  // namespace smp::fuzz
