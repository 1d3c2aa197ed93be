// Replays every input the fuzzers ever crashed on (tests/fuzz/regressions/<target>/) and the
// seed corpus sources through the same target bodies, in every build: a fixed finding stays
// fixed, with or without clang and libFuzzer.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz_targets.h"

namespace smp::fuzz {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

int run(const Target& t, const std::string& bytes) {
  return t.fn(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

class FuzzRegressions : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzRegressions, EveryRecordedCrashInputIsHandled) {
  const Target& t = GetParam();
  const auto files = files_in(fs::path(SMP_SOURCE_DIR) / "tests/fuzz/regressions" / t.name);
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    EXPECT_EQ(run(t, read_all(f)), 0);  // a regression aborts the process instead
  }
}

TEST_P(FuzzRegressions, ShippedFilesPassTheTargetsInvariants) {
  // The seeds the fuzzers start from: they must exercise the accepting path, not only errors.
  const Target& t = GetParam();
  const fs::path src(SMP_SOURCE_DIR);
  std::vector<fs::path> seeds;
  const std::string name = t.name;
  if (name == "scenario") seeds = files_in(src / "scenarios");
  if (name == "session" || name == "replay") seeds = files_in(src / "assets/sessions");
  if (name == "pigments") seeds = {src / "assets/pigments.json"};
  for (const auto& f : seeds) {
    if (f.extension() != ".json") continue;
    SCOPED_TRACE(f.string());
    EXPECT_EQ(run(t, read_all(f)), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressions, ::testing::ValuesIn(targets()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(FuzzRegressionsTruncated, EveryPrefixOfAShippedFileIsHandled) {
  // Cheap systematic variants of what the fuzzers do: every 97th prefix of each seed kind.
  const fs::path src(SMP_SOURCE_DIR);
  const std::string scenario = read_all(src / "scenarios/frontal-hairline.json");
  const std::string session = read_all(src / "assets/sessions/frontal-hairline-interchange.json");
  const std::string pigments = read_all(src / "assets/pigments.json");
  for (std::size_t n = 0; n < scenario.size(); n += 97)
    EXPECT_EQ(smp::fuzz::scenario(reinterpret_cast<const std::uint8_t*>(scenario.data()), n), 0);
  for (std::size_t n = 0; n < session.size(); n += 97) {
    EXPECT_EQ(smp::fuzz::session(reinterpret_cast<const std::uint8_t*>(session.data()), n), 0);
    EXPECT_EQ(smp::fuzz::replay(reinterpret_cast<const std::uint8_t*>(session.data()), n), 0);
  }
  for (std::size_t n = 0; n < pigments.size(); n += 97)
    EXPECT_EQ(smp::fuzz::pigments(reinterpret_cast<const std::uint8_t*>(pigments.data()), n), 0);
}

}  // namespace
}  // namespace smp::fuzz
