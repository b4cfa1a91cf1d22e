// CPU kernels of token-id BLEU: clipped n-gram matches, and whole sentence-BLEU scores in one call (lengths,
// closest reference length and NLTK's smoothing methods, as rewardgym/cuda/_bleu_math.py computes them).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "common.h"
#include "cpu_ops.h"

namespace rewardgym {
namespace {

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


// Smoothing codes, in the order of _bleu_math.CANONICAL_SMOOTHING.
enum Smoothing : int64_t { kNone, kFloor, kAddK, kMethod2, kExp, kMethod4, kMethod5, kMethod6, kMethod7 };

// BLEU of one sentence from its statistics (m, t: n_count >= n orders), step for step as _bleu_math.py.
double bleu_from_stats(const int64_t* m_all, const int64_t* t_all, int64_t n_count, const std::vector<double>& weights,
                       int64_t c, int64_t r, int64_t smoothing, double value, bool effective_order) {
  const int64_t n = static_cast<int64_t>(weights.size());
  double m[16], t[16], d[16], p[16], w[16];
  bool zero[16];
  for (int64_t i = 0; i < n; ++i) {
    m[i] = static_cast<double>(m_all[i]);
    t[i] = static_cast<double>(t_all[i]);
    d[i] = std::max(1.0, t[i]);
    p[i] = m[i] / d[i];
    zero[i] = m_all[i] == 0;
  }
  const double cd = static_cast<double>(c), rd = static_cast<double>(r);
  if (smoothing == kNone) {
    for (int64_t i = 0; i < n; ++i) p[i] = zero[i] ? DBL_MIN : p[i];
  } else if (smoothing == kFloor) {
    for (int64_t i = 0; i < n; ++i) p[i] = zero[i] ? value / d[i] : p[i];
  } else if (smoothing == kMethod2) {
    for (int64_t i = 1; i < n; ++i) p[i] = (m[i] + 1) / (d[i] + 1);
  } else if (smoothing == kAddK) {
    for (int64_t i = 1; i < n; ++i) p[i] = (m[i] + value) / (t[i] + value);
  } else if (smoothing == kExp) {
    double k = 0;
    for (int64_t i = 0; i < n; ++i) {
      k += zero[i] ? 1.0 : 0.0;
      if (zero[i]) p[i] = 1.0 / (std::pow(2.0, k) * d[i]);
    }
  }
  if (smoothing == kMethod4 || smoothing == kMethod7) {
    const double log_len = std::log(std::max(cd, 2.0));
    double k = 0;
    for (int64_t i = 0; i < n; ++i) {
      const bool hit = zero[i] && cd > 1;
      k += hit ? 1.0 : 0.0;
      if (hit) p[i] = 1.0 / (std::pow(2.0, k) * value / log_len) / d[i];
    }
  }
  if (smoothing == kMethod5 || smoothing == kMethod7) {
    double nxt[17];
    for (int64_t i = 0; i < n; ++i) nxt[i] = p[i];
    nxt[n] = static_cast<double>(m_all[4]) / std::max(1.0, static_cast<double>(t_all[4]));
    double prev = p[0] + 1;
    for (int64_t i = 0; i < n; ++i) {
      prev = (prev + nxt[i] + nxt[i + 1]) / 3;
      p[i] = prev;
    }
  }
  if (smoothing == kMethod6) {
    for (int64_t i = 2; i < n; ++i) {
      const double before = p[i - 2], last = p[i - 1];
      const double prior = before == 0 ? 0.0 : last * last / before;
      p[i] = (m[i] + value * prior) / (t[i] + value);
    }
  }
  double w_sum = 0;
  bool keep = true;
  for (int64_t i = 0; i < n; ++i) {
    w[i] = weights[i];
    if (effective_order) {
      const double shift = (smoothing == kAddK && i > 0) ? value : 0.0;
      keep = keep && (t[i] + shift) != 0;
      w[i] = keep ? w[i] : 0.0;
      w_sum += w[i];
    }
  }
  if (effective_order) {
    const double s = std::max(w_sum, std::numeric_limits<double>::min());
    for (int64_t i = 0; i < n; ++i) w[i] /= s;
  }
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] > 0) acc += w[i] * std::log(std::max(p[i], std::numeric_limits<double>::min()));
  }
  double bp = cd > rd ? 1.0 : std::exp(1 - rd / std::max(cd, 1.0));
  if (c == 0) bp = 0.0;
  double score = bp * std::exp(acc);
  if (zero[0]) score = 0.0;
  if (smoothing == kMethod6 && n >= 3 && zero[2] && !zero[0]) score = NAN;
  return score;
}

// Length of a right-padded row: the index of its first pad token, else the full width.
int64_t padded_length(const int64_t* row, int64_t width, int64_t pad) {
  for (int64_t i = 0; i < width; ++i) {
    if (row[i] == pad) return i;
  }
  return width;
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
  at::parallel_for(0, B, grain_for(4 * (Lc + R * Lr)), [&](int64_t begin, int64_t end) {
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

at::Tensor bleu_scores_cpu(const at::Tensor& cand, const std::optional<at::Tensor>& cand_len, const at::Tensor& refs,
                           const std::optional<at::Tensor>& ref_len, std::optional<int64_t> pad_token_id,
                           int64_t n_count, const std::vector<double>& weights, int64_t smoothing,
                           double smooth_value, bool effective_order) {
  check_cpu(cand, "cand");
  check_cpu(refs, "refs");
  TORCH_CHECK(cand.scalar_type() == at::kLong && refs.scalar_type() == at::kLong, "token ids must be int64");
  TORCH_CHECK(cand.dim() == 2 && refs.dim() == 3 && refs.size(0) == cand.size(0), "cand (B, Lc), refs (B, R, Lr)");
  const int64_t B = cand.size(0), Lc = cand.size(1), R = refs.size(1), Lr = refs.size(2);
  const int64_t n = static_cast<int64_t>(weights.size());
  TORCH_CHECK(n >= 1 && n <= 16 && n_count >= n && n_count <= 16, "1 <= len(weights) <= n_count <= 16");
  TORCH_CHECK(n_count >= 5 || (smoothing != 6 && smoothing != 8), "method5 / method7 need n_count >= 5");
  TORCH_CHECK(smoothing >= 0 && smoothing <= 8, "unknown smoothing code");
  TORCH_CHECK(Lc < (int64_t(1) << 30) && Lr < (int64_t(1) << 30), "sequences longer than 2^30 are not supported");
  const int64_t* cl = nullptr;
  const int64_t* rl = nullptr;
  if (cand_len) {
    check_cpu(*cand_len, "cand_len");
    TORCH_CHECK(cand_len->scalar_type() == at::kLong && cand_len->numel() == B, "cand_len must be int64 (B,)");
    cl = cand_len->data_ptr<int64_t>();
  }
  if (ref_len) {
    check_cpu(*ref_len, "ref_len");
    TORCH_CHECK(ref_len->scalar_type() == at::kLong && ref_len->numel() == B * R, "ref_len must be int64 (B, R)");
    rl = ref_len->data_ptr<int64_t>();
  }
  auto out = at::empty({B}, cand.options().dtype(at::kFloat));
  const int64_t* c = cand.data_ptr<int64_t>();
  const int64_t* rf = refs.data_ptr<int64_t>();
  float* o = out.data_ptr<float>();
  at::parallel_for(0, B, grain_for(4 * (Lc + R * Lr)), [&](int64_t begin, int64_t end) {
    BleuScratch w;
    std::vector<int64_t> lens(R), matches(n_count), totals(n_count);
    for (int64_t b = begin; b < end; ++b) {
      const int64_t* row = c + b * Lc;
      const int64_t* rrow = rf + b * R * Lr;
      int64_t lc = cl ? cl[b] : (pad_token_id ? padded_length(row, Lc, *pad_token_id) : Lc);
      TORCH_CHECK(lc >= 0 && lc <= Lc, "cand_len out of range in row ", b);
      for (int64_t t = 0; t < lc; ++t) {
        TORCH_CHECK(row[t] != kEmptyKey, "token id -2^63 is reserved (row ", b, ")");
      }
      bool has_ref = false;
      int64_t closest = 0, best = std::numeric_limits<int64_t>::max();
      for (int64_t j = 0; j < R; ++j) {
        int64_t len = rl ? rl[b * R + j] : (pad_token_id ? padded_length(rrow + j * Lr, Lr, *pad_token_id) : Lr);
        TORCH_CHECK(len >= -1 && len <= Lr, "ref_len out of range in row ", b);
        lens[j] = len;
        if (len < 0) continue;
        const int64_t diff = len > lc ? len - lc : lc - len;
        if (!has_ref || diff < best || (diff == best && len < closest)) {
          best = diff;
          closest = len;
        }
        has_ref = true;
      }
      if (!has_ref) {
        o[b] = NAN;
        continue;
      }
      std::fill(matches.begin(), matches.end(), 0);
      bleu_row(row, lc, rrow, lens.data(), R, Lr, n_count, w, matches.data());
      for (int64_t k = 0; k < n_count; ++k) totals[k] = std::max<int64_t>(0, lc - k);
      o[b] = static_cast<float>(bleu_from_stats(matches.data(), totals.data(), n_count, weights, lc, closest,
                                                smoothing, smooth_value, effective_order));
    }
  });
  return out;
}

}  // namespace rewardgym
