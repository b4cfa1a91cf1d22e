// CPU kernels of the rewardgym scoring ops: token-id BLEU n-gram matches, GAE / discounted returns, and
// segmented group normalisation. rewardgym/cuda/reference.py is the specification these must match.
#include <torch/extension.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "common.h"

namespace rewardgym {
namespace {

void check_cpu(const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.device().is_cpu(), name, " must be a CPU tensor, got ", t.device());
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
}

// Per-row scratch space for the n-gram counting, reused across the rows one thread handles.
struct BleuScratch {
  std::vector<int64_t> keys;
  std::vector<int32_t> cand_count, ref_max, ref_cur, distinct, touched;
  std::vector<int32_t> uni_c, prev_c, uni_r, prev_r;
};

// Clipped n-gram matches of one candidate against its references, for n = 1..max_n, written to out[0..max_n).
void bleu_row(const int64_t* cand, int64_t lc, const int64_t* refs, const int64_t* ref_len, int64_t R, int64_t Lr,
              int64_t max_n, BleuScratch& w, int64_t* out) {
  const int64_t cap = table_capacity(2 * lc);
  const uint64_t mask = static_cast<uint64_t>(cap - 1);
  w.keys.resize(cap);
  w.cand_count.assign(cap, 0);
  w.ref_max.assign(cap, 0);
  w.ref_cur.assign(cap, 0);
  w.uni_c.resize(lc);
  w.prev_c.resize(lc);
  w.uni_r.resize(R * Lr);
  w.prev_r.resize(R * Lr);
  for (int64_t n = 1; n <= max_n; ++n) {
    const int64_t count = lc - n + 1;
    if (count <= 0) break;  // out is zero-initialised
    std::fill(w.keys.begin(), w.keys.end(), kEmptyKey);
    for (int32_t s : w.distinct) {
      w.cand_count[s] = 0;
      w.ref_max[s] = 0;
    }
    w.distinct.clear();
    // Candidate n-grams: insert, count. The slot of each n-gram is its id for the next order.
    for (int64_t t = 0; t < count; ++t) {
      const int64_t key = n == 1 ? cand[t] : pack_ngram(w.prev_c[t], w.uni_c[t + n - 1]);
      bool fresh = false;
      const int32_t s = table_insert_serial(w.keys.data(), mask, key, &fresh);
      if (fresh) w.distinct.push_back(s);
      ++w.cand_count[s];
      if (n == 1) w.uni_c[t] = s;
      w.prev_c[t] = s;
    }
    // References: look up only (an n-gram absent from the candidate cannot match), keep the max count.
    for (int64_t r = 0; r < R; ++r) {
      const int64_t lr = std::min(ref_len[r], Lr);
      const int64_t rcount = lr - n + 1;
      if (rcount <= 0) continue;  // also skips missing references (length -1)
      int32_t* ur = w.uni_r.data() + r * Lr;
      int32_t* pr = w.prev_r.data() + r * Lr;
      const int64_t* ref = refs + r * Lr;
      w.touched.clear();
      for (int64_t t = 0; t < rcount; ++t) {
        int32_t s;
        if (n == 1) {
          s = table_find(w.keys.data(), mask, ref[t]);
          ur[t] = s;
        } else {
          const int32_t p = pr[t], u = ur[t + n - 1];
          s = (p < 0 || u < 0) ? -1 : table_find(w.keys.data(), mask, pack_ngram(p, u));
        }
        pr[t] = s;
        if (s >= 0) {
          if (w.ref_cur[s] == 0) w.touched.push_back(s);
          ++w.ref_cur[s];
        }
      }
      for (int32_t s : w.touched) {
        w.ref_max[s] = std::max(w.ref_max[s], w.ref_cur[s]);
        w.ref_cur[s] = 0;
      }
    }
    int64_t matched = 0;
    for (int32_t s : w.distinct) matched += std::min(w.cand_count[s], w.ref_max[s]);
    out[n - 1] = matched;
  }
  for (int32_t s : w.distinct) {
    w.cand_count[s] = 0;
    w.ref_max[s] = 0;
  }
  w.distinct.clear();
}

}  // namespace

at::Tensor bleu_matches_cpu(const at::Tensor& cand, const at::Tensor& cand_len, const at::Tensor& refs,
                            const at::Tensor& ref_len, int64_t max_n) {
  check_cpu(cand, "cand");
  check_cpu(cand_len, "cand_len");
  check_cpu(refs, "refs");
  check_cpu(ref_len, "ref_len");
  TORCH_CHECK(cand.scalar_type() == at::kLong && refs.scalar_type() == at::kLong, "token ids must be int64");
  TORCH_CHECK(cand_len.scalar_type() == at::kLong && ref_len.scalar_type() == at::kLong, "lengths must be int64");
  TORCH_CHECK(cand.dim() == 2 && refs.dim() == 3, "cand must be (B, Lc) and refs (B, R, Lr)");
  const int64_t B = cand.size(0), Lc = cand.size(1), R = refs.size(1), Lr = refs.size(2);
  TORCH_CHECK(refs.size(0) == B && cand_len.numel() == B && ref_len.numel() == B * R, "batch sizes differ");
  TORCH_CHECK(max_n >= 1, "max_n must be >= 1");
  TORCH_CHECK(Lc < (int64_t(1) << 30) && Lr < (int64_t(1) << 30), "sequences longer than 2^30 are not supported");
  auto out = at::zeros({B, max_n}, cand.options());
  const int64_t* c = cand.data_ptr<int64_t>();
  const int64_t* cl = cand_len.data_ptr<int64_t>();
  const int64_t* rf = refs.data_ptr<int64_t>();
  const int64_t* rl = ref_len.data_ptr<int64_t>();
  int64_t* o = out.data_ptr<int64_t>();
  at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
    BleuScratch w;
    for (int64_t b = begin; b < end; ++b) {
      const int64_t lc = std::min(std::max<int64_t>(cl[b], 0), Lc);
      const int64_t* row = c + b * Lc;
      for (int64_t t = 0; t < lc; ++t) {
        TORCH_CHECK(row[t] != kEmptyKey, "token id -2^63 is reserved (row ", b, ")");
      }
      bleu_row(row, lc, rf + b * R * Lr, rl + b * R, R, Lr, max_n, w, o + b * max_n);
    }
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> gae_cpu(const at::Tensor& rewards, const c10::optional<at::Tensor>& values,
                                           const at::Tensor& dones, const c10::optional<at::Tensor>& last_values,
                                           double gamma, double lam) {
  check_cpu(rewards, "rewards");
  check_cpu(dones, "dones");
  TORCH_CHECK(rewards.dim() == 2, "rewards must be (B, T)");
  TORCH_CHECK(dones.scalar_type() == at::kBool && dones.sizes() == rewards.sizes(), "dones must be bool (B, T)");
  const int64_t B = rewards.size(0), T = rewards.size(1);
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
  AT_DISPATCH_FLOATING_TYPES(rewards.scalar_type(), "gae_cpu", [&] {
    const scalar_t* r = rewards.data_ptr<scalar_t>();
    const scalar_t* v = values ? values->data_ptr<scalar_t>() : nullptr;
    const scalar_t* lv = last_values ? last_values->data_ptr<scalar_t>() : nullptr;
    const bool* d = dones.data_ptr<bool>();
    scalar_t* a = adv.data_ptr<scalar_t>();
    scalar_t* g = ret.data_ptr<scalar_t>();
    // Each row is a serial recurrence, so one row at a time waits on the latency of every multiply-add.
    // Rows are independent: full blocks of kRows rows walk backwards in lockstep (a fixed-size inner loop the
    // compiler keeps in registers), keeping kRows chains in flight; same arithmetic, in the same order, per row.
    constexpr int64_t kRows = 4;
    auto rows = [&](int64_t b0, auto n_rows) {
      constexpr int64_t n = decltype(n_rows)::value;
      double next_value[n], next_adv[n];
      for (int64_t k = 0; k < n; ++k) {
        next_value[k] = lv ? static_cast<double>(lv[b0 + k]) : 0.0;
        next_adv[k] = 0.0;
      }
      for (int64_t t = T - 1; t >= 0; --t) {
        for (int64_t k = 0; k < n; ++k) {
          const int64_t i = (b0 + k) * T + t;
          const double value = v ? static_cast<double>(v[i]) : 0.0;
          const double live = d[i] ? 0.0 : 1.0;
          const double delta = static_cast<double>(r[i]) + gamma * next_value[k] * live - value;
          next_adv[k] = delta + gamma * lam * live * next_adv[k];
          a[i] = static_cast<scalar_t>(next_adv[k]);
          g[i] = static_cast<scalar_t>(next_adv[k] + value);
          next_value[k] = value;
        }
      }
    };
    at::parallel_for(0, B, 16, [&](int64_t begin, int64_t end) {
      int64_t b = begin;
      for (; b + kRows <= end; b += kRows) rows(b, std::integral_constant<int64_t, kRows>{});
      for (; b < end; ++b) rows(b, std::integral_constant<int64_t, 1>{});
    });
  });
  return {adv, ret};
}

at::Tensor group_normalize_cpu(const at::Tensor& scores, const at::Tensor& group_ids, bool scale, double eps) {
  check_cpu(scores, "scores");
  check_cpu(group_ids, "group_ids");
  TORCH_CHECK(scores.scalar_type() == at::kFloat, "scores must be float32");
  TORCH_CHECK(group_ids.scalar_type() == at::kLong, "group_ids must be int64");
  TORCH_CHECK(scores.dim() == 1 && group_ids.sizes() == scores.sizes(), "scores and group_ids must be (N,)");
  const int64_t N = scores.numel();
  auto out = at::empty_like(scores);
  const float* x = scores.data_ptr<float>();
  const int64_t* gid = group_ids.data_ptr<int64_t>();
  float* y = out.data_ptr<float>();
  // Dense group index per element through a hash table over the ids (no sort, no id-sized table).
  const int64_t cap = table_capacity(2 * N);
  const uint64_t mask = static_cast<uint64_t>(cap - 1);
  std::vector<int64_t> keys(cap, kEmptyKey);
  std::vector<int32_t> slot_group(cap, -1);
  std::vector<int32_t> group(N);
  int32_t n_groups = 0;
  for (int64_t i = 0; i < N; ++i) {
    TORCH_CHECK(gid[i] != kEmptyKey, "group id -2^63 is reserved");
    bool fresh = false;
    const int32_t s = table_insert_serial(keys.data(), mask, gid[i], &fresh);
    if (fresh) slot_group[s] = n_groups++;
    group[i] = slot_group[s];
  }
  std::vector<double> count(n_groups, 0.0), mean(n_groups, 0.0), m2(n_groups, 0.0);
  for (int64_t i = 0; i < N; ++i) {
    if (!std::isnan(x[i])) {
      count[group[i]] += 1.0;
      mean[group[i]] += static_cast<double>(x[i]);
    }
  }
  for (int32_t g = 0; g < n_groups; ++g) mean[g] = count[g] > 0 ? mean[g] / count[g] : NAN;
  if (scale) {
    for (int64_t i = 0; i < N; ++i) {
      if (!std::isnan(x[i])) {
        const double dev = static_cast<double>(x[i]) - mean[group[i]];
        m2[group[i]] += dev * dev;
      }
    }
  }
  at::parallel_for(0, N, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int32_t g = group[i];
      double v = static_cast<double>(x[i]) - mean[g];
      if (scale) v /= std::sqrt(m2[g] / count[g]) + eps;
      y[i] = static_cast<float>(v);
    }
  });
  return out;
}

}  // namespace rewardgym

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "rewardgym scoring ops: CPU kernels";
  m.def("bleu_matches", &rewardgym::bleu_matches_cpu, "clipped n-gram matches (B, max_n)");
  m.def("gae", &rewardgym::gae_cpu, "GAE advantages and returns");
  m.def("group_normalize", &rewardgym::group_normalize_cpu, "per-group normalisation");
}
