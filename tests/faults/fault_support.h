// Child processes for the fault tests: run `smp` (or a function) with a file-size limit, as another
// user, or to be killed part-way.
#pragma once
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "smp/sim/session.h"

namespace smp::faults {

struct Limits {
  long long fsize_bytes = -1;  // RLIMIT_FSIZE (SIGXFSZ ignored, so writes fail with EFBIG)
  bool unprivileged = false;   // when root, drop to uid/gid 65534 so permissions apply
};

struct Outcome {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
};

// Runs SMP_CLI with args (cwd = the source tree) under `limits`.
Outcome run_smp(const std::vector<std::string>& args, const Limits& limits = {});
// Starts SMP_CLI without waiting (stdout/stderr to /dev/null); returns the pid.
pid_t start_smp(const std::vector<std::string>& args);
// Runs fn in a forked child under `limits`; what fn returns is the child's stdout (first 64 KiB)
// and its exit code 0. Crashes show as 128 + signal.
Outcome run_child(const std::function<std::string()>& fn, const Limits& limits = {});
// Waits for pid; exit code or 128 + signal.
int wait_exit(pid_t pid);

std::string temp_dir(const std::string& tag);  // fresh, under the build tree
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);
bool running_as_root();

// A session of n interchange impressions (about 190 bytes each once serialized).
sim::Session big_session(std::size_t n, const std::string& trainee);

}  // namespace smp::faults
