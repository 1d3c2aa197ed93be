// The printable certification report (docs/report-pdf.md): an A4 PDF of three pages an academy
// prints and files. Page 1: who, what, when, PASS/FAIL, the criteria with their pass marks,
// critical errors and the worst findings. Page 2: pictures of the work (fresh, healed, aged, with
// magnified details) and the depth and spacing plots. Page 3: the density map and how to verify
// the signed record (key fingerprint, hashes, commands).
// cairo's PDF surface, Pango text in DejaVu (embedded subsets); the creation date comes from the
// record, so the same inputs give the same PDF bytes.
#pragma once
#include <cstdint>
#include <span>
#include <string>

#include "smp/report/record.h"
#include "smp/sim/impression.h"
#include "smp/sim/pigment.h"
#include "smp/sim/result.h"
#include "smp/sim/scenario.h"

namespace smp::report {

struct PdfInputs {
  const ReportRecord& record;
  const sim::Scenario& scenario;  // the scenario the record was made on (regions, patient, bands)
  const sim::PigmentCatalogue& catalogue;
  std::span<const sim::Impression> impressions;  // the replayed attempt
  // The signing key's fingerprint: 64 hex digits (printed in keys.h's display form) or already
  // display text; "" = unsigned (the PDF says so).
  std::string key_fingerprint;
};

// PDF bytes. Fails (never a partial document) when the fonts are missing, an impression names a
// pigment the catalogue lacks, or cairo reports an error.
sim::Result<std::string> render_report_pdf(const PdfInputs& in);
// render_report_pdf, then an atomic write to `path`.
sim::Result<bool> write_report_pdf(const std::string& path, const PdfInputs& in);

// The PDF /CreationDate value cairo expects ("YYYY-MM-DDThh:mm:ssZ") for an ISO 8601 UTC time
// as the record stores it (fractions dropped). Empty when the text is not a valid time.
std::string pdf_date_from_iso8601(std::string_view iso);
// "2026-11-24T07:06:05Z" -> "24 November 2026, 07:06 UTC"; the input unchanged when unparsable.
std::string human_date(std::string_view iso);
// 2537350 ms -> "42 min 17 s"; 3725000 -> "1 h 02 min 05 s"; 8000 -> "8 s".
std::string human_duration(std::int64_t ms);

}  // namespace smp::report
