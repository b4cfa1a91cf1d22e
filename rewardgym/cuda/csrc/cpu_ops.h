// Entry points of the rewardgym CPU kernels (implemented in cpu_*.cpp, bound in cpu_ops.cpp).
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

namespace rewardgym {

// Threading policy: run on one thread unless the call has at least kMinParallelWork units of work per task, so
// small calls never pay fork-join (or wait on a descheduled worker on a busy machine).
constexpr int64_t kMinParallelWork = int64_t(1) << 18;

// parallel_for grain (in items) for items costing `work_per_item` units each.
inline int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, kMinParallelWork / std::max<int64_t>(work_per_item, 1));
}

inline void check_cpu(const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.device().is_cpu(), name, " must be a CPU tensor, got ", t.device());
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
}

// Clipped n-gram matches (B, max_n) int64.
at::Tensor bleu_matches_cpu(const at::Tensor& cand, const at::Tensor& cand_len, const at::Tensor& refs,
                            const at::Tensor& ref_len, int64_t max_n);

// Sentence BLEU (B,) float32 in one call: matches, lengths (from cand_len / ref_len, else from the first
// pad_token_id, else the padded width), closest reference length and NLTK smoothing. NaN: no reference.
at::Tensor bleu_scores_cpu(const at::Tensor& cand, const std::optional<at::Tensor>& cand_len, const at::Tensor& refs,
                           const std::optional<at::Tensor>& ref_len, std::optional<int64_t> pad_token_id,
                           int64_t n_count, const std::vector<double>& weights, int64_t smoothing,
                           double smooth_value, bool effective_order);

// GAE advantages and returns, (B, T) or time-major (T, B).
std::tuple<at::Tensor, at::Tensor> gae_cpu(const at::Tensor& rewards, const std::optional<at::Tensor>& values,
                                           const at::Tensor& dones, const std::optional<at::Tensor>& last_values,
                                           double gamma, double lam, bool time_major);

// Per-group normalisation; scale_mode 0: x - mean, 1: / (group std + eps), 2: / (batch std + eps).
at::Tensor group_normalize_cpu(const at::Tensor& scores, const std::optional<at::Tensor>& group_ids,
                               int64_t group_size, int64_t scale_mode, bool unbiased, double eps);

// Per-token log-probabilities and log-sum-exp (B, T) float64 (0 where mask is false).
std::tuple<at::Tensor, at::Tensor> token_logprob_cpu(const at::Tensor& logits, const at::Tensor& targets,
                                                     const at::Tensor& mask);

}  // namespace rewardgym
