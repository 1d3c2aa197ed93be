#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace smp::sim::scoring {

// A set of dot indices walked in ascending order: one bit per dot (a std::set node per touching
// dot cost 48 bytes and an allocation, and most dots of a dense session touch).
class IndexSet {
 public:
  void insert(std::uint32_t i) {
    const std::size_t w = i / 64;
    if (w >= words_.size()) words_.resize(w + 1, 0);
    const std::uint64_t m = std::uint64_t{1} << (i % 64);
    if (!(words_[w] & m)) ++count_;
    words_[w] |= m;
  }
  void erase(std::uint32_t i) {
    const std::size_t w = i / 64;
    const std::uint64_t m = std::uint64_t{1} << (i % 64);
    if (w >= words_.size() || !(words_[w] & m)) return;
    words_[w] &= ~m;
    --count_;
  }
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  class const_iterator {
   public:
    const_iterator(const IndexSet* s, std::size_t pos) : s_(s), pos_(pos) { seek(); }
    std::uint32_t operator*() const { return static_cast<std::uint32_t>(pos_); }
    const_iterator& operator++() {
      ++pos_;
      seek();
      return *this;
    }
    bool operator==(const const_iterator& o) const { return pos_ == o.pos_; }

   private:
    // to the first member at or after pos_ (or the end)
    void seek() {
      const std::size_t end = s_->words_.size() * 64;
      while (pos_ < end) {
        const std::uint64_t rest = s_->words_[pos_ / 64] >> (pos_ % 64);
        if (rest != 0) {
          pos_ += static_cast<std::size_t>(std::countr_zero(rest));
          return;
        }
        pos_ = (pos_ / 64 + 1) * 64;
      }
      pos_ = end;
    }
    const IndexSet* s_;
    std::size_t pos_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, words_.size() * 64}; }

 private:
  std::vector<std::uint64_t> words_;
  std::size_t count_ = 0;
};

}  // namespace smp::sim::scoring
