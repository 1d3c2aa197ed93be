// Layering (docs/architecture.md, "Modules"): dependencies point toward engine/sim. The sim core
// never includes a platform, graphics, UI or physics library, nor another engine module; physics
// and report stay free of GL/SDL/ImGui. Scans the source tree's #include lines.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct Include {
  std::string file;
  int line = 0;
  std::string target;  // what is included, without <> or ""
};

std::vector<Include> includes_in_text(const std::string& file, std::istream& in) {
  static const std::regex re(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  std::vector<Include> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (std::regex_search(line, m, re)) out.push_back({file, n, m[1].str()});
  }
  return out;
}

std::vector<Include> includes_under(const fs::path& dir) {
  std::vector<Include> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const auto ext = e.path().extension().string();
    if (ext != ".h" && ext != ".hpp" && ext != ".cpp" && ext != ".cc" && ext != ".inl") continue;
    std::ifstream f(e.path());
    auto inc = includes_in_text(e.path().string(), f);
    out.insert(out.end(), inc.begin(), inc.end());
  }
  return out;
}

// Include targets a module must not use, as regexes over the include path.
const std::vector<std::string> kGraphicsAndPlatform = {
    R"(^SDL)",  R"(^SDL2/)", R"(^GL/)",  R"(^GLES)", R"(^epoxy/)", R"(^EGL/)",
    R"(^X11/)", R"(imgui)",  R"(^glad)", R"(^GLFW)", R"(^vulkan)"};
const std::vector<std::string> kPhysicsLibrary = {R"(^bt[A-Z])", R"(^Bullet)", R"(^LinearMath/)",
                                                  R"(^bullet/)"};

std::vector<std::string> violations(const std::vector<Include>& incs,
                                    const std::vector<std::string>& patterns) {
  std::vector<std::string> bad;
  for (const auto& inc : incs) {
    for (const auto& p : patterns) {
      if (std::regex_search(inc.target, std::regex(p))) {
        bad.push_back(inc.file + ":" + std::to_string(inc.line) + " includes <" + inc.target + ">");
      }
    }
  }
  return bad;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "  " + x + "\n";
  return s;
}

const fs::path kRoot = SMP_SOURCE_DIR;

TEST(Layering, ScannerCatchesForbiddenIncludes) {
  // The scanner itself must be able to fail: feed it the lines it exists to catch.
  std::istringstream text(
      "#include <SDL.h>\n  #  include \"epoxy/gl.h\"\n#include <imgui.h>\n"
      "#include <btBulletDynamicsCommon.h>\n#include <vector>\n#include \"smp/render/x.h\"\n");
  const auto incs = includes_in_text("fake.cpp", text);
  ASSERT_EQ(incs.size(), 6u);
  EXPECT_EQ(violations(incs, kGraphicsAndPlatform).size(), 3u);
  EXPECT_EQ(violations(incs, kPhysicsLibrary).size(), 1u);
  EXPECT_EQ(violations(incs, {R"(^smp/(render|physics|ui|platform|report|app)/)"}).size(), 1u);
}

TEST(Layering, SimCoreUsesNoPlatformGraphicsUiOrPhysics) {
  const auto incs = includes_under(kRoot / "engine" / "sim");
  ASSERT_GT(incs.size(), 20u) << "engine/sim sources not found under " << kRoot;
  auto bad = violations(incs, kGraphicsAndPlatform);
  auto bad2 = violations(incs, kPhysicsLibrary);
  bad.insert(bad.end(), bad2.begin(), bad2.end());
  EXPECT_TRUE(bad.empty()) << "engine/sim must stay headless:\n" << join(bad);
}

TEST(Layering, SimCoreIncludesNoOtherEngineModule) {
  const auto bad = violations(includes_under(kRoot / "engine" / "sim"),
                              {R"(^smp/(render|physics|ui|platform|report|app)/)"});
  EXPECT_TRUE(bad.empty()) << "dependencies point toward engine/sim, never out of it:\n"
                           << join(bad);
}

TEST(Layering, SimCMakeLinksNoPlatformLibraries) {
  std::ifstream f(kRoot / "engine" / "sim" / "CMakeLists.txt");
  ASSERT_TRUE(f.good());
  std::string line;
  std::vector<std::string> bad;
  static const std::regex re(R"((target_link_libraries|pkg_check_modules|find_package).*)"
                             R"((SDL|epoxy|EPOXY|imgui|IMGUI|bullet|BULLET|OpenGL|GL\b))");
  for (int n = 1; std::getline(f, line); ++n) {
    if (line.find('#') == 0) continue;
    if (std::regex_search(line, re))
      bad.push_back("engine/sim/CMakeLists.txt:" + std::to_string(n) + ": " + line);
  }
  EXPECT_TRUE(bad.empty()) << join(bad);
}

TEST(Layering, PhysicsAndReportHaveNoGraphicsOrWindowing) {
  for (const char* module : {"physics", "report"}) {
    const auto bad = violations(includes_under(kRoot / "engine" / module), kGraphicsAndPlatform);
    EXPECT_TRUE(bad.empty()) << "engine/" << module << " must not use GL/SDL/ImGui:\n" << join(bad);
  }
}

TEST(Layering, NoEngineModuleIncludesTheApp) {
  const auto bad = violations(includes_under(kRoot / "engine"), {R"(^smp/app/)"});
  EXPECT_TRUE(bad.empty()) << "engine/app wires modules; nothing depends on it:\n" << join(bad);
}

}  // namespace
