// Every finding's and critical error's text, in one place (plain language for the trainee).
#include "scoring/finding_texts.h"

#include "scoring/constants.h"
#include "scoring/report_text.h"

namespace smp::sim::scoring {

std::string dot_finding_text(Code code, const Dot& d, double hair_lightness) {
  const long long id = static_cast<long long>(d.ext_id);
  switch (code) {
    case kTooShallow:
      return fmt(
          "Dot %lld is %.2f mm deep, above the %.2f-%.2f mm band: it will fade within "
          "weeks.",
          id, d.depth_mm, d.band_min_mm, d.band_max_mm);
    case kTooDeep:
      return fmt(
          "Dot %lld is %.2f mm deep, below the %.2f-%.2f mm band: it will blur and turn "
          "blue.",
          id, d.depth_mm, d.band_min_mm, d.band_max_mm);
    case kPigmentInFat:
      return fmt("Dot %lld reached the fat at %.2f mm: blowout.", id, d.depth_mm);
    case kTouching:
      return fmt("Dot %lld touches a neighbouring dot: they will merge.", id);
    case kRepeatPass:
      return fmt("Dot %lld is a second pass on the same spot: it spreads and scars.", id);
    case kHeavyDose:
      return fmt("Dot %lld carries a heavy dose (%.1fx a clean tap): it will spread.", id, d.dose);
    case kScarMigration:
      return fmt("Dot %lld is in knotted scar tissue where pigment migrates.", id);
    case kColorOff:
      return fmt("Dot %lld heals %.1f CIEDE2000 away from the target shade.", id, d.delta_e);
    case kBlackInTemporary:
      return fmt("Dot %lld uses a black-containing pigment in a temporary-technique case.", id);
    case kDarkerThanHair:
      return fmt("Dot %lld heals darker than the hair (L* %.0f vs %.0f).", id, d.dot_l,
                 hair_lightness);
    case kForbiddenPigment:
      return fmt("Dot %lld uses a pigment this scenario does not allow.", id);
    case kForbiddenRegion:
      return fmt("Dot %lld is in an area that must stay free of pigment.", id);
    case kAvoidRegion:
      return fmt("Dot %lld is in an area to avoid.", id);
    case kOutsideTreatArea:
      return fmt("Dot %lld is outside the treatment area.", id);
    case kInFrontOfHairline:
      return fmt("Dot %lld is %.1f mm in front of the designed hairline.", id, d.front_dist_mm);
    case kUnderHair:
      return fmt("Dot %lld sits under an existing hair, where it adds no density.", id);
    default:
      return fmt("Dot %lld.", id);
  }
}

std::string critical_finding_text(Code code, const Dot& d) {
  const long long id = static_cast<long long>(d.ext_id);
  switch (code) {
    case kPigmentInFat:
      return fmt("Dot %lld went %.2f mm deep, into the fat: pigment there blows out.", id,
                 d.depth_mm);
    case kForbiddenRegion:
      return fmt("Dot %lld is in an area that must stay free of pigment.", id);
    default:  // kForbiddenPigment
      return fmt("Dot %lld uses a pigment this scenario does not allow.", id);
  }
}

std::string cell_finding_text(double count, double expected) {
  const double k = count, e = expected;
  return k / e < kHoleRatio
             ? fmt("Hole: %.0f dots in this 5 mm square where about %.0f belong.", k, e)
             : fmt("Clump: %.0f dots in this 5 mm square where about %.0f belong.", k, e);
}

void spot_finding_text(std::string& out, Code code, const SpotFigures& figures) {
  switch (code) {
    case kHairlineGap:
      out = "Gap: no dots in this stretch of the hairline transition zone.";
      break;
    case kStraightHairline:
      fmt_to(out,
             "The hairline edge is a straight line (front-most dots vary by only %.2f mm): make "
             "it softly irregular.",
             figures.offset_sd_mm);
      break;
    case kScarUncovered:
      out = "Uncovered scar: this part of the scar has no dots yet.";
      break;
    default:  // kScarBorder
      fmt_to(out,
             "The scar does not blend: %.0f%% of target density inside, %.0f%% in the 3 mm "
             "around it.",
             100 * figures.inside_ratio, 100 * figures.border_ratio);
      break;
  }
}

}  // namespace smp::sim::scoring
