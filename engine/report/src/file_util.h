// Internal: bounded whole-file reads shared by verification and the xAPI outbox.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace smp::report::detail {

// The whole file, or nullopt when it cannot be read or is larger than max_bytes (checked before
// reading, so a huge file costs nothing). Reads by size: GCC 12 warns inside istreambuf_iterator.
std::optional<std::string> read_bounded(const std::filesystem::path& p, std::uintmax_t max_bytes);

}  // namespace smp::report::detail
