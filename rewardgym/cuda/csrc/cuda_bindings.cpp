// Python bindings of the rewardgym CUDA kernels.
#include <torch/extension.h>

#include "cuda_ops.h"

namespace {

std::tuple<at::Tensor, at::Tensor> gae_binding(const at::Tensor& rewards, const c10::optional<at::Tensor>& values,
                                               const at::Tensor& dones,
                                               const c10::optional<at::Tensor>& last_values, double gamma,
                                               double lam, bool time_major) {
  return rewardgym::gae_cuda(rewards, values.value_or(at::Tensor()), dones, last_values.value_or(at::Tensor()),
                             gamma, lam, time_major);
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "rewardgym scoring ops: CUDA kernels";
  m.def("bleu_matches", &rewardgym::bleu_matches_cuda, "clipped n-gram matches (B, max_n)");
  m.def("gae", &gae_binding, "GAE advantages and returns");
  m.def("group_normalize", &rewardgym::group_normalize_cuda, "per-group normalisation");
  m.def("token_logprob", &rewardgym::token_logprob_cuda, "per-token log-probabilities and log-sum-exp");
}
