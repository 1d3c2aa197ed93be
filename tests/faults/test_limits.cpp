// Oversized inputs against the documented limits (docs/limits.md): each is refused with a message
// naming the JSON Pointer, and work that could grow without bound stays bounded.
#include <malloc.h>

#include <nlohmann/json.hpp>
#include <string>

#include <gtest/gtest.h>

#include "fault_support.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"
#include "smp/sim/session.h"
#include "smp/sim/simulation.h"

namespace smp::faults {
namespace {

const sim::Scenario& frontal() {
  static const sim::Scenario s =
      sim::load_scenario_file(std::string(SMP_SOURCE_DIR) + "/scenarios/frontal-hairline.json")
          .value();
  return s;
}
const sim::PigmentCatalogue& catalogue() {
  static const sim::PigmentCatalogue c =
      sim::PigmentCatalogue::load_file(std::string(SMP_SOURCE_DIR) + "/assets/pigments.json")
          .value();
  return c;
}

bool has_error(const std::vector<sim::Error>& errors, const std::string& pointer,
               const std::string& words) {
  for (const auto& e : errors)
    if (e.pointer == pointer && e.message.find(words) != std::string::npos) return true;
  return false;
}

std::string dump(const std::vector<sim::Error>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

TEST(Limits, InterchangeImpressionsOverTheSessionLimitAreRefusedBeforeParsingEach) {
  std::string text = R"({"schema":"smp-session/1","scenario_id":"frontal-hairline","events":[],)"
                     R"("impressions":[)";
  for (std::size_t i = 0; i <= sim::kMaxSessionImpressions; ++i) text += i ? ",0" : "0";
  text += "]}";
  const auto r = sim::parse_session(text, "big.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r.errors(), "/impressions", "500001 impressions, at most 500000"))
      << dump(r.errors());
  EXPECT_EQ(r.errors().size(), 1u) << "one message, not half a million";
}

TEST(Limits, AStylusLogThatWouldPlaceTooManyImpressionsStopsWithAClearError) {
  // 1400 rows of 140 mm, 0.95 s each, pen down throughout, machine at 400 Hz: every stroke has
  // moved more than the 0.2 mm footprint, so the log asks for about 530,000 impressions.
  sim::Session s;
  s.header.scenario_id = "frontal-hairline";
  sim::ToolState tool;
  tool.needle.id = "1RL";
  tool.machine.frequency_hz = 400.0;
  tool.pigment = "smp-grey-2";
  s.initial_tool = tool;
  for (int row = 0; row < 1400; ++row) {
    const double y = -35.0 + 0.15 * row;
    for (int end = 0; end < 2; ++end) {
      sim::StylusSample p;
      p.t_s = 1.0 * row + 0.95 * end;
      p.pos = {(row + end) % 2 == 0 ? -70.0 : 70.0, y};
      p.pressure = 0.5;
      p.down = true;
      s.events.emplace_back(p);
    }
  }
  const auto r = sim::replay_session(s, frontal(), catalogue());
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors().size(), 1u);
  EXPECT_EQ(r.errors()[0].pointer.rfind("/events/", 0), 0u) << r.errors()[0].pointer;
  EXPECT_NE(r.errors()[0].message.find("more than 500000 impressions"), std::string::npos)
      << dump(r.errors());
}

TEST(Limits, PigmentIdsInSessionsAreBounded) {
  const std::string id(65, 'p');
  const std::string text =
      R"({"schema":"smp-session/1","scenario_id":"frontal-hairline","initial_tool":)"
      R"({"needle":"1RL","protrusion_mm":1,"frequency_hz":120,"pigment":")" +
      id + R"(","dilution":0},"events":[],"impressions":[{"x_mm":0,"y_mm":10,"depth_mm":0.3,)"
      R"("needle":"1RL","pigment":")" + id + R"(","dilution":0,"t_s":0}]})";
  const auto r = sim::parse_session(text, "long.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r.errors(), "/initial_tool/pigment", "65 characters, at most 64"))
      << dump(r.errors());
  EXPECT_TRUE(has_error(r.errors(), "/impressions/0/pigment", "65 characters, at most 64"))
      << dump(r.errors());
}

TEST(Limits, DotsPiledOnOneSpotKeepTheScorerLinearInMemory) {
  // Every dot touches every earlier one: 20,000 dots make 200 million touching pairs. The scorer
  // counts them but must not store a record per pair (that was ~4.8 GB before the fix).
  constexpr std::size_t kDots = 20000;
  malloc_trim(0);
  const std::size_t before = mallinfo2().uordblks;
  sim::Scorer scorer(frontal(), catalogue());
  for (std::size_t i = 0; i < kDots; ++i) {
    sim::Impression imp;
    imp.id = static_cast<std::uint32_t>(i);
    imp.pos = {0.01 * static_cast<double>(i % 7), 15.0 + 0.01 * static_cast<double>(i % 5)};
    imp.depth_mm = 0.3;
    imp.pigment = "smp-grey-2";
    scorer.add(imp);
  }
  const double held_mb = static_cast<double>(mallinfo2().uordblks - before) / 1e6;
  EXPECT_LT(held_mb, 60.0) << "scorer memory for " << kDots << " stacked dots";
  const auto rep = scorer.report();
  double pairs = -1;
  for (const auto& c : rep.criteria)
    for (const auto& [name, v] : c.metrics)
      if (name == "touching_pairs") pairs = v;
  EXPECT_EQ(pairs, static_cast<double>(kDots) * (kDots - 1) / 2);
  // And undo brings it back exactly.
  for (std::size_t i = 0; i < kDots - 1; ++i) scorer.pop_back();
  const auto one = scorer.report();
  for (const auto& c : one.criteria) {
    for (const auto& [name, v] : c.metrics) {
      if (name == "touching_pairs") {
        EXPECT_EQ(v, 0.0);
      }
    }
  }
}

nlohmann::json shipped_scenario_json(const std::string& name) {
  return nlohmann::json::parse(read_file(std::string(SMP_SOURCE_DIR) + "/scenarios/" + name));
}

TEST(Limits, ScenarioStringsOverTheirLimitsAreRefused) {
  auto j = shipped_scenario_json("frontal-hairline.json");
  j["id"] = std::string(65, 'a');
  j["title"] = std::string(121, 't');
  j["description"] = std::string(8001, 'd');
  const auto r = sim::parse_scenario(j.dump(), "long.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r.errors(), "/id", "at most 64")) << dump(r.errors());
  EXPECT_TRUE(has_error(r.errors(), "/title", "at most 120")) << dump(r.errors());
  EXPECT_TRUE(has_error(r.errors(), "/description", "at most 8000")) << dump(r.errors());
}

TEST(Limits, MoreThan200000ExistingHairsAreRefused) {
  auto j = shipped_scenario_json("crown-among-hairs.json");
  nlohmann::json pts = nlohmann::json::array();
  for (int i = 0; i <= 200000; ++i) pts.push_back({-20.0 + (i % 400) * 0.1, 60.0 + (i / 400) * 0.1});
  j["patient"]["existing_hairs"] = {{"positions_mm", pts}};
  const std::string text = j.dump();
  ASSERT_LT(text.size(), sim::kMaxScenarioBytes) << "the file itself must be within its limit";
  const auto r = sim::parse_scenario(text, "hairy.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r.errors(), "/patient/existing_hairs/positions_mm", "200000"))
      << dump(r.errors());
}

TEST(Limits, SessionValuesOutsideTheirBoundsAreRefusedWithTheirPointers) {
  const std::string text =
      R"({"schema":"smp-session/1","scenario_id":"frontal-hairline","events":[)"
      R"([0,1001,0,0.5,0,0,1],[86401,0,0,0.5,0,0,1],{"t_s":86400,"undo":1000001}],)"
      R"("impressions":[{"x_mm":0,"y_mm":10,"depth_mm":20.5,"needle":"1RL",)"
      R"("pigment":"smp-grey-2","dilution":0,"t_s":0}]})";
  const auto r = sim::parse_session(text, "bounds.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r.errors(), "/events/0/1", "outside")) << dump(r.errors());
  EXPECT_TRUE(has_error(r.errors(), "/events/1/0", "outside")) << dump(r.errors());
  EXPECT_TRUE(has_error(r.errors(), "/events/2/undo", "outside")) << dump(r.errors());
  EXPECT_TRUE(has_error(r.errors(), "/impressions/0/depth_mm", "outside")) << dump(r.errors());
}

}  // namespace
}  // namespace smp::faults
