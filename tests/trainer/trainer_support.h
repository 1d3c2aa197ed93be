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
};
using Env = std::vector<std::pair<std::string, std::string>>;

// Runs argv[0] with argv; extra environment on top of ours. Kills it after timeout_s.
ProcResult run_process(const std::vector<std::string>& argv, const Env& env = {},
                       int timeout_s = 120);

// Starts a process with stdout going to `stdout_path` (stderr to stdout_path + ".err").
pid_t spawn_process(const std::vector<std::string>& argv, const Env& env,
                    const std::string& stdout_path);

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

}  // namespace smp::test
