// Whole-program benchmarks of smp-trainer, run as a child process the way a trainee starts it:
// BM_TrainerStartup (start to the first frame and out) and BM_TrainerPeakMemory/N (peak resident
// memory with a session of N impressions resumed). Both use SDL's offscreen driver on the machine's
// GL (Mesa llvmpipe here); docs/performance.md has the figures.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "child_peak.h"
#include "smp/sim/session.h"

extern char** environ;

namespace smp::bench {
namespace {

namespace fs = std::filesystem;

std::string trainer_path() {
  return (fs::read_symlink("/proc/self/exe").parent_path() / "smp-trainer").string();
}

fs::path scratch() {
  static const fs::path dir = [] {
    std::string t = (fs::temp_directory_path() / "smp-bench-XXXXXX").string();
    if (mkdtemp(t.data()) == nullptr) return fs::temp_directory_path();
    return fs::path(t);
  }();
  return dir;
}

struct Child {
  bool ok = false;
  int status = 0;
  double wall_s = 0.0;
  double cpu_s = 0.0;
  long max_rss_kb = 0;
};

// Runs the trainer headless with its output discarded; waits and collects its resource usage
// and its own peak memory (child_peak.h: not wait4's, which counts this process's memory too).
Child run_trainer(const std::vector<std::string>& args) {
  std::vector<std::string> argv_s{trainer_path()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  setenv("SDL_VIDEODRIVER", "offscreen", 0);
  Child c;
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    test::trace_me_for_peak_memory();
    execve(argv[0], argv.data(), environ);
    _exit(127);
  }
  if (pid < 0) return c;
  const auto t0 = std::chrono::steady_clock::now();
  const test::Reaped r = test::reap_traced(pid, 0);
  if (!r.ok) return c;
  c.status = r.status;
  c.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  c.cpu_s = static_cast<double>(r.ru.ru_utime.tv_sec + r.ru.ru_stime.tv_sec) +
            1e-6 * static_cast<double>(r.ru.ru_utime.tv_usec + r.ru.ru_stime.tv_usec);
  c.max_rss_kb = r.peak_rss_kb;
  c.ok = WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0 && r.peak_rss_kb > 0;
  return c;
}

// A resumable session of n taps on the benchmark scenario: each tap is three stylus samples
// (needle in, pushed, lifted), 0.35 s apart, at the positions of impressions(n).
std::string write_tap_session(std::size_t n) {
  const fs::path path = scratch() / ("taps-" + std::to_string(n) + ".session.json");
  const std::vector<sim::Impression> spots = impressions(n);
  sim::Session s = bench_session(1);
  s.events.reserve(3 * n);
  double t = 1.0;
  for (const sim::Impression& imp : spots) {
    s.events.emplace_back(sim::StylusSample{t, imp.pos, 0.45, 0.1, 1.0, true});
    s.events.emplace_back(sim::StylusSample{t + 0.06, imp.pos, 0.56, 0.1, 1.0, true});
    s.events.emplace_back(sim::StylusSample{t + 0.12, imp.pos, 0.0, 0.0, 0.0, false});
    t += 0.35;
  }
  std::ofstream(path, std::ios::binary) << sim::serialize_session(s);
  return path.string();
}

const std::string kScenarioPath = std::string(SMP_SOURCE_DIR) + "/tests/bench/full-scalp.json";

// BM_TrainerStartup: process start, scenario load, head mesh, picking world, GL scene, one frame
// drawn, clean exit (so an upper bound of start-up to first frame). Wall time.
void BM_TrainerStartup(benchmark::State& st) {
  const std::string session = (scratch() / "startup.session.json").string();
  double cpu = 0.0;
  for (auto _ : st) {
    fs::remove(session);
    const Child c =
        run_trainer({"--scenario", std::string(SMP_SOURCE_DIR) + "/scenarios/frontal-hairline.json",
                     "--session", session, "--no-resume", "--frames", "1"});
    if (!c.ok) {
      st.SkipWithError("smp-trainer did not run (is it built beside smp-bench?)");
      return;
    }
    st.SetIterationTime(c.wall_s);
    cpu += c.cpu_s;
  }
  st.counters["cpu_s"] = benchmark::Counter(cpu, benchmark::Counter::kAvgIterations);
}

// Peak RSS (kB) of the trainer resuming `fresh` (a tap session; empty: a new attempt), 3 frames.
Child resume_run(const std::string& fresh) {
  const std::string session = (scratch() / "resume.session.json").string();
  fs::remove(session);
  if (!fresh.empty()) fs::copy_file(fresh, session);
  return run_trainer({"--scenario", kScenarioPath, "--session", session,
                      fresh.empty() ? "--no-resume" : "--resume", "--frames", "3"});
}

// BM_TrainerPeakMemory/N: peak resident set of the trainer that resumes a session of N taps
// (replayed through the simulation, scored, drawn for 3 frames). bytes_per_impression is over an
// empty session's run, measured in the same benchmark (N = 0 shows that baseline alone).
void BM_TrainerPeakMemory(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const std::string fresh = n > 0 ? write_tap_session(n) : "";
  Child c;
  for (auto _ : st) {
    c = resume_run(fresh);
    if (!c.ok) {
      st.SkipWithError("smp-trainer did not run (is it built beside smp-bench?)");
      return;
    }
    st.SetIterationTime(c.wall_s);
  }
  st.counters["peak_rss_MB"] = static_cast<double>(c.max_rss_kb) / 1024.0;
  if (n > 0) {
    const Child empty = resume_run("");
    if (empty.ok)
      st.counters["bytes_per_impression"] =
          static_cast<double>(c.max_rss_kb - empty.max_rss_kb) * 1024.0 / static_cast<double>(n);
  }
}

}  // namespace

BENCHMARK(BM_TrainerStartup)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_TrainerPeakMemory)
    ->Arg(0)
    ->Arg(10000)
    ->Arg(100000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace smp::bench
