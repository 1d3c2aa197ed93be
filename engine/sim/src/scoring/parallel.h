// The batch path's threading and memory helpers.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <type_traits>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace smp::sim::scoring {

// Asks the kernel to back [p, p + bytes) with huge pages where it can: a batch writes tens of
// MB once, and at 4 kB a page the first-touch faults cost more than the writes (Linux; a hint
// elsewhere ignored).
inline void prefer_huge_pages(void* p, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const std::uintptr_t a = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t e = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (e > a) madvise(reinterpret_cast<void*>(a), e - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

// A batch's per-dot array: allocated uninitialised, so each element is first written (and its
// page faulted in) by the thread that computes it, not zeroed up front by one thread.
template <class T>
class BatchArray {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  explicit BatchArray(std::size_t n)
      : n_(n), p_(std::allocator<T>().allocate(std::max<std::size_t>(n, 1))) {
    prefer_huge_pages(p_, n * sizeof(T));
  }
  ~BatchArray() { std::allocator<T>().deallocate(p_, std::max<std::size_t>(n_, 1)); }
  BatchArray(const BatchArray&) = delete;
  BatchArray& operator=(const BatchArray&) = delete;
  T* construct(std::size_t i) { return std::construct_at(p_ + i); }
  T& operator[](std::size_t i) { return p_[i]; }
  std::span<T> span() { return {p_, n_}; }

 private:
  std::size_t n_;
  T* p_;
};

// Runs work() on `threads` threads (this one included) and waits for all; the first exception
// is rethrown here once every thread has stopped.
template <class Work>
void run_parallel(unsigned threads, Work&& work) {
  std::vector<std::thread> extra;
  std::exception_ptr failed;
  std::mutex failed_mu;
  auto guarded = [&] {
    try {
      work();
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failed_mu);
      if (!failed) failed = std::current_exception();
    }
  };
  for (unsigned t = 1; t < threads; ++t) extra.emplace_back(guarded);
  guarded();
  for (std::thread& t : extra) t.join();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace smp::sim::scoring
