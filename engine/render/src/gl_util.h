// Internal GL helpers for engine/render (not a public header).
#pragma once
#include <epoxy/gl.h>

#include <cstdint>
#include <string>

namespace smp::render::gl {

// Compiles and links a vertex + fragment shader pair; 0 and the info log on failure.
GLuint make_program(const char* vs, const char* fs, std::string* log);

inline const void* offset(std::size_t bytes) {
  return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(bytes));
}

// Float attribute `loc` with `n` components at `off` bytes in a `stride`-byte record; `divisor`
// 1 for per-instance data.
inline void attrib(GLuint loc, int n, std::size_t stride, std::size_t off, GLuint divisor = 0) {
  glEnableVertexAttribArray(loc);
  glVertexAttribPointer(loc, n, GL_FLOAT, GL_FALSE, GLsizei(stride), offset(off));
  glVertexAttribDivisor(loc, divisor);
}

}  // namespace smp::render::gl
