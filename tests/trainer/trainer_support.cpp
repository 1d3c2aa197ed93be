#include "trainer_support.h"

#include "child_peak.h"

#include <fcntl.h>
#include <signal.h>
#include <stb/stb_image.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace smp::test {
namespace fs = std::filesystem;

namespace {
std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> v;
  for (const auto& a : argv) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}
}  // namespace

pid_t spawn_process(const std::vector<std::string>& argv, const Env& env,
                    const std::string& stdout_path, bool traced) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  for (const auto& [k, v] : env) {
    if (v.empty()) {
      unsetenv(k.c_str());  // an empty value removes the variable (e.g. DISPLAY)
    } else {
      setenv(k.c_str(), v.c_str(), 1);
    }
  }
  const int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = open((stdout_path + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out >= 0) dup2(out, 1);
  if (err >= 0) dup2(err, 2);
  if (traced) trace_me_for_peak_memory();
  auto args = c_argv(argv);
  execv(args[0], args.data());
  _exit(127);
}

ProcResult run_process(const std::vector<std::string>& argv, const Env& env, int timeout_s) {
  static int counter = 0;
  const std::string base = scratch_dir("proc") + "/run" + std::to_string(counter++);
  ProcResult r;
  const pid_t pid = spawn_process(argv, env, base + ".out", true);
  if (pid < 0) return r;
  const Reaped reaped = reap_traced(pid, timeout_s);
  if (reaped.timed_out) r.err = "timed out after " + std::to_string(timeout_s) + " s\n";
  r.out = read_text(base + ".out");
  r.err += read_text(base + ".out.err");
  if (reaped.ok && WIFEXITED(reaped.status)) r.exit_code = WEXITSTATUS(reaped.status);
  r.max_rss_kb = reaped.peak_or_wait4_kb();
  return r;
}

namespace {
fs::path scratch_root() {
  static const fs::path root = [] {
    fs::path r = fs::temp_directory_path() / ("smp-trainer-tests-" + std::to_string(getpid()));
    // Removed at exit unless SMP_KEEP_TEST_FILES is set (to look at the screenshots).
    std::atexit([] {
      if (std::getenv("SMP_KEEP_TEST_FILES") == nullptr) {
        std::error_code ec;
        fs::remove_all(
            fs::temp_directory_path() / ("smp-trainer-tests-" + std::to_string(getpid())), ec);
      }
    });
    return r;
  }();
  return root;
}
}  // namespace

std::string scratch_dir(const std::string& name) {
  const fs::path root = scratch_root();
  const fs::path dir = root / name;
  static std::vector<std::string> made;
  if (std::find(made.begin(), made.end(), dir.string()) == made.end()) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    made.push_back(dir.string());
  }
  fs::create_directories(dir);
  return dir.string();
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  return static_cast<bool>(f);
}

bool file_exists(const std::string& path) {
  return fs::exists(path);
}

bool load_png(const std::string& path, Image* out) {
  int w = 0, h = 0, n = 0;
  unsigned char* data = stbi_load(path.c_str(), &w, &h, &n, 4);
  if (data == nullptr) return false;
  out->width = w;
  out->height = h;
  out->rgba.assign(data, data + static_cast<std::size_t>(w) * h * 4);
  stbi_image_free(data);
  return true;
}

PixelStats pixel_stats(const Image& img, int x0, int y0, int x1, int y1) {
  PixelStats st;
  double sum = 0, sum2 = 0;
  std::size_t n = 0, skin = 0;
  for (int y = std::max(0, y0); y < std::min(img.height, y1); ++y) {
    for (int x = std::max(0, x0); x < std::min(img.width, x1); ++x) {
      const std::uint8_t* p = &img.rgba[(static_cast<std::size_t>(y) * img.width + x) * 4];
      const int r = p[0], g = p[1], b = p[2];
      const double luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      sum += luma;
      sum2 += luma * luma;
      ++n;
      if (r >= g && g >= b && r - b >= 15 && r >= 45) ++skin;
    }
  }
  if (n == 0) return st;
  const double mean = sum / static_cast<double>(n);
  st.luma_stddev = std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - mean * mean));
  st.skin_fraction = static_cast<double>(skin) / static_cast<double>(n);
  return st;
}

std::string field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ": ", 0) == 0) return line.substr(key.size() + 2);
  }
  return "";
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(fs::path(SMP_SOURCE_DIR) / "scenarios")) {
    if (e.is_regular_file() && e.path().extension() == ".json") v.push_back(e.path().string());
  }
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace smp::test
