#include "gl_util.h"

#include <vector>

namespace smp::render::gl {
namespace {

GLuint compile(GLenum type, const char* src, std::string* log) {
  const GLuint s = glCreateShader(type);
  glShaderSource(s, 1, &src, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    GLint n = 0;
    glGetShaderiv(s, GL_INFO_LOG_LENGTH, &n);
    std::vector<char> buf(std::size_t(std::max(n, 1)));
    glGetShaderInfoLog(s, GLsizei(buf.size()), nullptr, buf.data());
    *log += (type == GL_VERTEX_SHADER ? "vertex shader: " : "fragment shader: ");
    *log += buf.data();
    glDeleteShader(s);
    return 0;
  }
  return s;
}

}  // namespace

GLuint make_program(const char* vs, const char* fs, std::string* log) {
  const GLuint v = compile(GL_VERTEX_SHADER, vs, log);
  const GLuint f = compile(GL_FRAGMENT_SHADER, fs, log);
  if (!v || !f) {
    if (v) glDeleteShader(v);
    if (f) glDeleteShader(f);
    return 0;
  }
  const GLuint p = glCreateProgram();
  glAttachShader(p, v);
  glAttachShader(p, f);
  glLinkProgram(p);
  glDeleteShader(v);
  glDeleteShader(f);
  GLint ok = 0;
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    GLint n = 0;
    glGetProgramiv(p, GL_INFO_LOG_LENGTH, &n);
    std::vector<char> buf(std::size_t(std::max(n, 1)));
    glGetProgramInfoLog(p, GLsizei(buf.size()), nullptr, buf.data());
    *log += "link: ";
    *log += buf.data();
    glDeleteProgram(p);
    return 0;
  }
  return p;
}

}  // namespace smp::render::gl
