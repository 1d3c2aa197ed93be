// Expected-failure channel (architecture.md §7): no exception crosses a module's public API.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smp::sim {

// One problem with an input. `pointer` is an RFC 6901 JSON Pointer ("" = the whole document).
struct Error {
  std::string file;     // path as given by the user, or "<memory>"
  std::string pointer;  // e.g. "/regions/0/polygon_mm/0"
  std::string message;  // plain language, no trailing period
  // "FILE: /json/pointer: message" (the pointer part is omitted when empty).
  std::string to_string() const;
};

// RFC 6901 escaping of one reference token ("~" -> "~0", "/" -> "~1"), for building pointers.
std::string json_pointer_token(std::string_view key);

// A value or every error found while producing it; never both.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(std::vector<Error> errors) : errors_(std::move(errors)) {}  // NOLINT
  static Result fail(Error e) { return Result(std::vector<Error>{std::move(e)}); }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  const std::vector<Error>& errors() const { return errors_; }

 private:
  std::optional<T> value_;
  std::vector<Error> errors_;
};

}  // namespace smp::sim
