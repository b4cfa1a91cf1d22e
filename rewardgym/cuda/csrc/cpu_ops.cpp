// Python bindings of the rewardgym CPU kernels. rewardgym/cuda/reference.py is the specification they match.
#include <torch/extension.h>

#include "cpu_ops.h"

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "rewardgym scoring ops: CPU kernels";
  m.def("bleu_matches", &rewardgym::bleu_matches_cpu, "clipped n-gram matches (B, max_n)");
  m.def("bleu_scores", &rewardgym::bleu_scores_cpu, "sentence BLEU (B,) in one call");
  m.def("gae", &rewardgym::gae_cpu, "GAE advantages and returns");
  m.def("group_normalize", &rewardgym::group_normalize_cpu, "per-group normalisation");
  m.def("token_logprob", &rewardgym::token_logprob_cpu, "per-token log-probabilities and log-sum-exp");
}
