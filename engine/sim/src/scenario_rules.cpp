// Reads the scenario's "pass_rules" block (scenario_rules.h).
#include "scenario_rules.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace smp::sim::detail {

namespace {

using json = nlohmann::json;

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string kind(const json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

// RFC 6901: "~" is written "~0" and "/" is "~1" in a pointer's keys.
std::string escape(const std::string& key) {
  std::string out;
  for (char ch : key) {
    if (ch == '~') {
      out += "~0";
    } else if (ch == '/') {
      out += "~1";
    } else {
      out += ch;
    }
  }
  return out;
}

constexpr std::array<std::string_view, 6> kKeys = {"min_in_band_pct",  "max_touching_pct",
                                                   "min_coverage_pct", "density_ratio",
                                                   "max_stray_pct",    "over_time"};

}  // namespace

void read_pass_rules(const json& j, const std::string& pointer, PassRules& out,
                     const std::function<void(std::string, std::string)>& error) {
  if (!j.is_object()) {
    error(pointer, "expected an object, got " + kind(j));
    return;
  }
  auto number = [&](const json& v, const std::string& at, double lo, double hi, bool lo_open,
                    double& dest) {
    if (!v.is_number()) {
      error(at, "expected a number, got " + kind(v));
      return false;
    }
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < lo || x > hi || (lo_open && x == lo)) {
      error(at, std::string("must be ") + (lo_open ? "greater than " : "between ") + num(lo) +
                    (lo_open ? " and at most " : " and ") + num(hi) + " (got " + num(x) + ")");
      return false;
    }
    dest = x;
    return true;
  };
  for (const auto& [key, v] : j.items()) {
    const std::string at = pointer + "/" + escape(key);
    if (key == "min_in_band_pct") {
      number(v, at, 0.0, 100.0, false, out.min_in_band_pct);
    } else if (key == "max_touching_pct") {
      number(v, at, 0.0, 100.0, false, out.max_touching_pct);
    } else if (key == "min_coverage_pct") {
      number(v, at, 0.0, 100.0, false, out.min_coverage_pct);
    } else if (key == "max_stray_pct") {
      number(v, at, 0.0, 100.0, false, out.max_stray_pct);
    } else if (key == "density_ratio") {
      if (!v.is_array() || v.size() != 2) {
        error(at, "expected [min, max], got " +
                      (v.is_array() ? "an array of " + std::to_string(v.size()) : kind(v)));
        continue;
      }
      double lo = out.min_density_ratio, hi = out.max_density_ratio;
      const bool ok_lo = number(v[0], at + "/0", 0.0, 1.0, false, lo);
      const bool ok_hi = number(v[1], at + "/1", 1.0, 100.0, false, hi);
      if (ok_lo && ok_hi) {
        out.min_density_ratio = lo;
        out.max_density_ratio = hi;
      }
    } else if (key == "over_time") {
      if (v.is_string() && v.get_ref<const std::string&>() == "fail") {
        out.over_time = OverTime::kFail;
      } else if (v.is_string() && v.get_ref<const std::string&>() == "stop_counting") {
        out.over_time = OverTime::kStopCounting;
      } else {
        error(at, "must be one of \"fail\", \"stop_counting\" (got " +
                      (v.is_string() ? "\"" + v.get<std::string>() + "\"" : kind(v)) + ")");
      }
    } else {
      std::string msg = "unknown field \"" + key + "\" (pass_rules takes ";
      for (std::size_t i = 0; i < kKeys.size(); ++i) {
        msg += (i == 0 ? "" : i + 1 == kKeys.size() ? " and " : ", ");
        msg += kKeys[i];
      }
      msg += ")";
      error(at, msg);
    }
  }
}

}  // namespace smp::sim::detail
