// GAE / discounted returns on the GPU: one warp per row, a warp-level affine scan over tiles of 32 steps
// ((B, T) layout); one thread per column for time-major (T, B) data.
//
// The recursion A[t] = delta[t] + c[t] * A[t+1] (c[t] = gamma * lam * (1 - done[t])) is a composition of
// affine maps, which is associative: each lane holds the map of one step, five shuffle rounds compose the maps
// of the lanes above it, and the carry A[tile_start + 32] from the later tile closes the recursion. Tiles are
// walked from the end of the row to its start; reads and writes are coalesced. Arithmetic is in float64.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>

#include "cuda_common.cuh"
#include "cuda_ops.h"

namespace rewardgym {
namespace {

constexpr int kGaeThreads = 256;
constexpr int kRowsPerBlock = kGaeThreads / 32;

template <typename scalar_t>
__global__ void __launch_bounds__(kGaeThreads)
    gae_kernel(const scalar_t* __restrict__ rewards, const scalar_t* __restrict__ values,
               const bool* __restrict__ dones, const scalar_t* __restrict__ last_values,
               scalar_t* __restrict__ adv, scalar_t* __restrict__ ret, int64_t B, int64_t T, double gamma,
               double lam) {
  const int lane = threadIdx.x & 31;
  const int64_t first_row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5);
  const int64_t row_stride = static_cast<int64_t>(gridDim.x) * kRowsPerBlock;
  for (int64_t b = first_row; b < B; b += row_stride) {  // grid-stride over rows; b is uniform in a warp
    const int64_t base = b * T;
    const double bootstrap = last_values ? static_cast<double>(last_values[b]) : 0.0;
    double carry = 0.0;  // A[t] of the first step of the tile processed before (the one after in time)
    for (int64_t start = ((T - 1) / 32) * 32; start >= 0; start -= 32) {
      const int64_t t = start + lane;
      const bool valid = t < T;
      double a = 0.0, c = 1.0, value = 0.0;  // identity map on lanes past the end
      if (valid) {
        value = values ? static_cast<double>(values[base + t]) : 0.0;
        const double next_value =
            t == T - 1 ? bootstrap : (values ? static_cast<double>(values[base + t + 1]) : 0.0);
        const double live = dones[base + t] ? 0.0 : 1.0;
        a = static_cast<double>(rewards[base + t]) + gamma * next_value * live - value;
        c = gamma * lam * live;
      }
      // Inclusive scan towards lower lanes: lane i ends with the composition of the maps of lanes i..31.
      for (int offset = 1; offset < 32; offset <<= 1) {
        const double a_up = __shfl_down_sync(kFullMask, a, offset);
        const double c_up = __shfl_down_sync(kFullMask, c, offset);
        if (lane + offset < 32) {
          a += c * a_up;
          c *= c_up;
        }
      }
      const double result = a + c * carry;
      if (valid) {
        adv[base + t] = static_cast<scalar_t>(result);
        ret[base + t] = static_cast<scalar_t>(result + value);
      }
      carry = __shfl_sync(kFullMask, result, 0);
    }
  }
}

// Time-major (T, B) data: one thread per column walks t backwards; neighbouring threads read neighbouring
// columns, so every step's loads and stores are coalesced.
template <typename scalar_t>
__global__ void __launch_bounds__(kGaeThreads)
    gae_time_major_kernel(const scalar_t* __restrict__ rewards, const scalar_t* __restrict__ values,
                          const bool* __restrict__ dones, const scalar_t* __restrict__ last_values,
                          scalar_t* __restrict__ adv, scalar_t* __restrict__ ret, int64_t B, int64_t T, double gamma,
                          double lam) {
  for (int64_t b = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; b < B;
       b += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double next_value = last_values ? static_cast<double>(last_values[b]) : 0.0;
    double next_adv = 0.0;
    for (int64_t t = T - 1; t >= 0; --t) {
      const int64_t i = t * B + b;
      const double value = values ? static_cast<double>(values[i]) : 0.0;
      const double live = dones[i] ? 0.0 : 1.0;
      const double delta = static_cast<double>(rewards[i]) + gamma * next_value * live - value;
      next_adv = delta + gamma * lam * live * next_adv;
      adv[i] = static_cast<scalar_t>(next_adv);
      ret[i] = static_cast<scalar_t>(next_adv + value);
      next_value = value;
    }
  }
}

void check_same(const at::Tensor& t, const at::Tensor& like, const char* name) {
  TORCH_CHECK(t.device() == like.device(), name, " must be on ", like.device(), ", got ", t.device());
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
}

}  // namespace

std::tuple<at::Tensor, at::Tensor> gae_cuda(const at::Tensor& rewards, const at::Tensor& values,
                                            const at::Tensor& dones, const at::Tensor& last_values, double gamma,
                                            double lam, bool time_major) {
  TORCH_CHECK(rewards.is_cuda(), "rewards must be a CUDA tensor, got ", rewards.device());
  TORCH_CHECK(rewards.dim() == 2 && rewards.is_contiguous(), "rewards must be a contiguous 2-D tensor");
  TORCH_CHECK(rewards.scalar_type() == at::kFloat || rewards.scalar_type() == at::kDouble,
              "rewards must be float32 or float64, got ", rewards.scalar_type());
  check_same(dones, rewards, "dones");
  TORCH_CHECK(dones.scalar_type() == at::kBool && dones.sizes() == rewards.sizes(), "dones must be bool (B, T)");
  const int64_t B = time_major ? rewards.size(1) : rewards.size(0);
  const int64_t T = time_major ? rewards.size(0) : rewards.size(1);
  if (values.defined()) {
    check_same(values, rewards, "values");
    TORCH_CHECK(values.sizes() == rewards.sizes() && values.scalar_type() == rewards.scalar_type(),
                "values must match rewards in shape and dtype");
  }
  if (last_values.defined()) {
    check_same(last_values, rewards, "last_values");
    TORCH_CHECK(last_values.numel() == B && last_values.scalar_type() == rewards.scalar_type(),
                "last_values must be (B,) with the rewards' dtype");
  }
  const c10::cuda::CUDAGuard guard(rewards.device());
  auto adv = at::empty_like(rewards);
  auto ret = at::empty_like(rewards);
  if (B == 0 || T == 0) return {adv, ret};
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  if (time_major) {
    const int64_t blocks = std::min<int64_t>((B + kGaeThreads - 1) / kGaeThreads, int64_t(1) << 20);
    AT_DISPATCH_FLOATING_TYPES(rewards.scalar_type(), "gae_cuda_time_major", [&] {
      gae_time_major_kernel<scalar_t><<<static_cast<unsigned>(blocks), kGaeThreads, 0, stream>>>(
          rewards.data_ptr<scalar_t>(), values.defined() ? values.data_ptr<scalar_t>() : nullptr,
          dones.data_ptr<bool>(), last_values.defined() ? last_values.data_ptr<scalar_t>() : nullptr,
          adv.data_ptr<scalar_t>(), ret.data_ptr<scalar_t>(), B, T, gamma, lam);
    });
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    return {adv, ret};
  }
  const int64_t blocks = std::min<int64_t>((B + kRowsPerBlock - 1) / kRowsPerBlock, int64_t(1) << 20);
  AT_DISPATCH_FLOATING_TYPES(rewards.scalar_type(), "gae_cuda", [&] {
    gae_kernel<scalar_t><<<static_cast<unsigned>(blocks), kGaeThreads, 0, stream>>>(
        rewards.data_ptr<scalar_t>(), values.defined() ? values.data_ptr<scalar_t>() : nullptr,
        dones.data_ptr<bool>(), last_values.defined() ? last_values.data_ptr<scalar_t>() : nullptr,
        adv.data_ptr<scalar_t>(), ret.data_ptr<scalar_t>(), B, T, gamma, lam);
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return {adv, ret};
}

}  // namespace rewardgym
