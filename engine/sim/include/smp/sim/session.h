// Session log ("smp-session/1", docs/session-format.md): header, then timestamped stylus samples
// and tool changes; and/or plain impressions produced elsewhere.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "smp/sim/geometry.h"
#include "smp/sim/impression.h"
#include "smp/sim/needle.h"
#include "smp/sim/result.h"

namespace smp::sim {

// One stylus/touch/mouse sample, already on the scalp map. The platform layer makes these.
struct StylusSample {
  double t_s = 0.0;
  PointMm pos;
  double pressure = 0.0;     // 0..1
  double tilt_rad = 0.0;     // from the skin normal
  double azimuth_rad = 0.0;  // scalp-map direction of the tilt
  bool down = false;         // needle in contact / machine firing
  friend bool operator==(const StylusSample&, const StylusSample&) = default;
};

struct ToolState {
  NeedleConfig needle;
  MachineSetting machine;
  std::string pigment;
  double dilution = 0.0;
  friend bool operator==(const ToolState&, const ToolState&) = default;
};

// The tool is held out of line and shared (immutable): a session log is mostly stylus samples, and
// an inline ToolState (104 bytes) would make every event in the log's variant 120 bytes, not 64.
class ToolChange {
 public:
  double t_s = 0.0;
  ToolChange() = default;
  ToolChange(double t_s_, ToolState tool_state)
      : t_s(t_s_), tool_(std::make_shared<const ToolState>(std::move(tool_state))) {}
  const ToolState& tool() const {
    static const ToolState kDefault;
    return tool_ ? *tool_ : kDefault;
  }
  friend bool operator==(const ToolChange& a, const ToolChange& b) {
    return a.t_s == b.t_s && a.tool() == b.tool();
  }

 private:
  std::shared_ptr<const ToolState> tool_;
};

struct UndoEvent {  // practice mode: remove the last `count` impressions
  double t_s = 0.0;
  std::uint32_t count = 1;
  friend bool operator==(const UndoEvent&, const UndoEvent&) = default;
};

using SessionEvent = std::variant<StylusSample, ToolChange, UndoEvent>;
double event_time_s(const SessionEvent& e);

struct SessionHeader {
  std::string scenario_id;
  std::string scenario_sha256;    // content hash of the scenario the session was made on
  std::string simulator_version;  // SMP_VERSION_STRING of the writer
  std::string trainee;            // trainee id (may be empty for interchange files)
  std::uint64_t seed = 0;
  std::string started_at;  // ISO 8601 UTC, informative only (not used by replay)
};

// What the writer computed, so `smp replay --verify` can compare.
struct RecordedResult {
  std::uint64_t impression_count = 0;
  std::string impressions_sha256;  // impressions_hash() of the rebuilt impressions
  double overall = 0.0;
  std::vector<std::pair<std::string, double>> criteria;  // key -> score
};

// Which optional fields an interchange impression gave in the file (docs/session-format.md).
// Replay derives the missing ones from the scenario skin and the needle model. Parallel to
// Session::impressions; an impression without an entry here counts as complete (built in code).
struct ImpressionFieldsGiven {
  bool layer = true, dose = true, fresh_diameter_mm = true, elongation = true,
       orientation_rad = true, scar = true;
  friend bool operator==(const ImpressionFieldsGiven&, const ImpressionFieldsGiven&) = default;
};

struct Session {
  SessionHeader header;
  std::optional<ToolState> initial_tool;  // absent: the scenario's defaults
  std::vector<SessionEvent> events;       // non-decreasing t_s
  std::vector<Impression> impressions;    // interchange: plain impressions (scored as given)
  std::vector<ImpressionFieldsGiven> impressions_given;  // see ImpressionFieldsGiven
  std::optional<RecordedResult> recorded;
  bool finished = false;  // the trainee ended the attempt
};

inline constexpr std::size_t kMaxSessionBytes = 256u << 20;
// Impressions one session may hold: interchange impressions at load, or those its stylus log
// places on replay (25x a one-hour session; bounds memory and time, docs/limits.md).
inline constexpr std::size_t kMaxSessionImpressions = 500000;
Result<Session> load_session_file(const std::string& path);
Result<Session> parse_session(std::string_view json_text, const std::string& file_label);
std::string serialize_session(const Session& s);  // JSON text, round-trips bit for bit
// Write to a unique path.tmp-XXXXXX beside path, fsync, rename over path, fsync the directory.
// Never leaves a torn file; on failure the temporary file is removed.
Result<bool> write_file_atomic(const std::string& path, std::string_view bytes);

// Canonical hash of impressions (every field, fixed binary layout): the golden-replay fingerprint.
std::string impressions_hash(const std::vector<Impression>& imps);

}  // namespace smp::sim
