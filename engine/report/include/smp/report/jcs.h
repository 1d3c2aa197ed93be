// RFC 8785 JSON Canonicalization Scheme (JCS) over nlohmann::json: object members sorted by their
// UTF-16 code units, ECMAScript number formatting, minimal string escaping, no whitespace.
// Signed documents (report.json, the badge payload) are written with it so the bytes are stable.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "smp/sim/result.h"

namespace smp::report {

// Fails (with a message naming the JSON Pointer) on NaN/Infinity, integers beyond +/-2^53 and
// strings that are not valid UTF-8; those have no canonical form.
sim::Result<std::string> jcs_serialize(const nlohmann::json& value);

// ECMAScript Number::toString for a finite double (RFC 8785 section 3.2.2.3): 1e21, 1e-7, 0.1, 5.
std::string jcs_number(double v);

// Parses JSON text with nlohmann, then canonicalises it (for tests and `smp verify`).
sim::Result<std::string> jcs_canonicalize(std::string_view json_text, const std::string& label);

// obj[key] when obj is an object holding a string there, else "". Unlike nlohmann's value(), never
// throws on a member of another type (untrusted files: keys, badges, outboxes).
std::string string_member(const nlohmann::json& obj, const char* key);

}  // namespace smp::report
