// Shared by the report subcommands (keygen, report, verify, xapi): positional arguments beside
// session_cli.h's options, and writing an output file with a located error.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "smp/sim/result.h"
#include "smp/sim/session.h"

namespace smp::cli {

// Splits args into positionals and options (an option in value_options takes the next arg along).
inline void split_positionals(const std::vector<std::string>& args,
                              const std::vector<std::string>& value_options,
                              std::vector<std::string>* positionals,
                              std::vector<std::string>* options) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.empty() && a[0] == '-') {
      options->push_back(a);
      bool takes_value = false;
      for (const auto& v : value_options) takes_value = takes_value || v == a;
      if (takes_value && i + 1 < args.size()) options->push_back(args[++i]);
    } else {
      positionals->push_back(a);
    }
  }
}

// Atomic write; prints "FILE: message" and returns false on failure.
inline bool write_output(const std::string& path, std::string_view bytes) {
  auto w = sim::write_file_atomic(path, bytes);
  if (!w.ok()) {
    for (const auto& e : w.errors()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return false;
  }
  return true;
}

}  // namespace smp::cli
