// Fused log-softmax + gather on the GPU: per-token log-probabilities without materialising log_softmax.
//
// One thread block per (b, t) token row. Each thread keeps an online log-sum-exp (running max m and running sum
// s of exp(x - m)) over its strided share of the vocabulary, read with 16-byte vector loads where the row is
// aligned; the block then merges the (m, s) pairs. Exponentials are taken in the logits' accumulation type
// (float for float32/half/bfloat16, double for float64); the sums and the result are float64. Masked-out tokens
// are skipped entirely and get 0; an out-of-range target gives NaN (the CPU path raises instead).
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cuda_common.cuh"
#include "cuda_ops.h"

namespace rewardgym {
namespace {

constexpr int kLogprobThreads = 256;

template <typename scalar_t>
using acc_type_t = std::conditional_t<std::is_same<scalar_t, double>::value, double, float>;

template <typename scalar_t, int N>
struct alignas(16) Pack {
  scalar_t v[N];
};

template <typename acc_t>
__device__ __forceinline__ void online_add(acc_t& m, double& s, acc_t v) {
  if (v > m) {
    s = s * static_cast<double>(exp(m - v)) + 1.0;  // exp(-inf) = 0 on the first element
    m = v;
  } else if (v != -INFINITY) {
    s += static_cast<double>(exp(v - m));  // NaN logits propagate through s
  }
}

template <typename acc_t>
__device__ __forceinline__ void online_merge(acc_t& m, double& s, acc_t m_other, double s_other) {
  const acc_t top = m > m_other ? m : m_other;
  if (top == -INFINITY) return;  // both empty
  s = s * static_cast<double>(exp(m - top)) + s_other * static_cast<double>(exp(m_other - top));
  m = top;
}

template <typename scalar_t>
__global__ void __launch_bounds__(kLogprobThreads)
    token_logprob_kernel(const scalar_t* __restrict__ logits, int64_t stride_b, int64_t stride_t,
                         const int64_t* __restrict__ targets, const bool* __restrict__ mask, int64_t B, int64_t T,
                         int64_t V, double* __restrict__ logp, double* __restrict__ lse_out) {
  using acc_t = acc_type_t<scalar_t>;
  constexpr int kVec = 16 / sizeof(scalar_t);
  __shared__ acc_t warp_m[32];
  __shared__ double warp_s[32];
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int n_warps = (blockDim.x + 31) >> 5;
  const int64_t rows = B * T;
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {  // grid-stride over token rows
    if (!mask[row]) {  // uniform across the block
      if (threadIdx.x == 0) {
        logp[row] = 0.0;
        lse_out[row] = 0.0;
      }
      continue;
    }
    const int64_t b = row / T;
    const int64_t t = row - b * T;
    const scalar_t* x = logits + b * stride_b + t * stride_t;
    acc_t m = -INFINITY;
    double s = 0.0;
    int64_t tail = 0;
    if (reinterpret_cast<uintptr_t>(x) % 16 == 0) {
      const int64_t n_packs = V / kVec;
      const auto* packs = reinterpret_cast<const Pack<scalar_t, kVec>*>(x);
      for (int64_t i = threadIdx.x; i < n_packs; i += blockDim.x) {
        const Pack<scalar_t, kVec> p = packs[i];
#pragma unroll
        for (int k = 0; k < kVec; ++k) online_add(m, s, static_cast<acc_t>(p.v[k]));
      }
      tail = n_packs * kVec;
    }
    for (int64_t v = tail + threadIdx.x; v < V; v += blockDim.x) online_add(m, s, static_cast<acc_t>(x[v]));
    for (int offset = 16; offset > 0; offset >>= 1) {
      const acc_t m_other = __shfl_down_sync(kFullMask, m, offset);
      const double s_other = __shfl_down_sync(kFullMask, s, offset);
      online_merge(m, s, m_other, s_other);
    }
    if (lane == 0) {
      warp_m[warp] = m;
      warp_s[warp] = s;
    }
    __syncthreads();
    if (warp == 0) {
      m = lane < n_warps ? warp_m[lane] : static_cast<acc_t>(-INFINITY);
      s = lane < n_warps ? warp_s[lane] : 0.0;
      for (int offset = 16; offset > 0; offset >>= 1) {
        const acc_t m_other = __shfl_down_sync(kFullMask, m, offset);
        const double s_other = __shfl_down_sync(kFullMask, s, offset);
        online_merge(m, s, m_other, s_other);
      }
      if (lane == 0) {
        const double lse = static_cast<double>(m) + log(s);
        const int64_t target = targets[row];
        lse_out[row] = lse;
        logp[row] = (target >= 0 && target < V) ? static_cast<double>(static_cast<acc_t>(x[target])) - lse
                                                : static_cast<double>(NAN);
      }
    }
    __syncthreads();  // warp_m / warp_s are reused by the next row
  }
}

}  // namespace

std::tuple<at::Tensor, at::Tensor> token_logprob_cuda(const at::Tensor& logits, const at::Tensor& targets,
                                                      const at::Tensor& mask) {
  TORCH_CHECK(logits.is_cuda(), "logits must be a CUDA tensor, got ", logits.device());
  TORCH_CHECK(logits.dim() == 3, "logits must be (B, T, V), got ", logits.dim(), " dimensions");
  TORCH_CHECK(logits.stride(2) == 1, "logits must be contiguous along the vocabulary dimension");
  const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  TORCH_CHECK(targets.device() == logits.device() && mask.device() == logits.device(),
              "targets and mask must be on ", logits.device());
  TORCH_CHECK(targets.scalar_type() == at::kLong && targets.is_contiguous() && targets.dim() == 2 &&
                  targets.size(0) == B && targets.size(1) == T,
              "targets must be a contiguous int64 (B, T) tensor");
  TORCH_CHECK(mask.scalar_type() == at::kBool && mask.is_contiguous() && mask.sizes() == targets.sizes(),
              "mask must be a contiguous bool (B, T) tensor");
  TORCH_CHECK(V > 0, "the vocabulary dimension must not be empty");
  const c10::cuda::CUDAGuard guard(logits.device());
  auto opts = logits.options().dtype(at::kDouble);
  auto logp = at::empty({B, T}, opts);
  auto lse = at::empty({B, T}, opts);
  const int64_t rows = B * T;
  if (rows == 0) return {logp, lse};
  const int64_t blocks = std::min<int64_t>(rows, int64_t(device_attribute(cudaDevAttrMultiProcessorCount)) * 64);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, logits.scalar_type(), "token_logprob_cuda", [&] {
    token_logprob_kernel<scalar_t><<<static_cast<unsigned>(blocks), kLogprobThreads, 0, stream>>>(
        logits.data_ptr<scalar_t>(), logits.stride(0), logits.stride(1), targets.data_ptr<int64_t>(),
        mask.data_ptr<bool>(), B, T, V, logp.data_ptr<double>(), lse.data_ptr<double>());
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return {logp, lse};
}

}  // namespace rewardgym
