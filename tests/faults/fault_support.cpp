#include "fault_support.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace smp::faults {
namespace {

void apply_limits(const Limits& l) {
  if (l.fsize_bytes >= 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // inherited across exec: write() then fails with EFBIG
    const rlimit r{static_cast<rlim_t>(l.fsize_bytes), static_cast<rlim_t>(l.fsize_bytes)};
    if (setrlimit(RLIMIT_FSIZE, &r) != 0) _exit(126);
  }
  if (l.unprivileged && geteuid() == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
      _exit(126);
  }
}

// Forks; the child gets stdout/stderr pipes, runs body, and never returns.
Outcome fork_and_collect(const std::function<void()>& body) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    body();
    _exit(0);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  Outcome r;
  bool open[2] = {true, true};
  while (open[0] || open[1]) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) break;
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      if (!open[i] || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        open[i] = false;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  r.exit_code = wait_exit(pid);
  return r;
}

std::vector<char*> argv_of(const std::string& prog, std::vector<std::string>& args) {
  std::vector<char*> argv{const_cast<char*>(prog.c_str())};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Outcome run_smp(const std::vector<std::string>& args, const Limits& limits) {
  return fork_and_collect([&] {
    if (chdir(SMP_SOURCE_DIR) != 0) _exit(127);
    apply_limits(limits);
    std::vector<std::string> copy = args;
    const std::string prog = SMP_CLI;
    auto argv = argv_of(prog, copy);
    execv(prog.c_str(), argv.data());
    _exit(127);
  });
}

pid_t start_smp(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    if (chdir(SMP_SOURCE_DIR) != 0) _exit(127);
    std::vector<std::string> copy = args;
    const std::string prog = SMP_CLI;
    auto argv = argv_of(prog, copy);
    execv(prog.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

Outcome run_child(const std::function<std::string()>& fn, const Limits& limits) {
  return fork_and_collect([&] {
    apply_limits(limits);
    const std::string out = fn();
    if (!out.empty() && write(1, out.data(), out.size()) < 0) _exit(125);
  });
}

std::string temp_dir(const std::string& tag) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::path(SMP_BINARY_DIR) / "test-tmp" / ("faults-" + tag + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::all, fs::perm_options::replace);  // the unprivileged child too
  return dir.string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

bool running_as_root() { return geteuid() == 0; }

sim::Session big_session(std::size_t n, const std::string& trainee) {
  sim::Session s;
  s.header.scenario_id = "frontal-hairline";
  s.header.simulator_version = SMP_VERSION_STRING;
  s.header.trainee = trainee;
  s.impressions.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    sim::Impression imp;
    imp.id = static_cast<std::uint32_t>(i);
    // A deterministic spread over the frontal fill (40 x 17 mm), different per trainee.
    const double u = static_cast<double>((i * 7919 + trainee.size() * 31) % 100000) / 100000.0;
    const double v = static_cast<double>((i * 104729) % 99991) / 99991.0;
    imp.pos = {-35.0 + 70.0 * u, 12.0 + 10.0 * v};
    imp.depth_mm = 0.2 + 0.2 * v;
    imp.pigment = "smp-grey-2";
    imp.dilution = 0.1;
    imp.t_s = 0.1 * static_cast<double>(i);
    s.impressions.push_back(imp);
  }
  s.impressions_given.assign(n, sim::ImpressionFieldsGiven{});
  return s;
}

}  // namespace smp::faults
