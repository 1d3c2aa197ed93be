// Shared helpers for the trainer suites: run programs (the trainer, the CLI) like a user would,
// read the PNGs they write, make scratch directories.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace smp::test {

struct ProcResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out, err;
  long max_rss_kb = 0;  // the child's own peak resident set (child_peak.h)
};
using Env = std::vector<std::pair<std::string, std::string>>;

// Runs argv[0] with argv; extra environment on top of ours (an empty value unsets the variable).
// Kills it after timeout_s.
ProcResult run_process(const std::vector<std::string>& argv, const Env& env = {},
                       int timeout_s = 120);

// Starts a process with stdout going to `stdout_path` (stderr to stdout_path + ".err");
// traced: for reap_traced() (child_peak.h).
pid_t spawn_process(const std::vector<std::string>& argv, const Env& env,
                    const std::string& stdout_path, bool traced = false);

// A fresh empty directory under the build's temp area.
std::string scratch_dir(const std::string& name);
std::string read_text(const std::string& path);
bool write_text(const std::string& path, const std::string& text);
bool file_exists(const std::string& path);

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
};
bool load_png(const std::string& path, Image* out);

// Every scenario shipped in scenarios/*.json (sorted).
std::vector<std::string> shipped_scenarios();

// Share of pixels that look like skin (warm: r >= g >= b, r - b >= 15, r >= 45), and the
// standard deviation of luma, over a rectangle of the image.
struct PixelStats {
  double skin_fraction = 0.0;
  double luma_stddev = 0.0;
};
PixelStats pixel_stats(const Image& img, int x0, int y0, int x1, int y1);

// Value after "key: " on the first line of `text` that starts with `key` (e.g. "overall").
std::string field(const std::string& text, const std::string& key);

}  // namespace smp::test
