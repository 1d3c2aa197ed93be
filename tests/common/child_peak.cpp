#include "child_peak.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace smp::test {

void trace_me_for_peak_memory() {
  ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
}

namespace {
long vm_hwm_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmHWM:") {
      long kb = -1;
      in >> kb;
      return kb;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}
}  // namespace

Reaped reap_traced(pid_t pid, int timeout_s) {
  Reaped r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool options_set = false;
  for (;;) {
    int st = 0;
    // Blocking without a timeout (a benchmark times the child); else polled.
    const pid_t w = wait4(pid, &st, timeout_s > 0 ? WNOHANG : 0, &r.ru);
    if (w == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        r.timed_out = true;
        wait4(pid, &st, 0, &r.ru);  // a killed tracee is reported as killed
        r.status = st;
        r.ok = true;
        return r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (w != pid) return r;
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      r.status = st;
      r.ok = true;
      return r;
    }
    if (!WIFSTOPPED(st)) continue;
    int deliver = 0;
    if (!options_set && WSTOPSIG(st) == SIGTRAP) {
      // The stop after exec: from here on, stop once more as it exits (and die with us).
      ptrace(PTRACE_SETOPTIONS, pid, nullptr,
             reinterpret_cast<void*>(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
      options_set = true;
    } else if ((st >> 8) == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      r.peak_rss_kb = vm_hwm_kb(pid);  // its memory is still mapped here
    } else {
      deliver = WSTOPSIG(st);  // an ordinary signal: pass it on
    }
    ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(deliver)));
  }
}

}  // namespace smp::test
