// The academy's registry (docs/registry.md): a SQLite database of what it has issued: trainees,
// records (one per report directory) with their attempt id, and each record's status (valid, or
// revoked with reason and date). The signed report folders stay the source of truth: the
// registry is an index that `smp registry rebuild` can re-make from them.
//
// One connection per process; WAL journal and a busy timeout so several `smp report` runs can
// write at once. The schema version is PRAGMA user_version, migrated forward on open.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smp/report/record.h"
#include "smp/sim/result.h"

struct sqlite3;

namespace smp::report {

inline constexpr int kRegistrySchemaVersion = 1;
inline constexpr const char* kRegistryFileName = "registry.sqlite";
inline constexpr int kRegistryBusyTimeoutMs = 10000;

struct RegistryEntry {
  std::string report_id;
  std::string attempt_id;  // "session:<SHA-256 of the session file>"
  std::string trainee_id, trainee_name;
  std::string scenario_id;
  int scenario_version = 0;
  int attempt = 0;
  std::string purpose;
  std::string issued_at;
  std::int64_t overall_permille = 0;
  bool passed = false;
  std::string key_fingerprint;
  std::string dir;     // the report directory, absolute, as last recorded
  std::string status;  // "valid" or "revoked"
  std::string revoked_reason, revoked_at;
};

class Registry {
 public:
  // Opens (creating it if missing and `create`) and migrates to kRegistrySchemaVersion. A file
  // that is not a SQLite database, or one from a newer version, is refused with the path named.
  static sim::Result<Registry> open(const std::string& path, bool create);
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  ~Registry();

  // Records (or re-records: same report id keeps its status) an issued record and its trainee.
  sim::Result<bool> record_issued(const ReportRecord& r, const std::string& dir);
  // Marks a record revoked. Fails when the report id is unknown.
  sim::Result<bool> revoke(const std::string& report_id, const std::string& reason,
                           const std::string& at);
  std::optional<RegistryEntry> find(const std::string& report_id) const;
  std::vector<RegistryEntry> entries() const;  // by trainee, scenario, issued_at
  // Attempts of one trainee on one scenario, oldest first (for the certificate's history).
  std::vector<RegistryEntry> history(const std::string& trainee_id,
                                     const std::string& scenario_id) const;
  const std::string& path() const { return path_; }

 private:
  Registry(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Default registry path for a key file: registry.sqlite in the key's directory.
std::string default_registry_path(const std::string& key_path);

}  // namespace smp::report
