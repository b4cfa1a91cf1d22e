"""Code that runs *inside* the sandbox (standard library only, never imports rewardgym).

- :mod:`~rewardgym.sandbox.runtime.runner`: sets a job up (limits, uid, seccomp) and runs it; the warm
  fork server of the process backend.
- :mod:`~rewardgym.sandbox.runtime.harness`: the grader harness (tests in the parent, solution in a child).
- :mod:`~rewardgym.sandbox.runtime.bootstrap`: the per-job entry point inside Docker containers.
"""
