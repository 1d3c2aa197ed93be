// The class summary PDF: one row per trainee and scenario with a small progress plot.
#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "pdf_text.h"
#include "smp/report/cohort.h"
#include "smp/report/pdf.h"

namespace smp::report {
namespace {

using detail::Align;
using detail::Face;
using detail::Ink;
using detail::kAccent;
using detail::kFail;
using detail::kMuted;
using detail::kPass;
using detail::kText;
using detail::style;
using detail::TextStyle;

// A4 landscape.
constexpr double kW = 841.890, kH = 595.276;
constexpr double kL = 40.0, kR = kW - 40.0, kTop = 34.0, kBottom = kH - 34.0;
constexpr double kRowH = 34.0;
constexpr double kRejectedHeadH = 40.0, kRejectedRowH = 22.0;

TextStyle right(TextStyle st) {
  st.align = Align::kRight;
  return st;
}

void line(cairo_t* cr, double x0, double y0, double x1, double y1, Ink k, double w) {
  cairo_set_source_rgb(cr, k.r, k.g, k.b);
  cairo_set_line_width(cr, w);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

std::string signed_change(std::int64_t v) {
  return (v > 0 ? "+" : v < 0 ? "\u2212" : "\u00b1") + permille_to_text(v < 0 ? -v : v);
}

// Columns (x of the left edge, or the right edge for numbers).
struct Cols {
  double name = kL, scenario = kL + 150.0, n = kL + 345.0, passes = kL + 385.0, best = kL + 430.0,
         latest = kL + 475.0, change = kL + 520.0, plot = kL + 538.0, plot_w = 140.0,
         status = kL + 692.0;
};

// Overall score per attempt (0..100 on the y axis), the pass mark dashed, passes filled.
void sparkline(cairo_t* cr, const Cohort& c, const CohortRow& row, double x, double y, double w,
               double h) {
  cairo_set_source_rgb(cr, 0.96, 0.96, 0.97);
  cairo_rectangle(cr, x, y, w, h);
  cairo_fill(cr);
  const std::size_t n = row.attempts.size();
  auto X = [&](std::size_t i) {
    return n == 1 ? x + w / 2
                  : x + 6.0 + (w - 12.0) * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  auto Y = [&](std::int64_t permille) {
    return y + h - 2.0 - (h - 4.0) * std::clamp(static_cast<double>(permille) / 1000.0, 0.0, 1.0);
  };
  const std::int64_t mark = c.attempts[row.latest].pass_mark_permille;
  cairo_set_source_rgb(cr, 0.45, 0.45, 0.5);
  cairo_set_line_width(cr, 0.5);
  const double dash[2] = {2.0, 1.5};
  cairo_set_dash(cr, dash, 2, 0);
  cairo_move_to(cr, x, Y(mark));
  cairo_line_to(cr, x + w, Y(mark));
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  cairo_set_source_rgb(cr, kAccent.r, kAccent.g, kAccent.b);
  cairo_set_line_width(cr, 1.1);
  for (std::size_t i = 0; i < n; ++i) {
    const double px = X(i), py = Y(c.attempts[row.attempts[i]].overall_permille);
    if (i == 0) {
      cairo_move_to(cr, px, py);
    } else {
      cairo_line_to(cr, px, py);
    }
  }
  cairo_stroke(cr);
  for (std::size_t i = 0; i < n; ++i) {
    const CohortAttempt& a = c.attempts[row.attempts[i]];
    const Ink k = a.passed ? kPass : kFail;
    cairo_new_path(cr);
    cairo_arc(cr, X(i), Y(a.overall_permille), 2.2, 0, 2 * std::numbers::pi);
    cairo_set_source_rgb(cr, k.r, k.g, k.b);
    if (a.passed) {
      cairo_fill(cr);
    } else {
      cairo_set_source_rgb(cr, 1, 1, 1);
      cairo_fill_preserve(cr);
      cairo_set_source_rgb(cr, k.r, k.g, k.b);
      cairo_set_line_width(cr, 1.0);
      cairo_stroke(cr);
    }
  }
}

void header_footer(cairo_t* cr, const CohortPdfOptions& o, const std::string& date, int page,
                   int pages) {
  detail::draw_text(cr, kL, kTop, o.academy.empty() ? "SMP Trainer" : o.academy,
                    style(10.0, Face::kSansBold, kAccent));
  detail::draw_text(cr, kR, kTop + 2.0, "Scalp micropigmentation \u00b7 class summary",
                    right(style(7.5, Face::kSans, kMuted)));
  line(cr, kL, kTop + 17.0, kR, kTop + 17.0, kAccent, 1.2);
  line(cr, kL, kBottom, kR, kBottom, Ink{0.8, 0.8, 0.83}, 0.5);
  detail::draw_text(cr, kL, kBottom + 4.0,
                    "Generated " + human_date(date) +
                        " from signed records and sessions; each attempt is listed in attempts.csv",
                    style(6.5, Face::kSans, kMuted));
  detail::draw_text(cr, kR, kBottom + 4.0,
                    "Page " + std::to_string(page) + " of " + std::to_string(pages),
                    right(style(6.5, Face::kSans, kMuted)));
}

double table_head(cairo_t* cr, const Cols& k, double y) {
  const TextStyle h = style(6.8, Face::kSansBold, kMuted);
  detail::draw_text(cr, k.name, y, "TRAINEE", h);
  detail::draw_text(cr, k.scenario, y, "SCENARIO", h);
  detail::draw_text(cr, k.n, y, "ATTEMPTS", right(h));
  detail::draw_text(cr, k.passes, y, "PASSED", right(h));
  detail::draw_text(cr, k.best, y, "BEST", right(h));
  detail::draw_text(cr, k.latest, y, "LATEST", right(h));
  detail::draw_text(cr, k.change, y, "CHANGE", right(h));
  detail::draw_text(cr, k.plot, y, "OVERALL PER ATTEMPT", h);
  detail::draw_text(cr, k.status, y, "RESULT (LATEST)", h);
  line(cr, kL, y + 11.0, kR, y + 11.0, kText, 0.7);
  return y + 14.0;
}

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// The inputs left out of every total, each with its reason, so a reader of the printout sees what
// was refused and why (not only the terminal that made it).
void draw_rejected(cairo_t* cr, const Cohort& c, const CohortPdfOptions& o, const std::string& date,
                   int* page, int pages, double y) {
  const double rows_top = kTop + 44.0;
  auto new_page = [&] {
    cairo_show_page(cr);
    ++*page;
    header_footer(cr, o, date, *page, pages);
    y = rows_top;
  };
  if (y + kRejectedHeadH > kBottom - 8.0 - kRejectedRowH) new_page();
  y += 10.0;
  detail::draw_text(cr, kL, y,
                    "Not counted (" + std::to_string(c.rejected.size()) + " input" +
                        (c.rejected.size() == 1 ? "" : "s") + ")",
                    style(11.0, Face::kSansBold, kFail));
  detail::draw_text(cr, kL + 150.0, y + 3.0,
                    "Left out of every total above: not signed by a trusted academy key, altered "
                    "after signing, revoked, or another copy of an attempt already counted.",
                    style(7.2, Face::kSans, kMuted));
  y += kRejectedHeadH - 10.0;
  for (const auto& r : c.rejected) {
    if (y + kRejectedRowH > kBottom - 8.0) new_page();
    const TextStyle name_st = style(8.5, Face::kSansBold);
    const std::string who = r.trainee_name.empty() ? r.trainee_id : r.trainee_name;
    detail::draw_text(cr, kL, y, detail::ellipsize(cr, who.empty() ? "?" : who, name_st, 140.0),
                      name_st);
    detail::draw_text(cr, kL, y + 11.0, detail::ellipsize(cr, r.scenario_id, style(6.8), 140.0),
                      style(6.8, Face::kSans, kMuted));
    const TextStyle reason_st = style(8.0, Face::kSans, kFail);
    detail::draw_text(cr, kL + 150.0, y,
                      detail::ellipsize(cr, r.reason, reason_st, kR - kL - 150.0), reason_st);
    const TextStyle src_st = style(6.8, Face::kSans, kMuted);
    detail::draw_text(cr, kL + 150.0, y + 11.0,
                      detail::ellipsize(cr, r.source, src_st, kR - kL - 150.0), src_st);
    line(cr, kL, y + kRejectedRowH - 1.0, kR, y + kRejectedRowH - 1.0, Ink{0.86, 0.86, 0.88}, 0.5);
    y += kRejectedRowH;
  }
}

}  // namespace

sim::Result<std::string> render_cohort_pdf(const Cohort& c, const CohortPdfOptions& o) {
  if (auto f = detail::fonts_ready(); !f.ok()) return f.errors();
  // The date printed and stamped: the option, else the newest attempt (not the clock).
  std::string date = o.generated_at;
  if (date.empty()) {
    std::int64_t newest = 0;
    for (const auto& a : c.attempts) {
      if (auto ms = parse_iso8601_ms(a.date); ms && *ms > newest) newest = *ms;
    }
    date = format_iso8601_ms(newest);
  }
  const std::string pdf_date = pdf_date_from_iso8601(date);
  if (pdf_date.empty()) {
    return sim::Result<std::string>::fail(
        {"--generated-at", "", "not an ISO 8601 UTC time: '" + o.generated_at + "'"});
  }
  const double first_rows_top = kTop + 92.0, rows_top = kTop + 44.0;
  const auto first_page_rows = static_cast<std::size_t>((kBottom - 8.0 - first_rows_top) / kRowH);
  const auto page_rows = static_cast<std::size_t>((kBottom - 8.0 - rows_top) / kRowH);
  int pages = 1;
  if (c.rows.size() > first_page_rows) {
    pages += static_cast<int>((c.rows.size() - first_page_rows + page_rows - 1) / page_rows);
  }
  // Where the rows end, then the "not counted" list continues below them (same page breaks as
  // the drawing below).
  double end_y = 0.0;
  {
    const std::size_t on_last = c.rows.size() <= first_page_rows
                                    ? c.rows.size()
                                    : (c.rows.size() - first_page_rows - 1) % page_rows + 1;
    end_y = (pages == 1 ? first_rows_top : rows_top) + static_cast<double>(on_last) * kRowH +
            (c.rows.empty() ? 20.0 : 0.0);
    if (!c.rejected.empty()) {
      double y = end_y + kRejectedHeadH;
      if (y > kBottom - 8.0 - kRejectedRowH) {
        ++pages;
        y = rows_top + kRejectedHeadH;
      }
      for (std::size_t i = 0; i < c.rejected.size(); ++i) {
        if (y + kRejectedRowH > kBottom - 8.0) {
          ++pages;
          y = rows_top;
        }
        y += kRejectedRowH;
      }
    }
  }

  std::string out;
  cairo_surface_t* surf = cairo_pdf_surface_create_for_stream(append_bytes, &out, kW, kH);
  cairo_pdf_surface_restrict_to_version(surf, CAIRO_PDF_VERSION_1_5);
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, pdf_date.c_str());
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_MOD_DATE, pdf_date.c_str());
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, o.title.c_str());
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_AUTHOR, o.academy.c_str());
  cairo_t* cr = cairo_create(surf);
  const Cols k;

  std::set<std::string> trainees, scenarios;
  std::size_t passed = 0;
  for (const auto& a : c.attempts) {
    trainees.insert(a.trainee_id);
    scenarios.insert(a.scenario_id);
    passed += a.passed;
  }
  std::size_t proficient = 0;
  for (const auto& r : c.rows) proficient += r.proficient;

  int page = 1;
  header_footer(cr, o, date, page, pages);
  double y = kTop + 28.0;
  y += detail::draw_text(cr, kL, y, o.title, style(17.0, Face::kSansBold)).h + 2.0;
  std::string summary =
      std::to_string(trainees.size()) + " trainee" + (trainees.size() == 1 ? "" : "s") +
      " \u00b7 " + std::to_string(c.attempts.size()) + " attempt" +
      (c.attempts.size() == 1 ? "" : "s") + " (" + std::to_string(passed) + " passed) \u00b7 " +
      std::to_string(scenarios.size()) + " scenario" + (scenarios.size() == 1 ? "" : "s") +
      " \u00b7 " + std::to_string(proficient) + " of " + std::to_string(c.rows.size()) +
      " trainee/scenario pairs passed twice in a row";
  y += detail::draw_text(cr, kL, y, summary, style(8.5, Face::kSans, kMuted)).h + 2.0;
  detail::draw_text(
      cr, kL, y,
      "Per-attempt plot: overall score 0\u2013100, oldest attempt on the left; dashes: "
      "pass mark; filled dot: passed, ring: not passed. Proficient: passed on two "
      "consecutive attempts. Best and latest are overall scores.",
      style(7.2, Face::kSans, kMuted));
  y = table_head(cr, k, first_rows_top - 14.0);

  std::size_t on_page = 0, cap = first_page_rows;
  for (const auto& row : c.rows) {
    if (on_page == cap) {
      cairo_show_page(cr);
      ++page;
      header_footer(cr, o, date, page, pages);
      y = table_head(cr, k, rows_top - 14.0);
      on_page = 0;
      cap = page_rows;
    }
    const CohortAttempt& best = c.attempts[row.best];
    const CohortAttempt& last = c.attempts[row.latest];
    const TextStyle name_st = style(9.0, Face::kSansBold);
    detail::draw_text(cr, k.name, y + 4.0,
                      detail::ellipsize(cr, row.trainee_name, name_st, k.scenario - k.name - 8.0),
                      name_st);
    detail::draw_text(cr, k.name, y + 16.0, row.trainee_id, style(7.0, Face::kSans, kMuted));
    const TextStyle sc = style(8.0);
    detail::draw_text(
        cr, k.scenario, y + 4.0,
        detail::ellipsize(cr, row.scenario_title.empty() ? row.scenario_id : row.scenario_title, sc,
                          k.n - k.scenario - 48.0),
        sc);
    detail::draw_text(cr, k.scenario, y + 16.0, row.scenario_id, style(7.0, Face::kSans, kMuted));
    const TextStyle num = right(style(9.0));
    detail::draw_text(cr, k.n, y + 4.0, std::to_string(row.attempts.size()), num);
    detail::draw_text(cr, k.passes, y + 4.0, std::to_string(row.passes), num);
    detail::draw_text(cr, k.best, y + 4.0, permille_to_text(best.overall_permille), num);
    detail::draw_text(cr, k.latest, y + 4.0, permille_to_text(last.overall_permille),
                      right(style(9.0, Face::kSansBold)));
    const Ink ch = row.change_permille > 0 ? kPass : row.change_permille < 0 ? kFail : kMuted;
    detail::draw_text(cr, k.change, y + 4.0,
                      row.attempts.size() > 1 ? signed_change(row.change_permille) : "\u2014",
                      right(style(8.5, Face::kSans, ch)));
    sparkline(cr, c, row, k.plot, y + 3.0, k.plot_w, kRowH - 8.0);
    const Ink v = last.passed ? kPass : kFail;
    detail::draw_text(cr, k.status, y + 3.0, last.passed ? "\u2714 PASS" : "\u2718 FAIL",
                      style(10.0, Face::kSansBold, v));
    std::string note;
    if (row.proficient) note = "proficient";
    if (last.critical_errors > 0) {
      note = std::to_string(last.critical_errors) + " critical error" +
             (last.critical_errors == 1 ? "" : "s");
    }
    if (!note.empty()) {
      detail::draw_text(cr, k.status, y + 17.0, note, style(6.8, Face::kSans, kMuted));
    }
    line(cr, kL, y + kRowH - 1.0, kR, y + kRowH - 1.0, Ink{0.86, 0.86, 0.88}, 0.5);
    y += kRowH;
    ++on_page;
  }
  if (c.rows.empty()) {
    detail::draw_text(cr, kL, y + 6.0, "No attempts.", style(10.0, Face::kSansOblique, kMuted));
    y += 20.0;
  }
  if (!c.rejected.empty()) draw_rejected(cr, c, o, date, &page, pages, y);
  cairo_show_page(cr);
  const cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surf);
  const cairo_status_t sst = cairo_surface_status(surf);
  cairo_surface_destroy(surf);
  if (st != CAIRO_STATUS_SUCCESS || sst != CAIRO_STATUS_SUCCESS) {
    return sim::Result<std::string>::fail(
        {"<pdf>", "",
         std::string("cairo: ") + cairo_status_to_string(st != CAIRO_STATUS_SUCCESS ? st : sst)});
  }
  return out;
}

}  // namespace smp::report
