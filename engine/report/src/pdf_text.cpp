#include "pdf_text.h"

#include <fontconfig/fontconfig.h>
#include <glib.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>

#include <array>
#include <cstdlib>
#include <filesystem>

namespace smp::report::detail {
namespace {

constexpr std::array<const char*, 5> kFontFiles = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
                                                   "DejaVuSansMono.ttf", "DejaVuSans-Oblique.ttf",
                                                   "DejaVuSansMono-Bold.ttf"};

constexpr std::array<const char*, 1> kOptionalFallbacks = {
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"};

// The process-wide private font map, made once on first use.
class FontState {
 public:
  FontState() { load(); }
  // Released at exit. Not FcFini(): another part of the process may still use fontconfig.
  ~FontState() {
    if (map != nullptr) g_object_unref(map);
  }
  FontState(const FontState&) = delete;
  FontState& operator=(const FontState&) = delete;

  PangoFontMap* map = nullptr;
  std::string error;

 private:
  void load() {
    const std::string dir = dejavu_dir();
    FcConfig* cfg = FcConfigCreate();
    for (const char* f : kFontFiles) {
      const std::string path = dir + "/" + f;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec) ||
          !FcConfigAppFontAddFile(cfg, reinterpret_cast<const FcChar8*>(path.c_str()))) {
        error = "font file missing or unreadable: " + path +
                " (install fonts-dejavu-core or set SMP_FONT_DIR)";
        FcConfigDestroy(cfg);
        return;
      }
    }
    // Optional: CJK names. Used only for characters DejaVu lacks (fonts-droid-fallback).
    for (const char* f : kOptionalFallbacks) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(f, ec)) {
        FcConfigAppFontAddFile(cfg, reinterpret_cast<const FcChar8*>(f));
      }
    }
    // Only these files exist for this map: no fallback to whatever else is installed.
    map = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
    if (map == nullptr) {
      error = "pango has no FreeType font map";
      FcConfigDestroy(cfg);
      return;
    }
    pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(map), cfg);
    FcConfigDestroy(cfg);  // the font map holds its own reference
  }
};

const FontState& fonts() {
  static const FontState st;
  return st;
}

std::string valid_utf8(std::string_view s) {
  if (g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr)) return std::string(s);
  gchar* fixed = g_utf8_make_valid(s.data(), static_cast<gssize>(s.size()));
  std::string out(fixed);
  g_free(fixed);
  return out;
}

const char* family(Face f) {
  return (f == Face::kMono || f == Face::kMonoBold) ? "DejaVu Sans Mono" : "DejaVu Sans";
}

// A layout bound to `cr` at 72 units per inch, unhinted metrics (device-independent layout).
PangoLayout* make_layout(cairo_t* cr, std::string_view utf8, const TextStyle& st) {
  PangoContext* ctx = pango_font_map_create_context(fonts().map);
  pango_cairo_update_context(cr, ctx);
  pango_cairo_context_set_resolution(ctx, 72.0);
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options(ctx, fo);
  cairo_font_options_destroy(fo);
  PangoLayout* layout = pango_layout_new(ctx);
  g_object_unref(ctx);

  PangoFontDescription* d = pango_font_description_new();
  pango_font_description_set_family(d, family(st.face));
  pango_font_description_set_weight(d, (st.face == Face::kSansBold || st.face == Face::kMonoBold)
                                           ? PANGO_WEIGHT_BOLD
                                           : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_style(
      d, st.face == Face::kSansOblique ? PANGO_STYLE_OBLIQUE : PANGO_STYLE_NORMAL);
  pango_font_description_set_absolute_size(d, st.size_pt * PANGO_SCALE);
  pango_layout_set_font_description(layout, d);
  pango_font_description_free(d);

  if (st.width_pt >= 0.0) {
    pango_layout_set_width(layout, static_cast<int>(st.width_pt * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout, st.align == Align::kCenter  ? PANGO_ALIGN_CENTER
                                       : st.align == Align::kRight ? PANGO_ALIGN_RIGHT
                                                                   : PANGO_ALIGN_LEFT);
  }
  if (st.line_spacing != 1.0)
    pango_layout_set_line_spacing(layout, static_cast<float>(st.line_spacing));
  const std::string text = valid_utf8(utf8);
  if (st.markup) {
    pango_layout_set_markup(layout, text.c_str(), static_cast<int>(text.size()));
  } else {
    pango_layout_set_text(layout, text.c_str(), static_cast<int>(text.size()));
  }
  return layout;
}

TextSize size_of(PangoLayout* layout) {
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  TextSize s;
  s.w = static_cast<double>(logical.width) / PANGO_SCALE;
  s.h = static_cast<double>(logical.height) / PANGO_SCALE;
  s.baseline = static_cast<double>(pango_layout_get_baseline(layout)) / PANGO_SCALE;
  return s;
}

}  // namespace

std::string escape(std::string_view utf8) {
  const std::string text = valid_utf8(utf8);
  gchar* e = g_markup_escape_text(text.c_str(), static_cast<gssize>(text.size()));
  std::string out(e);
  g_free(e);
  return out;
}

std::string dejavu_dir() {
  const char* env = std::getenv("SMP_FONT_DIR");
  if (env != nullptr && *env != '\0') return env;
  return "/usr/share/fonts/truetype/dejavu";
}

sim::Result<bool> fonts_ready() {
  const FontState& st = fonts();
  if (st.map == nullptr) return sim::Result<bool>::fail({dejavu_dir(), "", st.error});
  return true;
}

TextSize measure_text(cairo_t* cr, std::string_view utf8, const TextStyle& st) {
  if (fonts().map == nullptr) return {};
  PangoLayout* layout = make_layout(cr, utf8, st);
  const TextSize s = size_of(layout);
  g_object_unref(layout);
  return s;
}

TextSize draw_text(cairo_t* cr, double x, double y, std::string_view utf8, const TextStyle& st) {
  if (fonts().map == nullptr) return {};
  PangoLayout* layout = make_layout(cr, utf8, st);
  const TextSize s = size_of(layout);
  double left = x;
  if (st.width_pt < 0.0) {
    if (st.align == Align::kRight) left = x - s.w;
    if (st.align == Align::kCenter) left = x - s.w / 2.0;
  }
  cairo_save(cr);
  cairo_set_source_rgba(cr, st.r, st.g, st.b, st.a);
  cairo_move_to(cr, left, y);
  pango_cairo_show_layout(cr, layout);
  cairo_restore(cr);
  g_object_unref(layout);
  return s;
}

std::string ellipsize(cairo_t* cr, std::string_view utf8, const TextStyle& st, double max_w) {
  std::string text = valid_utf8(utf8);
  if (measure_text(cr, text, st).w <= max_w) return text;
  // Drop whole UTF-8 sequences from the end until "text…" fits.
  while (!text.empty()) {
    std::size_t cut = text.size() - 1;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    if (measure_text(cr, text + "\u2026", st).w <= max_w) break;
  }
  return text + "\u2026";
}

}  // namespace smp::report::detail
