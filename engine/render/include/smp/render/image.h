// PNG output for screenshots (stb_image_write from libstb; no GL).
#pragma once
#include <cstdint>
#include <span>
#include <string>

#include "smp/sim/result.h"

namespace smp::render {

// Writes an RGBA8 image (rows top first) as PNG. Fails with a message naming the path.
sim::Result<bool> write_png(const std::string& path, int width, int height,
                            std::span<const std::uint8_t> rgba);

// Image statistics used by smoke tests and the app's --screenshot check.
struct ImageStats {
  double mean_luma = 0.0;  // 0..255
  double luma_stddev = 0.0;
  std::size_t distinct_colors = 0;  // capped at 4096
};
ImageStats image_stats(int width, int height, std::span<const std::uint8_t> rgba);

}  // namespace smp::render
