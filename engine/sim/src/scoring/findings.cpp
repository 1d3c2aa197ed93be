// The report's lists: critical errors in placement order, and the findings (impression findings
// and spot findings merged, the worst first).
#include <algorithm>
#include <string>

#include "scoring/finding_texts.h"
#include "scoring/report_text.h"
#include "scoring/state.h"

namespace smp::sim::scoring {

void State::report_critical_errors(ScoreReport& rep) const {
  // Each dot's messages are a function of (id, depth, flags): reused while those are the same.
  constexpr std::uint32_t kCritFlags = kFlagFat | kFlagForbidden | kFlagBadPigment;
  if (crit_memo.size() > criticals.size()) crit_memo.resize(criticals.size());
  std::size_t n_crit_out = 0;
  for (std::size_t ci = 0; ci < criticals.size(); ++ci) {
    const Dot& d = dots[criticals[ci]];
    if (ci == crit_memo.size()) crit_memo.emplace_back();
    CritMemo& cm = crit_memo[ci];
    if (!cm.valid || cm.ext_id != d.ext_id || !same_bits(cm.depth_mm, d.depth_mm) ||
        cm.flags != (d.flags & kCritFlags)) {
      cm.ext_id = d.ext_id;
      cm.depth_mm = d.depth_mm;
      cm.flags = d.flags & kCritFlags;
      cm.valid = true;
      cm.fat = cm.region = cm.pigment = std::string();
      if (d.flags & kFlagFat) cm.fat = critical_finding_text(kPigmentInFat, d);
      if (d.flags & kFlagForbidden) cm.region = critical_finding_text(kForbiddenRegion, d);
      if (d.flags & kFlagBadPigment) cm.pigment = critical_finding_text(kForbiddenPigment, d);
    }
    auto push = [&](const char* code, const std::string& msg) {
      if (n_crit_out >= kMaxFindings) return;
      if (n_crit_out == rep.critical_errors.size()) rep.critical_errors.emplace_back();
      CriticalError& e = rep.critical_errors[n_crit_out++];
      e.code = code;
      e.message = msg;
      e.impression_id = d.ext_id;
      e.pos = d.pos;
    };
    if (d.flags & kFlagFat) push("pigment_in_fat", cm.fat);
    if (d.flags & kFlagForbidden) push("forbidden_region", cm.region);
    if (d.flags & kFlagBadPigment) push("forbidden_pigment", cm.pigment);
    if (n_crit_out >= kMaxFindings) break;
  }
  rep.critical_errors.resize(n_crit_out);
}

void State::report_findings(ScoreReport& rep) const {
  const std::int64_t n = static_cast<std::int64_t>(dots.size());
  const GridMemo& gm = grid_memo;
  std::vector<Spot>& spots = spot_buf;
  // Two spot streams, each in list order: the hole, clump and grid_like spots (gm.spots, kept
  // sorted between calls) and the few others (sorted here). Their codes differ, so comparing
  // packed keys merges them in list order.
  std::sort(spots.begin(), spots.end(), [](const Spot& a, const Spot& b) { return a.key < b.key; });
  auto grid_it = gm.spots.begin();
  const auto grid_end = n > 0 ? gm.spots.end() : gm.spots.begin();
  std::size_t si = 0;
  const CodeStrings& cs = code_strings();
  const std::size_t most =
      std::min<std::size_t>(kMaxFindings, (n > 0 ? gm.spots.size() : 0) + spots.size() +
                                              fixed_findings.size() + touching_set.size());
  if (rep.findings.capacity() < most) rep.findings.reserve(most);
  // Findings are written over the ones already in rep (their strings keep their storage).
  std::size_t nf = 0;
  auto new_finding = [&](std::uint8_t code, std::int64_t id, PointMm pos, int level) -> Finding& {
    if (nf == rep.findings.size()) rep.findings.emplace_back();
    Finding& f = rep.findings[nf++];
    f.criterion = cs.criterion[code];
    f.code = cs.code[code];
    f.impression_id = id;
    f.pos = pos;
    f.severity = static_cast<double>(level) / kLevels;
    return f;
  };
  // A hole or clump message is a function of the count (e is the cell's own): formatted once
  // per count.
  auto cell_message = [&](std::size_t p) -> const std::string& {
    CellMemo& m = grid_memo.cell[p];
    if (m.msg_cnt != m.cnt) {
      const double k = m.cnt;
      const double e = layout.cell_expected[static_cast<std::size_t>(layout.target_cells[p])];
      m.msg = cell_finding_text(k, e);
      m.msg_cnt = m.cnt;
    }
    return m.msg;
  };
  auto emit_grid_spot = [&](std::uint64_t key) {
    const std::uint8_t code = spot_code(key);
    const std::uint32_t pos = static_cast<std::uint32_t>(key & 0xffffffffu);
    if (code == kGridLike) {
      const int bw = (layout.analysis_nx + 1) / 2;
      const int bx = static_cast<int>(pos) % bw, by = static_cast<int>(pos) / bw;
      new_finding(code, -1,
                  PointMm{layout.analysis_x0 + (bx + 0.5) * 2 * kDensityCellMm,
                          layout.analysis_y0 + (by + 0.5) * 2 * kDensityCellMm},
                  spot_level(key))
          .message = kGridLikeText;
    } else {
      new_finding(code, -1, gm.centre[pos], spot_level(key)).message = cell_message(pos);
    }
  };
  auto emit_spot = [&](const Spot& sp) {
    Finding& f = new_finding(spot_code(sp.key), -1, sp.pos, spot_level(sp.key));
    spot_finding_text(f.message, static_cast<Code>(spot_code(sp.key)), sp.figures);
  };
  // Walk the severity levels from the top; within a level, spots first, then impressions by index
  // and code. Each (level, code) stack is already sorted by index (dots are added in order).
  std::vector<std::pair<std::uint32_t, std::uint8_t>>& level_dots = level_buf;
  for (int level = kLevels; level >= 1 && nf < kMaxFindings; --level) {
    while (nf < kMaxFindings) {
      const bool grid_next = grid_it != grid_end && spot_level(*grid_it) == level;
      const bool other_next = si < spots.size() && spot_level(spots[si].key) == level;
      if (grid_next && (!other_next || *grid_it < spots[si].key)) {
        emit_grid_spot(*grid_it++);
      } else if (other_next) {
        emit_spot(spots[si++]);
      } else {
        break;
      }
    }
    const std::size_t room = kMaxFindings - nf;
    if (room == 0) break;
    if (level_count[static_cast<std::size_t>(level)] == 0 &&
        (level != kSevTouching || touching_set.empty()))
      continue;  // nothing at this level: skip the 23 stacks
    level_dots.clear();
    for (std::uint8_t code = 0; code < kCodeCount; ++code) {
      const auto& b =
          buckets[static_cast<std::size_t>(code) * (kLevels + 1) + static_cast<std::size_t>(level)];
      for (std::size_t i = 0; i < b.size() && i < room; ++i) level_dots.emplace_back(b[i], code);
      if (code == kTouching && level == kSevTouching) {
        std::size_t i = 0;
        for (auto t = touching_set.begin(); t != touching_set.end() && i < room; ++t, ++i)
          level_dots.emplace_back(*t, code);
      }
    }
    std::sort(level_dots.begin(), level_dots.end());
    for (std::size_t i = 0; i < level_dots.size() && i < room; ++i) {
      const auto [idx, code] = level_dots[i];
      const Dot& d = dots[idx];
      const std::uint64_t mk = std::uint64_t{idx} * kCodeCount + code;
      auto it = dot_msg_memo.find(mk);
      if (it == dot_msg_memo.end())
        it = dot_msg_memo
                 .emplace(
                     mk, dot_finding_text(static_cast<Code>(code), d, scenario->patient.hair_lab.L))
                 .first;
      new_finding(code, d.ext_id, d.pos, level).message = it->second;
    }
  }
  rep.findings.resize(nf);
}

}  // namespace smp::sim::scoring
