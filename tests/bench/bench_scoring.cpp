// Scoring and replay benchmarks, with nanoflann (a k-d tree a developer might reach for) doing the
// same nearest-neighbour work in the same run (docs/performance.md explains each workload).
#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include <array>
#include <chrono>
#include <cmath>
#include <memory>
#include <nanoflann.hpp>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "smp/sim/scoring.h"
#include "smp/sim/simulation.h"

namespace smp::bench {
namespace {

// The timed parts are measured in CPU time of this thread: the benchmark machine is shared, and
// wall time would count the moments another process had the core.
struct Clock {
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<Clock, duration>;
  static time_point now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec));
  }
};

// ---- The nanoflann reference: NN distance, touching and the running NN-ratio statistics -----
// It does only the neighbour part of what Scorer::add does (no depth, colour, regions, hairline,
// findings), so the comparison is tilted in nanoflann's favour.
constexpr double kReachMm = 3.0;        // the scorer's NN search reach for full-scalp.json
constexpr double kExpectedNnMm = 1.26;  // 0.80 / sqrt(40 per cm^2), as the scorer's spacing model

struct Cloud {
  std::vector<std::array<double, 2>> pts;
  std::size_t kdtree_get_point_count() const { return pts.size(); }
  double kdtree_get_pt(std::size_t i, std::size_t d) const { return pts[i][d]; }
  template <class Box>
  bool kdtree_get_bbox(Box&) const {
    return false;
  }
};
using Metric = nanoflann::L2_Simple_Adaptor<double, Cloud>;
using DynamicTree = nanoflann::KDTreeSingleIndexDynamicAdaptor<Metric, Cloud, 2, std::uint32_t>;
using StaticTree = nanoflann::KDTreeSingleIndexAdaptor<Metric, Cloud, 2, std::uint32_t>;

struct NnStats {
  double mean_nn_ratio = 0.0;
  double touching_fraction = 0.0;
};

struct NanoflannScorer {
  Cloud cloud;
  std::unique_ptr<DynamicTree> tree;
  std::vector<double> nn, radius;
  std::vector<std::uint32_t> touch;
  std::vector<std::pair<std::uint32_t, double>> matches;
  double q_sum = 0.0;
  std::size_t n_touching = 0;

  NanoflannScorer() {
    tree = std::make_unique<DynamicTree>(2, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(10));
  }
  static double q(double nn_mm) { return std::min(nn_mm, 2.0 * kExpectedNnMm) / kExpectedNnMm; }

  void add(const sim::Impression& imp) {
    const auto k = static_cast<std::uint32_t>(cloud.pts.size());
    cloud.pts.push_back({imp.pos.x_mm, imp.pos.y_mm});
    radius.push_back(0.5 * imp.fresh_diameter_mm);
    nn.push_back(2.0 * kExpectedNnMm);
    touch.push_back(0);
    tree->addPoints(k, k);
    nanoflann::RadiusResultSet<double, std::uint32_t> result(kReachMm * kReachMm, matches);
    tree->findNeighbors(result, cloud.pts[k].data(), nanoflann::SearchParams(32, 0.0F, false));
    for (const auto& [o, d2] : matches) {
      if (o == k) continue;
      const double d = std::sqrt(d2);
      nn[k] = std::min(nn[k], d);
      if (d < nn[o]) {
        q_sum += q(d) - q(nn[o]);
        nn[o] = d;
      }
      if (d < radius[k] + radius[o]) {
        if (touch[o]++ == 0) ++n_touching;
        ++touch[k];
      }
    }
    q_sum += q(nn[k]);
    if (touch[k] > 0) ++n_touching;
  }
  NnStats report() const {
    const double n = static_cast<double>(cloud.pts.size());
    return {q_sum / n, static_cast<double>(n_touching) / n};
  }
};

// New impressions for the timed adds: other positions over the same area, ids after the session.
std::vector<sim::Impression> extra_impressions(std::size_t n, std::size_t count) {
  auto v = impressions(count, 1);
  for (std::size_t i = 0; i < v.size(); ++i) v[i].id = static_cast<std::uint32_t>(n + i);
  return v;
}

// BM_ScoreIncremental/N: what the trainer does per new impression (Simulation::apply ->
// Scorer::add, then Trainer::refresh_report -> Scorer::report_into its one report) on a session
// of N impressions. Only add + report is timed; pop_back (untimed) puts the session back to
// exactly N. BM_ScoreIncrementalFresh is the same with report() (a new ScoreReport each time).
void score_incremental(benchmark::State& st, bool in_place) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto base = impressions(n);
  auto extra = extra_impressions(n, 512);
  sim::Scorer scorer(scenario(), catalogue());
  for (const auto& imp : base) scorer.add(imp);
  sim::ScoreReport kept = scorer.report();
  std::size_t j = 0;
  for (auto _ : st) {
    sim::Impression& imp = extra[j++ % extra.size()];
    imp.id = static_cast<std::uint32_t>(n);
    sim::ScoreReport fresh;  // destroyed after the timed part, as the trainer's old report was
    const auto t0 = Clock::now();
    scorer.add(imp);
    if (in_place) {
      scorer.report_into(kept);
    } else {
      fresh = scorer.report();
    }
    const auto t1 = Clock::now();
    benchmark::DoNotOptimize(kept);
    benchmark::DoNotOptimize(fresh);
    st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    scorer.pop_back();
  }
  st.counters["impressions"] = static_cast<double>(n);
}
void BM_ScoreIncremental(benchmark::State& st) {
  score_incremental(st, true);
}
void BM_ScoreIncrementalFresh(benchmark::State& st) {
  score_incremental(st, false);
}

// The two halves of the above, to show where the time goes.
void BM_ScoreAddOnly(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto base = impressions(n);
  auto extra = extra_impressions(n, 512);
  sim::Scorer scorer(scenario(), catalogue());
  for (const auto& imp : base) scorer.add(imp);
  std::size_t j = 0;
  for (auto _ : st) {
    sim::Impression& imp = extra[j++ % extra.size()];
    imp.id = static_cast<std::uint32_t>(n);
    const auto t0 = Clock::now();
    scorer.add(imp);
    const auto t1 = Clock::now();
    st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    scorer.pop_back();
  }
}

// Reading this thread's CPU clock costs ~1.3 us on the shared KVM guest, and a per-add interval
// pays about one read: that floor is a third of BM_ScoreAddOnly/100000. The block variants time
// kBlock adds per interval (the session grows by at most kBlock - 1 during it; the scorer pops
// them back untimed) and report the time per add.
constexpr std::size_t kBlock = 64;

void BM_ScoreAddBlock(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto base = impressions(n);
  auto extra = extra_impressions(n, 512);
  sim::Scorer scorer(scenario(), catalogue());
  for (const auto& imp : base) scorer.add(imp);
  std::size_t j = 0;
  for (auto _ : st) {
    const auto t0 = Clock::now();
    for (std::size_t b = 0; b < kBlock; ++b) {
      sim::Impression& imp = extra[j++ % extra.size()];
      imp.id = static_cast<std::uint32_t>(n + b);
      scorer.add(imp);
    }
    const auto t1 = Clock::now();
    st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count() / kBlock);
    for (std::size_t b = 0; b < kBlock; ++b) scorer.pop_back();
  }
}

void BM_NanoflannAddBlock(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto base = impressions(n);
  // as above, the session grows by up to 1% (5% at 10,000) before an untimed rebuild
  const std::size_t window = std::max<std::size_t>(8 * kBlock, n / 100 / kBlock * kBlock);
  const auto extra = extra_impressions(n, window);
  auto build = [&] {
    auto s = std::make_unique<NanoflannScorer>();
    for (const auto& imp : base) s->add(imp);
    return s;
  };
  auto model = build();
  std::size_t j = 0;
  for (auto _ : st) {
    if (j + kBlock > window) {
      model = build();
      j = 0;
    }
    const auto t0 = Clock::now();
    for (std::size_t b = 0; b < kBlock; ++b) {
      model->add(extra[j++]);
      NnStats r = model->report();
      benchmark::DoNotOptimize(r);
    }
    const auto t1 = Clock::now();
    st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count() / kBlock);
  }
}

void BM_ScoreReport(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto base = impressions(n);
  sim::Scorer scorer(scenario(), catalogue());
  for (const auto& imp : base) scorer.add(imp);
  for (auto _ : st) {
    sim::ScoreReport r = scorer.report();
    benchmark::DoNotOptimize(r);
  }
}

// report_into one kept report, as the trainer refreshes it.
void BM_ScoreReportInto(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto base = impressions(n);
  sim::Scorer scorer(scenario(), catalogue());
  for (const auto& imp : base) scorer.add(imp);
  sim::ScoreReport kept;
  for (auto _ : st) {
    scorer.report_into(kept);
    benchmark::DoNotOptimize(kept);
  }
}

// BM_NanoflannIncremental/N: the same per-impression neighbour work on nanoflann's dynamic k-d
// tree. It has no exact undo, so the session grows by up to 1% and is rebuilt (untimed) to N.
void BM_NanoflannIncremental(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto base = impressions(n);
  const std::size_t window = std::max<std::size_t>(1, n / 100);
  const auto extra = extra_impressions(n, window);
  auto build = [&] {
    auto s = std::make_unique<NanoflannScorer>();
    for (const auto& imp : base) s->add(imp);
    return s;
  };
  auto model = build();
  std::size_t j = 0;
  for (auto _ : st) {
    if (j == window) {
      model = build();
      j = 0;
    }
    const auto t0 = Clock::now();
    model->add(extra[j++]);
    NnStats r = model->report();
    const auto t1 = Clock::now();
    benchmark::DoNotOptimize(r);
    st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
}

// BM_ScoreBatch/N: score a whole session of N impressions (score_batch: build + N adds + report).
void BM_ScoreBatch(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto imps = impressions(n);
  for (auto _ : st) {
    sim::ScoreReport r = sim::score_batch(scenario(), catalogue(), imps);
    benchmark::DoNotOptimize(r);
  }
  st.counters["impressions_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

// BM_NanoflannBatch/N: build a static k-d tree over N points, then every point's neighbours
// within the reach: NN distance, touching counts and the NN-ratio statistics.
void BM_NanoflannBatch(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto imps = impressions(n);
  for (auto _ : st) {
    Cloud cloud;
    cloud.pts.reserve(n);
    for (const auto& imp : imps) cloud.pts.push_back({imp.pos.x_mm, imp.pos.y_mm});
    StaticTree tree(2, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(10));
    tree.buildIndex();
    std::vector<std::pair<std::uint32_t, double>> matches;
    double q_sum = 0.0;
    std::size_t touching = 0;
    for (std::uint32_t k = 0; k < n; ++k) {
      tree.radiusSearch(cloud.pts[k].data(), kReachMm * kReachMm, matches,
                        nanoflann::SearchParams(32, 0.0F, false));
      double nn = 2.0 * kExpectedNnMm;
      bool touches = false;
      const double rk = 0.5 * imps[k].fresh_diameter_mm;
      for (const auto& [o, d2] : matches) {
        if (o == k) continue;
        const double d = std::sqrt(d2);
        nn = std::min(nn, d);
        touches = touches || d < rk + 0.5 * imps[o].fresh_diameter_mm;
      }
      q_sum += NanoflannScorer::q(nn);
      touching += touches ? 1 : 0;
    }
    NnStats r{q_sum / static_cast<double>(n), static_cast<double>(touching) / static_cast<double>(n)};
    benchmark::DoNotOptimize(r);
  }
}

// BM_Replay: `smp replay`'s work on a one-hour log held in memory: parse the JSON text, rebuild
// every impression from the stylus samples from tick 0, score (incrementally, as live).
void BM_Replay(benchmark::State& st) {
  const HourLog& log = hour_log();
  std::size_t imps = 0;
  for (auto _ : st) {
    auto session = sim::parse_session(log.text, "<bench>");
    if (!session.ok()) {
      st.SkipWithError("the generated session does not parse");
      return;
    }
    auto out = sim::replay_session(session.value(), scenario(), catalogue());
    if (!out.ok()) {
      st.SkipWithError("replay failed");
      return;
    }
    imps = out->impressions.size();
    benchmark::DoNotOptimize(out);
  }
  st.counters["samples"] = static_cast<double>(log.samples);
  st.counters["impressions"] = static_cast<double>(imps);
  st.counters["log_MB"] = static_cast<double>(log.text.size()) / 1e6;
}

// The replay without the JSON parse (the parse share of BM_Replay).
void BM_ReplayParsed(benchmark::State& st) {
  const HourLog& log = hour_log();
  const auto session = sim::parse_session(log.text, "<bench>");
  if (!session.ok()) {
    st.SkipWithError("the generated session does not parse");
    return;
  }
  for (auto _ : st) {
    auto out = sim::replay_session(session.value(), scenario(), catalogue());
    benchmark::DoNotOptimize(out);
  }
}

// BM_SimulationMemory/N: heap held by a live session of N impressions (the Simulation's
// impression list + the Scorer), from glibc's allocator statistics; bytes per impression. Large
// blocks (the dot arrays) are mmapped and count in hblkhd, not uordblks: both are counted, so the
// figure does not depend on glibc's moving mmap threshold (which earlier benchmarks raise).
void BM_SimulationMemory(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto imps = impressions(n);
  double bytes = 0.0;
  for (auto _ : st) {
    malloc_trim(0);
    auto held = [] {
      const struct mallinfo2 m = mallinfo2();
      return m.uordblks + m.hblkhd;
    };
    const std::size_t before = held();
    {
      sim::Simulation sim(scenario(), catalogue(), 1, sim::ToolState{});
      for (const auto& imp : imps) sim.add_impression(imp);
      bytes = static_cast<double>(held() - before);
      benchmark::DoNotOptimize(sim);
    }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  st.counters["heap_MB"] = bytes / 1e6;
  st.counters["bytes_per_impression"] = bytes / static_cast<double>(n);
  st.counters["process_peak_rss_MB"] = static_cast<double>(ru.ru_maxrss) / 1e3;
}

}  // namespace

BENCHMARK(BM_ScoreIncremental)->Arg(1000)->Arg(10000)->Arg(100000)->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScoreIncrementalFresh)->Arg(1000)->Arg(10000)->Arg(100000)->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScoreAddOnly)->Arg(1000)->Arg(10000)->Arg(100000)->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScoreAddBlock)->Arg(10000)->Arg(100000)->UseManualTime()->Iterations(2000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NanoflannAddBlock)->Arg(10000)->Arg(100000)->UseManualTime()->Iterations(300)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScoreReport)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScoreReportInto)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NanoflannIncremental)->Arg(1000)->Arg(10000)->Arg(100000)->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScoreBatch)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NanoflannBatch)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Replay)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayParsed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimulationMemory)->Arg(1000)->Arg(10000)->Arg(100000)->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace smp::bench
