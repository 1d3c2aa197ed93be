// Internal: Pango text on cairo for the report's PDF, plots and pictures.
// One private fontconfig configuration that holds only the DejaVu files, so the same input lays
// out (and embeds) the same glyphs on every machine, whatever fonts the system has installed.
#pragma once
#include <cairo.h>

#include <string>
#include <string_view>

#include "smp/sim/result.h"

namespace smp::report::detail {

// Where the DejaVu TrueType files are: $SMP_FONT_DIR if set, else Debian's fonts-dejavu-core dir.
std::string dejavu_dir();
// Loads the private font map once (thread-safe). Fails, naming the directory, when DejaVu Sans,
// DejaVu Sans Bold or DejaVu Sans Mono is missing.
sim::Result<bool> fonts_ready();

enum class Align { kLeft, kCenter, kRight };
enum class Face { kSans, kSansBold, kMono, kSansOblique, kMonoBold };

struct TextStyle {
  double size_pt = 9.0;
  Face face = Face::kSans;
  double r = 0.13, g = 0.13, b = 0.15, a = 1.0;  // ink
  double width_pt = -1.0;  // wrap width (word/char wrap); < 0: one unbounded line per paragraph
  Align align = Align::kLeft;
  double line_spacing = 1.0;  // multiplier of the font's natural line height
  bool markup = false;        // text is Pango markup (escape every outside value: escape())
};

// The report's palette, shared by the certification report and the cohort summary.
struct Ink {
  double r, g, b;
};
inline constexpr Ink kText{0.12, 0.12, 0.14};
inline constexpr Ink kMuted{0.40, 0.40, 0.44};
inline constexpr Ink kRule{0.80, 0.80, 0.83};
inline constexpr Ink kPass{0.094, 0.451, 0.294};  // deep green; the word carries the meaning too
inline constexpr Ink kFail{0.749, 0.153, 0.110};  // deep red
inline constexpr Ink kAccent{0.16, 0.27, 0.42};   // academy blue-slate for headings and bars

inline TextStyle style(double size, Face face = Face::kSans, Ink ink = kText) {
  TextStyle st;
  st.size_pt = size;
  st.face = face;
  st.r = ink.r;
  st.g = ink.g;
  st.b = ink.b;
  return st;
}

// Text made safe to put inside Pango markup.
std::string escape(std::string_view utf8);

struct TextSize {
  double w = 0.0, h = 0.0;
  double baseline = 0.0;  // first line's baseline, from the top
};

// Draws UTF-8 text with its top-left corner at (x, y) in user units (points on the PDF); invalid
// UTF-8 bytes are shown as U+FFFD, never dropped silently. With Align::kRight/kCenter and no wrap
// width, x is the right edge / centre. Returns the size drawn.
TextSize draw_text(cairo_t* cr, double x, double y, std::string_view utf8, const TextStyle& st);
TextSize measure_text(cairo_t* cr, std::string_view utf8, const TextStyle& st);

// Shorten to fit `max_w` with an ellipsis at the end (whole characters, never a split sequence).
std::string ellipsize(cairo_t* cr, std::string_view utf8, const TextStyle& st, double max_w);

}  // namespace smp::report::detail
