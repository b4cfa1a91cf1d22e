"""Batched rollout-scoring ops: pure-torch references (the spec), fast CPU paths and CUDA kernels."""
