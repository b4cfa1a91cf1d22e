// Token-id BLEU on the GPU: clipped n-gram match counts per candidate, one thread block per row.
//
// For each order n the block builds a hash table of the candidate's n-grams. The key of an n-gram is exact:
// the token itself for n = 1, and (slot of its (n-1)-gram prefix, slot of its last token) for n > 1, so no
// vocabulary-sized table and no hash collisions are involved. References are only looked up (an n-gram absent
// from the candidate cannot match); per-reference counts are folded into a running max, and the clipped sum
// min(candidate count, max reference count) over the table is the match count. The table lives in shared
// memory when it fits, in a global workspace otherwise.
#include <ATen/ATen.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>

#include "cuda_common.cuh"
#include "cuda_ops.h"

namespace rewardgym {
namespace {

constexpr int kBleuThreads = 256;

__global__ void __launch_bounds__(kBleuThreads)
    bleu_matches_kernel(const int64_t* __restrict__ cand, const int64_t* __restrict__ cand_len,
                        const int64_t* __restrict__ refs, const int64_t* __restrict__ ref_len, int64_t B, int64_t Lc,
                        int64_t R, int64_t Lr, int64_t max_n, int64_t cap, bool table_in_smem,
                        int64_t* __restrict__ ws_keys, int32_t* __restrict__ ws_counts,
                        int32_t* __restrict__ ws_pos, int64_t* __restrict__ out) {
  extern __shared__ __align__(16) unsigned char smem[];
  __shared__ int64_t warp_buf[32];
  const uint64_t mask = static_cast<uint64_t>(cap - 1);
  int64_t* keys;
  int32_t* counts;
  if (table_in_smem) {
    keys = reinterpret_cast<int64_t*>(smem);
    counts = reinterpret_cast<int32_t*>(keys + cap);
  } else {
    keys = ws_keys + static_cast<int64_t>(blockIdx.x) * cap;
    counts = ws_counts + static_cast<int64_t>(blockIdx.x) * 3 * cap;
  }
  int32_t* cand_count = counts;
  int32_t* ref_max = counts + cap;
  int32_t* ref_cur = counts + 2 * cap;
  int32_t* uni_c = ws_pos + static_cast<int64_t>(blockIdx.x) * 2 * (Lc + R * Lr);
  int32_t* prev_c = uni_c + Lc;
  int32_t* uni_r = prev_c + Lc;
  int32_t* prev_r = uni_r + R * Lr;
  const int64_t tid = threadIdx.x;

  for (int64_t b = blockIdx.x; b < B; b += gridDim.x) {  // grid-stride over rows
    const int64_t lc = min64(max64(cand_len[b], 0), Lc);
    const int64_t* c = cand + b * Lc;
    for (int64_t n = 1; n <= max_n; ++n) {
      const int64_t count = lc - n + 1;
      if (count <= 0) {  // uniform across the block
        if (tid == 0) out[b * max_n + n - 1] = 0;
        continue;
      }
      for (int64_t s = tid; s < cap; s += blockDim.x) {
        keys[s] = kEmptyKey;
        cand_count[s] = 0;
        ref_max[s] = 0;
        ref_cur[s] = 0;
      }
      __syncthreads();
      for (int64_t t = tid; t < count; t += blockDim.x) {
        const int64_t key = n == 1 ? c[t] : pack_ngram(prev_c[t], uni_c[t + n - 1]);
        const int32_t s = table_insert_atomic(keys, mask, key);
        atomicAdd(cand_count + s, 1);
        if (n == 1) uni_c[t] = s;
        prev_c[t] = s;
      }
      __syncthreads();
      for (int64_t r = 0; r < R; ++r) {
        const int64_t lr = min64(ref_len[b * R + r], Lr);
        const int64_t rcount = lr - n + 1;
        if (rcount <= 0) continue;  // uniform; also skips missing references (length -1)
        const int64_t* ref = refs + (b * R + r) * Lr;
        int32_t* ur = uni_r + r * Lr;
        int32_t* pr = prev_r + r * Lr;
        int32_t* target = R == 1 ? ref_max : ref_cur;  // one reference: its count is the max
        for (int64_t t = tid; t < rcount; t += blockDim.x) {
          int32_t s;
          if (n == 1) {
            s = table_find(keys, mask, ref[t]);
            ur[t] = s;
          } else {
            const int32_t p = pr[t];
            const int32_t u = ur[t + n - 1];
            s = (p < 0 || u < 0) ? -1 : table_find(keys, mask, pack_ngram(p, u));
          }
          pr[t] = s;
          if (s >= 0) atomicAdd(target + s, 1);
        }
        __syncthreads();
        if (R > 1) {
          for (int64_t s = tid; s < cap; s += blockDim.x) {
            const int32_t v = ref_cur[s];
            if (v) {
              ref_max[s] = max(ref_max[s], v);
              ref_cur[s] = 0;
            }
          }
          __syncthreads();
        }
      }
      int64_t matched = 0;
      for (int64_t s = tid; s < cap; s += blockDim.x) matched += min(cand_count[s], ref_max[s]);
      matched = block_sum(matched, warp_buf);
      if (tid == 0) out[b * max_n + n - 1] = matched;
    }
    __syncthreads();
  }
}

void check_cuda_long(const at::Tensor& t, const char* name, int64_t dim) {
  TORCH_CHECK(t.is_cuda(), name, " must be a CUDA tensor, got ", t.device());
  TORCH_CHECK(t.scalar_type() == at::kLong, name, " must be int64, got ", t.scalar_type());
  TORCH_CHECK(t.dim() == dim, name, " must have ", dim, " dimensions, got ", t.dim());
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
}

}  // namespace

at::Tensor bleu_matches_cuda(const at::Tensor& cand, const at::Tensor& cand_len, const at::Tensor& refs,
                             const at::Tensor& ref_len, int64_t max_n) {
  check_cuda_long(cand, "cand", 2);
  check_cuda_long(cand_len, "cand_len", 1);
  check_cuda_long(refs, "refs", 3);
  check_cuda_long(ref_len, "ref_len", 2);
  TORCH_CHECK(max_n >= 1, "max_n must be >= 1, got ", max_n);
  const int64_t B = cand.size(0), Lc = cand.size(1), R = refs.size(1), Lr = refs.size(2);
  TORCH_CHECK(refs.size(0) == B && cand_len.size(0) == B && ref_len.size(0) == B && ref_len.size(1) == R,
              "cand (B, Lc), cand_len (B,), refs (B, R, Lr) and ref_len (B, R) must agree on B and R");
  TORCH_CHECK(Lc < (int64_t(1) << 30) && Lr < (int64_t(1) << 30), "sequences longer than 2^30 are not supported");
  TORCH_CHECK(cand.device() == refs.device() && cand.device() == cand_len.device() &&
                  cand.device() == ref_len.device(),
              "all inputs must be on the same device");
  const c10::cuda::CUDAGuard guard(cand.device());
  auto out = at::empty({B, max_n}, cand.options());
  if (B == 0) return out;

  const int64_t cap = table_capacity(2 * Lc);
  const size_t table_bytes = static_cast<size_t>(cap) * (sizeof(int64_t) + 3 * sizeof(int32_t));
  const size_t smem_limit = device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin) > 1024 ? device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin) - 1024 : 0;
  const bool in_smem = table_bytes <= smem_limit;
  const int64_t grid = std::min<int64_t>(B, static_cast<int64_t>(device_attribute(cudaDevAttrMultiProcessorCount)) * 8);

  at::Tensor ws_keys, ws_counts;
  if (!in_smem) {
    ws_keys = at::empty({grid * cap}, cand.options());
    ws_counts = at::empty({grid * 3 * cap}, cand.options().dtype(at::kInt));
  }
  auto ws_pos = at::empty({std::max<int64_t>(grid * 2 * (Lc + R * Lr), 1)}, cand.options().dtype(at::kInt));
  const size_t smem = in_smem ? table_bytes : 0;
  if (smem > 48 * 1024) {
    C10_CUDA_CHECK(cudaFuncSetAttribute(bleu_matches_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                        static_cast<int>(smem)));
  }
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  bleu_matches_kernel<<<static_cast<unsigned>(grid), kBleuThreads, smem, stream>>>(
      cand.data_ptr<int64_t>(), cand_len.data_ptr<int64_t>(), refs.data_ptr<int64_t>(),
      ref_len.data_ptr<int64_t>(), B, Lc, R, Lr, max_n, cap, in_smem,
      in_smem ? nullptr : ws_keys.data_ptr<int64_t>(), in_smem ? nullptr : ws_counts.data_ptr<int32_t>(),
      ws_pos.data_ptr<int32_t>(), out.data_ptr<int64_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return out;
}

}  // namespace rewardgym
