// Shared helpers for the rewardgym scoring kernels (CPU C++ and CUDA).
//
// Hash tables here are open-addressing tables of int64 keys with linear probing. Callers size them to a power
// of two at least twice the number of keys, so probing always terminates. kEmptyKey marks a free slot, which is
// why token ids and group ids equal to INT64_MIN are not supported.
#pragma once

#include <cstdint>
#include <limits>

#ifdef __CUDACC__
#define RG_HD __host__ __device__ __forceinline__
#else
#define RG_HD inline
#endif

namespace rewardgym {

constexpr int64_t kEmptyKey = std::numeric_limits<int64_t>::min();

// splitmix64 finaliser: a cheap, well-mixed 64-bit hash.
RG_HD uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Exact key of an n-gram from the table slot of its (n-1)-gram prefix and the slot of its last token.
// Both slots are non-negative and below 2^31, so the key is non-negative and never kEmptyKey.
RG_HD int64_t pack_ngram(int32_t prefix_slot, int32_t token_slot) {
  return static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(prefix_slot)) << 32) |
                              static_cast<uint64_t>(static_cast<uint32_t>(token_slot)));
}

// Smallest power of two >= max(x, 2).
RG_HD int64_t table_capacity(int64_t x) {
  int64_t cap = 2;
  while (cap < x) cap <<= 1;
  return cap;
}

// Slot holding `key`, or -1 when the key is absent. The table must not be modified concurrently.
RG_HD int32_t table_find(const int64_t* keys, uint64_t mask, int64_t key) {
  uint64_t s = mix64(static_cast<uint64_t>(key)) & mask;
  while (true) {
    const int64_t k = keys[s];
    if (k == key) return static_cast<int32_t>(s);
    if (k == kEmptyKey) return -1;
    s = (s + 1) & mask;
  }
}

// Serial insert (CPU): slot of `key`, inserting it if absent. `fresh` is set when the key was new.
inline int32_t table_insert_serial(int64_t* keys, uint64_t mask, int64_t key, bool* fresh) {
  uint64_t s = mix64(static_cast<uint64_t>(key)) & mask;
  while (true) {
    const int64_t k = keys[s];
    if (k == key) {
      *fresh = false;
      return static_cast<int32_t>(s);
    }
    if (k == kEmptyKey) {
      keys[s] = key;
      *fresh = true;
      return static_cast<int32_t>(s);
    }
    s = (s + 1) & mask;
  }
}

}  // namespace rewardgym
