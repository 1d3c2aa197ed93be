// RFC 8785 (JCS) conformance with the RFC's own vectors: number formatting (Appendix B), member
// sorting by UTF-16 code units (section 3.2.3) and the full example of section 3.2.2.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>

#include "smp/report/jcs.h"

namespace smp::report {
namespace {

double from_bits(std::uint64_t bits) {
  return std::bit_cast<double>(bits);
}

TEST(Jcs, NumbersFollowRfc8785AppendixB) {
  const std::pair<std::uint64_t, const char*> vectors[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& [bits, text] : vectors) {
    EXPECT_EQ(jcs_number(from_bits(bits)), text) << std::hex << bits;
  }
}

TEST(Jcs, NanAndInfinityHaveNoCanonicalForm) {
  for (std::uint64_t bits : {0x7fffffffffffffffULL, 0x7ff0000000000000ULL}) {
    const auto r = jcs_serialize(nlohmann::json{{"x", from_bits(bits)}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.errors().front().pointer, "/x");
  }
}

TEST(Jcs, SortsMembersByUtf16CodeUnits) {
  // RFC 8785 section 3.2.3: the emoji (surrogate pair D83D DE00) sorts before U+FB33, unlike
  // UTF-8 byte order.
  const char* input = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  const auto out = jcs_canonicalize(input, "sort.json");
  ASSERT_TRUE(out.ok());
  const std::string& s = out.value();
  const char* order[] = {"Carriage Return",
                         "One",
                         "Control",
                         "Latin Small Letter O With Diaeresis",
                         "Euro Sign",
                         "Emoji: Grinning Face",
                         "Hebrew Letter Dalet With Dagesh"};
  std::size_t last = 0;
  for (const char* v : order) {
    const auto pos = s.find(v);
    ASSERT_NE(pos, std::string::npos) << v;
    EXPECT_GT(pos, last) << v;
    last = pos;
  }
}

TEST(Jcs, Rfc8785Section322Example) {
  const char* input = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  const auto out = jcs_canonicalize(input, "example.json");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.value(),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST(Jcs, IntegersBeyond2To53AreRefused) {
  EXPECT_TRUE(jcs_serialize(nlohmann::json{{"n", 9007199254740992LL}}).ok());
  const auto r = jcs_serialize(nlohmann::json{{"a", {{"n", 9007199254740993LL}}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().front().pointer, "/a/n");
}

TEST(Jcs, InvalidUtf8IsRefusedWithItsPointer) {
  nlohmann::json j = {{"ok", "Zo\xc3\xab"}, {"list", {"fine", std::string("bad\xc3")}}};
  const auto r = jcs_serialize(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().front().pointer, "/list/1");
  // Overlong encodings and UTF-16 surrogates written as UTF-8 are not valid UTF-8 either.
  EXPECT_FALSE(jcs_serialize(nlohmann::json(std::string("\xc0\xaf"))).ok());
  EXPECT_FALSE(jcs_serialize(nlohmann::json(std::string("\xed\xa0\x80"))).ok());
}

TEST(Jcs, ControlCharactersUseLowerCaseEscapes) {
  const auto r = jcs_serialize(nlohmann::json(std::string("a\x01\x1f\b\t\x7f")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "\"a\\u0001\\u001f\\b\\t\x7f\"");
}

TEST(Jcs, MalformedTextNamesTheFile) {
  const auto r = jcs_canonicalize("{\"a\":", "broken.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().front().file, "broken.json");
}

}  // namespace
}  // namespace smp::report
