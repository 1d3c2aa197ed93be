// score_batch(): the batch path, the same add() as the incremental one with its state-free part
// and the neighbour search spread over threads.
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "scoring/parallel.h"
#include "scoring/state.h"

namespace smp::sim {

// The same add() as the incremental path, split in two: the per-impression part that reads no
// running state (locate, skin, healed appearance, CIEDE2000, ...) runs on a second thread ahead of
// the in-order commit; the main thread commits and, when it catches up, prepares too. Prepared
// values are pure functions of the impression, and commits run in order, so the report is the
// one-by-one report bit for bit.
ScoreReport score_batch(const Scenario& scenario, const PigmentCatalogue& catalogue,
                        std::span<const Impression> impressions) {
  using namespace scoring;
  Scorer scorer(scenario, catalogue);
  Scorer::State& st = *scorer.s_;
  const std::size_t n = impressions.size();
  // A second thread pays for itself from a few thousand dots on.
  constexpr std::size_t kParallelMin = 4096;
  const unsigned threads =
      n < kParallelMin ? 1u : std::min(2u, std::max(1u, std::thread::hardware_concurrency()));
  if (n >= kNone) {  // dot indices are 32-bit; beyond every documented limit
    for (const Impression& imp : impressions) scorer.add(imp);
    return scorer.report();
  }
  // 1. What each dot is on its own (prepare()), in parallel; the caches it reads are filled
  //    first, in order.
  std::vector<std::uint32_t> pigment(n), dep(n);
  for (std::size_t i = 0; i < n; ++i) {
    pigment[i] = st.facts(impressions[i].pigment);
    dep[i] = st.deposit(pigment[i], impressions[i]);
  }
  // Every element of prep and fin is constructed by the thread that fills it.
  BatchArray<Prepared> prep(n);
  {
    constexpr std::size_t kChunk = 512;
    std::atomic<std::size_t> next{0};
    run_parallel(threads, [&] {
      for (;;) {
        const std::size_t b = next.fetch_add(kChunk, std::memory_order_relaxed);
        if (b >= n) return;
        for (std::size_t i = b; i < std::min(n, b + kChunk); ++i)
          st.prepare(impressions[i], pigment[i], dep[i], *prep.construct(i));
      }
    });
  }
  // 2. Every dot's final neighbours, in parallel.
  BatchArray<FinalNeighbours> fin(n);
  st.final_neighbours(prep.span(), fin.span(), threads);
  // 3. The dots in order (the findings lists and the running sums keep add()'s order), then their
  //    neighbour-dependent contributions: integer sums, so their order does not matter.
  st.dots.reserve(n);
  prefer_huge_pages(st.dots.data(), n * sizeof(Dot));
  for (std::size_t i = 0; i < n; ++i) st.commit(prep[i], &fin[i]);
  for (std::uint32_t k = 0; k < n; ++k) {
    st.apply_mut(k);
    st.sync_touching(k);
  }
  // The scorer is not used after this, so its neighbour grid was never built.
  return scorer.report();
}

}  // namespace smp::sim
