// Runs the real `smp` binary for command-line tests and captures what it prints.
#pragma once
#include <string>
#include <vector>

namespace smp::test {

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs SMP_CLI with args (no shell), optional stdin text; cwd = the source tree.
CliRun run_smp(const std::vector<std::string>& args, const std::string& stdin_text = "");
// A fresh empty directory under the build tree for one test's files.
std::string make_temp_dir(const std::string& tag);
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

}  // namespace smp::test
