#include "file_util.h"

#include <fstream>

namespace smp::report::detail {

std::optional<std::string> read_bounded(const std::filesystem::path& p, std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(p, ec);
  if (ec || size > max_bytes) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  std::string s(static_cast<std::size_t>(size), '\0');
  if (!in.read(s.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  return s;
}

}  // namespace smp::report::detail
