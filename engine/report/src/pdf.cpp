#include "smp/report/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "pdf_text.h"
#include "smp/report/images.h"
#include "smp/report/keys.h"
#include "smp/report/plots.h"
#include "smp/sim/color.h"
#include "smp/sim/healing.h"
#include "smp/sim/session.h"

namespace smp::report {
namespace {

using detail::Align;
using detail::Face;
using detail::Ink;
using detail::kAccent;
using detail::kFail;
using detail::kMuted;
using detail::kPass;
using detail::kRule;
using detail::kText;
using detail::style;
using detail::TextStyle;

// A4 portrait in points, 17 mm side margins.
constexpr double kPageW = 595.276, kPageH = 841.890;
constexpr double kLeft = 48.0, kRight = kPageW - 48.0, kWidth = kRight - kLeft;
constexpr double kTop = 40.0, kBottom = kPageH - 44.0;
constexpr int kPages = 3;
constexpr double kPictureDpi = 240.0;  // pictures embedded at print resolution, not screen

TextStyle wrapped(TextStyle st, double width, Align align = Align::kLeft) {
  st.width_pt = width;
  st.align = align;
  return st;
}

void set_ink(cairo_t* cr, Ink k, double a = 1.0) {
  cairo_set_source_rgba(cr, k.r, k.g, k.b, a);
}

void hrule(cairo_t* cr, double y, double x0 = kLeft, double x1 = kRight, Ink k = kRule,
           double w = 0.6) {
  set_ink(cr, k);
  cairo_set_line_width(cr, w);
  cairo_move_to(cr, x0, y);
  cairo_line_to(cr, x1, y);
  cairo_stroke(cr);
}

void rounded_rect(cairo_t* cr, double x, double y, double w, double h, double r) {
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + w - r, y + r, r, -std::numbers::pi / 2, 0);
  cairo_arc(cr, x + w - r, y + h - r, r, 0, std::numbers::pi / 2);
  cairo_arc(cr, x + r, y + h - r, r, std::numbers::pi / 2, std::numbers::pi);
  cairo_arc(cr, x + r, y + r, r, std::numbers::pi, 3 * std::numbers::pi / 2);
  cairo_close_path(cr);
}

std::string fmt(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string or_dash(const std::string& s) {
  return s.empty() ? "\u2014" : s;
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string person_line(const Person& p) {
  if (p.name.empty()) return or_dash(p.id);
  return p.id.empty() ? p.name : p.name + "  (" + p.id + ")";
}

struct Doc {
  cairo_t* cr = nullptr;
  const PdfInputs* in = nullptr;
  int page = 1;
};

// Header: academy name and document kind; footer: report id and page number.
void page_frame(Doc& d) {
  cairo_t* cr = d.cr;
  const ReportRecord& r = d.in->record;
  detail::draw_text(cr, kLeft, kTop, or_dash(r.academy.name),
                    style(10.0, Face::kSansBold, kAccent));
  TextStyle right = style(7.5, Face::kSans, kMuted);
  right.align = Align::kRight;
  detail::draw_text(cr, kRight, kTop + 2.0, "Scalp micropigmentation \u00b7 assessment report",
                    right);
  hrule(cr, kTop + 17.0, kLeft, kRight, kAccent, 1.2);

  hrule(cr, kBottom, kLeft, kRight, kRule, 0.5);
  TextStyle foot = style(6.5, Face::kSans, kMuted);
  detail::draw_text(cr, kLeft, kBottom + 4.0,
                    "Report " + or_dash(r.report_id) + "  \u00b7  " + or_dash(r.simulator_version),
                    foot);
  foot.align = Align::kRight;
  detail::draw_text(cr, kRight, kBottom + 4.0,
                    "Page " + std::to_string(d.page) + " of " + std::to_string(kPages), foot);
}

double section_heading(cairo_t* cr, double y, const std::string& title) {
  const auto sz = detail::draw_text(cr, kLeft, y, title, style(11.5, Face::kSansBold, kAccent));
  return y + sz.h + 4.0;
}

// ---- page 1 ------------------------------------------------------------------------------

double verdict_box(cairo_t* cr, const ReportRecord& r, double x, double y, double w) {
  const Ink ink = r.passed ? kPass : kFail;
  const double h = 118.0;
  rounded_rect(cr, x, y, w, h, 6.0);
  set_ink(cr, ink);
  cairo_fill(cr);
  TextStyle big = style(40.0, Face::kSansBold, Ink{1, 1, 1});
  big.align = Align::kCenter;
  detail::draw_text(cr, x + w / 2, y + 10.0, r.passed ? "PASS" : "FAIL", big);
  TextStyle mid = style(11.0, Face::kSansBold, Ink{1, 1, 1});
  mid.align = Align::kCenter;
  detail::draw_text(cr, x + w / 2, y + 66.0,
                    "Overall " + permille_to_text(r.overall_permille) + " / 100", mid);
  TextStyle sm = style(8.0, Face::kSans, Ink{1, 1, 1});
  sm.align = Align::kCenter;
  detail::draw_text(cr, x + w / 2, y + 84.0,
                    "pass mark " + permille_to_text(r.overall_pass_mark_permille), sm);
  const std::size_t failed = static_cast<std::size_t>(std::count_if(
      r.criteria.begin(), r.criteria.end(), [](const CriterionResult& c) { return !c.passed; }));
  std::string line = std::to_string(r.criteria.size() - failed) + " of " +
                     std::to_string(r.criteria.size()) + " criteria met";
  if (!r.critical_errors.empty()) {
    line += " \u00b7 " + std::to_string(r.critical_errors.size()) + " critical error" +
            (r.critical_errors.size() == 1 ? "" : "s");
  }
  detail::draw_text(cr, x + w / 2, y + 97.0, line, sm);
  return y + h;
}

// Why an attempt failed, in the order an assessor reads it.
std::vector<std::string> fail_reasons(const ReportRecord& r) {
  std::vector<std::string> out;
  if (r.passed) return out;
  if (!r.critical_errors.empty())
    out.push_back("a critical error fails the attempt whatever the score");
  if (r.overall_permille < r.overall_pass_mark_permille)
    out.push_back("overall score below the pass mark");
  std::string below;
  std::size_t count = 0;
  for (const auto& c : r.criteria) {
    if (c.passed) continue;
    below += (count++ ? ", " : "") + (c.label.empty() ? c.key : c.label);
  }
  if (count > 0)
    out.push_back("below " + std::string(count == 1 ? "its" : "their") + " pass mark: " + below);
  return out;
}

double details_grid(cairo_t* cr, double x, double y, double w,
                    const std::vector<std::pair<std::string, std::string>>& rows) {
  const double label_w = 78.0;
  for (const auto& [k, v] : rows) {
    detail::draw_text(cr, x, y + 1.0, k, style(7.8, Face::kSans, kMuted));
    const auto sz = detail::draw_text(cr, x + label_w, y, v, wrapped(style(9.0), w - label_w));
    y += std::max(12.5, sz.h + 2.5);
  }
  return y;
}

void score_bar(cairo_t* cr, double x, double y, double w, double h, double score, double mark,
               bool passed) {
  rounded_rect(cr, x, y, w, h, h / 2);
  cairo_set_source_rgb(cr, 0.91, 0.91, 0.93);
  cairo_fill(cr);
  const double sw = std::clamp(score / 100.0, 0.0, 1.0) * w;
  if (sw > 0.5) {
    rounded_rect(cr, x, y, std::max(sw, h), h, h / 2);
    set_ink(cr, passed ? kAccent : kFail);
    cairo_fill(cr);
  }
  const double mx = x + std::clamp(mark / 100.0, 0.0, 1.0) * w;
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_line_width(cr, 1.2);
  cairo_move_to(cr, mx, y - 2.5);
  cairo_line_to(cr, mx, y + h + 2.5);
  cairo_stroke(cr);
}

double criteria_table(cairo_t* cr, const ReportRecord& r, double y) {
  y = section_heading(cr, y, "Criteria");
  // Columns: label | score | pass mark | weight | result | bar
  const double c_score = kLeft + 190.0, c_mark = c_score + 52.0, c_weight = c_mark + 44.0;
  const double c_result = c_weight + 12.0, c_bar = c_result + 70.0;
  const double bar_w = kRight - c_bar;
  TextStyle head = style(7.0, Face::kSansBold, kMuted);
  detail::draw_text(cr, kLeft, y, "CRITERION", head);
  head.align = Align::kRight;
  detail::draw_text(cr, c_score, y, "SCORE", head);
  detail::draw_text(cr, c_mark, y, "PASS MARK", head);
  detail::draw_text(cr, c_weight, y, "WEIGHT", head);
  head.align = Align::kLeft;
  detail::draw_text(cr, c_result, y, "RESULT", head);
  detail::draw_text(cr, c_bar, y, "0", head);
  head.align = Align::kRight;
  detail::draw_text(cr, c_bar + bar_w, y, "100", head);
  y += 11.0;
  hrule(cr, y, kLeft, kRight, kText, 0.7);
  y += 4.0;
  auto row = [&](const std::string& label, const std::string& explanation, std::int64_t score,
                 std::int64_t mark, const std::string& weight, bool passed, bool bold) {
    const Face f = bold ? Face::kSansBold : Face::kSans;
    const double size = bold ? 10.0 : 9.5;
    const double label_h =
        detail::draw_text(cr, kLeft, y, label,
                          wrapped(style(size, Face::kSansBold), c_score - kLeft - 42.0))
            .h;
    TextStyle num = style(size, f);
    num.align = Align::kRight;
    detail::draw_text(cr, c_score, y, permille_to_text(score), num);
    TextStyle mk = style(size, Face::kSans, kMuted);
    mk.align = Align::kRight;
    detail::draw_text(cr, c_mark, y, permille_to_text(mark), mk);
    detail::draw_text(cr, c_weight, y, weight, mk);
    detail::draw_text(cr, c_result, y, passed ? "\u2714 met" : "\u2718 not met",
                      style(size, Face::kSansBold, passed ? kPass : kFail));
    score_bar(cr, c_bar, y + 3.0, bar_w, 6.5, static_cast<double>(score) / 10.0,
              static_cast<double>(mark) / 10.0, passed);
    double h = std::max(14.0, label_h + 1.0);
    if (!explanation.empty()) {
      const auto sz =
          detail::draw_text(cr, kLeft + 8.0, y + h - 0.5, explanation,
                            wrapped(style(7.6, Face::kSans, kMuted), c_result - kLeft - 20.0));
      h += sz.h + 1.5;
    }
    y += h + 3.0;
    hrule(cr, y - 1.5);
    y += 2.0;
  };
  for (const auto& c : r.criteria) {
    row(c.label.empty() ? c.key : c.label, c.explanation, c.score_permille, c.pass_mark_permille,
        fmt(static_cast<double>(c.weight_permille) / 1000.0, 1), c.passed, false);
  }
  row("Overall (weighted mean)", "", r.overall_permille, r.overall_pass_mark_permille, "",
      r.overall_permille >= r.overall_pass_mark_permille, true);
  return y;
}

double critical_errors(cairo_t* cr, const ReportRecord& r, double y) {
  y = section_heading(cr, y + 4.0, "Critical errors");
  if (r.critical_errors.empty()) {
    const auto sz =
        detail::draw_text(cr, kLeft, y, "\u2714 None.", style(9.0, Face::kSansBold, kPass));
    return y + sz.h + 4.0;
  }
  const std::size_t shown = std::min<std::size_t>(r.critical_errors.size(), 6);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& e = r.critical_errors[i];
    std::string text = e.message.empty() ? e.code : e.message;
    if (e.impression_id >= 0) text += "  (impression #" + std::to_string(e.impression_id) + ")";
    detail::draw_text(cr, kLeft, y, "\u2718", style(9.0, Face::kSansBold, kFail));
    const auto sz = detail::draw_text(cr, kLeft + 12.0, y, text,
                                      wrapped(style(9.0, Face::kSans, kFail), kWidth - 12.0));
    y += sz.h + 3.0;
  }
  if (r.critical_errors.size() > shown) {
    const auto sz = detail::draw_text(cr, kLeft + 12.0, y,
                                      "and " + std::to_string(r.critical_errors.size() - shown) +
                                          " more (all listed in report.json)",
                                      style(8.0, Face::kSansOblique, kMuted));
    y += sz.h + 3.0;
  }
  const auto sz = detail::draw_text(cr, kLeft, y + 1.0,
                                    "A critical error fails the attempt whatever the scores.",
                                    style(7.5, Face::kSansOblique, kMuted));
  return y + sz.h + 4.0;
}

double findings(cairo_t* cr, const ReportRecord& r, double y, double limit_y) {
  // Findings about an impression already listed as a critical error would only repeat it.
  std::vector<const FindingRef*> shown;
  for (const auto& f : r.findings) {
    const bool repeated =
        f.impression_id >= 0 &&
        std::any_of(r.critical_errors.begin(), r.critical_errors.end(),
                    [&](const CriticalErrorRef& e) { return e.impression_id == f.impression_id; });
    if (!repeated && shown.size() < 5) shown.push_back(&f);
  }
  if (shown.empty()) return y;
  y = section_heading(cr, y + 4.0, "What to work on");
  for (const FindingRef* fp : shown) {
    const auto& f = *fp;
    std::string text = f.message.empty() ? f.code : f.message;
    if (f.impression_id >= 0) text += "  (impression #" + std::to_string(f.impression_id) + ")";
    const TextStyle st = wrapped(style(8.6), kWidth - 70.0);
    const auto need = detail::measure_text(cr, text, st);
    if (y + need.h > limit_y) break;
    detail::draw_text(cr, kLeft, y + 0.8, f.criterion, style(7.4, Face::kSansBold, kMuted));
    const auto sz = detail::draw_text(cr, kLeft + 62.0, y, text, st);
    y += sz.h + 3.0;
  }
  return y;
}

// Lines for the paper copy an academy files: the assessor and the trainee sign and date it.
void sign_off(cairo_t* cr, const ReportRecord& r, double y) {
  const double w = (kWidth - 30.0) / 2.0;
  const std::array<std::pair<std::string, std::string>, 2> who = {{
      {"Assessor", r.instructor
                       ? (r.instructor->name.empty() ? r.instructor->id : r.instructor->name)
                       : std::string()},
      {"Trainee", r.trainee.name},
  }};
  for (std::size_t i = 0; i < who.size(); ++i) {
    const double x = kLeft + static_cast<double>(i) * (w + 30.0);
    hrule(cr, y + 22.0, x, x + w * 0.64, kText, 0.6);
    hrule(cr, y + 22.0, x + w * 0.70, x + w, kText, 0.6);
    std::string label = who[i].first + "\u2019s signature";
    if (!who[i].second.empty()) label += " (" + who[i].second + ")";
    detail::draw_text(cr, x, y + 25.0,
                      detail::ellipsize(cr, label, style(7.0, Face::kSans, kMuted), w * 0.64),
                      style(7.0, Face::kSans, kMuted));
    detail::draw_text(cr, x + w * 0.70, y + 25.0, "Date", style(7.0, Face::kSans, kMuted));
  }
}

void page_summary(Doc& d) {
  cairo_t* cr = d.cr;
  const ReportRecord& r = d.in->record;
  page_frame(d);
  double y = kTop + 28.0;
  const bool practice = r.purpose == kPurposePractice;
  detail::draw_text(
      cr, kLeft, y,
      practice ? "PRACTICE RECORD \u2014 NOT A CERTIFICATION" : "CERTIFICATION ASSESSMENT",
      style(7.5, Face::kSansBold, practice ? kFail : kMuted));
  y += 11.0;
  const std::string title = r.scenario.title.empty() ? r.scenario.id : r.scenario.title;
  y +=
      detail::draw_text(cr, kLeft, y, title, wrapped(style(17.0, Face::kSansBold), kWidth)).h + 2.0;
  std::string meta = "Scenario " + r.scenario.id + " v" + std::to_string(r.scenario.version);
  for (const std::string* s : {&r.scenario.case_kind, &r.scenario.technique}) {
    if (!s->empty()) {
      std::string t = *s;
      std::replace(t.begin(), t.end(), '_', ' ');
      meta += " \u00b7 " + t;
    }
  }
  meta += " \u00b7 level " + std::to_string(r.scenario.level);
  if (!r.scenario.mode.empty()) meta += " \u00b7 " + r.scenario.mode + " mode";
  y += detail::draw_text(cr, kLeft, y, meta, wrapped(style(8.5, Face::kSans, kMuted), kWidth)).h;
  y += 8.0;
  hrule(cr, y);
  y += 12.0;

  // Who and when (left), verdict (right).
  const double box_w = 168.0, left_w = kWidth - box_w - 18.0;
  const double top = y;
  detail::draw_text(cr, kLeft, y, "TRAINEE", style(7.0, Face::kSansBold, kMuted));
  y += 10.0;
  y += detail::draw_text(cr, kLeft, y, or_dash(r.trainee.name),
                         wrapped(style(21.0, Face::kSansBold), left_w))
           .h;
  if (!r.trainee.id.empty()) {
    y += detail::draw_text(cr, kLeft, y, "Trainee ID " + r.trainee.id,
                           wrapped(style(8.5, Face::kSans, kMuted), left_w))
             .h;
  }
  y += 8.0;
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("Assessor", r.instructor ? person_line(*r.instructor) : "\u2014");
  rows.emplace_back("Academy", or_dash(r.academy.name));
  rows.emplace_back("Date", human_date(r.issued_at));
  if (!r.session.started_at.empty()) {
    rows.emplace_back("Session",
                      human_date(r.session.started_at) + " \u2013 " +
                          human_date(r.session.ended_at)
                              .substr(human_date(r.session.ended_at).find(", ") == std::string::npos
                                          ? 0
                                          : human_date(r.session.ended_at).find(", ") + 2));
  }
  rows.emplace_back("Duration", human_duration(r.session.duration_ms) +
                                    (r.session.finished ? "" : "  (not finished by the trainee)"));
  rows.emplace_back("Attempt", std::to_string(r.attempt));
  rows.emplace_back("Impressions", std::to_string(r.session.impression_count));
  y = details_grid(cr, kLeft, y, left_w, rows);

  double by = verdict_box(cr, r, kRight - box_w, top, box_w);
  const auto reasons = fail_reasons(r);
  by += 6.0;
  for (std::size_t i = 0; i < reasons.size() && i < 4; ++i) {
    by += detail::draw_text(cr, kRight - box_w, by, "\u2022 " + reasons[i],
                            wrapped(style(7.6, Face::kSans, kFail), box_w))
              .h +
          1.0;
  }
  y = std::max(y, by) + 14.0;
  y = criteria_table(cr, r, y);
  y = critical_errors(cr, r, y + 6.0);
  constexpr double kSignBlock = 62.0;
  y = findings(cr, r, y + 4.0, kBottom - kSignBlock - 12.0);
  if (y < kBottom - kSignBlock - 6.0) sign_off(cr, r, kBottom - kSignBlock + 8.0);
}

// ---- page 2: pictures and plots -----------------------------------------------------------

// Renders the work at `t_days` for `box` into a raster at kPictureDpi and places it at
// (x, y, w, h) points. The raster is what a printer gets; vector dots would not blur softly.
sim::Result<bool> place_picture(Doc& d, const sim::BoxMm& box, double t_days, double x, double y,
                                double w, double h) {
  WorkView v;
  v.box = box;
  const double px_per_pt = kPictureDpi / 72.0;
  v.width_px = std::max(1, static_cast<int>(std::lround(w * px_per_pt)));
  v.height_px = std::max(1, static_cast<int>(std::lround(h * px_per_pt)));
  v.px_per_mm = v.width_px / (box.max.x_mm - box.min.x_mm);
  cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, v.width_px, v.height_px);
  cairo_t* icr = cairo_create(img);
  work_view_transform(icr, v);
  auto ok = draw_work(icr, d.in->scenario, d.in->catalogue, d.in->impressions, t_days, v);
  cairo_destroy(icr);
  if (!ok.ok()) {
    cairo_surface_destroy(img);
    return ok;
  }
  cairo_surface_flush(img);
  cairo_save(d.cr);
  cairo_translate(d.cr, x, y);
  cairo_scale(d.cr, w / v.width_px, h / v.height_px);
  cairo_set_source_surface(d.cr, img, 0, 0);
  cairo_paint(d.cr);
  cairo_restore(d.cr);
  cairo_surface_destroy(img);
  cairo_set_source_rgb(d.cr, 0.55, 0.55, 0.58);
  cairo_set_line_width(d.cr, 0.5);
  cairo_rectangle(d.cr, x, y, w, h);
  cairo_stroke(d.cr);
  return true;
}

double nice_bar_mm(double want) {
  double best = 0.5;
  for (double s : {0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0}) {
    if (s <= want) best = s;
  }
  return best;
}

void scale_bar(cairo_t* cr, double x, double y, double pt_per_mm, double max_w) {
  const double mm = nice_bar_mm(max_w / pt_per_mm);
  const double w = mm * pt_per_mm;
  cairo_set_source_rgb(cr, 0.15, 0.15, 0.17);
  cairo_rectangle(cr, x, y, w, 2.2);
  cairo_fill(cr);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, x, y - 1.5);
  cairo_line_to(cr, x, y + 3.7);
  cairo_move_to(cr, x + w, y - 1.5);
  cairo_line_to(cr, x + w, y + 3.7);
  cairo_stroke(cr);
  detail::draw_text(cr, x + w + 4.0, y - 2.6, (mm < 1.0 ? fmt(mm, 1) : fmt(mm, 0)) + " mm",
                    style(6.5, Face::kSans, kMuted));
}

// The detail window: 8 mm wide, centred on the impression nearest the centroid of the work.
std::optional<sim::BoxMm> detail_box(std::span<const sim::Impression> imps,
                                     double aspect_h_over_w) {
  double cx = 0.0, cy = 0.0;
  std::size_t n = 0;
  for (const auto& i : imps) {
    if (!std::isfinite(i.pos.x_mm) || !std::isfinite(i.pos.y_mm)) continue;
    cx += i.pos.x_mm;
    cy += i.pos.y_mm;
    ++n;
  }
  if (n == 0) return std::nullopt;
  cx /= static_cast<double>(n);
  cy /= static_cast<double>(n);
  const sim::Impression* best = nullptr;
  double bd = 1e300;
  for (const auto& i : imps) {
    const double dd = sim::distance_mm(i.pos, {cx, cy});
    if (!std::isfinite(dd)) continue;
    if (dd < bd) {
      bd = dd;
      best = &i;
    }
  }
  if (best == nullptr) return std::nullopt;
  const double w = 8.0, h = w * aspect_h_over_w;
  return sim::BoxMm{{best->pos.x_mm - w / 2, best->pos.y_mm - h / 2},
                    {best->pos.x_mm + w / 2, best->pos.y_mm + h / 2}};
}

double median_healed_diameter_mm(const PdfInputs& in) {
  std::vector<double> d;
  d.reserve(in.impressions.size());
  for (const auto& imp : in.impressions) {
    const sim::Pigment* p = in.catalogue.find(imp.pigment);
    if (p == nullptr) continue;
    const sim::SkinSample s = sim::skin_at(in.scenario, imp.pos);
    const sim::Appearance a = sim::appearance_at(imp, s, *p, in.scenario.patient.skin_lab, 30.0);
    if (a.opacity > 0.0) d.push_back(a.diameter_mm);
  }
  if (d.empty()) return 0.0;
  std::nth_element(d.begin(), d.begin() + static_cast<long>(d.size() / 2), d.end());
  return d[d.size() / 2];
}

// The detail window's white frame on a picture placed at (x, y) with `s` points per mm.
void frame_detail(cairo_t* cr, const WorkView& view, const sim::BoxMm& dbox, double x, double y,
                  double s) {
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_set_line_width(cr, 0.8);
  cairo_rectangle(cr, x + (view.box.max.x_mm - dbox.max.x_mm) * s,
                  y + (dbox.min.y_mm - view.box.min.y_mm) * s, (dbox.max.x_mm - dbox.min.x_mm) * s,
                  (dbox.max.y_mm - dbox.min.y_mm) * s);
  cairo_stroke(cr);
}

sim::Result<bool> page_work(Doc& d, const WorkView& view) {
  cairo_t* cr = d.cr;
  page_frame(d);
  double y = section_heading(cr, kTop + 28.0, "The work");
  const std::string where =
      d.in->scenario.surface == sim::Surface::kPracticePad
          ? "The practice pad seen from above (the scenario\u2019s y axis pointing down)"
          : "The treated area seen from above, front at the top, the patient\u2019s left on the "
            "left";
  y += detail::draw_text(
           cr, kLeft, y,
           where +
               "; simulated appearance fresh, healed and aged, with a magnified detail (white "
               "frame) showing each dot at its simulated size, colour and softness. Faint lines: "
               "region outlines (red dashes: no pigment allowed).",
           wrapped(style(7.8, Face::kSans, kMuted), kWidth))
           .h +
       8.0;
  const auto specs = standard_work_images();
  const std::size_t n = std::min<std::size_t>(specs.size(), 3);
  const double gap = 10.0;
  const double cw = (kWidth - 2 * gap) / 3.0;
  const double mm_w = view.box.max.x_mm - view.box.min.x_mm;
  const double mm_h = view.box.max.y_mm - view.box.min.y_mm;
  constexpr double kPlots = 185.0, kDetailRow = 135.0, kDetailMm = 8.0;
  const double budget = kBottom - 10.0 - y - kPlots;
  // Three layouts; the one that prints the pictures largest wins:
  //  kColumns: pictures side by side, a row of details under them (squarish areas);
  //  kRows: full-width pictures one above the other, details under them (strip scars);
  //  kBeside: one row per time, the detail beside its picture (wide hairline bands).
  enum class Layout { kColumns, kRows, kBeside };
  const double s_cols = std::min(cw / mm_w, std::min(200.0, budget - kDetailRow - 31.0) / mm_h);
  const double s_rows = std::min(kWidth / mm_w, (budget - kDetailRow - 3 * 19.0) / 3.0 / mm_h);
  const double s_beside = std::min(kWidth * 0.62 / mm_w, (budget / 3.0 - 19.0) / mm_h);
  Layout layout = Layout::kColumns;
  double s = s_cols;
  if (s_rows > 1.15 * s) {
    layout = Layout::kRows;
    s = s_rows;
  }
  if (s_beside > 1.15 * s && kWidth - mm_w * s_beside - gap >= 140.0) {
    layout = Layout::kBeside;
    s = s_beside;
  }
  const double pw = mm_w * s, ph = mm_h * s;

  if (layout == Layout::kBeside) {
    const double dw = kWidth - pw - gap, dh = ph;
    const auto dbox = detail_box(d.in->impressions, dh / dw);
    for (std::size_t i = 0; i < n; ++i) {
      const double ly = y + static_cast<double>(i) * (ph + 19.0);
      detail::draw_text(cr, kLeft, ly, specs[i].label, style(8.5, Face::kSansBold));
      scale_bar(cr, kLeft + pw - 70.0, ly + 4.0, s, 40.0);
      auto ok = place_picture(d, view.box, specs[i].t_days, kLeft, ly + 13.0, pw, ph);
      if (!ok.ok()) return ok;
      if (dbox) {
        frame_detail(cr, view, *dbox, kLeft, ly + 13.0, s);
        const double dx = kLeft + pw + gap;
        detail::draw_text(cr, dx, ly + 1.0, "detail", style(7.5, Face::kSans, kMuted));
        scale_bar(cr, dx + dw - 70.0, ly + 4.0, dw / kDetailMm, 40.0);
        auto okd = place_picture(d, *dbox, specs[i].t_days, dx, ly + 13.0, dw, dh);
        if (!okd.ok()) return okd;
      }
    }
    y += 3 * (ph + 19.0) + 4.0;
  } else {
    const bool rows = layout == Layout::kRows;
    const double pictures_h = rows ? 3 * (ph + 19.0) : 13.0 + ph + 18.0;
    // The magnified details get the room the plots leave.
    const double room = kBottom - 10.0 - (y + pictures_h) - 12.0 - 20.0 - kPlots;
    const double detail_h_over_w = std::clamp(room / cw, 0.6, 1.0);
    const auto dbox = detail_box(d.in->impressions, detail_h_over_w);
    for (std::size_t i = 0; i < n; ++i) {
      const double x = rows ? kLeft : kLeft + static_cast<double>(i) * (cw + gap);
      const double ly = rows ? y + static_cast<double>(i) * (ph + 19.0) : y;
      detail::draw_text(cr, x, ly, specs[i].label, style(8.5, Face::kSansBold));
      auto ok = place_picture(d, view.box, specs[i].t_days, x, ly + 13.0, pw, ph);
      if (!ok.ok()) return ok;
      if (dbox) frame_detail(cr, view, *dbox, x, ly + 13.0, s);
      if (rows) {
        scale_bar(cr, x + pw - 70.0, ly + 4.0, s, 40.0);
      } else {
        scale_bar(cr, x, ly + 13.0 + ph + 6.0, s, pw * 0.4);
      }
    }
    y += pictures_h;
    if (dbox) {
      const double dw = cw, dh = cw * detail_h_over_w;
      const double mag = (dw / kDetailMm) / (72.0 / 25.4);  // printed size over real size
      detail::draw_text(
          cr, kLeft, y,
          "Detail (white frame above), magnified about \u00d7" + fmt(mag, 0) + " on paper",
          style(7.8, Face::kSans, kMuted));
      y += 12.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double x = kLeft + static_cast<double>(i) * (cw + gap);
        auto ok = place_picture(d, *dbox, specs[i].t_days, x, y, dw, dh);
        if (!ok.ok()) return ok;
        scale_bar(cr, x, y + dh + 6.0, dw / kDetailMm, dw * 0.4);
      }
      y += dh + 20.0;
    }
  }
  const double ph2 = std::clamp(kBottom - 10.0 - y, 150.0, 210.0);
  const double half = (kWidth - 16.0) / 2.0;
  draw_depth_histogram(cr, {kLeft, y, half, ph2}, d.in->scenario, d.in->impressions);
  draw_spacing_histogram(cr, {kLeft + half + 16.0, y, half, ph2}, d.in->scenario, d.in->impressions,
                         median_healed_diameter_mm(*d.in));
  return true;
}

// ---- page 3: density and verification ---------------------------------------------------

struct Figures {
  std::size_t total = 0, treated = 0;
  double area_cm2 = 0.0, target_per_cm2 = 0.0;
  double mean_nn_mm = 0.0, touching_fraction = 0.0, median_depth_mm = 0.0;
  double in_band_fraction = 0.0, healed_diameter_mm = 0.0;
};

bool treated_role(sim::RegionRole r) {
  return r == sim::RegionRole::kTreat || r == sim::RegionRole::kScar ||
         r == sim::RegionRole::kHairlineTransition;
}

// The figures printed beside the density map, computed from the impressions as drawn.
Figures figures(const PdfInputs& in) {
  Figures f;
  const auto& imps = in.impressions;
  f.total = imps.size();
  double target_weighted = 0.0;
  for (const auto& r : in.scenario.regions) {
    if (!treated_role(r.role)) continue;
    const double a = sim::polygon_area_mm2(r.polygon_mm) / 100.0;
    f.area_cm2 += a;
    target_weighted += a * r.density_per_cm2;
  }
  if (f.area_cm2 > 0.0) f.target_per_cm2 = target_weighted / f.area_cm2;
  std::size_t in_band = 0;
  std::vector<double> depths;
  for (const auto& imp : imps) {
    depths.push_back(imp.depth_mm);
    const sim::Region* last = nullptr;
    for (std::size_t k : sim::regions_at(in.scenario, imp.pos)) {
      if (treated_role(in.scenario.regions[k].role)) last = &in.scenario.regions[k];
    }
    if (last == nullptr) continue;
    ++f.treated;
    if (imp.depth_mm >= last->depth_min_mm && imp.depth_mm <= last->depth_max_mm) ++in_band;
  }
  if (f.treated > 0)
    f.in_band_fraction = static_cast<double>(in_band) / static_cast<double>(f.treated);
  if (!depths.empty()) {
    std::nth_element(depths.begin(), depths.begin() + static_cast<long>(depths.size() / 2),
                     depths.end());
    f.median_depth_mm = depths[depths.size() / 2];
  }
  f.healed_diameter_mm = median_healed_diameter_mm(in);
  const auto nn = nearest_neighbour_mm(imps);
  std::size_t touching = 0;
  for (double v : nn) {
    f.mean_nn_mm += v;
    if (v < f.healed_diameter_mm) ++touching;
  }
  if (!nn.empty()) {
    f.mean_nn_mm /= static_cast<double>(nn.size());
    f.touching_fraction = static_cast<double>(touching) / static_cast<double>(nn.size());
  }
  return f;
}

std::string pct(double x) {
  return fmt(x * 100.0, 0) + " %";
}

void page_verify(Doc& d, const WorkView& view) {
  cairo_t* cr = d.cr;
  const ReportRecord& r = d.in->record;
  page_frame(d);
  double y = section_heading(cr, kTop + 28.0, "Coverage");
  const double mm_w = view.box.max.x_mm - view.box.min.x_mm;
  const double mm_h = view.box.max.y_mm - view.box.min.y_mm;
  const double map_max_w = 250.0, map_max_h = 230.0;
  const double sc = std::min(map_max_w / mm_w, map_max_h / mm_h);
  const double map_w = mm_w * sc, map_h = mm_h * sc;
  draw_density_map(cr, {kLeft, y, map_w + 46.0, map_h + 15.0}, d.in->scenario, d.in->impressions,
                   view);

  // Figures beside the map.
  const Figures f = figures(*d.in);
  const double fx = kLeft + std::max(map_w + 46.0, 200.0) + 28.0, fw = kRight - fx;
  double fy = y;
  detail::draw_text(cr, fx, fy, "FIGURES", style(7.0, Face::kSansBold, kMuted));
  fy += 12.0;
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("Impressions", std::to_string(f.total) + " (" + std::to_string(f.treated) +
                                       " in treated regions)");
  rows.emplace_back("Treated area", fmt(f.area_cm2, 1) + " cm\u00b2");
  if (f.area_cm2 > 0.0) {
    rows.emplace_back("Density", fmt(static_cast<double>(f.treated) / f.area_cm2, 0) +
                                     " dots/cm\u00b2 (target " + fmt(f.target_per_cm2, 0) +
                                     ", area-weighted)");
  }
  rows.emplace_back("Mean spacing", fmt(f.mean_nn_mm, 2) + " mm to the nearest dot");
  rows.emplace_back("Touching", pct(f.touching_fraction) + " of dots closer than one healed dot");
  rows.emplace_back("Healed dot", fmt(f.healed_diameter_mm, 2) + " mm across (median)");
  rows.emplace_back("Depth", fmt(f.median_depth_mm, 2) + " mm median; " + pct(f.in_band_fraction) +
                                 " in the target band");
  const double lw = 66.0;
  for (const auto& [k, v] : rows) {
    detail::draw_text(cr, fx, fy + 0.6, k, style(7.6, Face::kSans, kMuted));
    fy +=
        std::max(12.0, detail::draw_text(cr, fx + lw, fy, v, wrapped(style(8.4), fw - lw)).h + 3.0);
  }
  fy += 4.0;
  fy += detail::draw_text(
            cr, fx, fy,
            "Computed from the simulated impressions as drawn here; the scores on page 1 come from "
            "the simulator's published scoring model.",
            wrapped(style(7.0, Face::kSansOblique, kMuted), fw))
            .h;
  y = std::max(y + map_h + 42.0, fy + 16.0);

  y = section_heading(cr, y, "Verifying this report");
  y += detail::draw_text(
           cr, kLeft, y,
           "This page is a printout of the signed record report.json. The record and its "
           "signature, not the paper, are authoritative: check them before relying on the result.",
           wrapped(style(8.5), kWidth))
           .h +
       8.0;
  detail::draw_text(cr, kLeft, y, "SIGNING KEY FINGERPRINT (SHA-256 of the Ed25519 public key)",
                    style(7.0, Face::kSansBold, kMuted));
  y += 11.0;
  std::string fp = d.in->key_fingerprint;
  if (is_hex64(fp)) fp = fingerprint_display(fp);
  if (fp.empty()) {
    y += detail::draw_text(cr, kLeft, y, "Not signed: this report cannot be verified.",
                           style(11.0, Face::kSansBold, kFail))
             .h;
  } else {
    rounded_rect(cr, kLeft, y - 3.0, kWidth, 0.0 + 30.0, 3.0);
    cairo_set_source_rgb(cr, 0.95, 0.95, 0.97);
    cairo_fill(cr);
    y += detail::draw_text(cr, kLeft + 8.0, y + 4.0, fp,
                           wrapped(style(10.5, Face::kMonoBold), kWidth - 16.0))
             .h +
         4.0;
  }
  y += 10.0;
  std::vector<std::pair<std::string, std::string>> ids;
  ids.emplace_back("Report ID", or_dash(r.report_id));
  ids.emplace_back("Issued", or_dash(r.issued_at));
  ids.emplace_back("Signature", r.signer.algorithm + ", file " + or_dash(r.signer.signature_file) +
                                    " (minisign format)");
  ids.emplace_back("Scenario", r.scenario.id + " v" + std::to_string(r.scenario.version) +
                                   ", SHA-256 " + or_dash(r.scenario.sha256));
  ids.emplace_back("Session", "SHA-256 " + or_dash(r.session.sha256));
  ids.emplace_back("Impressions", std::to_string(r.session.impression_count) + ", hash " +
                                      or_dash(r.session.impressions_sha256));
  ids.emplace_back("Simulator", or_dash(r.simulator_version));
  for (const auto& file : r.files) {
    if (file.role.rfind("image-", 0) == 0) ids.emplace_back(file.name, "SHA-256 " + file.sha256);
  }
  const double label_w = 70.0;
  for (const auto& [k, v] : ids) {
    detail::draw_text(cr, kLeft, y + 0.5, k, style(7.5, Face::kSans, kMuted));
    y += std::max(11.0, detail::draw_text(cr, kLeft + label_w, y, v,
                                          wrapped(style(7.3, Face::kMono), kWidth - label_w))
                                .h +
                            2.0);
  }
  y += 8.0;
  detail::draw_text(cr, kLeft, y, "HOW TO VERIFY", style(7.0, Face::kSansBold, kMuted));
  y += 11.0;
  // Commands in monospace (Pango markup; every value from the record is escaped).
  const std::string sig = detail::escape(r.signer.signature_file);
  // <tt> would ask for "Monospace", an alias the private font configuration does not define.
  const auto tt = [](const std::string& markup) {
    return "<span font_family=\"DejaVu Sans Mono\">" + markup + "</span>";
  };
  std::vector<std::string> steps = {
      "Get the report directory as issued: " + tt("report.json") + ", " + tt(sig) +
          " and the pictures.",
      "Run " + tt("smp verify DIR --trusted-keys FILE") +
          " (DIR: the report directory, FILE: the "
          "academy\u2019s trusted-keys file). Exit code 0 means the signature is valid, the key "
          "was "
          "trusted on the issue date and every listed file matches its SHA-256; 1: a file was "
          "altered "
          "or is missing; 2: unknown key or unreadable record.",
      "Compare the key fingerprint above with the one the academy publishes.",
  };
  if (auto pk = base64_decode(r.signer.public_key); pk && pk->size() == 32) {
    Ed25519Public raw{};
    std::copy(pk->begin(), pk->end(), raw.begin());
    steps.push_back("Without smp: " + tt("minisign -Vm report.json -x report.json.sig -P " +
                                         detail::escape(minisign_public_key(raw))));
  }
  steps.push_back("Each picture: " + tt("sha256sum fresh.png healed.png aged.png") +
                  " prints the hashes above.");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    detail::draw_text(cr, kLeft, y, std::to_string(i + 1) + ".", style(8.3, Face::kSansBold));
    TextStyle st = wrapped(style(8.3), kWidth - 14.0);
    st.markup = true;
    y += detail::draw_text(cr, kLeft + 14.0, y, steps[i], st).h + 4.0;
  }
}

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::string pdf_date_from_iso8601(std::string_view iso) {
  const auto ms = parse_iso8601_ms(iso);
  if (!ms) return {};
  // Whole seconds, floor (also for times before 1970).
  const std::int64_t sec_ms = (*ms >= 0 ? *ms / 1000 : (*ms - 999) / 1000) * 1000;
  return format_iso8601_ms(sec_ms);
}

std::string human_date(std::string_view iso) {
  const auto ms = parse_iso8601_ms(iso);
  if (!ms) return std::string(iso);
  const std::string t = format_iso8601_ms(*ms);  // "YYYY-MM-DDTHH:MM:SS[.fff]Z", UTC
  static constexpr std::array<const char*, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  const int month = std::stoi(t.substr(5, 2));
  const int day = std::stoi(t.substr(8, 2));
  if (month < 1 || month > 12) return std::string(iso);
  return std::to_string(day) + " " + kMonths[static_cast<std::size_t>(month - 1)] + " " +
         t.substr(0, 4) + ", " + t.substr(11, 5) + " UTC";
}

std::string human_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  const std::int64_t total = (ms + 500) / 1000;
  const std::int64_t h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  char buf[64];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld h %02lld min %02lld s", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  } else if (m > 0) {
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", static_cast<long long>(m),
                  static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(s));
  }
  return buf;
}

sim::Result<std::string> render_report_pdf(const PdfInputs& in) {
  if (auto f = detail::fonts_ready(); !f.ok()) return f.errors();
  const std::string date = pdf_date_from_iso8601(in.record.issued_at);
  if (date.empty()) {
    return sim::Result<std::string>::fail(
        {"<record>", "/issued_at", "not an ISO 8601 UTC time: '" + in.record.issued_at + "'"});
  }
  std::string out;
  cairo_surface_t* surf = cairo_pdf_surface_create_for_stream(append_bytes, &out, kPageW, kPageH);
  cairo_pdf_surface_restrict_to_version(surf, CAIRO_PDF_VERSION_1_5);
  // Dates from the record, never the clock: the same record gives the same bytes.
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_MOD_DATE, date.c_str());
  const std::string title =
      "Assessment report: " + in.record.trainee.name + ", " +
      (in.record.scenario.title.empty() ? in.record.scenario.id : in.record.scenario.title);
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_AUTHOR, in.record.academy.name.c_str());
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_SUBJECT,
                                 in.record.passed ? "PASS" : "FAIL");
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR,
                                 in.record.simulator_version.c_str());
  cairo_t* cr = cairo_create(surf);
  Doc d;
  d.cr = cr;
  d.in = &in;
  const WorkView view = choose_work_view(in.scenario, in.impressions);

  page_summary(d);
  cairo_show_page(cr);
  d.page = 2;
  auto ok = page_work(d, view);
  if (ok.ok()) {
    cairo_show_page(cr);
    d.page = 3;
    page_verify(d, view);
    cairo_show_page(cr);
  }
  const cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surf);
  const cairo_status_t sst = cairo_surface_status(surf);
  cairo_surface_destroy(surf);
  if (!ok.ok()) return ok.errors();
  if (st != CAIRO_STATUS_SUCCESS || sst != CAIRO_STATUS_SUCCESS) {
    return sim::Result<std::string>::fail(
        {"<pdf>", "",
         std::string("cairo: ") + cairo_status_to_string(st != CAIRO_STATUS_SUCCESS ? st : sst)});
  }
  return out;
}

sim::Result<bool> write_report_pdf(const std::string& path, const PdfInputs& in) {
  auto pdf = render_report_pdf(in);
  if (!pdf.ok()) return pdf.errors();
  return sim::write_file_atomic(path, pdf.value());
}

}  // namespace smp::report
