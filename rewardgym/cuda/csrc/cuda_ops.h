// Host entry points of the rewardgym CUDA kernels (implemented in the .cu files, bound in cuda_bindings.cpp).
#pragma once

#include <ATen/ATen.h>

#include <tuple>

namespace rewardgym {

// Clipped n-gram matches (B, max_n) int64 of each candidate against its references.
at::Tensor bleu_matches_cuda(const at::Tensor& cand, const at::Tensor& cand_len, const at::Tensor& refs,
                             const at::Tensor& ref_len, int64_t max_n);

// GAE advantages and returns, (B, T) or time-major (T, B); values / last_values may be undefined tensors
// (treated as zeros).
std::tuple<at::Tensor, at::Tensor> gae_cuda(const at::Tensor& rewards, const at::Tensor& values,
                                            const at::Tensor& dones, const at::Tensor& last_values, double gamma,
                                            double lam, bool time_major);

// Per-group x - mean, divided (scale_mode 1) by the group's std + eps or (2) by the std of all valid scores
// + eps; unbiased: Bessel's correction; a std over fewer than two values is 0. float32 (N,).
at::Tensor group_normalize_cuda(const at::Tensor& scores, const at::Tensor& group_ids, int64_t scale_mode,
                                bool unbiased, double eps);

// Per-token log-probabilities and log-sum-exp (B, T) float64; masked-out tokens get 0.
std::tuple<at::Tensor, at::Tensor> token_logprob_cuda(const at::Tensor& logits, const at::Tensor& targets,
                                                      const at::Tensor& mask);

}  // namespace rewardgym
