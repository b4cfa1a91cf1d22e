// Segmented group normalisation on the GPU (GRPO-style advantages) over ragged, unsorted int64 group ids.
//
// A global hash table maps each group id to a slot (no sort, no id-sized table). Three element-parallel passes:
// (1) insert the id and accumulate count and sum of the non-NaN scores, (2) accumulate the squared deviations
// from the group mean (two passes keep the variance exact when the mean is large), (3) write the output.
// Statistics are float64. NaN scores are excluded from the statistics and stay NaN.
#include <ATen/ATen.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <cmath>

#include "cuda_common.cuh"
#include "cuda_ops.h"

namespace rewardgym {
namespace {

constexpr int kGroupThreads = 256;

// The workspace is zero-filled, so keys are stored as id ^ kEmptyKey: a zero key is a free slot.
__device__ __forceinline__ int64_t stored_key(int64_t id) { return id ^ kEmptyKey; }

__global__ void group_accumulate_kernel(const float* __restrict__ x, const int64_t* __restrict__ ids, int64_t n,
                                        int64_t* __restrict__ keys, uint64_t mask, double* __restrict__ count,
                                        double* __restrict__ sum, int64_t* __restrict__ slot_of) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t id = ids[i];
    using ull = unsigned long long;
    const ull want = static_cast<ull>(stored_key(id));
    uint64_t s = mix64(static_cast<uint64_t>(id)) & mask;
    while (true) {
      const ull prev = atomicCAS(reinterpret_cast<ull*>(keys + s), 0ULL, want);
      if (prev == 0ULL || prev == want) break;
      s = (s + 1) & mask;
    }
    slot_of[i] = static_cast<int64_t>(s);
    const float v = x[i];
    if (!isnan(v)) {
      atomicAdd(count + s, 1.0);
      atomicAdd(sum + s, static_cast<double>(v));
    }
  }
}

__global__ void group_m2_kernel(const float* __restrict__ x, int64_t n, const int64_t* __restrict__ slot_of,
                                const double* __restrict__ count, const double* __restrict__ sum,
                                double* __restrict__ m2) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float v = x[i];
    if (!isnan(v)) {
      const int64_t s = slot_of[i];
      const double dev = static_cast<double>(v) - sum[s] / count[s];
      atomicAdd(m2 + s, dev * dev);
    }
  }
}

// A std from a sum of squared deviations over c values; 0 for fewer than two.
__device__ __forceinline__ double std_of(double m2, double c, bool unbiased) {
  return c < 2 ? 0.0 : sqrt(m2 / (unbiased ? c - 1 : c));
}

// scale_mode 0: x - mean; 1: / (group std + eps); 2: / (batch std + eps), batch = [count, sum, m2] of all scores.
__global__ void group_output_kernel(const float* __restrict__ x, int64_t n, const int64_t* __restrict__ slot_of,
                                    const double* __restrict__ count, const double* __restrict__ sum,
                                    const double* __restrict__ m2, const double* __restrict__ batch,
                                    int64_t scale_mode, bool unbiased, double eps, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t s = slot_of[i];
    const double c = count[s];
    double v = static_cast<double>(x[i]) - (c > 0 ? sum[s] / c : static_cast<double>(NAN));
    if (scale_mode == 1) v /= std_of(m2[s], c, unbiased) + eps;
    if (scale_mode == 2) v /= std_of(batch[2], batch[0], unbiased) + eps;
    y[i] = static_cast<float>(v);
  }
}

// Count and sum of all valid scores (block sums, one atomic per block), then their squared deviations.
__global__ void batch_sum_kernel(const float* __restrict__ x, int64_t n, double* __restrict__ batch) {
  __shared__ double buf[32];
  double c = 0.0, s = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (!isnan(x[i])) {
      c += 1.0;
      s += static_cast<double>(x[i]);
    }
  }
  c = block_sum(c, buf);
  s = block_sum(s, buf);
  if (threadIdx.x == 0) {
    atomicAdd(batch, c);
    atomicAdd(batch + 1, s);
  }
}

__global__ void batch_m2_kernel(const float* __restrict__ x, int64_t n, double* __restrict__ batch) {
  __shared__ double buf[32];
  const double mean = batch[0] > 0 ? batch[1] / batch[0] : 0.0;
  double m2 = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (!isnan(x[i])) {
      const double dev = static_cast<double>(x[i]) - mean;
      m2 += dev * dev;
    }
  }
  m2 = block_sum(m2, buf);
  if (threadIdx.x == 0) atomicAdd(batch + 2, m2);
}

}  // namespace

at::Tensor group_normalize_cuda(const at::Tensor& scores, const at::Tensor& group_ids, int64_t scale_mode,
                                bool unbiased, double eps) {
  TORCH_CHECK(scale_mode >= 0 && scale_mode <= 2, "scale_mode must be 0, 1 or 2");
  TORCH_CHECK(scores.is_cuda(), "scores must be a CUDA tensor, got ", scores.device());
  TORCH_CHECK(group_ids.device() == scores.device(), "group_ids must be on ", scores.device());
  TORCH_CHECK(scores.scalar_type() == at::kFloat, "scores must be float32, got ", scores.scalar_type());
  TORCH_CHECK(group_ids.scalar_type() == at::kLong, "group_ids must be int64, got ", group_ids.scalar_type());
  TORCH_CHECK(scores.dim() == 1 && group_ids.sizes() == scores.sizes(), "scores and group_ids must be (N,)");
  TORCH_CHECK(scores.is_contiguous() && group_ids.is_contiguous(), "scores and group_ids must be contiguous");
  const c10::cuda::CUDAGuard guard(scores.device());
  const int64_t n = scores.numel();
  auto out = at::empty_like(scores);
  if (n == 0) return out;
  const int64_t cap = table_capacity(2 * n);
  // One zero-filled float64 workspace: [keys (as int64) | count | sum | m2], each `cap` long, then the batch's
  // [count, sum, m2].
  auto table = at::zeros({4 * cap + 3}, scores.options().dtype(at::kDouble));
  auto slot_of = at::empty({n}, group_ids.options());
  int64_t* keys = reinterpret_cast<int64_t*>(table.data_ptr<double>());
  double* count = table.data_ptr<double>() + cap;
  double* sum = count + cap;
  double* m2 = sum + cap;
  double* batch = m2 + cap;
  const int64_t blocks =
      std::min<int64_t>((n + kGroupThreads - 1) / kGroupThreads, int64_t(device_attribute(cudaDevAttrMultiProcessorCount)) * 32);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const float* x = scores.data_ptr<float>();
  group_accumulate_kernel<<<static_cast<unsigned>(blocks), kGroupThreads, 0, stream>>>(
      x, group_ids.data_ptr<int64_t>(), n, keys, static_cast<uint64_t>(cap - 1), count, sum,
      slot_of.data_ptr<int64_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  if (scale_mode == 2) {
    batch_sum_kernel<<<static_cast<unsigned>(blocks), kGroupThreads, 0, stream>>>(x, n, batch);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    batch_m2_kernel<<<static_cast<unsigned>(blocks), kGroupThreads, 0, stream>>>(x, n, batch);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  }
  if (scale_mode == 1) {
    group_m2_kernel<<<static_cast<unsigned>(blocks), kGroupThreads, 0, stream>>>(x, n, slot_of.data_ptr<int64_t>(),
                                                                                  count, sum, m2);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  }
  group_output_kernel<<<static_cast<unsigned>(blocks), kGroupThreads, 0, stream>>>(
      x, n, slot_of.data_ptr<int64_t>(), count, sum, m2, batch, scale_mode, unbiased, eps, out.data_ptr<float>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return out;
}

}  // namespace rewardgym
