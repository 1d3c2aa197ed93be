// The texts of findings and critical errors (finding_texts.cpp): every English sentence a
// finding carries is written there, nowhere else.
#pragma once
#include <string>

#include "scoring/dot.h"
#include "scoring/finding_codes.h"
#include "scoring/report_memo.h"

namespace smp::sim::scoring {

inline constexpr const char* kGridLikeText =
    "Grid or row pattern: neighbouring dots line up in the same directions.";
// A finding about one dot (hair_lightness: the client's hair L*, for darker_than_hair).
std::string dot_finding_text(Code code, const Dot& d, double hair_lightness);
// A critical error's text: kPigmentInFat, kForbiddenRegion or kForbiddenPigment.
std::string critical_finding_text(Code code, const Dot& d);
// A hole or clump: `count` dots in a 5 mm square expecting `expected`.
std::string cell_finding_text(double count, double expected);
// The hairline and scar spots' texts, written over out.
void spot_finding_text(std::string& out, Code code, const SpotFigures& figures);

}  // namespace smp::sim::scoring
