// The trainer's panels: a calm practice bench (ui.md). Every control is at least one touch target
// (kTouchTargetPx * scale) tall; sliders log a tool change once, when released.
#include "smp/ui/panels.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "smp/render/renderer.h"

namespace smp::ui {
namespace {

float f(double v) {
  return static_cast<float>(v);
}
ImVec4 rgba(const sim::Rgb& c, double a = 1.0) {
  return ImVec4(f(c.r), f(c.g), f(c.b), f(a));
}
ImU32 u32(const sim::Rgb& c, double a = 1.0) {
  return ImGui::GetColorU32(rgba(c, a));
}

const ImVec4 kRed(0.93f, 0.30f, 0.27f, 1.0f);
const ImVec4 kGreen(0.40f, 0.80f, 0.47f, 1.0f);
const ImVec4 kMuted(0.72f, 0.72f, 0.70f, 1.0f);

constexpr ImGuiWindowFlags kFixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                    ImGuiWindowFlags_NoSavedSettings |
                                    ImGuiWindowFlags_NoFocusOnAppearing;
constexpr ImGuiWindowFlags kBar = kFixed | ImGuiWindowFlags_NoTitleBar |
                                  ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoCollapse;

const char* heat_label(render::HeatMapKind k) {
  switch (k) {
    case render::HeatMapKind::kNone:
      return "No heat map";
    case render::HeatMapKind::kDepthError:
      return "Depth error";
    case render::HeatMapKind::kDensity:
      return "Density";
    case render::HeatMapKind::kBlurRisk:
      return "Blur risk";
  }
  return "?";
}

std::string case_label(sim::CaseKind k) {
  switch (k) {
    case sim::CaseKind::kShavedLook:
      return "Shaved look";
    case sim::CaseKind::kScar:
      return "Scar camouflage";
    case sim::CaseKind::kThinning:
      return "Thinning / density";
  }
  return "?";
}

}  // namespace

std::string one_line(const std::string& text, std::size_t max_chars) {
  std::string s = text.substr(0, text.find('\n'));
  if (s.size() <= max_chars) return s;
  s.resize(max_chars > 3 ? max_chars - 3 : 0);
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
  if (!s.empty()) s.pop_back();  // drop a possibly cut lead byte or letter
  return s + "...";
}

std::string format_clock(double seconds) {
  const long total = static_cast<long>(std::max(0.0, std::floor(seconds)));
  char buf[32];
  if (total >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", total / 60, total % 60);
  }
  return buf;
}

void Panels::setup(double scale) {
  scale_ = scale;
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // nothing written next to the trainee's files
  const float font_px = f(17.0 * scale);
  // DejaVu Sans when the system has it (fonts-dejavu-core): accents in trainee names render and
  // it stays crisp when scaled; otherwise ImGui's built-in font, scaled.
  const char* candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                              "/usr/share/fonts/TTF/DejaVuSans.ttf"};
  bool loaded = false;
  for (const char* path : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      loaded = io.Fonts->AddFontFromFileTTF(path, font_px) != nullptr;
      if (loaded) break;
    }
  }
  if (!loaded) {
    io.Fonts->AddFontDefault();
    io.FontGlobalScale = f(scale);
  }
  ImGuiStyle& st = ImGui::GetStyle();
  ImGui::StyleColorsDark(&st);
  st.WindowRounding = 10.0f;
  st.FrameRounding = 8.0f;
  st.GrabRounding = 8.0f;
  st.ChildRounding = 8.0f;
  st.PopupRounding = 8.0f;
  st.WindowBorderSize = 0.0f;
  st.WindowPadding = ImVec2(10.0f, 10.0f);
  st.ItemSpacing = ImVec2(8.0f, 8.0f);
  st.GrabMinSize = 28.0f;
  st.ScrollbarSize = 18.0f;
  st.ScaleAllSizes(f(scale));
  // Frames as tall as a touch target: every button, slider and checkbox is finger-sized.
  const float target = f(kTouchTargetPx * scale);
  st.FramePadding = ImVec2(f(12.0 * scale), std::max(2.0f, (target - font_px) * 0.5f));
  // Calm, warm neutrals rather than engineering blue.
  ImVec4* c = st.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.13f, 0.13f, 0.14f, 0.88f);
  c[ImGuiCol_PopupBg] = ImVec4(0.14f, 0.14f, 0.15f, 0.97f);
  c[ImGuiCol_TitleBg] = ImVec4(0.18f, 0.17f, 0.17f, 0.92f);
  c[ImGuiCol_TitleBgActive] = ImVec4(0.22f, 0.20f, 0.19f, 0.95f);
  c[ImGuiCol_TitleBgCollapsed] = ImVec4(0.18f, 0.17f, 0.17f, 0.80f);
  c[ImGuiCol_FrameBg] = ImVec4(0.24f, 0.23f, 0.23f, 1.0f);
  c[ImGuiCol_FrameBgHovered] = ImVec4(0.32f, 0.30f, 0.29f, 1.0f);
  c[ImGuiCol_FrameBgActive] = ImVec4(0.38f, 0.35f, 0.33f, 1.0f);
  c[ImGuiCol_Button] = ImVec4(0.27f, 0.26f, 0.25f, 1.0f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.36f, 0.33f, 0.31f, 1.0f);
  c[ImGuiCol_ButtonActive] = ImVec4(0.45f, 0.40f, 0.36f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.42f, 0.36f, 0.30f, 0.85f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.50f, 0.43f, 0.36f, 0.9f);
  c[ImGuiCol_HeaderActive] = ImVec4(0.56f, 0.48f, 0.40f, 1.0f);
  c[ImGuiCol_CheckMark] = ImVec4(0.95f, 0.80f, 0.62f, 1.0f);
  c[ImGuiCol_SliderGrab] = ImVec4(0.86f, 0.72f, 0.56f, 1.0f);
  c[ImGuiCol_SliderGrabActive] = ImVec4(0.95f, 0.80f, 0.62f, 1.0f);
  c[ImGuiCol_PlotHistogram] = ImVec4(0.78f, 0.66f, 0.52f, 1.0f);
}

void Panels::record_window() {
  const ImVec2 p = ImGui::GetWindowPos(), s = ImGui::GetWindowSize();
  covered_.push_back({p.x, p.y, s.x, s.y});
}

void Panels::draw(const UiModel& m, ViewState& v, std::vector<UiAction>& a) {
  covered_.clear();
  section_rect_.reset();
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  const float target = f(kTouchTargetPx * scale_);
  const ImGuiStyle& st = ImGui::GetStyle();
  top_h_ = target + 2.0f * st.WindowPadding.y;
  bottom_h_ = top_h_;
  rail_w_ = std::min(f(236.0 * scale_), disp.x * 0.3f);
  score_w_ = std::min(f(320.0 * scale_), disp.x * 0.35f);
  if (m.scenario != nullptr) {
    top_bar(m, v, a);
    tool_rail(m, a);
    score_panel(m, a);
    bottom_strip(m, v, a);
    banner(m);
    if (v.cross_section) cross_section_panel(m, v);
    if (v.heat_map != render::HeatMapKind::kNone) heat_legend(v);
    if (m.finished && !m.replay.active) summary(m, a);
  }
  if (v.show_scenario_browser) scenario_browser(m, v, a);
  if (m.resume.active) resume_dialog(m, a);
}

void Panels::top_bar(const UiModel& m, ViewState& v, std::vector<UiAction>& a) {
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(disp.x, top_h_));
  ImGui::Begin("##top", nullptr, kBar);
  const sim::Scenario& s = *m.scenario;
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(s.title.c_str());
  ImGui::SameLine();
  ImGui::TextColored(kMuted, "%s | %s | level %d | %s%s", case_label(s.case_kind).c_str(),
                     std::string(sim::to_string(s.technique)).c_str(), s.level,
                     s.mode == sim::Mode::kPractice ? "practice" : "assessment",
                     m.replay.active ? " | REPLAY" : "");
  ImGui::SameLine();
  ImGui::Checkbox("Regions", &v.show_regions);
  if (!s.hairline_front_mm.empty()) {
    ImGui::SameLine();
    ImGui::Checkbox("Hairline", &v.show_hairline);
  }
  ImGui::SameLine();
  ImGui::Checkbox("Rings", &v.show_status);
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "A ring at each fresh dot: green in the target band, yellow too shallow,\n"
        "blue too deep, orange-red critical (fat or forbidden zone)");
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(f(170.0 * scale_));
  if (ImGui::BeginCombo("##heat", heat_label(v.heat_map))) {
    for (auto k : {render::HeatMapKind::kNone, render::HeatMapKind::kDepthError,
                   render::HeatMapKind::kDensity, render::HeatMapKind::kBlurRisk}) {
      if (ImGui::Selectable(heat_label(k), v.heat_map == k)) v.heat_map = k;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::Checkbox("Cross-section", &v.cross_section);
  ImGui::SameLine();
  if (ImGui::Button("View")) a.push_back(ResetCamera{});
  if (m.scenarios != nullptr) {
    ImGui::SameLine();
    if (ImGui::Button("Scenarios...")) v.show_scenario_browser = !v.show_scenario_browser;
  }
  record_window();
  ImGui::End();
}

void Panels::tool_rail(const UiModel& m, std::vector<UiAction>& a) {
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  const float target = f(kTouchTargetPx * scale_);
  ImGui::SetNextWindowPos(ImVec2(0, top_h_));
  ImGui::SetNextWindowSize(ImVec2(rail_w_, std::max(target, disp.y - top_h_ - bottom_h_)));
  ImGui::Begin("Tools", nullptr, kFixed);
  if (m.replay.active) ImGui::BeginDisabled();
  const sim::Scenario& s = *m.scenario;
  sim::ToolState tool = editing_active_ ? editing_ : m.tool;
  bool committed = false, editing = false;
  const float w = ImGui::GetContentRegionAvail().x;

  ImGui::TextColored(kMuted, "Needle");
  const char* needles[] = {"1RL", "3RL", "5RL"};
  const float bw = (w - 2.0f * ImGui::GetStyle().ItemSpacing.x) / 3.0f;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) ImGui::SameLine();
    const bool on = tool.needle.id == needles[i];
    if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_Header));
    if (ImGui::Button(needles[i], ImVec2(bw, target)) && !on) {
      tool.needle.id = needles[i];
      tool.needle.needle_count = 1 + 2 * i;
      committed = true;
    }
    if (on) ImGui::PopStyleColor();
  }
  ImGui::TextColored(kMuted, "%.2f mm needles", tool.needle.needle_diameter_mm);

  ImGui::Separator();
  ImGui::TextColored(kMuted, "Pigment");
  int col = 0;
  const int per_row = std::max(1, static_cast<int>((w + ImGui::GetStyle().ItemSpacing.x) /
                                                   (target + ImGui::GetStyle().ItemSpacing.x)));
  for (const std::string& id : s.pigments_allowed) {
    const sim::Pigment* p = m.catalogue != nullptr ? m.catalogue->find(id) : nullptr;
    if (p == nullptr) continue;
    if (col % per_row != 0) ImGui::SameLine();
    ++col;
    const bool on = tool.pigment == id;
    ImGui::PushID(id.c_str());
    if (on) {
      ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, f(3.0 * scale_));
      ImGui::PushStyleColor(ImGuiCol_Border, ImVec4(0.95f, 0.80f, 0.62f, 1.0f));
    }
    if (ImGui::ColorButton(p->name.c_str(), rgba(sim::lab_to_srgb(p->color)),
                           ImGuiColorEditFlags_NoAlpha, ImVec2(target, target)) &&
        !on) {
      tool.pigment = id;
      committed = true;
    }
    if (on) {
      ImGui::PopStyleColor();
      ImGui::PopStyleVar();
    }
    ImGui::PopID();
  }
  if (const sim::Pigment* p = m.catalogue != nullptr ? m.catalogue->find(tool.pigment) : nullptr) {
    ImGui::TextWrapped("%s", p->name.c_str());
    // What this mix looks like in this patient's skin, next to the dilution slider.
    const sim::Lab mix = sim::deposit_color(*p, tool.dilution, s.patient.skin_lab);
    ImGui::ColorButton("##mix", rgba(sim::lab_to_srgb(mix)),
                       ImGuiColorEditFlags_NoAlpha | ImGuiColorEditFlags_NoTooltip,
                       ImVec2(target * 0.6f, target));
    ImGui::SameLine();
  }
  {
    float dil = f(tool.dilution * 100.0);
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x);
    if (ImGui::SliderFloat("##dilution", &dil, 0.0f, 95.0f, "%.0f%% water")) {
      tool.dilution = std::round(static_cast<double>(dil)) / 100.0;
    }
    editing |= ImGui::IsItemActive();
    committed |= ImGui::IsItemDeactivatedAfterEdit();
  }

  ImGui::Separator();
  ImGui::TextColored(kMuted, "Machine");
  {
    float prot = f(tool.machine.protrusion_mm);
    ImGui::SetNextItemWidth(w);
    if (ImGui::SliderFloat("##protrusion", &prot, 0.5f, 2.5f, "reach %.2f mm")) {
      tool.machine.protrusion_mm = std::round(static_cast<double>(prot) * 100.0) / 100.0;
    }
    editing |= ImGui::IsItemActive();
    committed |= ImGui::IsItemDeactivatedAfterEdit();
    float hz = f(tool.machine.frequency_hz);
    ImGui::SetNextItemWidth(w);
    if (ImGui::SliderFloat("##frequency", &hz, 80.0f, 150.0f, "%.0f Hz")) {
      tool.machine.frequency_hz = std::round(static_cast<double>(hz));
    }
    editing |= ImGui::IsItemActive();
    committed |= ImGui::IsItemDeactivatedAfterEdit();
  }

  ImGui::Separator();
  ImGui::TextColored(kMuted, "Hand pressure (mouse)");
  {
    float pr = f(m.mouse_pressure * 100.0);
    const float small = target;
    if (ImGui::Button("-", ImVec2(small, target))) {
      a.push_back(SetMousePressure{std::max(0.0, m.mouse_pressure - 0.05)});
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w - 2.0f * (small + ImGui::GetStyle().ItemSpacing.x));
    if (ImGui::SliderFloat("##pressure", &pr, 0.0f, 100.0f, "%.0f%%")) {
      a.push_back(SetMousePressure{std::round(static_cast<double>(pr)) / 100.0});
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Shift + mouse wheel, or [ and ]");
    ImGui::SameLine();
    if (ImGui::Button("+", ImVec2(small, target))) {
      a.push_back(SetMousePressure{std::min(1.0, m.mouse_pressure + 0.05)});
    }
  }
  if (!m.input_status.empty()) ImGui::TextColored(kMuted, "%s", m.input_status.c_str());

  ImGui::Separator();
  if (s.mode == sim::Mode::kPractice) {
    if (!m.can_undo) ImGui::BeginDisabled();
    if (ImGui::Button("Undo last stroke", ImVec2(w, target))) a.push_back(Undo{});
    if (!m.can_undo) ImGui::EndDisabled();
  } else {
    ImGui::TextColored(kMuted, "Assessment: no undo");
  }
  if (m.replay.active) ImGui::EndDisabled();

  if (editing) {
    editing_ = tool;
    editing_active_ = true;
  } else {
    editing_active_ = false;
  }
  if (committed && !m.replay.active && !(tool == m.tool)) a.push_back(SetTool{tool});
  record_window();
  ImGui::End();
}

void Panels::score_panel(const UiModel& m, std::vector<UiAction>&) {
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(disp.x - score_w_, top_h_));
  ImGui::SetNextWindowSize(ImVec2(score_w_, std::max(60.0f, disp.y - top_h_ - bottom_h_)));
  ImGui::Begin("Scores", nullptr, kFixed);
  const sim::ScoreReport* r = m.report;
  if (r != nullptr && !r->critical_errors.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kRed);
    ImGui::TextWrapped("%zu critical error%s: the attempt cannot pass", r->critical_errors.size(),
                       r->critical_errors.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < r->critical_errors.size() && i < 3; ++i) {
      ImGui::TextWrapped("- %s", r->critical_errors[i].message.c_str());
    }
    ImGui::PopStyleColor();
    ImGui::Separator();
  }
  if (r == nullptr || r->impression_count == 0) {
    ImGui::TextWrapped("Place your first impressions: scores appear here as you work.");
  } else {
    ImGui::Text("Overall %.0f", r->overall);
    ImGui::SameLine();
    ImGui::TextColored(kMuted, "pass %.0f", m.scenario->pass_overall);
    ImGui::SameLine();
    ImGui::TextColored(r->passed ? kGreen : kRed, "%s", r->passed ? "PASSING" : "NOT YET");
  }
  const float w_all = ImGui::GetContentRegionAvail().x;
  const float bar_h = f(14.0 * scale_);
  if (r != nullptr) {
    for (const auto& c : r->criteria) {
      ImGui::Spacing();
      ImGui::TextUnformatted(c.label.c_str());
      // The bar, with its pass mark drawn across it, and the score after it.
      ImDrawList* dl = ImGui::GetWindowDrawList();
      const float num_w = ImGui::CalcTextSize("100").x + ImGui::GetStyle().ItemSpacing.x;
      const float w = std::max(20.0f, w_all - num_w);
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const float fill = f(std::clamp(c.score / 100.0, 0.0, 1.0)) * w;
      dl->AddRectFilled(p, ImVec2(p.x + w, p.y + bar_h), ImGui::GetColorU32(ImGuiCol_FrameBg),
                        bar_h * 0.5f);
      dl->AddRectFilled(p, ImVec2(p.x + fill, p.y + bar_h),
                        ImGui::GetColorU32(c.passed ? kGreen : ImVec4(0.85f, 0.55f, 0.30f, 1.0f)),
                        bar_h * 0.5f);
      const float mark = p.x + f(std::clamp(c.pass_mark / 100.0, 0.0, 1.0)) * w;
      dl->AddLine(ImVec2(mark, p.y - f(3.0 * scale_)), ImVec2(mark, p.y + bar_h + f(3.0 * scale_)),
                  IM_COL32(255, 255, 255, 230), f(2.5 * scale_));
      ImGui::Dummy(ImVec2(w, bar_h));
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s\nscore %.1f, pass mark %.0f, weight %.1f", c.explanation.c_str(),
                          c.score, c.pass_mark, c.weight);
      }
      ImGui::SameLine();
      ImGui::SetCursorPosY(ImGui::GetCursorPosY() - (ImGui::GetFontSize() - bar_h) * 0.5f);
      ImGui::TextColored(c.passed ? kGreen : kRed, "%3.0f", c.score);
      // The one-line why: as much of the first sentence as fits the panel.
      std::size_t chars = c.explanation.size();
      while (chars > 8 && ImGui::CalcTextSize(one_line(c.explanation, chars).c_str()).x > w_all) {
        chars -= 2;
      }
      ImGui::TextColored(kMuted, "%s", one_line(c.explanation, chars).c_str());
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", c.explanation.c_str());
    }
  }
  record_window();
  ImGui::End();
}

void Panels::bottom_strip(const UiModel& m, ViewState& v, std::vector<UiAction>& a) {
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  const float target = f(kTouchTargetPx * scale_);
  ImGui::SetNextWindowPos(ImVec2(0, disp.y - bottom_h_));
  ImGui::SetNextWindowSize(ImVec2(disp.x, bottom_h_));
  ImGui::Begin("##bottom", nullptr, kBar);
  ImGui::AlignTextToFramePadding();
  if (m.replay.active) {
    if (ImGui::Button(m.replay.playing ? "Pause" : "Play", ImVec2(f(90.0 * scale_), target))) {
      a.push_back(ReplayPlay{!m.replay.playing});
    }
    ImGui::SameLine();
    float cur = f(m.replay.cursor_s);
    ImGui::SetNextItemWidth(f(260.0 * scale_));
    const std::string label =
        format_clock(m.replay.cursor_s) + " / " + format_clock(m.replay.end_s);
    if (ImGui::SliderFloat("##scrub", &cur, 0.0f, f(std::max(m.replay.end_s, 0.01)),
                           label.c_str())) {
      a.push_back(ReplaySeek{static_cast<double>(cur)});
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(f(100.0 * scale_));
    char speed[16];
    std::snprintf(speed, sizeof speed, "%gx", m.replay.speed);
    if (ImGui::BeginCombo("##speed", speed)) {
      for (double sp : {0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0}) {
        std::snprintf(speed, sizeof speed, "%gx", sp);
        if (ImGui::Selectable(speed, sp == m.replay.speed)) a.push_back(ReplaySpeed{sp});
      }
      ImGui::EndCombo();
    }
  } else {
    const std::string clock = format_clock(m.session_t_s);
    if (m.scenario->time_limit_s) {
      ImGui::Text("%s / %s", clock.c_str(), format_clock(*m.scenario->time_limit_s).c_str());
    } else {
      ImGui::Text("%s", clock.c_str());
    }
    ImGui::SameLine();
    if (!m.finished &&
        ImGui::Button(m.paused ? "Resume" : "Pause", ImVec2(f(100.0 * scale_), target))) {
      a.push_back(TogglePause{});
    }
  }
  ImGui::SameLine();
  ImGui::Text("%zu impressions", m.impression_count);
  ImGui::SameLine();
  ImGui::TextColored(kMuted, "|");
  for (int i = 0; i < kTimeStepCount; ++i) {
    ImGui::SameLine();
    const bool on = v.time_step == i;
    if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_Header));
    if (ImGui::Button(kTimeSteps[i].label, ImVec2(0, target))) v.time_step = i;
    if (on) ImGui::PopStyleColor();
  }
  if (!m.replay.active) {
    ImGui::SameLine();
    ImGui::TextColored(kMuted, "|");
    ImGui::SameLine();
    if (!m.finished) {
      if (ImGui::Button("Finish attempt", ImVec2(0, target))) a.push_back(FinishAttempt{});
    } else {
      if (ImGui::Button("Summary", ImVec2(0, target))) summary_open_ = true;
      ImGui::SameLine();
      if (ImGui::Button("New attempt", ImVec2(0, target))) a.push_back(NewAttempt{});
    }
    if (!m.save_status.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(kMuted, "%s", m.save_status.c_str());
    }
  }
  record_window();
  ImGui::End();
}

void Panels::banner(const UiModel& m) {
  if (m.banner.empty() || m.banner_id == banner_closed_id_) return;
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  const float w = std::min(disp.x - rail_w_ - score_w_ - f(20.0 * scale_), f(560.0 * scale_));
  ImGui::SetNextWindowPos(
      ImVec2(rail_w_ + (disp.x - rail_w_ - score_w_) * 0.5f, top_h_ + f(8.0 * scale_)),
      ImGuiCond_Always, ImVec2(0.5f, 0.0f));
  ImGui::SetNextWindowSize(ImVec2(std::max(w, f(200.0 * scale_)), 0));
  using Kind = UiModel::BannerKind;
  const ImVec4 bg = m.banner_kind == Kind::kCritical  ? ImVec4(0.62f, 0.12f, 0.10f, 0.93f)
                    : m.banner_kind == Kind::kWarning ? ImVec4(0.55f, 0.38f, 0.05f, 0.93f)
                                                      : ImVec4(0.20f, 0.24f, 0.30f, 0.93f);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, bg);
  ImGui::Begin("##banner", nullptr, kBar | ImGuiWindowFlags_AlwaysAutoResize);
  const char* prefix = m.banner_kind == Kind::kCritical  ? "Critical error: "
                       : m.banner_kind == Kind::kWarning ? "Careful: "
                                                         : "";
  ImGui::TextWrapped("%s%s", prefix, m.banner.c_str());
  if (ImGui::Button("OK", ImVec2(f(80.0 * scale_), 0))) banner_closed_id_ = m.banner_id;
  // Non-blocking: only the OK button takes input; the needle works through the rest of it.
  const ImVec2 bp = ImGui::GetItemRectMin(), bs = ImGui::GetItemRectSize();
  covered_.push_back({bp.x, bp.y, bs.x, bs.y});
  ImGui::End();
  ImGui::PopStyleColor();
}

void Panels::summary(const UiModel& m, std::vector<UiAction>& a) {
  if (!summary_open_) return;
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(disp.x * 0.5f, disp.y * 0.5f), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(disp.x * 0.9f, f(560.0 * scale_)), 0));
  // Opaque: the GL cross-section diagram is drawn before ImGui and must not show through.
  ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.13f, 0.13f, 0.14f, 1.0f));
  ImGui::Begin("Attempt summary", &summary_open_,
               ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize |
                   ImGuiWindowFlags_NoCollapse);
  const sim::ScoreReport* r = m.report;
  if (r != nullptr) {
    ImGui::TextColored(r->passed ? kGreen : kRed, "%s", r->passed ? "PASSED" : "NOT PASSED");
    ImGui::SameLine();
    ImGui::Text("overall %.1f (pass mark %.0f), %zu impressions, %s", r->overall,
                m.scenario->pass_overall, r->impression_count, format_clock(m.session_t_s).c_str());
    for (const auto& c : r->critical_errors) {
      ImGui::TextColored(kRed, "Critical: %s", c.message.c_str());
    }
    if (ImGui::BeginTable("##crit", 4, ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("Criterion");
      ImGui::TableSetupColumn("Score");
      ImGui::TableSetupColumn("Pass mark");
      ImGui::TableSetupColumn("");
      ImGui::TableHeadersRow();
      for (const auto& c : r->criteria) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.label.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.1f", c.score);
        ImGui::TableNextColumn();
        ImGui::Text("%.0f", c.pass_mark);
        ImGui::TableNextColumn();
        ImGui::TextColored(c.passed ? kGreen : kRed, "%s", c.passed ? "pass" : "below");
      }
      ImGui::EndTable();
    }
    // The pass rules an instructor reads ("92% of dots in band (needs at least 90%)").
    for (const auto& rule : r->rules)
      ImGui::TextColored(rule.passed ? kGreen : kRed, "%s %s", rule.passed ? "ok  " : "FAIL",
                         rule.text.c_str());
    ImGui::Separator();
    ImGui::TextUnformatted("Worst findings");
    const float target = f(kTouchTargetPx * scale_);
    std::size_t shown = 0;
    for (const auto& c : r->critical_errors) {
      if (shown == 3) break;
      ImGui::PushID(static_cast<int>(shown));
      if (ImGui::Button("Show me", ImVec2(0, target))) a.push_back(ShowMe{c.pos});
      ImGui::SameLine();
      ImGui::TextColored(kRed, "%s", c.message.c_str());
      ImGui::PopID();
      ++shown;
    }
    for (const auto& fd : r->findings) {
      if (shown == 3) break;
      ImGui::PushID(static_cast<int>(shown));
      if (ImGui::Button("Show me", ImVec2(0, target))) a.push_back(ShowMe{fd.pos});
      ImGui::SameLine();
      ImGui::TextWrapped("%s (%s)", fd.message.c_str(), fd.criterion.c_str());
      ImGui::PopID();
      ++shown;
    }
    if (shown == 0) ImGui::TextColored(kMuted, "No findings.");
  }
  ImGui::Separator();
  if (ImGui::Button("Export report")) a.push_back(ExportReport{});
  ImGui::SameLine();
  if (ImGui::Button("New attempt")) a.push_back(NewAttempt{});
  ImGui::SameLine();
  if (ImGui::Button("Close")) summary_open_ = false;
  if (!m.export_status.empty()) ImGui::TextWrapped("%s", m.export_status.c_str());
  record_window();
  ImGui::End();
  ImGui::PopStyleColor();
}

void Panels::scenario_browser(const UiModel& m, ViewState& v, std::vector<UiAction>& a) {
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(disp.x * 0.5f, disp.y * 0.5f), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(disp.x * 0.92f, f(760.0 * scale_)),
                                  std::min(disp.y * 0.85f, f(520.0 * scale_))),
                           ImGuiCond_Appearing);
  bool open = true;
  ImGui::Begin("Scenarios", &open, ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoCollapse);
  const auto* list = m.scenarios;
  if (list == nullptr || list->empty()) {
    ImGui::TextWrapped("No scenarios found.");
  } else {
    const float list_w = ImGui::GetContentRegionAvail().x * 0.42f;
    ImGui::BeginChild("##list", ImVec2(list_w, 0), true);
    for (int i = 0; i < static_cast<int>(list->size()); ++i) {
      const ScenarioEntry& e = (*list)[static_cast<std::size_t>(i)];
      const std::string label =
          (e.error.empty() ? e.title : std::filesystem::path(e.path).filename().string()) + "##" +
          std::to_string(i);
      if (ImGui::Selectable(label.c_str(), selected_scenario_ == i, 0,
                            ImVec2(0, f(kTouchTargetPx * scale_)))) {
        selected_scenario_ = i;
      }
    }
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##detail", ImVec2(0, 0), false);
    if (selected_scenario_ >= 0 && selected_scenario_ < static_cast<int>(list->size())) {
      const ScenarioEntry& e = (*list)[static_cast<std::size_t>(selected_scenario_)];
      if (!e.error.empty()) {
        ImGui::TextColored(kRed, "This scenario does not load:");
        ImGui::TextWrapped("%s", e.error.c_str());
      } else {
        ImGui::TextWrapped("%s", e.title.c_str());
        ImGui::TextColored(kMuted, "Case: %s", e.case_kind.c_str());
        ImGui::TextColored(kMuted, "Technique: %s", e.technique.c_str());
        ImGui::TextColored(kMuted, "Level %d, %s mode, %s", e.level, e.mode.c_str(),
                           e.surface.c_str());
        ImGui::Separator();
        ImGui::TextWrapped("%s", e.description.c_str());
        ImGui::Spacing();
        if (ImGui::Button("Start this scenario", ImVec2(0, f(kTouchTargetPx * scale_)))) {
          a.push_back(OpenScenario{e.path});
          v.show_scenario_browser = false;
        }
      }
    } else {
      ImGui::TextWrapped("Choose a scenario on the left to read what it asks of you.");
    }
    ImGui::EndChild();
  }
  record_window();
  ImGui::End();
  if (!open) v.show_scenario_browser = false;
}

void Panels::resume_dialog(const UiModel& m, std::vector<UiAction>& a) {
  if (!ImGui::IsPopupOpen("Unfinished attempt")) ImGui::OpenPopup("Unfinished attempt");
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(disp.x * 0.5f, disp.y * 0.5f), ImGuiCond_Always,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(disp.x * 0.9f, f(520.0 * scale_)), 0));
  if (ImGui::BeginPopupModal(
          "Unfinished attempt", nullptr,
          ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::TextWrapped(
        "An unfinished attempt on this scenario was saved (started %s, %s of work, "
        "%zu logged events).",
        m.resume.started_at.c_str(), format_clock(m.resume.t_s).c_str(), m.resume.events);
    ImGui::TextColored(kMuted, "%s", m.resume.path.c_str());
    const float target = f(kTouchTargetPx * scale_);
    if (ImGui::Button("Resume it", ImVec2(f(180.0 * scale_), target))) {
      a.push_back(AnswerResume{true});
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Start a new attempt", ImVec2(0, target))) {
      a.push_back(AnswerResume{false});
      ImGui::CloseCurrentPopup();
    }
    ImGui::TextColored(kMuted, "A new attempt keeps the old file, renamed with its date.");
    record_window();
    ImGui::EndPopup();
  }
}

void Panels::cross_section_panel(const UiModel& m, const ViewState&) {
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  const float w = std::min(f(420.0 * scale_), disp.x - rail_w_ - score_w_ - f(16.0 * scale_));
  const float h = std::min(f(280.0 * scale_), disp.y - top_h_ - bottom_h_ - f(16.0 * scale_));
  if (w < 120.0f || h < 90.0f) return;
  ImGui::SetNextWindowPos(
      ImVec2(disp.x - score_w_ - w - f(8.0 * scale_), disp.y - bottom_h_ - h - f(8.0 * scale_)));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  // No window background: the renderer draws the diagram into the content area before ImGui's
  // draw data, and the labels go on top of it.
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::Begin("Cross-section", nullptr,
               kFixed | ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoBackground);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  record_window();
  if (m.cross_section == nullptr) {
    ImGui::TextWrapped("Place an impression (or hover the skin) to see the layers under it.");
    ImGui::End();
    ImGui::PopStyleVar();
    return;
  }
  section_rect_ = RectPx{p.x, p.y, avail.x, avail.y};
  const render::CrossSection& cs = *m.cross_section;
  render::Viewport vp{static_cast<int>(p.x), static_cast<int>(p.y), static_cast<int>(avail.x),
                      static_cast<int>(avail.y)};
  const render::SectionLayout lay = render::layout_cross_section(cs, vp);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 text = IM_COL32(240, 236, 230, 255);
  const ImU32 muted = IM_COL32(190, 186, 180, 255);
  const float fs = ImGui::GetFontSize();
  // Layer names on the left margin, at each layer's middle under the centre (pushed apart when
  // thin layers would make them overlap).
  if (!cs.profile.empty()) {
    const auto& mid =
        *std::min_element(cs.profile.begin(), cs.profile.end(), [](const auto& a1, const auto& b1) {
          return std::abs(a1.offset_mm) < std::abs(b1.offset_mm);
        });
    const double tops[4] = {0.0, mid.epidermis_bottom_mm, mid.papillary_bottom_mm,
                            mid.reticular_bottom_mm};
    const double bottoms[4] = {mid.epidermis_bottom_mm, mid.papillary_bottom_mm,
                               mid.reticular_bottom_mm,
                               std::min(mid.subcutis_bottom_mm, cs.max_depth_mm)};
    const char* names[4] = {"Epidermis", "Papillary", "Reticular", "Fat"};
    float last_y = -1e9f;
    for (int i = 0; i < 4; ++i) {
      double x = 0, y = 0;
      lay.to_pixel(cs, -cs.half_length_mm, 0.5 * (tops[i] + bottoms[i]), &x, &y);
      const float ty = std::max(f(y) - fs * 0.5f, last_y + fs);
      dl->AddText(ImVec2(p.x + f(4.0 * scale_), ty), text, names[i]);
      last_y = ty;
    }
  }
  // Depth ticks every 0.5 mm, inside the plot's left edge.
  for (double d = 0.5; d < cs.max_depth_mm; d += 0.5) {
    double x = 0, y = 0;
    lay.to_pixel(cs, -cs.half_length_mm, d, &x, &y);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", d);
    dl->AddLine(ImVec2(f(x), f(y)), ImVec2(f(x) + 6.0f, f(y)), muted, 1.0f);
    dl->AddText(ImVec2(f(x) + 8.0f, f(y) - fs * 0.5f), muted, buf);
  }
  char head[96];
  if (cs.band_max_mm > cs.band_min_mm) {
    std::snprintf(head, sizeof head, "depth, mm - target band %.2f-%.2f mm", cs.band_min_mm,
                  cs.band_max_mm);
  } else {
    std::snprintf(head, sizeof head, "depth, mm");
  }
  dl->AddText(ImVec2(f(lay.plot.x), p.y), text, head);
  // The deposit nearest the centre: its depth and layer.
  const render::SectionDeposit* best = nullptr;
  for (const auto& d : cs.deposits) {
    if (best == nullptr || std::abs(d.offset_mm) < std::abs(best->offset_mm)) best = &d;
  }
  if (best != nullptr) {
    double x = 0, y = 0;
    lay.to_pixel(cs, best->offset_mm, best->depth_mm, &x, &y);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f mm %s", best->depth_mm, best->in_band ? "(in band)" : "");
    dl->AddText(ImVec2(f(x) + 8.0f, f(y) - fs * 0.5f), text, buf);
  }
  ImGui::End();
  ImGui::PopStyleVar();
}

void Panels::heat_legend(const ViewState& v) {
  const render::HeatLegend lg = render::heat_legend(v.heat_map);
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  const float w = f(260.0 * scale_);
  ImGui::SetNextWindowPos(ImVec2(rail_w_ + f(8.0 * scale_), disp.y - bottom_h_ - f(8.0 * scale_)),
                          ImGuiCond_Always, ImVec2(0.0f, 1.0f));
  ImGui::SetNextWindowSize(ImVec2(0, 0));  // as wide as its labels
  ImGui::Begin("##legend", nullptr, kBar | ImGuiWindowFlags_AlwaysAutoResize);
  ImGui::Text("%s (%s)", lg.title.c_str(), lg.unit.c_str());
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float bw = w, bh = f(16.0 * scale_);
  for (std::size_t i = 1; i < lg.stops.size(); ++i) {
    const auto& a0 = lg.stops[i - 1];
    const auto& a1 = lg.stops[i];
    dl->AddRectFilledMultiColor(ImVec2(p.x + f(a0.t) * bw, p.y),
                                ImVec2(p.x + f(a1.t) * bw, p.y + bh), u32(a0.color), u32(a1.color),
                                u32(a1.color), u32(a0.color));
  }
  ImGui::Dummy(ImVec2(bw, bh));
  // The two ends on their own lines: long labels never overlap.
  ImGui::Text("left: %g %s (%s)", lg.min_value, lg.unit.c_str(), lg.low_label.c_str());
  ImGui::Text("right: %g %s (%s)", lg.max_value, lg.unit.c_str(), lg.high_label.c_str());
  record_window();
  ImGui::End();
}

}  // namespace smp::ui
