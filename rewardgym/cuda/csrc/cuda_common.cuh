// Device helpers shared by the rewardgym CUDA kernels.
#pragma once

#include <c10/cuda/CUDAException.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "common.h"

namespace rewardgym {

constexpr unsigned kFullMask = 0xffffffffu;

// An attribute of the current device (multiprocessor count, shared memory limits...).
inline int device_attribute(cudaDeviceAttr attr) {
  int device = 0;
  int value = 0;
  C10_CUDA_CHECK(cudaGetDevice(&device));
  C10_CUDA_CHECK(cudaDeviceGetAttribute(&value, attr, device));
  return value;
}

__device__ __forceinline__ int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
__device__ __forceinline__ int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// Thread-safe insert: slot of `key`, inserting it if absent. The table must have a free slot.
__device__ __forceinline__ int32_t table_insert_atomic(int64_t* keys, uint64_t mask, int64_t key) {
  using ull = unsigned long long;
  uint64_t s = mix64(static_cast<uint64_t>(key)) & mask;
  while (true) {
    const ull prev = atomicCAS(reinterpret_cast<ull*>(keys + s), static_cast<ull>(kEmptyKey), static_cast<ull>(key));
    if (prev == static_cast<ull>(kEmptyKey) || prev == static_cast<ull>(key)) return static_cast<int32_t>(s);
    s = (s + 1) & mask;
  }
}

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(kFullMask, v, offset);
  return v;
}

// Sum over the block; the result is valid in thread 0. `buf` holds one value per warp (32 entries).
// Every thread of the block must call it; it ends with a barrier so `buf` can be reused at once.
template <typename T>
__device__ __forceinline__ T block_sum(T v, T* buf) {
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int n_warps = (blockDim.x + 31) >> 5;
  v = warp_sum(v);
  if (lane == 0) buf[warp] = v;
  __syncthreads();
  T total = 0;
  if (warp == 0) {
    total = lane < n_warps ? buf[lane] : T(0);
    total = warp_sum(total);
  }
  __syncthreads();
  return total;
}

}  // namespace rewardgym
