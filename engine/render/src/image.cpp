// PNG writing through libstb's stb_image_write (the implementation lives in libstb.so).
#include "smp/render/image.h"

#include <stb_image_write.h>

#include <cmath>
#include <set>

namespace smp::render {

sim::Result<bool> write_png(const std::string& path, int width, int height,
                            std::span<const std::uint8_t> rgba) {
  if (width <= 0 || height <= 0 || rgba.size() != std::size_t(width) * height * 4) {
    return sim::Result<bool>::fail({path, "", "image size does not match its pixel data"});
  }
  if (stbi_write_png(path.c_str(), width, height, 4, rgba.data(), width * 4) == 0) {
    return sim::Result<bool>::fail({path, "", "cannot write the PNG file"});
  }
  return true;
}

ImageStats image_stats(int width, int height, std::span<const std::uint8_t> rgba) {
  ImageStats s;
  const std::size_t n = std::size_t(width) * height;
  if (n == 0 || rgba.size() < n * 4) return s;
  double sum = 0, sum2 = 0;
  std::set<std::uint32_t> colors;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = &rgba[i * 4];
    const double l = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
    sum += l;
    sum2 += l * l;
    if (colors.size() < 4096)
      colors.insert(std::uint32_t(p[0]) << 16 | std::uint32_t(p[1]) << 8 | p[2]);
  }
  s.mean_luma = sum / double(n);
  s.luma_stddev = std::sqrt(std::max(0.0, sum2 / double(n) - s.mean_luma * s.mean_luma));
  s.distinct_colors = colors.size();
  return s;
}

}  // namespace smp::render
