// CPU kernels of GAE / discounted returns (both memory layouts) and segmented group normalisation.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "common.h"
#include "cpu_ops.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define RG_X86_DISPATCH 1
#define RG_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define RG_X86_DISPATCH 0
#define RG_TARGET_AVX2
#endif

namespace rewardgym {
namespace {

bool cpu_has_avx2() {
#if RG_X86_DISPATCH
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

// One backward step of the recursion for columns [0, n) of a time-major slice (all pointers at step t):
// A = r + gamma * V' * live - V + gamma * lam * live * A', written to adv / ret; carries V and A in double.
// The loop is branch-free so that it vectorises across columns.
template <typename scalar_t>
__attribute__((always_inline)) inline void gae_step(const scalar_t* r, const scalar_t* v, const bool* d, int64_t n,
                                                    double gamma, double lam, double* next_value, double* next_adv,
                                                    scalar_t* a, scalar_t* g) {
  for (int64_t k = 0; k < n; ++k) {
    const double value = v ? static_cast<double>(v[k]) : 0.0;
    const double live = d[k] ? 0.0 : 1.0;
    const double delta = static_cast<double>(r[k]) + gamma * next_value[k] * live - value;
    const double adv = delta + gamma * lam * live * next_adv[k];
    next_adv[k] = adv;
    next_value[k] = value;
    a[k] = static_cast<scalar_t>(adv);
    g[k] = static_cast<scalar_t>(adv + value);
  }
}

// Time-major (T, B) data, columns [c0, c1): walk t backwards, each step a contiguous, vectorised row.
template <typename scalar_t>
__attribute__((always_inline)) inline void gae_columns(const scalar_t* r, const scalar_t* v, const bool* d,
                                                       const scalar_t* lv, scalar_t* a, scalar_t* g, int64_t B,
                                                       int64_t T, int64_t c0, int64_t c1, double gamma, double lam) {
  constexpr int64_t kTile = 512;
  double next_value[kTile], next_adv[kTile];
  for (int64_t b0 = c0; b0 < c1; b0 += kTile) {
    const int64_t n = std::min(kTile, c1 - b0);
    for (int64_t k = 0; k < n; ++k) {
      next_value[k] = lv ? static_cast<double>(lv[b0 + k]) : 0.0;
      next_adv[k] = 0.0;
    }
    for (int64_t t = T - 1; t >= 0; --t) {
      const int64_t i = t * B + b0;
      gae_step<scalar_t>(r + i, v ? v + i : nullptr, d + i, n, gamma, lam, next_value, next_adv, a + i, g + i);
    }
  }
}

// Batch-major (B, T) data, rows [r0, r1): tiles of rows are transposed into a time-major scratch, run through the
// same vectorised step, and transposed back (short rows); long rows walk backwards four at a time in lockstep.
template <typename scalar_t>
__attribute__((always_inline)) inline void gae_rows(const scalar_t* r, const scalar_t* v, const bool* d,
                                                    const scalar_t* lv, scalar_t* a, scalar_t* g, int64_t T,
                                                    int64_t r0, int64_t r1, double gamma, double lam) {
  if (T <= 256) {
    const int64_t tile = std::max<int64_t>(8, std::min<int64_t>(128, 4096 / std::max<int64_t>(T, 1)));
    std::vector<scalar_t> sr(tile * T), sv(v ? tile * T : 0), sa(tile * T), sg(tile * T);
    std::vector<uint8_t> sd(tile * T);
    double next_value[128], next_adv[128];
    for (int64_t b0 = r0; b0 < r1; b0 += tile) {
      const int64_t n = std::min(tile, r1 - b0);
      for (int64_t k = 0; k < n; ++k) {
        const int64_t row = (b0 + k) * T;
        for (int64_t t = 0; t < T; ++t) {
          sr[t * n + k] = r[row + t];
          if (v) sv[t * n + k] = v[row + t];
          sd[t * n + k] = d[row + t];
        }
        next_value[k] = lv ? static_cast<double>(lv[b0 + k]) : 0.0;
        next_adv[k] = 0.0;
      }
      for (int64_t t = T - 1; t >= 0; --t) {
        gae_step<scalar_t>(sr.data() + t * n, v ? sv.data() + t * n : nullptr,
                           reinterpret_cast<const bool*>(sd.data()) + t * n, n, gamma, lam, next_value, next_adv,
                           sa.data() + t * n, sg.data() + t * n);
      }
      for (int64_t k = 0; k < n; ++k) {
        const int64_t row = (b0 + k) * T;
        for (int64_t t = 0; t < T; ++t) {
          a[row + t] = sa[t * n + k];
          g[row + t] = sg[t * n + k];
        }
      }
    }
    return;
  }
  constexpr int64_t kRows = 4;  // four independent recurrences in flight
  int64_t b = r0;
  for (; b < r1; b += kRows) {
    const int64_t n = std::min(kRows, r1 - b);
    double next_value[kRows], next_adv[kRows];
    for (int64_t k = 0; k < n; ++k) {
      next_value[k] = lv ? static_cast<double>(lv[b + k]) : 0.0;
      next_adv[k] = 0.0;
    }
    for (int64_t t = T - 1; t >= 0; --t) {
      for (int64_t k = 0; k < n; ++k) {
        const int64_t i = (b + k) * T + t;
        const double value = v ? static_cast<double>(v[i]) : 0.0;
        const double live = d[i] ? 0.0 : 1.0;
        const double delta = static_cast<double>(r[i]) + gamma * next_value[k] * live - value;
        next_adv[k] = delta + gamma * lam * live * next_adv[k];
        a[i] = static_cast<scalar_t>(next_adv[k]);
        g[i] = static_cast<scalar_t>(next_adv[k] + value);
        next_value[k] = value;
      }
    }
  }
}

template <typename scalar_t>
struct GaeArgs {
  const scalar_t *r, *v;
  const bool* d;
  const scalar_t* lv;
  scalar_t *a, *g;
  int64_t B, T;
  double gamma, lam;
};

template <typename scalar_t>
void gae_range_default(const GaeArgs<scalar_t>& x, bool time_major, int64_t lo, int64_t hi) {
  if (time_major) {
    gae_columns<scalar_t>(x.r, x.v, x.d, x.lv, x.a, x.g, x.B, x.T, lo, hi, x.gamma, x.lam);
  } else {
    gae_rows<scalar_t>(x.r, x.v, x.d, x.lv, x.a, x.g, x.T, lo, hi, x.gamma, x.lam);
  }
}

template <typename scalar_t>
RG_TARGET_AVX2 void gae_range_avx2(const GaeArgs<scalar_t>& x, bool time_major, int64_t lo, int64_t hi) {
  if (time_major) {
    gae_columns<scalar_t>(x.r, x.v, x.d, x.lv, x.a, x.g, x.B, x.T, lo, hi, x.gamma, x.lam);
  } else {
    gae_rows<scalar_t>(x.r, x.v, x.d, x.lv, x.a, x.g, x.T, lo, hi, x.gamma, x.lam);
  }
}

}  // namespace

std::tuple<at::Tensor, at::Tensor> gae_cpu(const at::Tensor& rewards, const std::optional<at::Tensor>& values,
                                           const at::Tensor& dones, const std::optional<at::Tensor>& last_values,
                                           double gamma, double lam, bool time_major) {
  check_cpu(rewards, "rewards");
  check_cpu(dones, "dones");
  TORCH_CHECK(rewards.dim() == 2, "rewards must be 2-D");
  TORCH_CHECK(rewards.scalar_type() == at::kFloat || rewards.scalar_type() == at::kDouble,
              "rewards must be float32 or float64");
  TORCH_CHECK(dones.scalar_type() == at::kBool && dones.sizes() == rewards.sizes(), "dones must be bool, like rewards");
  const int64_t B = time_major ? rewards.size(1) : rewards.size(0);
  const int64_t T = time_major ? rewards.size(0) : rewards.size(1);
  if (values) {
    check_cpu(*values, "values");
    TORCH_CHECK(values->sizes() == rewards.sizes() && values->scalar_type() == rewards.scalar_type(),
                "values must match rewards in shape and dtype");
  }
  if (last_values) {
    check_cpu(*last_values, "last_values");
    TORCH_CHECK(last_values->numel() == B && last_values->scalar_type() == rewards.scalar_type(),
                "last_values must be (B,) with the rewards' dtype");
  }
  auto adv = at::empty_like(rewards);
  auto ret = at::empty_like(rewards);
  if (B == 0 || T == 0) return {adv, ret};
  AT_DISPATCH_FLOATING_TYPES(rewards.scalar_type(), "gae_cpu", [&] {
    const GaeArgs<scalar_t> x{rewards.data_ptr<scalar_t>(),
                              values ? values->data_ptr<scalar_t>() : nullptr,
                              dones.data_ptr<bool>(),
                              last_values ? last_values->data_ptr<scalar_t>() : nullptr,
                              adv.data_ptr<scalar_t>(),
                              ret.data_ptr<scalar_t>(),
                              B,
                              T,
                              gamma,
                              lam};
    const bool avx2 = cpu_has_avx2();
    // Sequences are independent: split them across threads, one task per >= kMinParallelWork elements.
    at::parallel_for(0, B, grain_for(T), [&](int64_t lo, int64_t hi) {
      if (avx2) {
        gae_range_avx2<scalar_t>(x, time_major, lo, hi);
      } else {
        gae_range_default<scalar_t>(x, time_major, lo, hi);
      }
    });
  });
  return {adv, ret};
}

at::Tensor group_normalize_cpu(const at::Tensor& scores, const std::optional<at::Tensor>& group_ids,
                               int64_t group_size, int64_t scale_mode, bool unbiased, double eps) {
  check_cpu(scores, "scores");
  TORCH_CHECK(scores.scalar_type() == at::kFloat && scores.dim() == 1, "scores must be float32 (N,)");
  TORCH_CHECK(scale_mode >= 0 && scale_mode <= 2, "scale_mode must be 0, 1 or 2");
  const int64_t N = scores.numel();
  auto out = at::empty_like(scores);
  const float* x = scores.data_ptr<float>();
  float* y = out.data_ptr<float>();
  std::vector<int32_t> group(N);
  int32_t n_groups = 0;
  if (group_ids) {
    check_cpu(*group_ids, "group_ids");
    TORCH_CHECK(group_ids->scalar_type() == at::kLong && group_ids->sizes() == scores.sizes(),
                "group_ids must be int64 (N,)");
    const int64_t* gid = group_ids->data_ptr<int64_t>();
    // Dense group index per element through a hash table over the ids (no sort, no id-sized table); a run of
    // equal ids (the usual layout: a group's completions side by side) costs one lookup.
    const int64_t cap = table_capacity(2 * N);
    const uint64_t mask = static_cast<uint64_t>(cap - 1);
    std::vector<int64_t> keys(cap, kEmptyKey);
    std::vector<int32_t> slot_group(cap, -1);
    for (int64_t i = 0; i < N; ++i) {
      if (i > 0 && gid[i] == gid[i - 1]) {
        group[i] = group[i - 1];
        continue;
      }
      TORCH_CHECK(gid[i] != kEmptyKey, "group id -2^63 is reserved");
      bool fresh = false;
      const int32_t s = table_insert_serial(keys.data(), mask, gid[i], &fresh);
      if (fresh) slot_group[s] = n_groups++;
      group[i] = slot_group[s];
    }
  } else {
    TORCH_CHECK(group_size >= 1 && N % group_size == 0, "group_size must divide the number of scores");
    for (int64_t i = 0; i < N; ++i) group[i] = static_cast<int32_t>(i / group_size);
    n_groups = static_cast<int32_t>(N / group_size);
  }
  std::vector<double> count(n_groups, 0.0), mean(n_groups, 0.0), denom(n_groups, 1.0);
  double all_count = 0.0, all_sum = 0.0;
  for (int64_t i = 0; i < N; ++i) {
    if (!std::isnan(x[i])) {
      count[group[i]] += 1.0;
      mean[group[i]] += static_cast<double>(x[i]);
    }
  }
  for (int32_t g = 0; g < n_groups; ++g) {
    all_count += count[g];
    all_sum += mean[g];
    mean[g] = count[g] > 0 ? mean[g] / count[g] : NAN;
  }
  auto std_of = [&](double m2, double c) {  // 0 for fewer than two values (torch.std would give NaN)
    if (c < 2) return 0.0;
    return std::sqrt(m2 / (unbiased ? c - 1 : c));
  };
  if (scale_mode == 1) {
    std::vector<double> m2(n_groups, 0.0);
    for (int64_t i = 0; i < N; ++i) {
      if (!std::isnan(x[i])) {
        const double dev = static_cast<double>(x[i]) - mean[group[i]];
        m2[group[i]] += dev * dev;
      }
    }
    for (int32_t g = 0; g < n_groups; ++g) denom[g] = std_of(m2[g], count[g]) + eps;
  } else if (scale_mode == 2) {
    const double all_mean = all_count > 0 ? all_sum / all_count : 0.0;
    double m2 = 0.0;
    for (int64_t i = 0; i < N; ++i) {
      if (!std::isnan(x[i])) {
        const double dev = static_cast<double>(x[i]) - all_mean;
        m2 += dev * dev;
      }
    }
    std::fill(denom.begin(), denom.end(), std_of(m2, all_count) + eps);
  }
  at::parallel_for(0, N, kMinParallelWork, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int32_t g = group[i];
      double v = static_cast<double>(x[i]) - mean[g];
      if (scale_mode != 0) v /= denom[g];
      y[i] = static_cast<float>(v);
    }
  });
  return out;
}

}  // namespace rewardgym
