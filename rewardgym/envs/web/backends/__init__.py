"""How a web env talks to the apps: the :class:`Backend` protocol and its two implementations.

- :mod:`~rewardgym.envs.web.backends.base`: :class:`Backend`, ``BACKENDS`` and :func:`make_backend`.
- :mod:`~rewardgym.envs.web.backends.http`: stdlib HTTP, no JavaScript (the default).
- :mod:`~rewardgym.envs.web.backends.chromium`: Playwright + system Chromium (``pip install "rewardgym[web]"``),
  imported only when chosen.
"""

from rewardgym.envs.web.backends.base import BACKENDS, Backend, make_backend

__all__ = ["BACKENDS", "Backend", "make_backend"]
