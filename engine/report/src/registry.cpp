#include "smp/report/registry.h"

#include <sqlite3.h>

#include <filesystem>
#include <utility>

namespace smp::report {
namespace {

using sim::Error;

// Schema migrations, in order: entry i takes user_version i to i + 1. Never edit a shipped one;
// append a new step instead.
const char* const kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE trainees ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL);"
    "CREATE TABLE records ("
    "  report_id TEXT PRIMARY KEY,"
    "  attempt_id TEXT NOT NULL,"
    "  trainee_id TEXT NOT NULL REFERENCES trainees(id),"
    "  scenario_id TEXT NOT NULL,"
    "  scenario_version INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  purpose TEXT NOT NULL,"
    "  issued_at TEXT NOT NULL,"
    "  overall_permille INTEGER NOT NULL,"
    "  passed INTEGER NOT NULL,"
    "  key_fingerprint TEXT NOT NULL,"
    "  dir TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid','revoked')),"
    "  revoked_reason TEXT NOT NULL DEFAULT '',"
    "  revoked_at TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX records_by_trainee ON records(trainee_id, scenario_id, issued_at);"
    "CREATE INDEX records_by_attempt ON records(attempt_id);",
};
constexpr int kMigrationCount = static_cast<int>(std::size(kMigrations));
static_assert(kMigrationCount == kRegistrySchemaVersion);

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  std::string text(int i) const {
    const auto* p = sqlite3_column_text(s_, i);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
             : std::string();
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

Error db_error(const std::string& path, sqlite3* db, const std::string& what) {
  return {path, "", what + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
}

constexpr const char* kSelect =
    "SELECT report_id, attempt_id, r.trainee_id, t.name, scenario_id, scenario_version, attempt,"
    " purpose, issued_at, overall_permille, passed, key_fingerprint, dir, status, revoked_reason,"
    " revoked_at FROM records r JOIN trainees t ON t.id = r.trainee_id ";

RegistryEntry read_entry(const Stmt& s) {
  RegistryEntry e;
  e.report_id = s.text(0);
  e.attempt_id = s.text(1);
  e.trainee_id = s.text(2);
  e.trainee_name = s.text(3);
  e.scenario_id = s.text(4);
  e.scenario_version = static_cast<int>(s.integer(5));
  e.attempt = static_cast<int>(s.integer(6));
  e.purpose = s.text(7);
  e.issued_at = s.text(8);
  e.overall_permille = s.integer(9);
  e.passed = s.integer(10) != 0;
  e.key_fingerprint = s.text(11);
  e.dir = s.text(12);
  e.status = s.text(13);
  e.revoked_reason = s.text(14);
  e.revoked_at = s.text(15);
  return e;
}

}  // namespace

std::string default_registry_path(const std::string& key_path) {
  const std::filesystem::path dir = std::filesystem::path(key_path).parent_path();
  return (dir.empty() ? std::filesystem::path(kRegistryFileName) : dir / kRegistryFileName)
      .string();
}

sim::Result<Registry> Registry::open(const std::string& path, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    return sim::Result<Registry>::fail(
        {path, "",
         "no registry here (give --registry FILE, or re-make it from the report folders with "
         "'smp registry rebuild')"});
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    auto e = db_error(path, db, "cannot open the registry");
    sqlite3_close(db);
    return sim::Result<Registry>::fail(e);
  }
  Registry reg(db, path);  // closes db on every return below
  sqlite3_busy_timeout(db, kRegistryBusyTimeoutMs);
  auto fail = [&](const std::string& what) {
    return sim::Result<Registry>::fail(db_error(path, db, what));
  };
  // The first read fails on a file that is not a database ("file is not a database").
  int version = 0;
  {
    Stmt v(db, "PRAGMA user_version");
    if (!v.ok() || v.step() != SQLITE_ROW) {
      return fail(
          "not a readable registry (damaged, or not a SQLite file); the signed report folders "
          "are intact: 'smp registry rebuild --registry NEW_FILE DIR...' re-makes it");
    }
    version = static_cast<int>(v.integer(0));
  }
  if (version > kRegistrySchemaVersion) {
    return sim::Result<Registry>::fail(
        {path, "",
         "registry schema version " + std::to_string(version) + " is newer than this smp (" +
             std::to_string(kRegistrySchemaVersion) + "): update smp"});
  }
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    return fail("cannot set up the registry");
  }
  // Each migration step and its version bump in one immediate transaction, so two processes
  // opening a new registry at once migrate it once.
  while (version < kRegistrySchemaVersion) {
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail("cannot lock the registry to upgrade it");
    }
    Stmt v(db, "PRAGMA user_version");
    const int now = (v.ok() && v.step() == SQLITE_ROW) ? static_cast<int>(v.integer(0)) : -1;
    if (now == version) {
      const std::string sql = std::string(kMigrations[version]) +
                              "PRAGMA user_version=" + std::to_string(version + 1) + ";";
      if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        auto e = db_error(path, db, "cannot upgrade the registry");
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return sim::Result<Registry>::fail(e);
      }
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail("cannot upgrade the registry");
    }
    version = now == version ? version + 1 : now;
    if (version < 0) return fail("cannot read the registry's schema version");
  }
  return reg;
}

Registry::Registry(Registry&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}
Registry& Registry::operator=(Registry&& o) noexcept {
  if (this != &o) {
    sqlite3_close(db_);
    db_ = std::exchange(o.db_, nullptr);
    path_ = std::move(o.path_);
  }
  return *this;
}
Registry::~Registry() {
  sqlite3_close(db_);
}

sim::Result<bool> Registry::record_issued(const ReportRecord& r, const std::string& dir) {
  auto fail = [&](const std::string& what) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return sim::Result<bool>::fail(db_error(path_, db_, what));
  };
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("cannot lock the registry");
  }
  {
    Stmt t(db_,
           "INSERT INTO trainees(id, name) VALUES(?1, ?2)"
           " ON CONFLICT(id) DO UPDATE SET name = excluded.name");
    if (!t.ok() || t.bind(1, r.trainee.id).bind(2, r.trainee.name).step() != SQLITE_DONE) {
      return fail("cannot record the trainee");
    }
  }
  {
    // Re-issuing the same attempt keeps its status: a revoked record stays revoked.
    Stmt s(db_,
           "INSERT INTO records(report_id, attempt_id, trainee_id, scenario_id, scenario_version,"
           " attempt, purpose, issued_at, overall_permille, passed, key_fingerprint, dir)"
           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
           " ON CONFLICT(report_id) DO UPDATE SET issued_at = excluded.issued_at,"
           " overall_permille = excluded.overall_permille, passed = excluded.passed,"
           " key_fingerprint = excluded.key_fingerprint, dir = excluded.dir");
    if (!s.ok()) return fail("cannot record the report");
    s.bind(1, r.report_id)
        .bind(2, "session:" + r.session.sha256)
        .bind(3, r.trainee.id)
        .bind(4, r.scenario.id)
        .bind(5, std::int64_t{r.scenario.version})
        .bind(6, std::int64_t{r.attempt})
        .bind(7, r.purpose)
        .bind(8, r.issued_at)
        .bind(9, r.overall_permille)
        .bind(10, std::int64_t{r.passed ? 1 : 0})
        .bind(11, r.signer.key_fingerprint)
        .bind(12, dir);
    if (s.step() != SQLITE_DONE) return fail("cannot record the report");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("cannot record the report");
  }
  return true;
}

sim::Result<bool> Registry::revoke(const std::string& report_id, const std::string& reason,
                                   const std::string& at) {
  Stmt s(db_,
         "UPDATE records SET status = 'revoked', revoked_reason = ?2, revoked_at = ?3"
         " WHERE report_id = ?1");
  if (!s.ok() || s.bind(1, report_id).bind(2, reason).bind(3, at).step() != SQLITE_DONE) {
    return sim::Result<bool>::fail(db_error(path_, db_, "cannot revoke"));
  }
  if (sqlite3_changes(db_) == 0) {
    return sim::Result<bool>::fail(
        {path_, "", "no record " + report_id + " in the registry (was it issued with it?)"});
  }
  return true;
}

std::optional<RegistryEntry> Registry::find(const std::string& report_id) const {
  Stmt s(db_, (std::string(kSelect) + "WHERE report_id = ?1").c_str());
  if (!s.ok() || s.bind(1, report_id).step() != SQLITE_ROW) return std::nullopt;
  return read_entry(s);
}

std::vector<RegistryEntry> Registry::entries() const {
  std::vector<RegistryEntry> out;
  Stmt s(db_,
         (std::string(kSelect) + "ORDER BY r.trainee_id, scenario_id, issued_at, attempt").c_str());
  while (s.ok() && s.step() == SQLITE_ROW) out.push_back(read_entry(s));
  return out;
}

std::vector<RegistryEntry> Registry::history(const std::string& trainee_id,
                                             const std::string& scenario_id) const {
  std::vector<RegistryEntry> out;
  Stmt s(db_, (std::string(kSelect) +
               "WHERE r.trainee_id = ?1 AND scenario_id = ?2 ORDER BY issued_at, attempt")
                  .c_str());
  s.bind(1, trainee_id).bind(2, scenario_id);
  while (s.ok() && s.step() == SQLITE_ROW) out.push_back(read_entry(s));
  return out;
}

}  // namespace smp::report
