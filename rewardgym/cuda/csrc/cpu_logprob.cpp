// CPU kernel of the fused log-softmax + gather: per-token log-probabilities without materialising log_softmax.
//
// One pass per token row converts it to float32 (bfloat16 / float16 rows into a per-thread buffer) and takes its
// max; a second pass sums exp(x - max) in 8 float32 lanes, flushed into a float64 total every 512 columns;
// lse = max + log(total) and log p = x[target] - lse are float64. Rows are independent and split across threads
// only when the call is large. On x86-64 CPUs with AVX2 + FMA the loops run 8 floats at a time.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

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

// exp(x) for x <= 0 in float32 (Cephes expf: 2^n * P(r), relative error ~1e-7); branch-free so it vectorises.
// Inputs below -87 give ~1e-38 instead of 0 (negligible next to the row's max term, which is 1).
__attribute__((always_inline)) inline float exp_nonpos(float x) {
  x = x < -87.0f ? -87.0f : x;
  const float fx = x * 1.44269504088896341f;
  const float n = (fx + 12582912.0f) - 12582912.0f;  // round to nearest
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

constexpr int64_t kLanes = 8;
constexpr int64_t kFlush = 512;

__attribute__((always_inline)) inline float row_max(const float* x, int64_t V) {
  float m[kLanes];
  for (int64_t k = 0; k < kLanes; ++k) m[k] = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + kLanes <= V; i += kLanes) {
    for (int64_t k = 0; k < kLanes; ++k) m[k] = m[k] < x[i + k] ? x[i + k] : m[k];
  }
  float out = m[0];
  for (int64_t k = 1; k < kLanes; ++k) out = out < m[k] ? m[k] : out;
  for (; i < V; ++i) out = out < x[i] ? x[i] : out;
  return out;
}

__attribute__((always_inline)) inline double row_sumexp(const float* x, int64_t V, float shift) {
  double total = 0.0;
  int64_t i = 0;
  while (i + kLanes <= V) {
    float s[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t stop = std::min(V, i + kFlush);
    for (; i + kLanes <= stop; i += kLanes) {
      for (int64_t k = 0; k < kLanes; ++k) s[k] += exp_nonpos(x[i + k] - shift);
    }
    for (int64_t k = 0; k < kLanes; ++k) total += static_cast<double>(s[k]);
  }
  for (; i < V; ++i) total += static_cast<double>(exp_nonpos(x[i] - shift));
  return total;
}

__attribute__((always_inline)) inline void to_float(const c10::BFloat16* x, int64_t V, float* out) {
  const uint16_t* u = reinterpret_cast<const uint16_t*>(x);
  for (int64_t i = 0; i < V; ++i) {
    const uint32_t bits = static_cast<uint32_t>(u[i]) << 16;
    std::memcpy(out + i, &bits, sizeof(float));
  }
}

__attribute__((always_inline)) inline void to_float(const c10::Half* x, int64_t V, float* out) {
  for (int64_t i = 0; i < V; ++i) out[i] = static_cast<float>(x[i]);
}

// log-sum-exp of one row (float64), following the torch path's handling of infinite maxima.
template <typename scalar_t>
__attribute__((always_inline)) inline double row_lse(const scalar_t* x, int64_t V, float* buf) {
  const float* f;
  if constexpr (std::is_same<scalar_t, float>::value) {
    f = x;
  } else {
    to_float(x, V, buf);
    f = buf;
  }
  float m = row_max(f, V);
  if (std::isinf(m)) m = 0.0f;  // all -inf: the sum is 0 and lse = -inf; +inf: lse = +inf
  return static_cast<double>(m) + std::log(row_sumexp(f, V, m));
}

template <typename scalar_t>
struct Rows {
  const scalar_t* logits;
  int64_t s0, s1, T, V;
  const int64_t* targets;
  const bool* mask;
  double *logp, *lse;
};

template <typename scalar_t>
__attribute__((always_inline)) inline void rows_body(const Rows<scalar_t>& a, int64_t lo, int64_t hi) {
  std::vector<float> buf(std::is_same<scalar_t, float>::value ? 0 : a.V);
  for (int64_t i = lo; i < hi; ++i) {
    if (!a.mask[i]) {
      a.logp[i] = 0.0;
      a.lse[i] = 0.0;
      continue;
    }
    const scalar_t* row = a.logits + (i / a.T) * a.s0 + (i % a.T) * a.s1;
    const double lse = row_lse<scalar_t>(row, a.V, buf.data());
    const int64_t tgt = a.targets[i];
    a.lse[i] = lse;
    a.logp[i] = (tgt < 0 || tgt >= a.V) ? std::numeric_limits<double>::quiet_NaN()
                                        : static_cast<double>(static_cast<float>(row[tgt])) - lse;
  }
}

template <typename scalar_t>
void rows_default(const Rows<scalar_t>& a, int64_t lo, int64_t hi) {
  rows_body<scalar_t>(a, lo, hi);
}

template <typename scalar_t>
RG_TARGET_AVX2 void rows_avx2(const Rows<scalar_t>& a, int64_t lo, int64_t hi) {
  rows_body<scalar_t>(a, lo, hi);
}

}  // namespace

std::tuple<at::Tensor, at::Tensor> token_logprob_cpu(const at::Tensor& logits, const at::Tensor& targets,
                                                     const at::Tensor& mask) {
  TORCH_CHECK(logits.device().is_cpu() && logits.dim() == 3, "logits must be a CPU (B, T, V) tensor");
  TORCH_CHECK(logits.stride(2) == 1, "logits must be contiguous along the vocabulary");
  check_cpu(targets, "targets");
  check_cpu(mask, "mask");
  const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  TORCH_CHECK(targets.scalar_type() == at::kLong && targets.sizes() == logits.sizes().slice(0, 2),
              "targets must be int64 (B, T)");
  TORCH_CHECK(mask.scalar_type() == at::kBool && mask.sizes() == logits.sizes().slice(0, 2), "mask must be bool (B, T)");
  auto logp = at::zeros({B, T}, logits.options().dtype(at::kDouble));
  auto lse = at::zeros({B, T}, logits.options().dtype(at::kDouble));
  if (B * T == 0 || V == 0) return {logp, lse};
  const bool avx2 = cpu_has_avx2();
  AT_DISPATCH_SWITCH(logits.scalar_type(), "token_logprob_cpu",
                     AT_DISPATCH_CASE(at::kFloat, [&] {
                       using T_ = float;
                       const Rows<T_> a{logits.data_ptr<T_>(), logits.stride(0), logits.stride(1), T, V,
                                        targets.data_ptr<int64_t>(), mask.data_ptr<bool>(),
                                        logp.data_ptr<double>(), lse.data_ptr<double>()};
                       at::parallel_for(0, B * T, grain_for(V), [&](int64_t lo, int64_t hi) {
                         avx2 ? rows_avx2<T_>(a, lo, hi) : rows_default<T_>(a, lo, hi);
                       });
                     }) AT_DISPATCH_CASE(at::kBFloat16, [&] {
                       using T_ = c10::BFloat16;
                       const Rows<T_> a{logits.data_ptr<T_>(), logits.stride(0), logits.stride(1), T, V,
                                        targets.data_ptr<int64_t>(), mask.data_ptr<bool>(),
                                        logp.data_ptr<double>(), lse.data_ptr<double>()};
                       at::parallel_for(0, B * T, grain_for(V), [&](int64_t lo, int64_t hi) {
                         avx2 ? rows_avx2<T_>(a, lo, hi) : rows_default<T_>(a, lo, hi);
                       });
                     }) AT_DISPATCH_CASE(at::kHalf, [&] {
                       using T_ = c10::Half;
                       const Rows<T_> a{logits.data_ptr<T_>(), logits.stride(0), logits.stride(1), T, V,
                                        targets.data_ptr<int64_t>(), mask.data_ptr<bool>(),
                                        logp.data_ptr<double>(), lse.data_ptr<double>()};
                       at::parallel_for(0, B * T, grain_for(V), [&](int64_t lo, int64_t hi) {
                         avx2 ? rows_avx2<T_>(a, lo, hi) : rows_default<T_>(a, lo, hi);
                       });
                     }));
  return {logp, lse};
}

}  // namespace rewardgym
