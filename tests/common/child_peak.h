// A child program's own peak resident memory, for the tests and benchmarks that run smp-trainer.
// wait4()'s ru_maxrss cannot give it: Linux carries the memory a child had before exec (a copy of
// its parent's) into that figure, so a parent that had used 490 MB (a benchmark that scored
// 100,000 dots first) reported 490 MB for every child. Instead the child is traced from exec on
// and stopped as it exits, and its VmHWM (the peak of its own address space) is read then.
#pragma once
#include <sys/resource.h>
#include <sys/types.h>

namespace smp::test {

// In the child, between fork() and exec: lets the parent trace it (see reap_traced()).
void trace_me_for_peak_memory();

struct Reaped {
  bool ok = false;         // the child was reaped
  bool timed_out = false;  // and was killed for running past the timeout
  int status = 0;          // as waitpid() reports it
  rusage ru{};             // its CPU times (wait4)
  long peak_rss_kb = -1;   // VmHWM as it exited; -1 when it could not be read
  // Where tracing is not allowed (ptrace disabled): wait4's figure, which also counts the
  // parent's memory at fork. Fine for a small parent (a test), not for the benchmark.
  long peak_or_wait4_kb() const { return peak_rss_kb > 0 ? peak_rss_kb : ru.ru_maxrss; }
};

// Waits for a child that called trace_me_for_peak_memory() before exec, resuming it through its
// trace stops; kills it after timeout_s seconds (0: no timeout).
Reaped reap_traced(pid_t pid, int timeout_s);

}  // namespace smp::test
