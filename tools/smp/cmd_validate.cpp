// `smp validate FILE...`: checks scenarios (smp-scenario/1) and session logs (smp-session/1).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "smp/sim/scenario.h"
#include "smp/sim/session.h"

namespace {

using json = nlohmann::json;

// Finds the top-level "schema" string without building the document, and stops there.
class SchemaSniffer final : public nlohmann::json_sax<json> {
 public:
  std::string schema;

  bool null() override { return scalar(); }
  bool boolean(bool /*v*/) override { return scalar(); }
  bool number_integer(number_integer_t /*v*/) override { return scalar(); }
  bool number_unsigned(number_unsigned_t /*v*/) override { return scalar(); }
  bool number_float(number_float_t /*v*/, const string_t& /*s*/) override { return scalar(); }
  bool string(string_t& v) override {
    if (depth_ == 1 && at_schema_) {
      schema = v;
      return false;  // found: stop parsing
    }
    return scalar();
  }
  bool binary(binary_t& /*v*/) override { return false; }
  bool start_object(std::size_t /*n*/) override { return open(); }
  bool start_array(std::size_t /*n*/) override { return open(); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    at_schema_ = depth_ == 1 && k == "schema";
    return true;
  }
  bool parse_error(std::size_t /*pos*/, const std::string& /*tok*/,
                   const nlohmann::detail::exception& /*ex*/) override {
    return false;  // the real loader reports it, with its position
  }

 private:
  int depth_ = 0;
  bool at_schema_ = false;
  bool scalar() {
    at_schema_ = false;
    return true;
  }
  bool open() {
    at_schema_ = false;
    return ++depth_ < 256;
  }
  bool close() {
    --depth_;
    return true;
  }
};

std::string sniff_schema(const std::string& bytes) {
  SchemaSniffer s;
  try {
    json::sax_parse(bytes, &s, json::input_format_t::json, false);
  } catch (const std::exception&) {
    return "";  // the loader reports what is wrong
  }
  return s.schema;
}

// Reads the whole file once (so a pipe such as /dev/stdin works), at most `limit` + 1 bytes.
std::optional<std::string> read_limited(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes;
  char buf[65536];
  while (in && bytes.size() <= limit) {
    in.read(buf, sizeof buf);
    bytes.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  return bytes;
}

std::vector<smp::sim::Error> check_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Over every limit: never read it (the scenario loader refuses it on its size alone).
  const bool huge =
      fs::is_regular_file(path, ec) && fs::file_size(path, ec) > smp::sim::kMaxSessionBytes;
  const auto bytes = (huge || fs::is_directory(path, ec))
                         ? std::nullopt
                         : read_limited(path, smp::sim::kMaxSessionBytes);
  if (!bytes) {
    // Missing, unreadable, a directory or huge: the scenario loader words it (same text as
    // elsewhere).
    auto r = smp::sim::load_scenario_file(path);
    return r.ok() ? std::vector<smp::sim::Error>{} : r.errors();
  }
  if (sniff_schema(*bytes) == "smp-session/1") {
    if (bytes->size() > smp::sim::kMaxSessionBytes) {
      return {{path, "",
               "file is larger than " + std::to_string(smp::sim::kMaxSessionBytes) +
                   " bytes, the limit for a session log"}};
    }
    auto r = smp::sim::parse_session(*bytes, path);
    return r.ok() ? std::vector<smp::sim::Error>{} : r.errors();
  }
  auto r = smp::sim::parse_scenario(*bytes, path);
  return r.ok() ? std::vector<smp::sim::Error>{} : r.errors();
}

void usage(std::FILE* to) {
  std::fprintf(
      to,
      "Usage: smp validate FILE...\n\n"
      "Checks each FILE: a scenario (\"schema\": \"smp-scenario/1\", "
      "docs/scenario-format.md)\n"
      "or a session log (\"schema\": \"smp-session/1\", docs/session-format.md).\n"
      "Prints \"FILE: ok\" on stdout for each valid file, and one line per problem on\n"
      "stderr: \"FILE: /json/pointer: message\".\n\n"
      "Exit status: 0 all files valid, 1 some file invalid or unreadable, 64 bad usage.\n");
}

int run_validate(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  bool options_done = false;
  for (const auto& a : args) {
    if (!options_done && (a == "--help" || a == "-h")) {
      usage(stdout);
      return smp::cli::kExitOk;
    }
    if (!options_done && a == "--") {
      options_done = true;
      continue;
    }
    if (!options_done && a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "smp validate: unknown option '%s'\n", a.c_str());
      usage(stderr);
      return smp::cli::kExitUsage;
    }
    files.push_back(a);
  }
  if (files.empty()) {
    std::fprintf(stderr, "smp validate: no file given\n");
    usage(stderr);
    return smp::cli::kExitUsage;
  }
  int status = smp::cli::kExitOk;
  for (const auto& f : files) {
    const std::vector<smp::sim::Error> errors = check_file(f);
    if (errors.empty()) {
      std::printf("%s: ok\n", f.c_str());
    } else {
      status = smp::cli::kExitFailure;
      for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    }
    std::fflush(stdout);
  }
  return status;
}

const bool registered = smp::cli::register_command(
    {"validate", "check scenario and session files (every error with its JSON Pointer)",
     run_validate});

}  // namespace
