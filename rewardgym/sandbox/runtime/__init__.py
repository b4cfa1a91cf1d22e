"""Code that runs *inside* the sandbox (standard library only, never imports rewardgym).

- :mod:`~rewardgym.sandbox.runtime.runner`: the process backend's one-shot runner and warm fork server.
- :mod:`~rewardgym.sandbox.runtime.jobsetup`: turns a process into the sandboxed job (limits, uid, seccomp).
- :mod:`~rewardgym.sandbox.runtime.harness`: the grader harness (tests in the parent, solution in a child).
- :mod:`~rewardgym.sandbox.runtime.bootstrap`: the per-job entry point inside Docker containers.
"""
