// Session log: serialize/parse round trip, every malformed input located by JSON Pointer, atomic
// writes, and the documented impressions-hash layout.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "smp/sim/scenario.h"
#include "smp/sim/session.h"

namespace smp::sim {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& tag) {
  const fs::path d =
      fs::temp_directory_path() / ("smp-test-session-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// Doubles that stress shortest-round-trip printing: full-precision fractions, tiny, negative zero.
double awkward(std::mt19937_64& rng, double lo, double hi) {
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  switch (rng() % 6) {
    case 0:
      return lo;
    case 1:
      return std::nextafter(hi, lo);
    case 2:
      return lo == 0.0 ? -0.0 : lo + (hi - lo) / 3.0;
    default:
      return lo + (hi - lo) * u;
  }
}

ToolState tool(const std::string& needle, double diameter, double freq, const std::string& pigment,
               double dilution) {
  ToolState t;
  t.needle.id = needle;
  t.needle.needle_count = needle[0] - '0';
  t.needle.needle_diameter_mm = diameter;
  t.machine.frequency_hz = freq;
  t.machine.protrusion_mm = 1.1;
  t.pigment = pigment;
  t.dilution = dilution;
  return t;
}

Session random_session(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Session s;
  s.header.scenario_id = "frontal-hairline";
  s.header.scenario_sha256 = std::string(64, 'a');
  s.header.simulator_version = "smp-trainer test \"quoted\" \xC3\xA9";
  s.header.trainee = "trainee-\xE2\x9C\x93";
  s.header.seed = rng();
  s.header.started_at = "2026-11-24T07:00:00Z";
  s.initial_tool = tool("1RL", 0.2, 120.0, "carbon-black-neat", 0.35);
  double t = 0.0;
  for (int i = 0; i < 400; ++i) {
    t += awkward(rng, 0.0, 0.05);
    if (i % 97 == 50) {
      s.events.emplace_back(ToolChange{
          t, tool("3RL", awkward(rng, 0.18, 0.3), 135.5, "grey-2", awkward(rng, 0.0, 1.0))});
    } else if (i % 131 == 70) {
      s.events.emplace_back(UndoEvent{t, static_cast<std::uint32_t>(1 + rng() % 5)});
    } else {
      StylusSample p;
      p.t_s = t;
      p.pos = {awkward(rng, -80.0, 80.0), awkward(rng, -20.0, 120.0)};
      p.pressure = awkward(rng, 0.0, 1.0);
      p.tilt_rad = awkward(rng, 0.0, 1.5);
      p.azimuth_rad = awkward(rng, -3.14, 3.14);
      p.down = (rng() & 1) != 0;
      s.events.emplace_back(p);
    }
  }
  for (std::uint32_t i = 0; i < 30; ++i) {
    Impression imp;
    imp.id = i;
    imp.pos = {awkward(rng, -80.0, 80.0), awkward(rng, -20.0, 120.0)};
    imp.depth_mm = awkward(rng, 0.0, 3.0);
    imp.layer = static_cast<Layer>(rng() % 4);
    imp.dose = awkward(rng, 0.0, 4.0);
    imp.fresh_diameter_mm = awkward(rng, 0.1, 0.6);
    imp.elongation = awkward(rng, 1.0, 3.0);
    imp.orientation_rad = awkward(rng, -3.0, 3.0);
    imp.needle = i % 2 ? "3RL" : "1RL";
    imp.pigment = "carbon-black-neat";
    imp.dilution = awkward(rng, 0.0, 1.0);
    imp.t_s = awkward(rng, 0.0, 3000.0);
    imp.scar = (rng() & 1) != 0;
    s.impressions.push_back(imp);
    ImpressionFieldsGiven g;
    g.dose = (i % 3) != 0;  // some optional fields absent: they must stay absent
    g.layer = (i % 4) != 0;
    s.impressions_given.push_back(g);
  }
  s.recorded = RecordedResult{30,
                              std::string(64, '0'),
                              awkward(rng, 0.0, 100.0),
                              {{"depth", 81.25}, {"spacing", 0.1}, {"case", 100.0}}};
  s.finished = true;
  return s;
}

void expect_same(const Session& a, const Session& b) {
  EXPECT_EQ(a.header.scenario_id, b.header.scenario_id);
  EXPECT_EQ(a.header.scenario_sha256, b.header.scenario_sha256);
  EXPECT_EQ(a.header.simulator_version, b.header.simulator_version);
  EXPECT_EQ(a.header.trainee, b.header.trainee);
  EXPECT_EQ(a.header.seed, b.header.seed);
  EXPECT_EQ(a.header.started_at, b.header.started_at);
  EXPECT_EQ(a.initial_tool, b.initial_tool);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i], b.events[i]) << "event " << i;
    if (auto* p = std::get_if<StylusSample>(&a.events[i])) {
      auto* q = std::get_if<StylusSample>(&b.events[i]);
      ASSERT_NE(q, nullptr);
      EXPECT_TRUE(same_bits(p->t_s, q->t_s) && same_bits(p->pos.x_mm, q->pos.x_mm) &&
                  same_bits(p->pressure, q->pressure))
          << "event " << i;
    }
  }
  ASSERT_EQ(a.impressions.size(), b.impressions.size());
  for (std::size_t i = 0; i < a.impressions.size(); ++i) {
    const auto& g = a.impressions_given[i];
    Impression x = a.impressions[i], y = b.impressions[i];
    // Absent optional fields are not stored, so compare only what the file carries.
    if (!g.layer) x.layer = y.layer;
    if (!g.dose) x.dose = y.dose;
    EXPECT_EQ(x, y) << "impression " << i;
    EXPECT_TRUE(same_bits(x.depth_mm, y.depth_mm) && same_bits(x.t_s, y.t_s));
  }
  EXPECT_EQ(a.impressions_given, b.impressions_given);
  ASSERT_EQ(a.recorded.has_value(), b.recorded.has_value());
  if (a.recorded) {
    EXPECT_EQ(a.recorded->impression_count, b.recorded->impression_count);
    EXPECT_EQ(a.recorded->impressions_sha256, b.recorded->impressions_sha256);
    EXPECT_TRUE(same_bits(a.recorded->overall, b.recorded->overall));
    EXPECT_EQ(a.recorded->criteria, b.recorded->criteria);
  }
  EXPECT_EQ(a.finished, b.finished);
}

TEST(SessionFormat, SerializeParseRoundTripsBitForBit) {
  for (std::uint64_t seed : {1u, 2u, 3u, 42u}) {
    const Session s = random_session(seed);
    const std::string text = serialize_session(s);
    auto parsed = parse_session(text, "<memory>");
    ASSERT_TRUE(parsed.ok()) << (parsed.errors().empty() ? "" : parsed.errors()[0].to_string());
    expect_same(s, parsed.value());
    EXPECT_EQ(serialize_session(parsed.value()), text) << "seed " << seed;
  }
}

TEST(SessionFormat, HandWrittenTextRoundTrips) {
  // Numbers as a person or another program might write them: integers, exponents, many digits.
  const std::string in = R"({"schema":"smp-session/1","scenario_id":"pad","seed":7,
    "events":[[0,1,2,0.5,0,0,1],[0.1,1e-3,-2.50,1,0.3,-1,0],{"t_s":0.2,"undo":2},
              {"t_s":0.25,"tool":{"needle":"3RL","protrusion_mm":1,"frequency_hz":120,
               "pigment":"p","dilution":0.123456789012345678}}],
    "impressions":[{"x_mm":1,"y_mm":2,"depth_mm":0.3,"needle":"1RL","pigment":"p",
                    "dilution":0,"t_s":5}]})";
  auto a = parse_session(in, "hand.json");
  ASSERT_TRUE(a.ok()) << a.errors()[0].to_string();
  EXPECT_EQ(a->events.size(), 4u);
  EXPECT_EQ(std::get<UndoEvent>(a->events[2]).count, 2u);
  EXPECT_EQ(std::get<StylusSample>(a->events[1]).pos.x_mm, 1e-3);
  EXPECT_FALSE(std::get<StylusSample>(a->events[1]).down);
  ASSERT_EQ(a->impressions_given.size(), 1u);
  EXPECT_FALSE(a->impressions_given[0].fresh_diameter_mm);
  EXPECT_FALSE(a->impressions_given[0].layer);
  const std::string once = serialize_session(a.value());
  auto b = parse_session(once, "once.json");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(serialize_session(b.value()), once);
  EXPECT_EQ(once.find("fresh_diameter_mm"), std::string::npos) << "absent fields stay absent";
}

struct BadCase {
  const char* name;
  std::string text;
  std::string pointer;
  std::string message_part;
};

std::string with_events(const std::string& events) {
  return R"({"schema":"smp-session/1","scenario_id":"pad","seed":1,"events":[)" + events + "]}";
}

TEST(SessionFormat, MalformedInputsNameFileAndPointer) {
  std::string twelve;
  for (int i = 0; i < 12; ++i) twelve += "[" + std::to_string(i) + ",0,0,0.5,0,0,1],";
  const std::vector<BadCase> cases = {
      {"pressure", with_events(twelve + "[12,0,0,1.5,0,0,1]"), "/events/12/3", "pressure"},
      {"time goes back", with_events("[1,0,0,0,0,0,0],[0.5,0,0,0,0,0,0]"), "/events/1/0",
       "back in time"},
      {"short sample", with_events("[1,0,0,0,0,0]"), "/events/0", "7 numbers"},
      {"down not 0/1", with_events("[1,0,0,0,0,0,2]"), "/events/0/6", "down"},
      {"string number", with_events("[1,\"0\",0,0,0,0,1]"), "/events/0/1", "number"},
      {"too large", with_events("[1,1e999,0,0,0,0,1]"), "", "line 1, column 73: number overflow"},
      {"tilt in degrees", with_events("[1,0,0,0,45,0,1]"), "/events/0/4", "tilt_rad"},
      {"undo zero", with_events(R"({"t_s":1,"undo":0})"), "/events/0/undo", "undo"},
      {"tool and undo", with_events(R"({"t_s":1,"undo":1,"tool":{}})"), "/events/0", "exactly one"},
      {"bad needle", with_events(R"({"t_s":1,"tool":{"needle":"4XX","protrusion_mm":1,
        "frequency_hz":120,"pigment":"p","dilution":0}})"),
       "/events/0/tool/needle", "needle"},
      {"needle diameter", with_events(R"({"t_s":1,"tool":{"needle":"1RL","needle_diameter_mm":0.5,
        "protrusion_mm":1,"frequency_hz":120,"pigment":"p","dilution":0}})"),
       "/events/0/tool/needle_diameter_mm", "outside 0.1..0.4"},
      {"tool missing field", with_events(R"({"t_s":1,"tool":{"needle":"1RL","protrusion_mm":1,
        "frequency_hz":120,"pigment":"p"}})"),
       "/events/0/tool", "dilution"},
      {"event scalar", with_events("3"), "/events/0", "event"},
      {"schema", R"({"schema":"smp-session/2","scenario_id":"pad"})", "/schema", "smp-session/1"},
      {"no scenario", R"({"schema":"smp-session/1"})", "", "scenario_id"},
      {"negative seed", R"({"schema":"smp-session/1","scenario_id":"pad","seed":-1})", "/seed",
       "non-negative integer"},
      {"unknown key", R"({"schema":"smp-session/1","scenario_id":"pad","evnets":[]})", "/evnets",
       "unknown field"},
      {"impression missing depth",
       R"({"schema":"smp-session/1","scenario_id":"pad","impressions":[{"x_mm":0,"y_mm":0,
        "needle":"1RL","pigment":"p","dilution":0,"t_s":0}]})",
       "/impressions/0", "depth_mm"},
      {"impression layer",
       R"({"schema":"smp-session/1","scenario_id":"pad","impressions":[{"x_mm":0,"y_mm":0,
        "depth_mm":0.3,"layer":"fat","needle":"1RL","pigment":"p","dilution":0,"t_s":0}]})",
       "/impressions/0/layer", "unknown layer"},
      {"recorded hash",
       R"({"schema":"smp-session/1","scenario_id":"pad","recorded":{"impression_count":0,
        "impressions_sha256":"xyz","overall":0,"criteria":{}}})",
       "/recorded/impressions_sha256", "hex"},
      {"not json", "{\"schema\": \"smp-session/1\",\n  \"scenario_id\": }", "", "line 2"},
      {"not an object", "[]", "", "object"},
  };
  for (const auto& c : cases) {
    auto r = parse_session(c.text, "bad-session.json");
    ASSERT_FALSE(r.ok()) << c.name;
    bool found = false;
    for (const auto& e : r.errors()) {
      EXPECT_EQ(e.file, "bad-session.json");
      if (e.pointer == c.pointer && e.message.find(c.message_part) != std::string::npos) {
        found = true;
      }
    }
    std::string all;
    for (const auto& e : r.errors()) all += e.to_string() + "\n";
    EXPECT_TRUE(found) << c.name << ": expected pointer '" << c.pointer << "' with '"
                       << c.message_part << "', got:\n"
                       << all;
  }
}

TEST(SessionFormat, ReportsEveryErrorNotJustTheFirst) {
  auto r =
      parse_session(with_events("[0,0,0,2,0,0,1],[1,0,0,0.5,9,0,1],[2,0,0,0.5,0,0,7]"), "f.json");
  ASSERT_FALSE(r.ok());
  std::vector<std::string> ptrs;
  for (const auto& e : r.errors()) ptrs.push_back(e.pointer);
  EXPECT_EQ(ptrs, (std::vector<std::string>{"/events/0/3", "/events/1/4", "/events/2/6"}));
}

TEST(SessionFormat, ManyErrorsAreCappedWithASummary) {
  std::string ev;
  for (int i = 0; i < 5000; ++i) ev += std::string(i ? "," : "") + "[1,0,0,5,0,0,1]";
  auto r = parse_session(with_events(ev), "f.json");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors().size(), 101u);
  EXPECT_NE(r.errors().back().message.find("4900 more errors"), std::string::npos);
}

TEST(SessionFile, MissingAndOversizedFilesAreRefused) {
  const fs::path d = temp_dir("size");
  auto missing = load_session_file((d / "nope.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.errors()[0].file, (d / "nope.json").string());
  // A sparse file over the limit: refused from its size alone (reading it would take seconds).
  const fs::path big = d / "big.json";
  { std::ofstream(big) << "{"; }
  fs::resize_file(big, kMaxSessionBytes + 1);
  auto r = load_session_file(big.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors()[0].message.find("over the session limit"), std::string::npos);
  fs::remove_all(d);
}

TEST(SessionFile, WriteAtomicThenLoad) {
  const fs::path d = temp_dir("write");
  const Session s = random_session(9);
  const std::string text = serialize_session(s);
  const fs::path p = d / "s.json";
  { std::ofstream(p) << "old contents that are longer than nothing"; }
  auto w = write_file_atomic(p.string(), text);
  ASSERT_TRUE(w.ok()) << w.errors()[0].to_string();
  EXPECT_EQ(read_all(p), text);
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d)) ++files;
  EXPECT_EQ(files, 1) << "no temporary file left behind";
  auto loaded = load_session_file(p.string());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(serialize_session(loaded.value()), text);
  fs::remove_all(d);
}

TEST(SessionFile, WriteAtomicFailsClearlyWhenTheDirectoryIsNotWritable) {
  const fs::path d = temp_dir("ro");
  const fs::path ro = d / "readonly";
  fs::create_directories(ro);
  ::chmod(ro.c_str(), 0555);
  // Root ignores permission bits; then use sysfs, which refuses new files even to root.
  fs::path target = ro / "s.json";
  const int probe = ::open((ro / "probe").c_str(), O_CREAT | O_WRONLY, 0644);
  if (probe >= 0) {
    ::close(probe);
    ::unlink((ro / "probe").c_str());
    target = "/sys/smp-session-test.json";
  }
  auto w = write_file_atomic(target.string(), "{}");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.errors()[0].file, target.string());
  EXPECT_NE(w.errors()[0].message.find("cannot create a temporary file"), std::string::npos)
      << w.errors()[0].message;
  EXPECT_FALSE(fs::exists(target));
  ::chmod(ro.c_str(), 0755);
  fs::remove_all(d);
}

TEST(SessionFile, WriteAtomicFailsWhenParentIsAFile) {
  const fs::path d = temp_dir("notdir");
  { std::ofstream(d / "file") << "x"; }
  auto w = write_file_atomic((d / "file" / "s.json").string(), "{}");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.errors()[0].to_string().find("Not a directory"), std::string::npos)
      << w.errors()[0].to_string();
  fs::remove_all(d);
}

TEST(ImpressionsHash, FollowsTheDocumentedLayout) {
  // docs/session-format.md: "smp-impressions/1", u64 count, then per impression its fields in
  // declaration order, little-endian, doubles as IEEE-754 bits, strings as u32 length + bytes.
  std::string empty = "smp-impressions/1";
  empty.append(8, '\0');
  EXPECT_EQ(impressions_hash({}), sha256_hex(empty));

  Impression i;
  i.id = 2;
  i.pos = {1.5, -2.0};
  i.depth_mm = 0.3;
  i.layer = Layer::kPapillaryDermis;
  i.needle = "1RL";
  i.pigment = "ab";
  i.scar = true;
  std::string b = "smp-impressions/1";
  auto u64 = [&](std::uint64_t v) {
    for (int k = 0; k < 8; ++k) b.push_back(static_cast<char>(v >> (8 * k)));
  };
  auto f64 = [&](double v) { u64(std::bit_cast<std::uint64_t>(v)); };
  auto u32 = [&](std::uint32_t v) {
    for (int k = 0; k < 4; ++k) b.push_back(static_cast<char>(v >> (8 * k)));
  };
  u64(1);
  u32(2);
  f64(1.5);
  f64(-2.0);
  f64(0.3);
  b.push_back(1);
  f64(i.dose);
  f64(i.fresh_diameter_mm);
  f64(i.elongation);
  f64(i.orientation_rad);
  u32(3);
  b += "1RL";
  u32(2);
  b += "ab";
  f64(i.dilution);
  f64(i.t_s);
  b.push_back(1);
  EXPECT_EQ(impressions_hash({i}), sha256_hex(b));
}

TEST(ImpressionsHash, EveryFieldMatters) {
  Impression base;
  base.pigment = "p";
  const std::string h = impressions_hash({base});
  std::vector<Impression> variants(13, base);
  variants[0].id = 1;
  variants[1].pos.x_mm = 1e-12;
  variants[2].pos.y_mm = 1e-12;
  variants[3].depth_mm = std::nextafter(0.0, 1.0);
  variants[4].layer = Layer::kSubcutis;
  variants[5].dose = 1.0000001;
  variants[6].fresh_diameter_mm = 0.21;
  variants[7].elongation = 1.5;
  variants[8].orientation_rad = -0.0;  // distinct bits: the hash is bit-exact, not value-equal
  variants[9].needle = "3RL";
  variants[10].pigment = "q";
  variants[11].t_s = 1.0;
  variants[12].scar = true;
  for (std::size_t k = 0; k < variants.size(); ++k) {
    EXPECT_NE(impressions_hash({variants[k]}), h) << "variant " << k;
  }
}

TEST(SessionEvents, EventTimeOfEachKind) {
  EXPECT_EQ(event_time_s(SessionEvent{StylusSample{1.5, {}, 0, 0, 0, false}}), 1.5);
  EXPECT_EQ(event_time_s(SessionEvent{ToolChange{2.5, {}}}), 2.5);
  EXPECT_EQ(event_time_s(SessionEvent{UndoEvent{3.5, 1}}), 3.5);
}

}  // namespace
}  // namespace smp::sim
