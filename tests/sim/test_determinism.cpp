// Determinism contract (docs/architecture.md, "Determinism"): replays rebuild bit-identical
// impressions and reports, live and replayed runs agree, and the committed demo sessions replay
// to their golden hashes. A changed golden hash means the needle model, the skin, the scenario or
// the simulation rules changed: update the constant deliberately and say so in docs/CHANGELOG.md.
#include <bit>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "smp/sim/simulation.h"

namespace smp::sim {
namespace {

const std::string kRoot = SMP_SOURCE_DIR;

struct Demo {
  const char* session;   // under assets/sessions/
  const char* scenario;  // under scenarios/
  const char* golden_impressions_sha256;
};

// Golden replay hashes of the committed demo sessions (see docs/CHANGELOG.md before changing).
const Demo kDemos[] = {
    {"frontal-hairline-expert.session.json", "frontal-hairline.json",
     "2339068486426ab21f98e8704c0aff9d9926be7761dd305941386ce538c59d86"},
    {"frontal-hairline-novice.session.json", "frontal-hairline.json",
     "17540ae7c993fb43f2acd2d29b7a4369c72a0a1b640b121f92189ddfc46e1dad"},
    {"strip-scar-expert.session.json", "strip-scar.json",
     "d7ad125a2d8cadb28a21de4ce78806679b261961835d16dc4c74e3ddd954b9f5"},
    {"diffuse-thinning-expert.session.json", "diffuse-thinning.json",
     "6107c291539fbdfc891d33509e0c075940382cdec96f1b7c439eee99d93a511f"},
    {"hairline-assessment-novice.session.json", "hairline-assessment.json",
     "dbd36ae5427c006b580cf1efe7bb7311a1540bec3b1b4387528dbf098af942e8"},
    {"frontal-hairline-interchange.session.json", "frontal-hairline.json",
     "7611e9c2f956fe560f9f24c8cae73717be143cc4603976a678a9b8c9a4733eae"},
};

bool bits_equal(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

void expect_same_report(const ScoreReport& a, const ScoreReport& b) {
  EXPECT_TRUE(bits_equal(a.overall, b.overall)) << a.overall << " vs " << b.overall;
  EXPECT_EQ(a.passed, b.passed);
  EXPECT_EQ(a.impression_count, b.impression_count);
  ASSERT_EQ(a.criteria.size(), b.criteria.size());
  for (std::size_t i = 0; i < a.criteria.size(); ++i) {
    const auto &x = a.criteria[i], &y = b.criteria[i];
    EXPECT_EQ(x.key, y.key);
    EXPECT_TRUE(bits_equal(x.score, y.score)) << x.key;
    EXPECT_EQ(x.passed, y.passed);
    EXPECT_EQ(x.explanation, y.explanation);
    ASSERT_EQ(x.metrics.size(), y.metrics.size());
    for (std::size_t m = 0; m < x.metrics.size(); ++m) {
      EXPECT_EQ(x.metrics[m].first, y.metrics[m].first);
      EXPECT_TRUE(bits_equal(x.metrics[m].second, y.metrics[m].second)) << x.metrics[m].first;
    }
  }
  ASSERT_EQ(a.critical_errors.size(), b.critical_errors.size());
  for (std::size_t i = 0; i < a.critical_errors.size(); ++i) {
    EXPECT_EQ(a.critical_errors[i].code, b.critical_errors[i].code);
    EXPECT_EQ(a.critical_errors[i].impression_id, b.critical_errors[i].impression_id);
    EXPECT_EQ(a.critical_errors[i].message, b.critical_errors[i].message);
  }
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (std::size_t i = 0; i < a.findings.size(); ++i) {
    EXPECT_EQ(a.findings[i].code, b.findings[i].code);
    EXPECT_EQ(a.findings[i].impression_id, b.findings[i].impression_id);
    EXPECT_EQ(a.findings[i].message, b.findings[i].message);
    EXPECT_TRUE(bits_equal(a.findings[i].severity, b.findings[i].severity));
    EXPECT_EQ(a.findings[i].pos, b.findings[i].pos);
  }
}

struct Loaded {
  Scenario scenario;
  PigmentCatalogue catalogue;
  Session session;
};

Loaded load(const Demo& d) {
  auto sc = load_scenario_file(kRoot + "/scenarios/" + d.scenario);
  auto cat = PigmentCatalogue::load_default();
  auto se = load_session_file(kRoot + "/assets/sessions/" + d.session);
  if (!sc.ok()) ADD_FAILURE() << sc.errors()[0].to_string();
  if (!cat.ok()) ADD_FAILURE() << cat.errors()[0].to_string();
  if (!se.ok()) ADD_FAILURE() << se.errors()[0].to_string();
  if (!sc.ok() || !cat.ok() || !se.ok()) return {};
  return {std::move(sc).value(), std::move(cat).value(), std::move(se).value()};
}

TEST(Determinism, GoldenReplayHashesOfTheDemoSessions) {
  for (const Demo& d : kDemos) {
    SCOPED_TRACE(d.session);
    const Loaded l = load(d);
    ASSERT_FALSE(l.scenario.id.empty());
    auto out = replay_session(l.session, l.scenario, l.catalogue);
    ASSERT_TRUE(out.ok()) << out.errors()[0].to_string();
    EXPECT_EQ(out->impressions_sha256, d.golden_impressions_sha256)
        << "the replay of a committed demo session changed: if intended, regenerate the demos "
           "(assets/sessions/README.md), update this hash and note it in docs/CHANGELOG.md";
    // The demo's own record (impressions and scores) must match too.
    if (l.session.recorded) {
      EXPECT_EQ(l.session.recorded->impressions_sha256, out->impressions_sha256);
      EXPECT_EQ(l.session.recorded->impression_count, out->impressions.size());
      EXPECT_TRUE(bits_equal(l.session.recorded->overall, out->report.overall));
    }
  }
}

TEST(Determinism, TwoReplaysInOneProcessAreBitIdentical) {
  for (const Demo& d : {kDemos[1], kDemos[5]}) {  // novice: drags, undo, tool change; interchange
    SCOPED_TRACE(d.session);
    const Loaded l = load(d);
    auto a = replay_session(l.session, l.scenario, l.catalogue);
    auto b = replay_session(l.session, l.scenario, l.catalogue);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->impressions.size(), b->impressions.size());
    for (std::size_t i = 0; i < a->impressions.size(); ++i) {
      const Impression &x = a->impressions[i], &y = b->impressions[i];
      ASSERT_TRUE(x == y && bits_equal(x.depth_mm, y.depth_mm) &&
                  bits_equal(x.fresh_diameter_mm, y.fresh_diameter_mm) &&
                  bits_equal(x.dose, y.dose))
          << "impression " << i;
    }
    EXPECT_EQ(a->impressions_sha256, b->impressions_sha256);
    expect_same_report(a->report, b->report);
  }
}

TEST(Determinism, LiveRunEqualsReplayAndBatchScoring) {
  const Loaded l = load(kDemos[1]);
  const Session& s = l.session;
  ASSERT_TRUE(s.initial_tool.has_value());
  // Live: events fed one at a time, as the trainer does, then the pen lifted at the end.
  Simulation live(l.scenario, l.catalogue, s.header.seed, *s.initial_tool);
  int net = 0;
  for (const SessionEvent& e : s.events) net += live.apply(e);
  StylusSample lift;
  lift.t_s = live.last_event_time_s();
  net += live.apply(lift);
  EXPECT_EQ(net, static_cast<int>(live.impressions().size()));
  auto replay = replay_session(s, l.scenario, l.catalogue);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(impressions_hash(live.impressions()), replay->impressions_sha256);
  expect_same_report(live.scorer().report(), replay->report);
  // Incremental scoring (with undos on the way) equals scoring the final set in one batch.
  expect_same_report(score_batch(l.scenario, l.catalogue, replay->impressions), replay->report);
}

TEST(Determinism, SerializedLogReplaysIdentically) {
  const Loaded l = load(kDemos[1]);
  auto reparsed = parse_session(serialize_session(l.session), "<memory>");
  ASSERT_TRUE(reparsed.ok());
  auto a = replay_session(l.session, l.scenario, l.catalogue);
  auto b = replay_session(reparsed.value(), l.scenario, l.catalogue);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->impressions_sha256, b->impressions_sha256);
}

TEST(Determinism, JitterMappingIsExactAndCoversMinusOneToOne) {
  // The documented mapping: top 53 bits u of one mt19937_64 draw, jitter = u * 2^-52 - 1.
  // std::mt19937_64 is fully specified: its 10000th output from the default seed is fixed by the
  // standard ([rand.predef]), so the stream, and with it every jitter, is the same everywhere.
  std::mt19937_64 g;
  g.discard(9999);
  EXPECT_EQ(g(), 9981545732273789042ull);
  const double lo = static_cast<double>(0ull) * 0x1.0p-52 - 1.0;
  const double hi = static_cast<double>((~0ull) >> 11) * 0x1.0p-52 - 1.0;
  EXPECT_EQ(lo, -1.0);
  EXPECT_EQ(hi, 1.0 - 0x1.0p-52);
}

}  // namespace
}  // namespace smp::sim
